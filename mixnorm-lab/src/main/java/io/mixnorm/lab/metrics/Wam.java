package io.mixnorm.lab.metrics;

import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import io.mixnorm.lab.UserException;
import java.util.SplittableRandom;

/**
 * WaM: a Wasserstein distance between Gaussian mixtures fitted to two feature sets (in the spirit
 * of Luzi et al., "Evaluating generative networks using Gaussian mixtures of image features",
 * 2021/2023).
 *
 * <p>Each feature set gets a <b>diagonal-covariance</b> Gaussian mixture with {@code K} components,
 * fitted by the project's {@link GmmFitter} (k-means++ seeding, Lloyd steps, EM in log space, with
 * its variance and weight floors). Between the two mixtures {@code μ = Σ_k a_k N_k} and {@code ν =
 * Σ_l b_l N_l} we compute the mixture-Wasserstein distance of Delon &amp; Desolneux (2020),
 * 2-Wasserstein restricted to couplings that are themselves Gaussian mixtures:
 *
 * <pre>
 *   MW₂²(μ, ν) = min_π Σ_kl π_kl W₂²(N_k, N_l),   Σ_l π_kl = a_k,  Σ_k π_kl = b_l,  π ≥ 0
 * </pre>
 *
 * <p>solved exactly as a {@code K×K} transportation LP ({@link Transport}), with the closed form
 * for diagonal Gaussians {@code W₂²(N_k, N_l) = ‖μ_k − μ_l‖² + Σ_c (σ_kc − σ_lc)²}.
 *
 * <p>The reported value is the <b>squared</b> distance {@code MW₂²}, like the FD (which is the
 * squared W₂ between single Gaussians). With {@code K = 1} it is the FD between the two diagonal
 * Gaussians, i.e. {@code ‖μ_a − μ_b‖² + Σ_c (σ_a,c − σ_b,c)²} with maximum-likelihood ({@code 1/n})
 * variances.
 *
 * <p>Each fit uses {@code new SplittableRandom(seed)}, the same seed for both sets, so {@code
 * wam(a, b) == wam(b, a)} exactly and results are reproducible. Because the mixtures are diagonal
 * (and our fitter, floors and K are ours), values are not comparable with WaM numbers published
 * with other GMM fits.
 */
public final class Wam {
    /** Default number of mixture components. */
    public static final int DEFAULT_COMPONENTS = 10;

    /** Default number of EM iterations per fit. */
    public static final int DEFAULT_EM_ITERATIONS = 100;

    private Wam() {}

    /** The value and what it was computed from. */
    public record Result(double value, GaussianMixture a, GaussianMixture b, double[][] coupling) {}

    /**
     * Fits a {@code components}-component diagonal GMM to each set and returns {@code MW₂²} between
     * them.
     *
     * @param a first set, {@code n_a × d}
     * @param b second set, {@code n_b × d}
     * @param components {@code K ≥ 1}, at most the number of samples of each set
     * @param seed seed of each fit
     * @param emIterations EM steps per fit, ≥ 1
     * @return the value (squared), the mixtures and the optimal coupling
     * @throws UserException on different widths, too few samples or non-finite features
     */
    public static Result between(
            FeatureMatrix a, FeatureMatrix b, int components, long seed, int emIterations) {
        if (a.cols() != b.cols()) {
            throw new UserException(
                    String.format(
                            java.util.Locale.ROOT,
                            "feature widths differ: %s has %d features per sample, %s has %d",
                            a.source(),
                            a.cols(),
                            b.source(),
                            b.cols()));
        }
        if (components < 1) {
            throw new UserException("--components must be >= 1, got " + components);
        }
        if (emIterations < 1) {
            throw new UserException("--em-iterations must be >= 1, got " + emIterations);
        }
        GaussianMixture ga = fit(a, components, seed, emIterations);
        GaussianMixture gb = fit(b, components, seed, emIterations);
        Transport.Plan plan = mixtureW2(ga, gb);
        return new Result(plan.cost(), ga, gb, plan.coupling());
    }

    /**
     * Fits a diagonal GMM with the project's fitter.
     *
     * @param x the features ({@code n ≥ max(2, K)} rows, finite)
     * @param components {@code K}
     * @param seed the seed of the fit's {@link SplittableRandom}
     * @param emIterations EM steps
     * @return the mixture
     */
    public static GaussianMixture fit(
            FeatureMatrix x, int components, long seed, int emIterations) {
        if (x.rows() < Math.max(2, components)) {
            throw new UserException(
                    x.source()
                            + ": "
                            + x.rows()
                            + " samples are too few for a "
                            + components
                            + "-component mixture (need at least "
                            + Math.max(2, components)
                            + ")");
        }
        x.requireFinite();
        GmmFitter.Builder builder =
                GmmFitter.builder().optEmIterations(emIterations).optTrackFinalLogLikelihood(false);
        if (components > 1) {
            builder.optWeightFloor(Math.min(1e-3, 0.1 / components));
        }
        return builder.build()
                .fit(x.data(), x.rows(), x.cols(), components, null, new SplittableRandom(seed))
                .mixture();
    }

    /**
     * {@code MW₂²} between two diagonal mixtures and an optimal coupling of their components.
     *
     * @param a first mixture
     * @param b second mixture, same dimension
     * @return the plan; {@code cost()} is {@code MW₂²}
     */
    public static Transport.Plan mixtureW2(GaussianMixture a, GaussianMixture b) {
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException(
                    "mixtures of different dimensions: " + a.dimension() + " and " + b.dimension());
        }
        int ka = a.components();
        int kb = b.components();
        int d = a.dimension();
        double[] ma = a.means();
        double[] va = a.variances();
        double[] mb = b.means();
        double[] vb = b.variances();
        double[][] cost = new double[ka][kb];
        for (int k = 0; k < ka; k++) {
            for (int l = 0; l < kb; l++) {
                cost[k][l] = diagonalW2(ma, va, k * d, mb, vb, l * d, d);
            }
        }
        return Transport.solve(a.weights(), b.weights(), cost);
    }

    /**
     * Squared 2-Wasserstein distance between two diagonal Gaussians: {@code ‖μ₁ − μ₂‖² + Σ_c (σ₁c −
     * σ₂c)²}.
     *
     * @param mean1 means of the first
     * @param var1 variances of the first (≥ 0)
     * @param mean2 means of the second
     * @param var2 variances of the second
     * @return {@code W₂²}
     */
    public static double diagonalW2(double[] mean1, double[] var1, double[] mean2, double[] var2) {
        int d = mean1.length;
        if (var1.length != d || mean2.length != d || var2.length != d) {
            throw new IllegalArgumentException("lengths differ");
        }
        return diagonalW2(mean1, var1, 0, mean2, var2, 0, d);
    }

    private static double diagonalW2(
            double[] m1, double[] v1, int o1, double[] m2, double[] v2, int o2, int d) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double dm = m1[o1 + c] - m2[o2 + c];
            double ds = Math.sqrt(v1[o1 + c]) - Math.sqrt(v2[o2 + c]);
            s += dm * dm + ds * ds;
        }
        return s;
    }
}
