package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.gmm.GaussianMixture;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The state of one {@link MixtureNorm} while {@link PreciseStatistics} runs training-mode forwards
 * through the network: what the layer does in that forward instead of a training step, and what it
 * has gathered, and the code of those forwards. The layer's running mixture, counters and random
 * stream are never touched while a pass is set; only {@link #write} writes the result.
 */
final class Population {

    /** What a training-mode forward of the layer does while this pass is set. */
    enum Phase {
        /**
         * Pass 1: keep up to {@code fitSamples} random rows of the batch (float64, input
         * coordinates) and return the transductive output ({@link
         * MixtureNorm.InferenceMode#BATCH}).
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

    // MEASURE: the population mixture, one per group of channels as in Samples; null for τ ≡ 1
    GaussianMixture[] theta;
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

    // ------------------------------------------------------------------ the layer's forwards

    /** Salt of the row subsample of {@link Phase#COLLECT} (its own random stream). */
    private static final long SALT = 0x5DEECE66DL;

    /** A training-mode forward of {@code mn} while this pass is set: no state of it changes. */
    NDArray forward(MixtureNorm mn, NDArray x, NDArray g, NDArray b, RunningMixture.Values run) {
        switch (phase) {
            case COLLECT:
                collect(mn, x);
                return mn.batchForward(x, g, b, run, false);
            case MEASURE:
                return measure(mn, x, g, b);
            default:
                return mn.batchForward(x, g, b, run, false);
        }
    }

    /** Keeps at most {@code fitSamples} random rows of the batch, float64, input coordinates. */
    private void collect(MixtureNorm mn, NDArray x) {
        NDArray rows = MixtureOps.toRows(x.stopGradient());
        SplittableRandom rng = new SplittableRandom(mn.getSeed() ^ SALT + samples.size());
        double[] sample = mn.estimator.sampleRows(mn, x, rows, rng);
        int c = (int) mn.channels;
        addRows(sample, sample.length / c, c);
    }

    /**
     * Fits the population mixture on the rows of every collected batch: EM warm-started from the
     * running mixture (which keeps the components' identities), {@code emIterations} steps.
     */
    void fit(MixtureNorm mn, int emIterations) {
        if (!mn.samples().needsMixture(mn.getComponents())) {
            return; // τ = 1: nothing to fit
        }
        RunningMixture running = mn.running;
        GaussianMixture[] warm =
                running.isInitialised() ? running.mixtures(running.arrays(), false) : null;
        theta =
                mn.samples()
                        .fit(
                                MixtureEstimator.fitter(emIterations),
                                pooled(),
                                rows,
                                (int) mn.channels,
                                mn.getComponents(),
                                warm,
                                new SplittableRandom(mn.getSeed() ^ SALT));
    }

    /** Equations (1)–(7) on the batch with posteriors from the population mixture. */
    private NDArray measure(MixtureNorm mn, NDArray x, NDArray g, NDArray b) {
        Shape shape = x.getShape();
        int c = (int) mn.channels;
        long m = shape.size() / c;
        int[] axes = shape.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double[] shift = ChannelNorm.toDoubles(x.stopGradient().sum(axes).div(m));
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray sq = MixtureOps.squares(rows);
        Samples s = mn.samples();
        NDArray tau =
                s.posteriors(
                        rows.stopGradient(),
                        sq.stopGradient(),
                        theta == null ? null : MixtureOps.shifted(theta, shift));
        MixtureOps.Result r = s.statistics(rows, sq, tau);
        mn.checkFinite(x, r.mean, r.var);
        NDArray out = s.normalize(rows, tau, r.lambda, r.mean, r.var, g, b, mn.getEpsilon());
        if (record) {
            double[] lambda = ChannelNorm.toDoubles(r.lambda);
            double[] mean = ChannelNorm.toDoubles(r.mean.stopGradient());
            double[] var = ChannelNorm.toDoubles(r.var.stopGradient());
            double[] sumV2 = ChannelNorm.toDoubles(r.sumV2);
            for (int i = 0; i < mean.length; i++) {
                mean[i] += shift[i % c];
                // the unbiased variance, as the running average receives it (reliability
                // weights); Σ v² is per component (POSITION) or per component and channel
                int w = sumV2.length == var.length ? i : i / c;
                var[i] /= Math.max(1 - sumV2[w], 0.5);
            }
            accumulate(lambda, mean, var);
        }
        return MixtureOps.fromRows(out, shape);
    }

    /**
     * Replaces the running mixture of {@code mn} by the equal-weight averages of the measured
     * batches, past the moving averages' start-up (no de-biasing applies to it).
     */
    void write(MixtureNorm mn) {
        double n = batches;
        double[] w = lambdaSum.clone();
        double[] mu = meanSum.clone();
        double[] var = varSum.clone();
        for (double[] a : new double[][] {w, mu, var}) {
            for (int i = 0; i < a.length; i++) {
                a[i] /= n;
            }
        }
        mn.running.replace(w, mu, var);
        mn.lastFits = theta;
    }
}
