package io.mixnorm.lab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransportTest {

    static void assertMarginals(Transport.Plan p, double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < b.length; j++) {
                s += p.coupling()[i][j];
                assertEquals(true, p.coupling()[i][j] >= 0);
            }
            assertEquals(a[i], s, 1e-12);
        }
        for (int j = 0; j < b.length; j++) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += p.coupling()[i][j];
            }
            assertEquals(b[j], s, 1e-12);
        }
    }

    @Test
    void twoByTwoHandCases() {
        double[] u = {0.5, 0.5};
        Transport.Plan p = Transport.solve(u, u, new double[][] {{0, 1}, {1, 0}});
        assertEquals(0, p.cost(), 1e-15);
        assertEquals(0.5, p.coupling()[0][0], 1e-15);
        p = Transport.solve(u, u, new double[][] {{5, 1}, {1, 5}}); // anti-diagonal is optimal
        assertEquals(1, p.cost(), 1e-14);
        assertEquals(0.5, p.coupling()[0][1], 1e-15);
        // a = (.7,.3), b = (.4,.6): π₁₁ = t ∈ [.1,.4], cost 2.5 − 3t → t = .4, cost 1.3
        double[] a = {0.7, 0.3};
        double[] b = {0.4, 0.6};
        p = Transport.solve(a, b, new double[][] {{1, 2}, {3, 1}});
        assertEquals(1.3, p.cost(), 1e-14);
        assertEquals(0.4, p.coupling()[0][0], 1e-14);
        assertEquals(0.3, p.coupling()[0][1], 1e-14);
        assertEquals(0.0, p.coupling()[1][0], 1e-14);
        assertEquals(0.3, p.coupling()[1][1], 1e-14);
        // reversed preference: cost 4t + 4(t − .1) = 8t − .4, minimised at the lower end t = .1
        p = Transport.solve(a, b, new double[][] {{4, 0}, {0, 4}});
        assertEquals(0.4, p.cost(), 1e-14);
        assertEquals(0.1, p.coupling()[0][0], 1e-14);
        assertMarginals(p, a, b);
    }

    @Test
    void oneSidedProblemsHaveTheirOnlyCoupling() {
        double[] b = {0.2, 0.3, 0.5};
        Transport.Plan p = Transport.solve(new double[] {1}, b, new double[][] {{1, 2, 3}});
        assertEquals(0.2 + 0.6 + 1.5, p.cost(), 1e-14);
        p = Transport.solve(b, new double[] {1}, new double[][] {{1}, {2}, {3}});
        assertEquals(0.2 + 0.6 + 1.5, p.cost(), 1e-14);
        assertMarginals(p, b, new double[] {1});
    }

    private static double bestPermutation(double[][] c, int[] perm, int k, boolean[] used) {
        int n = c.length;
        if (k == n) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += c[i][perm[i]];
            }
            return s;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            if (!used[j]) {
                used[j] = true;
                perm[k] = j;
                best = Math.min(best, bestPermutation(c, perm, k + 1, used));
                used[j] = false;
            }
        }
        return best;
    }

    @Test
    void uniformMarginalsEqualTheBestAssignment() {
        // Birkhoff–von Neumann: with uniform weights an optimal coupling is a permutation / K
        SplittableRandom r = new SplittableRandom(11);
        for (int k = 2; k <= 6; k++) {
            for (int t = 0; t < 4; t++) {
                double[][] c = new double[k][k];
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        c[i][j] =
                                t == 3
                                        ? (double) r.nextInt(3)
                                        : r.nextDouble() * 10; // t=3: many ties
                    }
                }
                double[] u = new double[k];
                java.util.Arrays.fill(u, 1.0 / k);
                Transport.Plan p = Transport.solve(u, u, c);
                assertEquals(
                        bestPermutation(c, new int[k], 0, new boolean[k]) / k,
                        p.cost(),
                        1e-12,
                        "K=" + k);
                assertMarginals(p, u, u);
            }
        }
    }

    @Test
    void degenerateMassesAndNonSquareProblems() {
        SplittableRandom r = new SplittableRandom(12);
        double[] a = {0.25, 0, 0.25, 0.5};
        double[] b = {0.5, 0.5, 0};
        double[][] c = new double[4][3];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                c[i][j] = r.nextDouble();
            }
        }
        Transport.Plan p = Transport.solve(a, b, c);
        assertMarginals(p, a, b);
        // brute force: the free entries are π₀₀ and π₂₀ (rows 0/2/3 split between columns 0 and 1)
        double best = Double.POSITIVE_INFINITY;
        int steps = 200;
        for (int s0 = 0; s0 <= steps; s0++) {
            for (int s2 = 0; s2 <= steps; s2++) {
                double p00 = 0.25 * s0 / steps;
                double p20 = 0.25 * s2 / steps;
                double p30 = 0.5 - p00 - p20;
                if (p30 < -1e-15 || p30 > 0.5 + 1e-15) {
                    continue;
                }
                double cost =
                        p00 * c[0][0]
                                + (0.25 - p00) * c[0][1]
                                + p20 * c[2][0]
                                + (0.25 - p20) * c[2][1]
                                + p30 * c[3][0]
                                + (0.5 - p30) * c[3][1];
                best = Math.min(best, cost);
            }
        }
        assertEquals(best, p.cost(), 1e-12); // the optimum is a vertex, which lies on the grid
        // masses that sum to 1 within rounding are accepted; grossly different totals are not
        assertThrows(
                IllegalArgumentException.class,
                () -> Transport.solve(new double[] {1}, new double[] {0.5}, new double[][] {{1}}));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        Transport.solve(
                                new double[] {-1, 2}, new double[] {1}, new double[][] {{1}, {1}}));
    }
}
