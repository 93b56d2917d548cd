package io.mixnorm.nn;

import io.mixnorm.gmm.GaussianMixture;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one {@link MixtureNorm} while {@link PreciseStatistics} runs training-mode forwards
 * through the network: what the layer does in that forward instead of a training step, and what
 * it has gathered. The layer's running mixture, counters and random stream are never touched
 * while a pass is set; only {@link MixtureNorm#writePopulation} writes the result.
 */
final class Population {

    /** What a training-mode forward of the layer does while this pass is set. */
    enum Phase {
        /**
         * Pass 1: keep up to {@code fitSamples} random rows of the batch (float64, input
         * coordinates) and return the transductive output ({@link MixtureNorm.InferenceMode#BATCH}).
         */
        COLLECT,
        /**
         * Pass 2: posteriors from the population mixture {@link #theta}, equations (2)–(7) on the
         * batch, and the batch's {@code λ_k, E_k, V_k} added to the sums when {@link #record}.
         */
        MEASURE,
        /** The transductive output only, nothing gathered (batch-statistics evaluation). */
        TRANSDUCTIVE
    }

    Phase phase;
    /** MEASURE: whether this batch's statistics count (false for calibration forwards). */
    boolean record = true;

    // COLLECT
    final List<double[]> samples = new ArrayList<>();
    int rows;
    int dim;

    // MEASURE: the population mixture (POSITION) or per-channel mixtures (CHANNEL); null for K = 1
    GaussianMixture theta;
    GaussianMixture[] thetaPerChannel;
    double[] lambdaSum;
    double[] meanSum;
    double[] varSum;
    int batches;

    Population(Phase phase) {
        this.phase = phase;
    }

    void addRows(double[] sample, int m, int c) {
        samples.add(sample);
        rows += m;
        dim = c;
    }

    /** All collected rows, row-major {@code rows × dim}. */
    double[] pooled() {
        double[] out = new double[rows * dim];
        int at = 0;
        for (double[] s : samples) {
            System.arraycopy(s, 0, out, at, s.length);
            at += s.length;
        }
        return out;
    }

    void accumulate(double[] lambda, double[] mean, double[] var) {
        if (lambdaSum == null) {
            lambdaSum = new double[lambda.length];
            meanSum = new double[mean.length];
            varSum = new double[var.length];
        }
        add(lambdaSum, lambda);
        add(meanSum, mean);
        add(varSum, var);
        batches++;
    }

    private static void add(double[] sum, double[] v) {
        for (int i = 0; i < v.length; i++) {
            sum[i] += v[i];
        }
    }
}
