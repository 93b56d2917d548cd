package io.mixnorm.lab.metrics;

import java.util.stream.IntStream;

/**
 * Dense float64 kernels on row-major {@code double[][]} matrices: cache-blocked, four-way unrolled
 * row updates ({@code c[j] += a0·b0[j] + … + a3·b3[j]}, which the JIT vectorises), rows split
 * across the common fork-join pool.
 */
final class Dense {
    private static final int ROW_BLOCK = 32;
    private static final int K_BLOCK = 128;
    private static final int J_BLOCK = 512;

    private Dense() {}

    /**
     * {@code C = A·B}, or with {@code lower} only {@code C[i][j]} for {@code j ≤ i} (the rest is
     * left 0).
     *
     * @param a {@code n×p}
     * @param b {@code p×m}
     * @param lower whether to compute only the lower triangle (needs {@code n == m})
     * @return {@code C}, {@code n×m}
     */
    static double[][] multiply(double[][] a, double[][] b, boolean lower) {
        int n = a.length;
        int m = b.length == 0 ? 0 : b[0].length;
        double[][] c = new double[n][m];
        multiplyAdd(a, b, c, lower);
        return c;
    }

    /** {@code C += A·B} (only {@code j ≤ i} with {@code lower}). */
    static void multiplyAdd(double[][] a, double[][] b, double[][] c, boolean lower) {
        int n = a.length;
        int p = b.length;
        int m = p == 0 ? 0 : b[0].length;
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        IntStream.range(0, blocks)
                .parallel()
                .forEach(
                        blk -> {
                            int i0 = blk * ROW_BLOCK;
                            int i1 = Math.min(n, i0 + ROW_BLOCK);
                            for (int j0 = 0; j0 < m; j0 += J_BLOCK) {
                                int jMax = Math.min(m, j0 + J_BLOCK);
                                if (lower && j0 > i1 - 1) {
                                    break;
                                }
                                for (int k0 = 0; k0 < p; k0 += K_BLOCK) {
                                    int k1 = Math.min(p, k0 + K_BLOCK);
                                    for (int i = i0; i < i1; i++) {
                                        int j1 = lower ? Math.min(jMax, i + 1) : jMax;
                                        if (j1 <= j0) {
                                            continue;
                                        }
                                        rowUpdate(a[i], b, c[i], k0, k1, j0, j1);
                                    }
                                }
                            }
                        });
    }

    /** {@code c[j0..j1) += Σ_{k0 ≤ k < k1} a[k]·b[k][j0..j1)}. */
    private static void rowUpdate(
            double[] a, double[][] b, double[] c, int k0, int k1, int j0, int j1) {
        int k = k0;
        for (; k + 3 < k1; k += 4) {
            double a0 = a[k];
            double a1 = a[k + 1];
            double a2 = a[k + 2];
            double a3 = a[k + 3];
            if (a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0) {
                continue;
            }
            double[] b0 = b[k];
            double[] b1 = b[k + 1];
            double[] b2 = b[k + 2];
            double[] b3 = b[k + 3];
            for (int j = j0; j < j1; j++) {
                c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
            }
        }
        for (; k < k1; k++) {
            double a0 = a[k];
            if (a0 == 0) {
                continue;
            }
            double[] b0 = b[k];
            for (int j = j0; j < j1; j++) {
                c[j] += a0 * b0[j];
            }
        }
    }

    /** Copies the lower triangle onto the upper one. */
    static void symmetrizeFromLower(double[][] c) {
        int n = c.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                c[j][i] = c[i][j];
            }
        }
    }

    /**
     * @return the column means of the {@code n×d} row-major {@code x}
     */
    static double[] mean(FeatureMatrix x) {
        int n = x.rows();
        int d = x.cols();
        double[] data = x.data();
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) {
            int off = i * d;
            for (int j = 0; j < d; j++) {
                mu[j] += data[off + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= n;
        }
        return mu;
    }

    /**
     * The unbiased sample covariance {@code Σ = (X−μ)ᵀ(X−μ)/(n−1)} (like {@code numpy.cov(X,
     * rowvar=False)}), computed in chunks of rows from the centred data, full symmetric matrix.
     */
    static double[][] covariance(FeatureMatrix x, double[] mu) {
        int n = x.rows();
        int d = x.cols();
        double[] data = x.data();
        double[][] s = new double[d][d];
        int chunk = 256;
        double[][] rows = new double[Math.min(chunk, n)][d];
        double[][] cols = new double[d][Math.min(chunk, n)];
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int r1 = Math.min(n, r0 + chunk);
            int len = r1 - r0;
            if (len != rows.length) {
                rows = new double[len][d];
                cols = new double[d][len];
            }
            for (int r = 0; r < len; r++) {
                int off = (r0 + r) * d;
                double[] row = rows[r];
                for (int j = 0; j < d; j++) {
                    double v = data[off + j] - mu[j];
                    row[j] = v;
                    cols[j][r] = v;
                }
            }
            multiplyAdd(cols, rows, s, true);
        }
        double inv = 1.0 / (n - 1);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                s[i][j] *= inv;
            }
        }
        symmetrizeFromLower(s);
        return s;
    }
}
