package io.mixnorm.lab.metrics;

import java.util.Arrays;

/**
 * Exact solver for small discrete optimal-transport (transportation) problems:
 *
 * <pre>
 *   min_π Σ_kl π_kl C_kl   subject to   Σ_l π_kl = a_k,   Σ_k π_kl = b_l,   π ≥ 0
 * </pre>
 *
 * <p>solved as a linear program by the two-phase dense-tableau simplex method with Bland's
 * anti-cycling rule (so it terminates on the degenerate problems transport produces). Meant for
 * the {@code K₁×K₂} problems between mixture components ({@code K} up to a few dozen); the tableau
 * has {@code K₁+K₂−1} rows and {@code K₁K₂ + K₁+K₂−1} columns.
 */
public final class Transport {
    private Transport() {}

    /** An optimal coupling and its cost. */
    public record Plan(double[][] coupling, double cost) {}

    /**
     * Solves the problem.
     *
     * @param a source masses, {@code ≥ 0}
     * @param b target masses, {@code ≥ 0}, with {@code Σb = Σa} (relative tolerance 1e-6; {@code b}
     *     is rescaled to {@code Σa} exactly)
     * @param cost {@code a.length × b.length} finite costs
     * @return an optimal plan
     */
    public static Plan solve(double[] a, double[] b, double[][] cost) {
        int k1 = a.length;
        int k2 = b.length;
        if (k1 == 0 || k2 == 0) {
            throw new IllegalArgumentException("empty marginals");
        }
        if (cost.length != k1) {
            throw new IllegalArgumentException("cost has " + cost.length + " rows, expected " + k1);
        }
        double sa = 0;
        double sb = 0;
        for (double v : a) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("masses must be finite and >= 0: " + Arrays.toString(a));
            }
            sa += v;
        }
        for (double v : b) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("masses must be finite and >= 0: " + Arrays.toString(b));
            }
            sb += v;
        }
        if (Math.abs(sa - sb) > 1e-6 * Math.max(sa, sb) || sa <= 0) {
            throw new IllegalArgumentException("total masses differ: " + sa + " vs " + sb);
        }
        double[] bb = new double[k2];
        for (int j = 0; j < k2; j++) {
            bb[j] = b[j] * (sa / sb);
        }
        double cmax = 0;
        for (int i = 0; i < k1; i++) {
            if (cost[i].length != k2) {
                throw new IllegalArgumentException("cost row " + i + " has " + cost[i].length + " entries, expected " + k2);
            }
            for (int j = 0; j < k2; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new IllegalArgumentException("cost (" + i + ", " + j + ") is not finite");
                }
                cmax = Math.max(cmax, Math.abs(cost[i][j]));
            }
        }
        // constraints: k1 row sums, then k2-1 column sums (the last is implied by the totals)
        int m = k1 + k2 - 1;
        int n = k1 * k2;
        double[][] lhs = new double[m][n];
        double[] rhs = new double[m];
        double[] c = new double[n];
        for (int i = 0; i < k1; i++) {
            for (int j = 0; j < k2; j++) {
                int v = i * k2 + j;
                lhs[i][v] = 1;
                if (j < k2 - 1) {
                    lhs[k1 + j][v] = 1;
                }
                c[v] = cost[i][j];
            }
            rhs[i] = a[i];
        }
        for (int j = 0; j < k2 - 1; j++) {
            rhs[k1 + j] = bb[j];
        }
        double[] x = simplex(lhs, rhs, c, cmax);
        double[][] pi = new double[k1][k2];
        double total = 0;
        for (int i = 0; i < k1; i++) {
            for (int j = 0; j < k2; j++) {
                double v = Math.max(0, x[i * k2 + j]);
                pi[i][j] = v;
                total += v * cost[i][j];
            }
        }
        return new Plan(pi, total);
    }

    /** min cᵀx s.t. A x = b (b ≥ 0), x ≥ 0; two-phase tableau simplex, Bland's rule. */
    static double[] simplex(double[][] lhs, double[] rhs, double[] c, double cmax) {
        int m = lhs.length;
        int n = c.length;
        int cols = n + m + 1; // variables, artificials, right-hand side
        double[][] t = new double[m + 1][cols];
        int[] basis = new int[m];
        for (int i = 0; i < m; i++) {
            System.arraycopy(lhs[i], 0, t[i], 0, n);
            t[i][n + i] = 1;
            t[i][cols - 1] = rhs[i];
            basis[i] = n + i;
        }
        double pivotEps = 1e-12;
        // phase 1: minimise the sum of the artificials; objective row holds reduced costs
        double[] obj = t[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                obj[j] -= t[i][j];
            }
            obj[cols - 1] -= t[i][cols - 1];
        }
        run(t, basis, n + m, 1e-12, pivotEps);
        double scale = 0;
        for (double v : rhs) {
            scale = Math.max(scale, v);
        }
        if (-t[m][cols - 1] > 1e-9 * Math.max(1, scale)) {
            throw new IllegalStateException("transport problem is infeasible");
        }
        // drive artificials out of the basis (degenerate rows), or retire redundant rows
        boolean[] dead = new boolean[m];
        for (int i = 0; i < m; i++) {
            if (basis[i] >= n) {
                int enter = -1;
                for (int j = 0; j < n; j++) {
                    if (Math.abs(t[i][j]) > pivotEps) {
                        enter = j;
                        break;
                    }
                }
                if (enter < 0) {
                    dead[i] = true;
                    Arrays.fill(t[i], 0);
                } else {
                    pivot(t, basis, i, enter);
                }
            }
        }
        // phase 2: reduced costs of the original objective
        Arrays.fill(t[m], 0);
        System.arraycopy(c, 0, t[m], 0, n);
        for (int i = 0; i < m; i++) {
            if (!dead[i] && basis[i] < n) {
                double cb = c[basis[i]];
                if (cb != 0) {
                    for (int j = 0; j < cols; j++) {
                        t[m][j] -= cb * t[i][j];
                    }
                }
            }
        }
        run(t, basis, n, 1e-12 * Math.max(1, cmax), pivotEps);
        double[] x = new double[n];
        for (int i = 0; i < m; i++) {
            if (!dead[i] && basis[i] < n) {
                x[basis[i]] = t[i][cols - 1];
            }
        }
        return x;
    }

    /** Simplex iterations with Bland's rule; only columns {@code < enterable} may enter. */
    private static void run(double[][] t, int[] basis, int enterable, double costEps, double pivotEps) {
        int m = basis.length;
        int rhs = t[0].length - 1;
        double[] obj = t[m];
        for (int iter = 0; ; iter++) {
            if (iter > 100_000) {
                throw new IllegalStateException("simplex did not terminate");
            }
            int enter = -1;
            for (int j = 0; j < enterable; j++) {
                if (obj[j] < -costEps) {
                    enter = j;
                    break;
                }
            }
            if (enter < 0) {
                return;
            }
            int leave = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                double p = t[i][enter];
                if (p > pivotEps) {
                    double ratio = t[i][rhs] / p;
                    if (ratio < best - 1e-15 || (Math.abs(ratio - best) <= 1e-15 && leave >= 0 && basis[i] < basis[leave])) {
                        best = ratio;
                        leave = i;
                    }
                }
            }
            if (leave < 0) {
                throw new IllegalStateException("transport LP is unbounded (cannot happen with finite costs)");
            }
            pivot(t, basis, leave, enter);
        }
    }

    private static void pivot(double[][] t, int[] basis, int row, int col) {
        double[] pr = t[row];
        double inv = 1.0 / pr[col];
        for (int j = 0; j < pr.length; j++) {
            pr[j] *= inv;
        }
        pr[col] = 1;
        for (int i = 0; i < t.length; i++) {
            if (i == row) {
                continue;
            }
            double[] r = t[i];
            double f = r[col];
            if (f != 0) {
                for (int j = 0; j < r.length; j++) {
                    r[j] -= f * pr[j];
                }
                r[col] = 0;
            }
        }
        basis[row] = col;
    }
}
