package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.util.SplittableRandom;

/**
 * What a "sample" of equations (1)–(7) is ({@link MixtureNorm.SampleMode}): the parts of the
 * transform that depend on it. A mixture is given as one {@link GaussianMixture} per group of
 * channels that shares posteriors: one over {@code R^C} ({@code POSITION}, {@link PositionSamples})
 * or C one-dimensional ones ({@code CHANNEL}, {@link ChannelSamples}). All arrays are in the
 * shifted coordinates of the rows.
 */
interface Samples {

    /**
     * @return the implementation of {@code mode}
     */
    static Samples of(MixtureNorm.SampleMode mode) {
        return mode == MixtureNorm.SampleMode.POSITION
                ? PositionSamples.INSTANCE
                : ChannelSamples.INSTANCE;
    }

    /**
     * @return whether τ needs a mixture with {@code k} components (not when τ ≡ 1)
     */
    boolean needsMixture(int k);

    /** EM on {@code rows × c} float64 values, warm-started from {@code warm} (null: seeding). */
    GaussianMixture[] fit(
            GmmFitter fitter,
            double[] sample,
            int rows,
            int c,
            int k,
            GaussianMixture[] warm,
            SplittableRandom rng);

    /**
     * Equation (1) on every row.
     *
     * @param rowsD detached rows {@code (m, C)}
     * @param sqD detached {@code rowsD∘rowsD}, or null (then computed if needed)
     * @param theta the mixture, or null when {@link #needsMixture} is false (τ ≡ 1)
     * @return τ: {@code (m, K)} (POSITION) or {@code (K, m, C)} (CHANNEL)
     */
    NDArray posteriors(NDArray rowsD, NDArray sqD, GaussianMixture[] theta);

    /**
     * Equations (2)–(5) for posteriors {@code tau} (constant); rows and squares carry gradient, the
     * squares as {@link MixtureOps#squares} makes them (half gradient, doubled here).
     */
    MixtureOps.Result statistics(NDArray rows, NDArray sq, NDArray tau);

    /** Equations (6)–(7) with the given λ, E (shifted coordinates), V. */
    NDArray normalize(
            NDArray rows,
            NDArray tau,
            NDArray lambda,
            NDArray mean,
            NDArray var,
            NDArray gamma,
            NDArray beta,
            float eps);
}
