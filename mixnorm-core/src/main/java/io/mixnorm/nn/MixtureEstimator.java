package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Estimating the mixture on a mini-batch (specification §3) for a {@link MixtureNorm}: EM on a
 * random subsample of at most {@code fitSamples} rows, in float64, outside autograd, with all
 * randomness a deterministic function of the layer's seed and its number of training calls.
 */
final class MixtureEstimator {

    private final Samples samples;
    private final int components;
    private final int fitSamples;
    private final long seed;
    private final GmmFitter fitter;

    MixtureEstimator(Samples samples, int components, int emIterations, int fitSamples, long seed) {
        this.samples = samples;
        this.components = components;
        this.fitSamples = fitSamples;
        this.seed = seed;
        this.fitter = fitter(emIterations);
    }

    /** The EM fitter with the layer's weight floor, {@code emIterations} steps. */
    static GmmFitter fitter(int emIterations) {
        return GmmFitter.builder()
                .optEmIterations(emIterations)
                .optWeightFloor(MixtureNorm.LAMBDA_FLOOR)
                .optTrackFinalLogLikelihood(false)
                .build();
    }

    /**
     * The random stream of a batch-mode forward: a function of the seed and the number of training
     * calls so far; {@link MixtureNorm.InferenceMode#BATCH} inference has its own.
     */
    SplittableRandom rng(long calls, boolean training) {
        long s = seed * 0x9E3779B97F4A7C15L + calls;
        if (!training) {
            s ^= 0xD1B54A32D192ED03L; // a separate stream for BATCH inference
        }
        return new SplittableRandom(s).split();
    }

    /**
     * EM on the rows, warm-started from {@code warm} (k-means++ seeding when null).
     *
     * @param sample row-major float64 rows of {@code c} values
     * @param c C
     * @param warm the starting mixture in the rows' coordinates, or null
     * @param rng the random stream
     * @return the fitted mixture (one per group of channels)
     */
    GaussianMixture[] fit(double[] sample, int c, GaussianMixture[] warm, SplittableRandom rng) {
        return samples.fit(fitter, sample, sample.length / c, c, components, warm, rng);
    }

    /**
     * At most {@code fitSamples} rows of {@code rowsD} (a sorted random subset when there are
     * more), float64, checked to be finite.
     *
     * @param layer the layer, for the error message
     * @param x the input, for the error message
     * @param rowsD detached rows {@code (m, C)}
     * @param rng the random stream (drawn from only when there are more rows)
     * @return the rows, row-major
     * @throws NonFiniteInputException when a value is not finite
     */
    double[] sampleRows(ChannelNorm layer, NDArray x, NDArray rowsD, SplittableRandom rng) {
        long m = rowsD.getShape().get(0);
        double[] sample;
        if (m <= fitSamples) {
            sample = ChannelNorm.toDoubles(rowsD);
        } else {
            NDArray index = x.getManager().create(subsample((int) m, fitSamples, rng));
            sample = ChannelNorm.toDoubles(rowsD.get(index));
        }
        for (double v : sample) {
            if (!Double.isFinite(v)) {
                throw layer.nonFinite(x);
            }
        }
        return sample;
    }

    /** Sorted random subset of {@code k} of {@code n} indices (partial Fisher–Yates). */
    private static long[] subsample(int n, int k, SplittableRandom rng) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
            out[i] = perm[i];
        }
        Arrays.sort(out);
        return out;
    }
}
