package io.mixnorm.lab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    private static FeatureMatrix gaussianSamples(
            SplittableRandom r, int n, int d, double shift, double scale, String name) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] =
                        shift
                                + scale * (j + 1) * TestMats.gauss(r)
                                + (j > 0 ? 0.5 * x[i][j - 1] : 0);
            }
        }
        return FeatureMatrix.of(x, name);
    }

    private static double[][] diag(double... v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    @Test
    void identicalSetsGiveZero() {
        FeatureMatrix a = gaussianSamples(new SplittableRandom(1), 40, 6, 1, 2, "a");
        assertEquals(0, FrechetDistance.between(a, a), 1e-10);
        FrechetDistance.Statistics s = FrechetDistance.Statistics.of(a);
        double tr = TestMats.trace(s.covariance());
        assertEquals(
                tr, FrechetDistance.traceSqrtProduct(s.covariance(), s.covariance()), 1e-12 * tr);
    }

    @Test
    void statisticsAreMeanAndUnbiasedCovarianceLikeNumpyCov() {
        // more rows than the 256-row chunk of the covariance kernel
        FeatureMatrix a = gaussianSamples(new SplittableRandom(2), 300, 5, -3, 1, "a");
        FrechetDistance.Statistics s = FrechetDistance.Statistics.of(a);
        int n = a.rows();
        int d = a.cols();
        for (int j = 0; j < d; j++) {
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += a.get(i, j);
            }
            assertEquals(m / n, s.mean()[j], 1e-12);
        }
        for (int p = 0; p < d; p++) {
            for (int q = 0; q < d; q++) {
                double c = 0;
                for (int i = 0; i < n; i++) {
                    c += (a.get(i, p) - s.mean()[p]) * (a.get(i, q) - s.mean()[q]);
                }
                assertEquals(
                        c / (n - 1), s.covariance()[p][q], 1e-10 * Math.abs(c / (n - 1)) + 1e-12);
            }
        }
        assertEquals(n, s.samples());
    }

    @Test
    void diagonalCovariancesMatchTheClosedForm() {
        double[] m1 = {0, 1, 2};
        double[] m2 = {1, 1, -1};
        double[] v1 = {1, 4, 9};
        double[] v2 = {4, 0.25, 9};
        double expected = 1 + 0 + 9 + Math.pow(1 - 2, 2) + Math.pow(2 - 0.5, 2) + 0;
        assertEquals(expected, FrechetDistance.fromStatistics(m1, diag(v1), m2, diag(v2)), 1e-12);
        assertEquals(expected, Wam.diagonalW2(m1, v1, m2, v2), 1e-12);
    }

    @Test
    void knownGaussiansTwoByTwo() {
        // for 2×2 PSD M: Tr √M = √(Tr M + 2√det M), and Tr(Σ₁^½Σ₂Σ₁^½) = Tr(Σ₁Σ₂), det = det Σ₁ det
        // Σ₂
        double[][] s1 = {{1, 0}, {0, 4}};
        double[][] s2 = {{2, 1}, {1, 2}};
        double trProd = 2 + 8;
        double expectedTr = Math.sqrt(trProd + 2 * Math.sqrt(4 * 3));
        assertEquals(expectedTr, FrechetDistance.traceSqrtProduct(s1, s2), 1e-13);
        double fd =
                FrechetDistance.fromStatistics(new double[] {0, 0}, s1, new double[] {1, 1}, s2);
        assertEquals(2 + (5 + 4) - 2 * expectedTr, fd, 1e-12);
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 20; t++) {
            double[][] a = TestMats.randomSpd(r, 2, 0.01);
            double[][] b = TestMats.randomSpd(r, 2, 0.01);
            double tp = TestMats.trace(TestMats.mul(a, b));
            double det =
                    (a[0][0] * a[1][1] - a[0][1] * a[1][0])
                            * (b[0][0] * b[1][1] - b[0][1] * b[1][0]);
            assertEquals(
                    Math.sqrt(tp + 2 * Math.sqrt(det)),
                    FrechetDistance.traceSqrtProduct(a, b),
                    1e-12);
        }
    }

    @Test
    void commutingCovariances() {
        SplittableRandom r = new SplittableRandom(4);
        double[][] q = TestMats.randomOrthogonal(r, 5);
        double[] d1 = {0.5, 1, 2, 3, 10};
        double[] d2 = {4, 1, 0.1, 3, 2};
        double[] mu1 = {1, 2, 3, 4, 5};
        double[] mu2 = {1, 2, 3, 4, 7};
        double expected = 4;
        for (int i = 0; i < 5; i++) {
            expected += Math.pow(Math.sqrt(d1[i]) - Math.sqrt(d2[i]), 2);
        }
        double fd =
                FrechetDistance.fromStatistics(
                        mu1, TestMats.withSpectrum(q, d1), mu2, TestMats.withSpectrum(q, d2));
        assertEquals(expected, fd, 1e-12);
    }

    @Test
    void commutingCovariancesInTwoHundredDimensions() {
        // large enough for the parallel paths of the eigendecomposition and the blocked products
        SplittableRandom r = new SplittableRandom(8);
        int d = 200;
        double[][] q = TestMats.randomOrthogonal(r, d);
        double[] d1 = new double[d];
        double[] d2 = new double[d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            d1[i] = i < 20 ? 0 : 0.1 + r.nextDouble() * 5; // rank-deficient Σ₁
            d2[i] = 0.1 + r.nextDouble() * 5;
            expected += Math.pow(Math.sqrt(d1[i]) - Math.sqrt(d2[i]), 2);
        }
        double fd =
                FrechetDistance.fromStatistics(
                        new double[d],
                        TestMats.withSpectrum(q, d1),
                        new double[d],
                        TestMats.withSpectrum(q, d2));
        assertEquals(expected, fd, 1e-9 * expected);
    }

    @Test
    void singularCovarianceIsHandledThroughTheEigenRoute() {
        // Σ₁ = diag(1, 0), Σ₂ = diag(4, 9): diagonal closed form (1−2)² + (0−3)² = 10
        assertEquals(
                10,
                FrechetDistance.fromStatistics(
                        new double[2], diag(1, 0), new double[2], diag(4, 9)),
                1e-12);
        assertEquals(
                10,
                FrechetDistance.fromStatistics(
                        new double[2], diag(4, 9), new double[2], diag(1, 0)),
                1e-12);
    }

    @Test
    void randomSpdAgainstDenmanBeaversSquareRoots() {
        SplittableRandom r = new SplittableRandom(5);
        for (int d : new int[] {1, 3, 6}) {
            for (int t = 0; t < 3; t++) {
                double[][] a = TestMats.randomSpd(r, d, 0.05);
                double[][] b = TestMats.randomSpd(r, d, 0.05);
                double[][] sa = TestMats.sqrtDenmanBeavers(a);
                double[][] m = TestMats.mul(TestMats.mul(sa, b), sa);
                double expected = TestMats.trace(TestMats.sqrtDenmanBeavers(m));
                assertEquals(
                        expected,
                        FrechetDistance.traceSqrtProduct(a, b),
                        1e-10 * expected,
                        "d=" + d);
                assertEquals(
                        expected,
                        FrechetDistance.traceSqrtProduct(b, a),
                        1e-10 * expected,
                        "swapped, d=" + d);
            }
        }
    }

    @Test
    void symmetricScaleAndTranslationBehaviour() {
        SplittableRandom r = new SplittableRandom(6);
        FeatureMatrix a = gaussianSamples(r, 30, 4, 0, 1, "a");
        FeatureMatrix b = gaussianSamples(r, 25, 4, 0.7, 1.5, "b");
        double ab = FrechetDistance.between(a, b);
        assertTrue(ab > 0);
        assertEquals(ab, FrechetDistance.between(b, a), 1e-10 * ab);
        double[] sa = a.data().clone();
        double[] sb = b.data().clone();
        for (int i = 0; i < sa.length; i++) {
            sa[i] = 3 * sa[i] + 100;
        }
        for (int i = 0; i < sb.length; i++) {
            sb[i] = 3 * sb[i] + 100;
        }
        double scaled =
                FrechetDistance.between(
                        new FeatureMatrix(30, 4, sa, "a"), new FeatureMatrix(25, 4, sb, "b"));
        assertEquals(9 * ab, scaled, 1e-9 * scaled);
    }

    @Test
    void statisticsEntryPointSymmetrisesAndValidates() {
        double[][] s = {{2, 1}, {1, 2}};
        double[][] skew = {{2, 1.5}, {0.5, 2}}; // (S+Sᵀ)/2 = s
        assertEquals(
                FrechetDistance.fromStatistics(new double[2], s, new double[] {1, 0}, diag(1, 1)),
                FrechetDistance.fromStatistics(
                        new double[2], skew, new double[] {1, 0}, diag(1, 1)),
                1e-14);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        FrechetDistance.fromStatistics(
                                new double[2], s, new double[3], diag(1, 1, 1)));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        FrechetDistance.fromStatistics(
                                new double[2], s, new double[2], diag(1, 1, 1)));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        FrechetDistance.fromStatistics(
                                new double[] {Double.NaN, 0}, s, new double[2], s));
    }

    @Test
    void userErrors() {
        SplittableRandom r = new SplittableRandom(7);
        FeatureMatrix a = gaussianSamples(r, 20, 4, 0, 1, "a.npy");
        FeatureMatrix wide = gaussianSamples(r, 20, 5, 0, 1, "wide.npy");
        UserException e = assertThrows(UserException.class, () -> FrechetDistance.between(a, wide));
        assertTrue(
                e.getMessage().contains("a.npy") && e.getMessage().contains("wide.npy"),
                e.getMessage());

        FeatureMatrix few = gaussianSamples(r, 4, 4, 0, 1, "few.npy");
        e = assertThrows(UserException.class, () -> FrechetDistance.between(a, few));
        assertTrue(
                e.getMessage().contains("few.npy")
                        && e.getMessage().contains("singular")
                        && e.getMessage().contains("--allow-singular"),
                e.getMessage());
        double v = FrechetDistance.between(a, few, true);
        assertTrue(Double.isFinite(v) && v >= 0);

        FeatureMatrix one = gaussianSamples(r, 1, 4, 0, 1, "one.npy");
        e = assertThrows(UserException.class, () -> FrechetDistance.between(a, one, true));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());

        double[] bad = a.data().clone();
        bad[3 * 4 + 2] = Double.NaN;
        e =
                assertThrows(
                        UserException.class,
                        () -> FrechetDistance.between(new FeatureMatrix(20, 4, bad, "nan.npy"), a));
        assertTrue(
                e.getMessage().contains("nan.npy") && e.getMessage().contains("row 3"),
                e.getMessage());
        bad[3 * 4 + 2] = Double.POSITIVE_INFINITY;
        e =
                assertThrows(
                        UserException.class,
                        () -> FrechetDistance.between(a, new FeatureMatrix(20, 4, bad, "inf.npy")));
        assertTrue(
                e.getMessage().contains("inf.npy") && e.getMessage().contains("Infinity"),
                e.getMessage());
    }
}
