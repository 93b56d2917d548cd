package io.mixnorm.gmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GmmFitterTest {

    private static GaussianMixture truth() {
        return GaussianMixture.of(
                new double[] {0.5, 0.3, 0.2},
                new double[][] {{-4, 0, 1}, {3, 3, -2}, {0, -5, 6}},
                new double[][] {{1, 0.5, 2}, {0.25, 1, 1}, {2, 0.3, 0.5}});
    }

    /** Matches each true component to the fitted one with the nearest mean. */
    private static int[] match(GaussianMixture fit, GaussianMixture truth) {
        int k = truth.components();
        int[] order = new int[k];
        boolean[] taken = new boolean[k];
        for (int j = 0; j < k; j++) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int f = 0; f < k; f++) {
                if (taken[f]) {
                    continue;
                }
                double d = 0;
                for (int c = 0; c < truth.dimension(); c++) {
                    double diff = fit.mean(f, c) - truth.mean(j, c);
                    d += diff * diff;
                }
                if (d < bestD) {
                    bestD = d;
                    best = f;
                }
            }
            taken[best] = true;
            order[j] = best;
        }
        return order;
    }

    @Test
    void recoversAKnownMixtureUpToPermutation() {
        GaussianMixture truth = truth();
        int m = 6000;
        double[] x = truth.sample(new SplittableRandom(1), m);
        GmmFitter fitter = GmmFitter.builder().optEmIterations(40).build();
        GaussianMixture fit = fitter.fit(x, m, 3, 3, null, new SplittableRandom(2)).mixture();
        GaussianMixture p = fit.permute(match(fit, truth));
        for (int j = 0; j < 3; j++) {
            assertEquals(truth.weight(j), p.weight(j), 0.02, "weight " + j);
            for (int c = 0; c < 3; c++) {
                assertEquals(truth.mean(j, c), p.mean(j, c), 0.1, "mean " + j + "," + c);
                assertEquals(
                        truth.variance(j, c),
                        p.variance(j, c),
                        0.12 * truth.variance(j, c),
                        "variance " + j + "," + c);
            }
        }
    }

    @Test
    void logLikelihoodNeverDecreases() {
        // overlapping components: EM needs many steps, so monotonicity is actually exercised
        GaussianMixture truth =
                GaussianMixture.of(
                        new double[] {0.4, 0.6},
                        new double[][] {{0, 0}, {1, 0.5}},
                        new double[][] {{1, 1}, {0.5, 2}});
        int m = 2000;
        double[] x = truth.sample(new SplittableRandom(3), m);
        GmmFitter fitter = GmmFitter.builder().optEmIterations(50).build();
        for (long seed = 0; seed < 3; seed++) {
            GmmFitter.FitResult r = fitter.fit(x, m, 2, 3, null, new SplittableRandom(seed));
            double[] ll = r.logLikelihoods();
            assertEquals(51, ll.length);
            for (int t = 0; t + 1 < ll.length; t++) {
                assertTrue(
                        ll[t + 1] >= ll[t] - 1e-10,
                        "LL decreased at step " + t + ": " + ll[t] + " -> " + ll[t + 1]);
            }
            assertTrue(ll[50] > ll[0] + 1e-3, "EM made no progress");
            assertEquals(r.mixture().meanLogLikelihood(x, m), ll[50], 1e-12);
        }
    }

    /** Plain-density EM step (no log space), written independently of the fitter. */
    private static double[][] referenceEmStep(double[] x, int m, int dim, GaussianMixture g) {
        int k = g.components();
        double[][] tau = new double[m][k];
        for (int i = 0; i < m; i++) {
            double z = 0;
            for (int j = 0; j < k; j++) {
                double p = g.weight(j);
                for (int c = 0; c < dim; c++) {
                    double v = g.variance(j, c);
                    double d = x[i * dim + c] - g.mean(j, c);
                    p *= Math.exp(-d * d / (2 * v)) / Math.sqrt(2 * Math.PI * v);
                }
                tau[i][j] = p;
                z += p;
            }
            for (int j = 0; j < k; j++) {
                tau[i][j] /= z;
            }
        }
        double[] w = new double[k];
        double[] mu = new double[k * dim];
        double[] var = new double[k * dim];
        for (int j = 0; j < k; j++) {
            double n = 0;
            for (int i = 0; i < m; i++) {
                n += tau[i][j];
            }
            w[j] = n / m;
            for (int c = 0; c < dim; c++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += tau[i][j] * x[i * dim + c];
                }
                mu[j * dim + c] = s / n;
                double q = 0;
                for (int i = 0; i < m; i++) {
                    double d = x[i * dim + c] - mu[j * dim + c];
                    q += tau[i][j] * d * d;
                }
                var[j * dim + c] = q / n;
            }
        }
        return new double[][] {w, mu, var};
    }

    @Test
    void emStepEqualsPlainReference() {
        double[] x = {0.1, 1.0, -0.3, 0.8, 2.0, -1.0, 2.4, -0.5, 1.9, -1.4, 0.2, 0.4, 1.1, 0.0};
        int m = 7;
        GaussianMixture g =
                GaussianMixture.of(
                        new double[] {0.6, 0.4},
                        new double[][] {{0, 0.5}, {2, -1}},
                        new double[][] {{0.5, 0.4}, {0.3, 0.6}});
        GaussianMixture next = GmmFitter.builder().build().emStep(x, m, g);
        double[][] ref = referenceEmStep(x, m, 2, g);
        assertArrayEquals(ref[0], next.weights(), 1e-12);
        assertArrayEquals(ref[1], next.means(), 1e-12);
        assertArrayEquals(ref[2], next.variances(), 1e-12);
    }

    @Test
    void warmStartUsesNoRandomnessAndSameSeedIsReproducible() {
        GaussianMixture truth = truth();
        double[] x = truth.sample(new SplittableRandom(5), 500);
        GmmFitter f = GmmFitter.builder().build();
        GmmFitter.FitResult a = f.fit(x, 500, 3, 3, null, new SplittableRandom(9));
        GmmFitter.FitResult b = f.fit(x, 500, 3, 3, null, new SplittableRandom(9));
        assertEquals(a.mixture(), b.mixture());
        assertTrue(a.seeded());
        GmmFitter.FitResult w1 = f.fit(x, 500, 3, 3, truth, new SplittableRandom(1));
        GmmFitter.FitResult w2 = f.fit(x, 500, 3, 3, truth, new SplittableRandom(2));
        assertEquals(w1.mixture(), w2.mixture());
        assertTrue(!w1.seeded());
        GmmFitter.FitResult c = f.fit(x, 500, 3, 3, null, new SplittableRandom(10));
        // different seeds normally pick different k-means++ centres (the fits may differ slightly)
        assertNotEquals(a.mixture(), c.mixture());
    }

    @Test
    void guardsFloorVariancesAndWeightsAndReseedEmptyComponents() {
        int m = 400;
        SplittableRandom rng = new SplittableRandom(4);
        double[] x = new double[m * 2];
        for (int i = 0; i < m; i++) {
            x[i * 2] = 7.0; // constant channel
            x[i * 2 + 1] = GaussianMixture.gaussian(rng);
        }
        // a warm start with a component far from all data: it gets no mass and must be re-seeded
        GaussianMixture warm =
                GaussianMixture.of(
                        new double[] {0.5, 0.5},
                        new double[][] {{7, 0}, {1e4, 1e4}},
                        new double[][] {{1, 1}, {1, 1}});
        GmmFitter f = GmmFitter.builder().optEmIterations(3).build();
        GmmFitter.FitResult r = f.fit(x, m, 2, 2, warm, new SplittableRandom(0));
        assertTrue(r.reseeds() >= 1, "far component was not re-seeded");
        GaussianMixture g = r.mixture();
        for (int j = 0; j < 2; j++) {
            assertTrue(g.weight(j) >= f.getWeightFloor() * 0.99, "weight floor");
            assertTrue(g.variance(j, 0) >= 1e-6, "variance floor on the constant channel");
            assertTrue(g.mean(j, 1) < 10, "component still far away: " + g);
        }
        for (double ll : r.logLikelihoods()) {
            assertTrue(Double.isFinite(ll));
        }
    }

    @Test
    void degenerateInputsGiveFiniteMixtures() {
        GmmFitter f = GmmFitter.builder().build();
        // one sample, three components
        GmmFitter.FitResult one =
                f.fit(new double[] {1, 2, 3}, 1, 3, 3, null, new SplittableRandom(0));
        assertFinite(one.mixture());
        // all zeros
        GmmFitter.FitResult zeros =
                f.fit(new double[50 * 4], 50, 4, 3, null, new SplittableRandom(0));
        assertFinite(zeros.mixture());
        // huge and tiny scales
        SplittableRandom rng = new SplittableRandom(1);
        double[] big = new double[300];
        double[] small = new double[300];
        for (int i = 0; i < 300; i++) {
            big[i] = 1e6 * (1 + GaussianMixture.gaussian(rng));
            small[i] = 1e-6 * GaussianMixture.gaussian(rng);
        }
        assertFinite(f.fit(big, 100, 3, 3, null, rng).mixture());
        assertFinite(f.fit(small, 100, 3, 3, null, rng).mixture());
    }

    private static void assertFinite(GaussianMixture g) {
        for (double v : g.weights()) {
            assertTrue(Double.isFinite(v) && v > 0, g.toString());
        }
        for (double v : g.means()) {
            assertTrue(Double.isFinite(v), g.toString());
        }
        for (double v : g.variances()) {
            assertTrue(Double.isFinite(v) && v > 0, g.toString());
        }
    }

    @Test
    void perChannelFitRecoversOneDimensionalMixtures() {
        int m = 3000;
        SplittableRandom rng = new SplittableRandom(7);
        double[] x = new double[m * 2];
        for (int i = 0; i < m; i++) {
            x[i * 2] = (rng.nextDouble() < 0.3 ? -3 : 2) + 0.5 * GaussianMixture.gaussian(rng);
            x[i * 2 + 1] = (rng.nextDouble() < 0.5 ? 10 : 20) + GaussianMixture.gaussian(rng);
        }
        GmmFitter f = GmmFitter.builder().optEmIterations(20).build();
        GaussianMixture[] fits = f.fitPerChannel(x, m, 2, 2, null, new SplittableRandom(1));
        assertEquals(2, fits.length);
        assertEquals(1, fits[0].dimension());
        double lo0 = Math.min(fits[0].mean(0, 0), fits[0].mean(1, 0));
        double hi0 = Math.max(fits[0].mean(0, 0), fits[0].mean(1, 0));
        assertEquals(-3, lo0, 0.1);
        assertEquals(2, hi0, 0.1);
        double lo1 = Math.min(fits[1].mean(0, 0), fits[1].mean(1, 0));
        double hi1 = Math.max(fits[1].mean(0, 0), fits[1].mean(1, 0));
        assertEquals(10, lo1, 0.15);
        assertEquals(20, hi1, 0.15);
    }

    @Test
    void badArgumentsAreRejectedWithHelpfulMessages() {
        GmmFitter f = GmmFitter.builder().build();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> f.fit(new double[5], 2, 3, 2, null, new SplittableRandom(0)));
        assertTrue(e.getMessage().contains("2×3"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> f.fit(new double[6], 2, 3, 0, null, new SplittableRandom(0)));
        assertThrows(
                IllegalArgumentException.class,
                () -> f.fit(new double[] {1, Double.NaN}, 1, 2, 1, null, new SplittableRandom(0)));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GaussianMixture.of(
                                new double[] {0.5, 0.6}, new double[2], new double[] {1, 1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> GaussianMixture.of(new double[] {1}, new double[] {0}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> GmmFitter.builder().optEmIterations(-1));
    }

    @Test
    void mixtureDensityAndPosteriorsAreConsistent() {
        GaussianMixture g = truth();
        double[] x = {0.5, -1, 2};
        double lj0 = Math.log(0.5);
        double direct = 0;
        for (int j = 0; j < 3; j++) {
            double p = g.weight(j);
            for (int c = 0; c < 3; c++) {
                double v = g.variance(j, c);
                double d = x[c] - g.mean(j, c);
                p *= Math.exp(-d * d / (2 * v)) / Math.sqrt(2 * Math.PI * v);
            }
            direct += p;
        }
        assertEquals(Math.log(direct), g.logDensity(x), 1e-10);
        double[] tau = g.posteriors(x, 1);
        assertEquals(1.0, tau[0] + tau[1] + tau[2], 1e-12);
        assertTrue(lj0 < 0);
    }
}
