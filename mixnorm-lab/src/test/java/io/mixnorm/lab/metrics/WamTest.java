package io.mixnorm.lab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.lab.UserException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WamTest {

    private static GaussianMixture mix1d(double[] w, double[] mu, double[] var) {
        return GaussianMixture.of(w, mu, var);
    }

    @Test
    void identicalMixturesGiveZeroAndOrderDoesNotMatter() {
        GaussianMixture a =
                mix1d(new double[] {0.5, 0.5}, new double[] {0, 10}, new double[] {1, 1});
        GaussianMixture b =
                mix1d(new double[] {0.5, 0.5}, new double[] {10, 0}, new double[] {1, 1});
        assertEquals(0, Wam.mixtureW2(a, a).cost(), 1e-15);
        assertEquals(0, Wam.mixtureW2(a, b).cost(), 1e-15);
    }

    @Test
    void twoComponentHandCases() {
        GaussianMixture a =
                mix1d(new double[] {0.5, 0.5}, new double[] {0, 10}, new double[] {1, 1});
        // 0 ↔ 1 (σ 1 → 1) and 10 ↔ 11 (σ 1 → 2): 0.5·1 + 0.5·(1 + 1) = 1.5
        GaussianMixture b =
                mix1d(new double[] {0.5, 0.5}, new double[] {11, 1}, new double[] {4, 1});
        Transport.Plan p = Wam.mixtureW2(a, b);
        assertEquals(1.5, p.cost(), 1e-13);
        assertEquals(0.5, p.coupling()[0][1], 1e-15);
        assertEquals(0.5, p.coupling()[1][0], 1e-15);
        // unequal weights: 0.3 stays at 0, 0.4 stays at 5, 0.3 moves 5 → 0 (cost 25): 7.5
        GaussianMixture c =
                mix1d(new double[] {0.3, 0.7}, new double[] {0, 5}, new double[] {1, 1});
        GaussianMixture d =
                mix1d(new double[] {0.6, 0.4}, new double[] {0, 5}, new double[] {1, 1});
        assertEquals(7.5, Wam.mixtureW2(c, d).cost(), 1e-13);
        assertEquals(7.5, Wam.mixtureW2(d, c).cost(), 1e-13);
        // 2-D, different component counts
        GaussianMixture e =
                GaussianMixture.of(
                        new double[] {1}, new double[][] {{0, 0}}, new double[][] {{1, 1}});
        GaussianMixture f =
                GaussianMixture.of(
                        new double[] {0.25, 0.75},
                        new double[][] {{1, 0}, {0, 2}},
                        new double[][] {{4, 1}, {1, 1}});
        assertEquals(0.25 * (1 + 1) + 0.75 * 4, Wam.mixtureW2(e, f).cost(), 1e-13);
    }

    @Test
    void singleComponentsEqualTheDiagonalFrechetDistance() {
        double[] m1 = {1, 2, 3};
        double[] m2 = {0, 2, 5};
        double[] v1 = {1, 2, 3};
        double[] v2 = {3, 2, 1};
        GaussianMixture a = GaussianMixture.of(new double[] {1}, m1, v1);
        GaussianMixture b = GaussianMixture.of(new double[] {1}, m2, v2);
        double[][] s1 = new double[3][3];
        double[][] s2 = new double[3][3];
        for (int i = 0; i < 3; i++) {
            s1[i][i] = v1[i];
            s2[i][i] = v2[i];
        }
        assertEquals(
                FrechetDistance.fromStatistics(m1, s1, m2, s2), Wam.mixtureW2(a, b).cost(), 1e-13);
    }

    private static FeatureMatrix clusters(SplittableRandom r, int n, int d, String name) {
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double centre = (i % 2 == 0) ? -4 : 4;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = centre * (j == 0 ? 1 : 0.5) + (1 + 0.3 * j) * TestMats.gauss(r);
            }
        }
        return new FeatureMatrix(n, d, x, name);
    }

    @Test
    void fittedSingleComponentIsTheDiagonalFdWithMaximumLikelihoodVariances() {
        SplittableRandom r = new SplittableRandom(21);
        FeatureMatrix a = clusters(r, 60, 3, "a");
        FeatureMatrix b = clusters(r, 50, 3, "b");
        double expected = 0;
        for (int j = 0; j < 3; j++) {
            double[] ma = moments(a, j);
            double[] mb = moments(b, j);
            expected +=
                    Math.pow(ma[0] - mb[0], 2) + Math.pow(Math.sqrt(ma[1]) - Math.sqrt(mb[1]), 2);
        }
        assertEquals(expected, Wam.between(a, b, 1, 0, 5).value(), 1e-10 * expected);
    }

    private static double[] moments(FeatureMatrix x, int j) {
        double m = 0;
        for (int i = 0; i < x.rows(); i++) {
            m += x.get(i, j);
        }
        m /= x.rows();
        double v = 0;
        for (int i = 0; i < x.rows(); i++) {
            v += Math.pow(x.get(i, j) - m, 2);
        }
        return new double[] {m, v / x.rows()};
    }

    @Test
    void fittedMixturesAreSymmetricZeroOnIdenticalDataAndTranslationCovariant() {
        SplittableRandom r = new SplittableRandom(22);
        FeatureMatrix a = clusters(r, 80, 4, "a");
        FeatureMatrix b = clusters(r, 70, 4, "b");
        assertEquals(0, Wam.between(a, a, 2, 3, 20).value(), 1e-12);
        double ab = Wam.between(a, b, 2, 3, 20).value();
        assertEquals(ab, Wam.between(b, a, 2, 3, 20).value(), 1e-12 * ab);
        // shifting every sample by δ shifts every fitted component by δ: WaM = ‖δ‖²
        double[] shifted = a.data().clone();
        double[] delta = {1, -2, 0.5, 0};
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < 4; j++) {
                shifted[i * 4 + j] += delta[j];
            }
        }
        Wam.Result res = Wam.between(a, new FeatureMatrix(a.rows(), 4, shifted, "a+δ"), 2, 3, 20);
        assertEquals(1 + 4 + 0.25, res.value(), 1e-8);
        assertEquals(2, res.a().components());
    }

    @Test
    void constantFeaturesAreFine() {
        double[] c1 = new double[20 * 3];
        double[] c2 = new double[20 * 3];
        java.util.Arrays.fill(c1, 2);
        java.util.Arrays.fill(c2, 5);
        FeatureMatrix a = new FeatureMatrix(20, 3, c1, "c1");
        FeatureMatrix b = new FeatureMatrix(20, 3, c2, "c2");
        assertEquals(27, FrechetDistance.between(a, b), 1e-12);
        assertEquals(27, Wam.between(a, b, 3, 0, 5).value(), 1e-6); // variance floors are 1e-6
        assertEquals(0, Wam.between(a, a, 3, 0, 5).value(), 0);
    }

    @Test
    void userErrors() {
        SplittableRandom r = new SplittableRandom(23);
        FeatureMatrix a = clusters(r, 10, 3, "a.npy");
        FeatureMatrix w = clusters(r, 10, 4, "w.npy");
        assertThrows(UserException.class, () -> Wam.between(a, w, 2, 0, 5));
        UserException e = assertThrows(UserException.class, () -> Wam.between(a, a, 11, 0, 5));
        assertTrue(
                e.getMessage().contains("a.npy") && e.getMessage().contains("11-component"),
                e.getMessage());
        double[] bad = a.data().clone();
        bad[7] = Double.NaN;
        e =
                assertThrows(
                        UserException.class,
                        () -> Wam.between(new FeatureMatrix(10, 3, bad, "nan.npy"), a, 2, 0, 5));
        assertTrue(
                e.getMessage().contains("nan.npy") && e.getMessage().contains("row 2"),
                e.getMessage());
        assertThrows(UserException.class, () -> Wam.between(a, a, 0, 0, 5));
        assertThrows(UserException.class, () -> Wam.between(a, a, 2, 0, 0));
    }
}
