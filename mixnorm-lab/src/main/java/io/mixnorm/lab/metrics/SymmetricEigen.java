package io.mixnorm.lab.metrics;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Eigendecomposition {@code A = Z Λ Zᵀ} of a real symmetric matrix in float64: Householder
 * reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts (the
 * EISPACK {@code tred2}/{@code tql2} pair, as in JAMA), reorganised for row-major storage:
 *
 * <ul>
 *   <li>the reduction runs from the last row up and only reads and writes the lower triangle, row
 *       by row (contiguous, vectorisable loops);
 *   <li>the QL rotations act on the eigenvectors stored as <em>rows</em> (two contiguous rows per
 *       rotation);
 *   <li>the Householder back-transformation is applied to blocks of eigenvector rows, in parallel.
 * </ul>
 *
 * <p>Cost: about {@code 4/3·n³} flops for the reduction, plus, with eigenvectors, about {@code 2n³}
 * for the back-transformation and {@code ~3–5·n³} for the rotations. The matrix is scaled by its
 * largest absolute entry first (no overflow/underflow in the norms), and must be finite. Only the
 * lower triangle of the input is read; the input is not modified.
 *
 * <p>Eigenvalues are returned in ascending order; eigenvector {@code k} is row {@code k} of {@link
 * #vectorRows()} (unit length, mutually orthogonal to working precision).
 */
public final class SymmetricEigen {
    private static final double EPS = Math.ulp(1.0);

    private final double[] values;
    private final double[][] vectorRows;

    private SymmetricEigen(double[] values, double[][] vectorRows) {
        this.values = values;
        this.vectorRows = vectorRows;
    }

    /**
     * Eigenvalues and eigenvectors.
     *
     * @param a a symmetric {@code n×n} matrix (only the lower triangle is read)
     * @return the decomposition
     */
    public static SymmetricEigen of(double[][] a) {
        return compute(a, true);
    }

    /**
     * Eigenvalues only (about {@code 4/3·n³} flops).
     *
     * @param a a symmetric {@code n×n} matrix (only the lower triangle is read)
     * @return the eigenvalues, ascending
     */
    public static double[] values(double[][] a) {
        return compute(a, false).values;
    }

    /**
     * @return a copy of the eigenvalues, ascending
     */
    public double[] eigenvalues() {
        return values.clone();
    }

    /**
     * @return the eigenvectors as rows: {@code vectorRows()[k]} belongs to {@code eigenvalues()[k]}
     *     (the arrays themselves, not copies)
     */
    public double[][] vectorRows() {
        return vectorRows;
    }

    private static SymmetricEigen compute(double[][] input, boolean vectors) {
        int n = input.length;
        if (n == 0) {
            return new SymmetricEigen(new double[0], new double[0][]);
        }
        double scale = 0;
        for (int i = 0; i < n; i++) {
            if (input[i].length != n) {
                throw new IllegalArgumentException(
                        "matrix is not square: row "
                                + i
                                + " has "
                                + input[i].length
                                + " entries, expected "
                                + n);
            }
            for (int j = 0; j <= i; j++) {
                double v = input[i][j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "matrix entry (" + i + ", " + j + ") is not finite: " + v);
                }
                scale = Math.max(scale, Math.abs(v));
            }
        }
        if (scale == 0) {
            double[][] z = vectors ? identity(n) : null;
            return new SymmetricEigen(new double[n], z);
        }
        double inv = 1.0 / scale;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = new double[i + 1];
            for (int j = 0; j <= i; j++) {
                a[i][j] = input[i][j] * inv;
            }
        }
        double[] d = new double[n];
        double[] e = new double[n];
        double[] tau = new double[n];
        tridiagonalize(a, d, e, tau);
        double[][] z = vectors ? identity(n) : null;
        ql(d, e, z);
        if (vectors) {
            backTransform(a, tau, z);
        }
        // sort ascending (rows of z move with their values)
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(d[x], d[y]));
        double[] vals = new double[n];
        double[][] rows = vectors ? new double[n][] : null;
        for (int i = 0; i < n; i++) {
            vals[i] = d[order[i]] * scale;
            if (vectors) {
                rows[i] = z[order[i]];
            }
        }
        return new SymmetricEigen(vals, rows);
    }

    private static double[][] identity(int n) {
        double[][] z = new double[n][n];
        for (int i = 0; i < n; i++) {
            z[i][i] = 1;
        }
        return z;
    }

    /**
     * Householder reduction of the lower-triangular {@code a} (row {@code i} has {@code i+1}
     * entries) to tridiagonal {@code T}: diagonal {@code d}, subdiagonal {@code e[i] = T[i][i-1]}.
     * Step {@code i} (from {@code n-1} down to 2) annihilates {@code a[i][0..i-2]} with {@code H_i
     * = I − τ_i v vᵀ} acting on coordinates {@code 0..i-1}; {@code v} is left in {@code
     * a[i][0..i-1]} (with {@code v[i-1] = 1}) and {@code τ_i} in {@code tau[i]}. Then {@code A = Q
     * T Qᵀ} with {@code Q = H_{n-1} ⋯ H_2}.
     */
    private static void tridiagonalize(double[][] a, double[] d, double[] e, double[] tau) {
        int n = a.length;
        double[] p = new double[n];
        int threads = ForkJoinPool.getCommonPoolParallelism() + 1;
        double[][] parts = new double[threads == 1 ? 1 : 2 * threads][n];
        for (int i = n - 1; i >= 1; i--) {
            d[i] = a[i][i];
            double[] v = a[i];
            int m = i; // length of the vector v = a[i][0..m-1]
            double alpha = v[m - 1];
            double xnorm2 = 0;
            for (int k = 0; k < m - 1; k++) {
                xnorm2 += v[k] * v[k];
            }
            if (xnorm2 == 0) {
                tau[i] = 0;
                e[i] = alpha;
                continue;
            }
            double beta = -Math.copySign(Math.sqrt(alpha * alpha + xnorm2), alpha);
            double t = (beta - alpha) / beta;
            double s = 1.0 / (alpha - beta);
            for (int k = 0; k < m - 1; k++) {
                v[k] *= s;
            }
            v[m - 1] = 1;
            tau[i] = t;
            e[i] = beta;
            // p = τ B v, with B = a[0..m-1][0..m-1] stored as its lower triangle
            matvec(a, v, m, p, parts);
            double pv = 0;
            for (int k = 0; k < m; k++) {
                p[k] *= t;
                pv += p[k] * v[k];
            }
            double c = 0.5 * t * pv;
            for (int k = 0; k < m; k++) {
                p[k] -= c * v[k]; // now w
            }
            // B -= v wᵀ + w vᵀ (lower triangle)
            final double[] w = p;
            if (m < PARALLEL_MIN) {
                update(a, v, w, 0, m);
            } else {
                int chunks = parts.length;
                IntStream.range(0, chunks)
                        .parallel()
                        .forEach(
                                q -> update(a, v, w, split(m, chunks, q), split(m, chunks, q + 1)));
            }
        }
        d[0] = a[0][0];
        e[0] = 0;
    }

    /** Rows below this size are handled by the calling thread alone. */
    private static final int PARALLEL_MIN = 192;

    /**
     * Boundary {@code t} of {@code chunks} row ranges of {@code [0, m)} with equal triangular work.
     */
    private static int split(int m, int chunks, int t) {
        return (int) Math.round(m * Math.sqrt((double) t / chunks));
    }

    /** {@code p[0..m) = B v} for the lower-triangular leading block {@code B} of {@code a}. */
    private static void matvec(double[][] a, double[] v, int m, double[] p, double[][] parts) {
        if (m < PARALLEL_MIN || parts.length == 1) {
            Arrays.fill(p, 0, m, 0);
            matvecRows(a, v, 0, m, p);
            return;
        }
        int chunks = parts.length;
        IntStream.range(0, chunks)
                .parallel()
                .forEach(
                        t -> {
                            double[] q = parts[t];
                            Arrays.fill(q, 0, m, 0);
                            matvecRows(a, v, split(m, chunks, t), split(m, chunks, t + 1), q);
                        });
        System.arraycopy(parts[0], 0, p, 0, m);
        for (int t = 1; t < chunks; t++) {
            double[] q = parts[t];
            for (int k = 0; k < m; k++) {
                p[k] += q[k];
            }
        }
    }

    /** Adds the contribution of rows {@code j0..j1-1} of the lower triangle to {@code p = B v}. */
    private static void matvecRows(double[][] a, double[] v, int j0, int j1, double[] p) {
        for (int j = j0; j < j1; j++) {
            double[] row = a[j];
            double vj = v[j];
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int k = 0;
            for (; k + 3 < j; k += 4) {
                s0 += row[k] * v[k];
                s1 += row[k + 1] * v[k + 1];
                s2 += row[k + 2] * v[k + 2];
                s3 += row[k + 3] * v[k + 3];
            }
            for (; k < j; k++) {
                s0 += row[k] * v[k];
            }
            for (k = 0; k < j; k++) {
                p[k] += row[k] * vj;
            }
            p[j] += (s0 + s1) + (s2 + s3) + row[j] * vj;
        }
    }

    /** Rows {@code j0..j1-1} of the lower triangle: {@code B -= v wᵀ + w vᵀ}. */
    private static void update(double[][] a, double[] v, double[] w, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            double[] row = a[j];
            double vj = v[j];
            double wj = w[j];
            for (int k = 0; k <= j; k++) {
                row[k] -= vj * w[k] + wj * v[k];
            }
        }
    }

    /**
     * Implicit QL on the tridiagonal {@code (d, e)} ({@code e[i] = T[i][i-1]}); eigenvalues are
     * left in {@code d}; if {@code z} is non-null its rows (initially the identity) are rotated
     * into the eigenvectors of {@code T}.
     */
    private static void ql(double[] d, double[] e, double[][] z) {
        int n = d.length;
        for (int i = 1; i < n; i++) {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0;
        double f = 0;
        double tst1 = 0;
        double[] cs = z == null ? null : new double[n];
        double[] sn = z == null ? null : new double[n];
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n) {
                if (Math.abs(e[m]) <= EPS * tst1) {
                    break;
                }
                m++;
            }
            if (m > l) {
                int iter = 0;
                do {
                    if (++iter > 200) {
                        throw new ArithmeticException(
                                "symmetric eigendecomposition did not converge");
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = hypot(p, 1.0);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        if (z != null) {
                            cs[i] = c;
                            sn[i] = s;
                        }
                    }
                    if (z != null) {
                        applySweep(z, cs, sn, l, m);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > EPS * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }

    /**
     * Applies the rotations of one QL sweep ({@code i = m-1} down to {@code l}: rows {@code (i,
     * i+1)} ← {@code (c·z_i − s·z_{i+1}, s·z_i + c·z_{i+1})}) to all rows of {@code z}, in column
     * blocks (in parallel when the sweep is long enough).
     */
    private static void applySweep(double[][] z, double[] cs, double[] sn, int l, int m) {
        int n = z[0].length;
        int width = 256;
        int blocks = (n + width - 1) / width;
        if ((long) (m - l) * n < 1 << 15 || blocks == 1) {
            rotateBlock(z, cs, sn, l, m, 0, n);
        } else {
            IntStream.range(0, blocks)
                    .parallel()
                    .forEach(
                            b ->
                                    rotateBlock(
                                            z,
                                            cs,
                                            sn,
                                            l,
                                            m,
                                            b * width,
                                            Math.min(n, (b + 1) * width)));
        }
    }

    private static void rotateBlock(
            double[][] z, double[] cs, double[] sn, int l, int m, int k0, int k1) {
        for (int i = m - 1; i >= l; i--) {
            double c = cs[i];
            double s = sn[i];
            double[] zi = z[i];
            double[] zj = z[i + 1];
            for (int k = k0; k < k1; k++) {
                double h = zj[k];
                double x = zi[k];
                zj[k] = s * x + c * h;
                zi[k] = c * x - s * h;
            }
        }
    }

    /** Replaces each row {@code y} of {@code z} by {@code Q y = H_{n-1}(⋯(H_2 y))}. */
    private static void backTransform(double[][] a, double[] tau, double[][] z) {
        int n = z.length;
        int block = 16;
        int blocks = (n + block - 1) / block;
        IntStream.range(0, blocks)
                .parallel()
                .forEach(
                        b -> {
                            int r0 = b * block;
                            int r1 = Math.min(n, r0 + block);
                            for (int i = 2; i < n; i++) {
                                double t = tau[i];
                                if (t == 0) {
                                    continue;
                                }
                                double[] v = a[i];
                                for (int r = r0; r < r1; r++) {
                                    double[] y = z[r];
                                    double s0 = 0;
                                    double s1 = 0;
                                    double s2 = 0;
                                    double s3 = 0;
                                    int k = 0;
                                    for (; k + 3 < i; k += 4) {
                                        s0 += v[k] * y[k];
                                        s1 += v[k + 1] * y[k + 1];
                                        s2 += v[k + 2] * y[k + 2];
                                        s3 += v[k + 3] * y[k + 3];
                                    }
                                    for (; k < i; k++) {
                                        s0 += v[k] * y[k];
                                    }
                                    double c = t * ((s0 + s1) + (s2 + s3));
                                    if (c != 0) {
                                        for (k = 0; k < i; k++) {
                                            y[k] -= c * v[k];
                                        }
                                    }
                                }
                            }
                        });
    }

    /** sqrt(a² + b²) without the cost of {@link Math#hypot}, guarded against over/underflow. */
    static double hypot(double a, double b) {
        a = Math.abs(a);
        b = Math.abs(b);
        if (a < b) {
            double t = a;
            a = b;
            b = t;
        }
        if (a == 0) {
            return 0;
        }
        if (a < 1e150 && a > 1e-150) {
            return Math.sqrt(a * a + b * b);
        }
        double r = b / a;
        return a * Math.sqrt(1 + r * r);
    }
}
