package io.mixnorm.lab.metrics;

import io.mixnorm.lab.UserException;
import java.util.Locale;

/**
 * The Fréchet distance between two feature sets, each summarised by a Gaussian (mean and
 * covariance):
 *
 * <pre>
 *   FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½)
 * </pre>
 *
 * <p>This is the <b>squared</b> 2-Wasserstein distance between {@code N(μ₁, Σ₁)} and {@code N(μ₂,
 * Σ₂)}, the quantity pytorch-fid reports (it does not take a square root). Means and covariances
 * are computed in float64; the covariance is the unbiased one ({@code 1/(n−1)}), like pytorch-fid's
 * {@code np.cov(x, rowvar=False)}.
 *
 * <p>The trace term is computed from symmetric eigendecompositions, never from a general matrix
 * square root: {@code Σ₁ = Z Λ Zᵀ} ({@link SymmetricEigen}; eigenvalues below the rounding level
 * {@code d·ε·λ_max}, including negative ones, are set to 0), {@code C = Z Λ^½}, and {@code Tr(Σ₁^½
 * Σ₂ Σ₁^½)^½ = Σᵢ √max(0, λᵢ(Cᵀ Σ₂ C))}, where {@code Cᵀ Σ₂ C = Zᵀ (Σ₁^½ Σ₂ Σ₁^½) Z} is symmetric
 * positive semi-definite and has the same eigenvalues as {@code Σ₁^½ Σ₂ Σ₁^½}. This works for
 * singular {@code Σ₁} too. Small negative results from rounding (identical inputs) are reported as
 * 0.
 *
 * <p>Cost for {@code d} features: one full eigendecomposition, two {@code d×d} products and one
 * eigenvalue-only decomposition, {@code O(d³)}, plus {@code O(n·d²)} for each covariance.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** Mean, unbiased covariance and sample count of one feature set. */
    public record Statistics(double[] mean, double[][] covariance, int samples) {
        /**
         * @param x the features ({@code n ≥ 2} rows, finite)
         * @return their statistics
         */
        public static Statistics of(FeatureMatrix x) {
            if (x.rows() < 2) {
                throw new UserException(
                        x.source() + ": " + x.rows() + " sample(s); a covariance needs at least 2");
            }
            x.requireFinite();
            double[] mu = Dense.mean(x);
            return new Statistics(mu, Dense.covariance(x, mu), x.rows());
        }
    }

    /**
     * FD between two feature sets; requires more samples than features in each (see {@link
     * #between(FeatureMatrix, FeatureMatrix, boolean)}).
     */
    public static double between(FeatureMatrix a, FeatureMatrix b) {
        return between(a, b, false);
    }

    /**
     * FD between two feature sets.
     *
     * @param a first set, {@code n_a × d}
     * @param b second set, {@code n_b × d}
     * @param allowSingular whether to accept {@code n ≤ d} (rank-deficient covariance; the value is
     *     then computable but biased and unstable, not comparable to values from enough samples)
     * @return the FD (squared distance)
     * @throws UserException on different widths, too few samples, or non-finite features (naming
     *     the file and row)
     */
    public static double between(FeatureMatrix a, FeatureMatrix b, boolean allowSingular) {
        validate(a, b, allowSingular);
        Statistics sa = Statistics.of(a);
        Statistics sb = Statistics.of(b);
        return fromStatistics(sa.mean(), sa.covariance(), sb.mean(), sb.covariance());
    }

    /**
     * Checks that two feature sets can be compared: same width, at least 2 samples each and, unless
     * {@code allowSingular}, more samples than features.
     */
    public static void validate(FeatureMatrix a, FeatureMatrix b, boolean allowSingular) {
        if (a.cols() != b.cols()) {
            throw new UserException(
                    String.format(
                            Locale.ROOT,
                            "feature widths differ: %s has %d features per sample, %s has %d",
                            a.source(),
                            a.cols(),
                            b.source(),
                            b.cols()));
        }
        for (FeatureMatrix x : new FeatureMatrix[] {a, b}) {
            if (x.rows() < 2) {
                throw new UserException(
                        x.source() + ": " + x.rows() + " sample(s); a covariance needs at least 2");
            }
            if (!allowSingular && x.rows() <= x.cols()) {
                throw new UserException(
                        String.format(
                                Locale.ROOT,
                                "%s: %d samples of %d features make a singular covariance (rank <"
                                    + " %d); use more samples (at least %d, better 10 000+ for 2048"
                                    + " features) or fewer features, or pass --allow-singular to"
                                    + " compute it anyway",
                                x.source(),
                                x.rows(),
                                x.cols(),
                                x.cols(),
                                x.cols() + 1));
            }
        }
    }

    /**
     * FD from Gaussian statistics (e.g. precomputed {@code mu}/{@code sigma} of a reference set).
     * The covariances are symmetrised ({@code (Σ+Σᵀ)/2}) and must be positive semi-definite up to
     * rounding.
     *
     * @param mu1 mean of the first set, length {@code d}
     * @param sigma1 covariance of the first set, {@code d×d}
     * @param mu2 mean of the second set
     * @param sigma2 covariance of the second set
     * @return the FD (squared distance), ≥ 0
     */
    public static double fromStatistics(
            double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
        int d = mu1.length;
        if (mu2.length != d) {
            throw new IllegalArgumentException(
                    "means have different lengths: " + d + " and " + mu2.length);
        }
        double[][] s1 = symmetrized(sigma1, d, "sigma1");
        double[][] s2 = symmetrized(sigma2, d, "sigma2");
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            if (!Double.isFinite(mu1[i]) || !Double.isFinite(mu2[i])) {
                throw new IllegalArgumentException("mean entry " + i + " is not finite");
            }
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
        }
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += s1[i][i] + s2[i][i];
        }
        double fd = meanTerm + trace - 2 * traceSqrtProduct(s1, s2);
        return Math.max(0, fd);
    }

    /**
     * {@code Tr (Σ₁^½ Σ₂ Σ₁^½)^½} for symmetric positive semi-definite {@code Σ₁}, {@code Σ₂} (only
     * their lower triangles are read), via symmetric eigendecompositions as described in the class
     * documentation.
     *
     * @param sigma1 {@code d×d}
     * @param sigma2 {@code d×d}
     * @return the trace, ≥ 0
     */
    public static double traceSqrtProduct(double[][] sigma1, double[][] sigma2) {
        int d = sigma1.length;
        if (d == 0) {
            return 0;
        }
        double[][] s2 = sigma2;
        if (!isSymmetricFull(s2)) {
            s2 = lowerToFull(s2);
        }
        SymmetricEigen e1 = SymmetricEigen.of(sigma1);
        double[] lam = e1.eigenvalues();
        double[][] z = e1.vectorRows();
        double floor1 = roundingLevel(lam);
        // Cᵀ has rows √λ_k z_k
        double[][] ct = new double[d][];
        for (int k = 0; k < d; k++) {
            double r = lam[k] > floor1 ? Math.sqrt(lam[k]) : 0;
            double[] row = new double[d];
            if (r > 0) {
                double[] zk = z[k];
                for (int j = 0; j < d; j++) {
                    row[j] = r * zk[j];
                }
            }
            ct[k] = row;
        }
        double[][] c = transpose(ct);
        double[][] g = Dense.multiply(ct, s2, false); // Cᵀ Σ₂
        double[][] m = Dense.multiply(g, c, true); // Cᵀ Σ₂ C, lower triangle
        double[] mu = SymmetricEigen.values(m);
        double floor2 = roundingLevel(mu);
        double sum = 0;
        for (double v : mu) {
            if (v > floor2) {
                sum += Math.sqrt(v);
            }
        }
        return sum;
    }

    /**
     * {@code d·ε·max|λ|}: eigenvalues below this are rounding noise of a computed zero eigenvalue
     * and are treated as 0 (their square roots, ~{@code √(ε·max|λ|)} each, would otherwise add up
     * to a visible error for rank-deficient covariances).
     */
    private static double roundingLevel(double[] eigenvalues) {
        double max = 0;
        for (double v : eigenvalues) {
            max = Math.max(max, Math.abs(v));
        }
        return eigenvalues.length * Math.ulp(1.0) * max;
    }

    private static double[][] symmetrized(double[][] s, int d, String what) {
        if (s.length != d) {
            throw new IllegalArgumentException(
                    what + " is " + s.length + "×…, expected " + d + "×" + d);
        }
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            if (s[i].length != d) {
                throw new IllegalArgumentException(
                        what + " row " + i + " has " + s[i].length + " entries, expected " + d);
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double v = 0.5 * (s[i][j] + s[j][i]);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            what + " entry (" + i + ", " + j + ") is not finite");
                }
                out[i][j] = v;
                out[j][i] = v;
            }
        }
        return out;
    }

    private static boolean isSymmetricFull(double[][] s) {
        int d = s.length;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                if (s[i][j] != s[j][i]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double[][] lowerToFull(double[][] s) {
        int d = s.length;
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                out[i][j] = s[i][j];
                out[j][i] = s[i][j];
            }
        }
        return out;
    }

    static double[][] transpose(double[][] a) {
        int n = a.length;
        int m = n == 0 ? 0 : a[0].length;
        double[][] t = new double[m][n];
        for (int i0 = 0; i0 < n; i0 += 64) {
            for (int j0 = 0; j0 < m; j0 += 64) {
                for (int i = i0; i < Math.min(n, i0 + 64); i++) {
                    for (int j = j0; j < Math.min(m, j0 + 64); j++) {
                        t[j][i] = a[i][j];
                    }
                }
            }
        }
        return t;
    }
}
