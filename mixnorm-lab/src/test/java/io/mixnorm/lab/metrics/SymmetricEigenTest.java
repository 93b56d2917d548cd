package io.mixnorm.lab.metrics;

import static io.mixnorm.lab.metrics.TestMats.maxAbs;
import static io.mixnorm.lab.metrics.TestMats.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    /** ‖A − ZᵀΛZ‖, ‖ZZᵀ − I‖ (Z rows = vectors), ascending order. */
    static void checkDecomposition(double[][] a, double tol) {
        int n = a.length;
        SymmetricEigen e = SymmetricEigen.of(a);
        double[] lam = e.eigenvalues();
        double[][] z = e.vectorRows();
        double scale = Math.max(1e-300, maxAbs(a));
        for (int i = 1; i < n; i++) {
            assertTrue(lam[i - 1] <= lam[i], "ascending: " + Arrays.toString(lam));
        }
        double[][] rec = new double[n][n];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    rec[i][j] += lam[k] * z[k][i] * z[k][j];
                }
            }
        }
        double err = maxAbsDiff(rec, a) / scale;
        assertTrue(err < tol * n, "reconstruction error " + err + " for n=" + n);
        double[][] zzt = TestMats.mul(z, TestMats.t(z));
        double orth = maxAbsDiff(zzt, TestMats.eye(n));
        assertTrue(orth < tol * n, "orthogonality error " + orth + " for n=" + n);
        // eigenvalue-only path agrees
        double[] vals = SymmetricEigen.values(a);
        for (int i = 0; i < n; i++) {
            assertEquals(lam[i], vals[i], tol * n * scale);
        }
    }

    @Test
    void randomSymmetricMatricesOfManySizes() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 16, 33}) {
            checkDecomposition(TestMats.randomSymmetric(r, n), 1e-14);
        }
    }

    @Test
    void largeEnoughForTheParallelPaths() {
        // n ≥ 192 takes the parallel reduction and the column-blocked rotations
        checkDecomposition(TestMats.randomSymmetric(new SplittableRandom(2), 200), 1e-14);
    }

    @Test
    void knownSpectrumWithRepeatedEigenvalues() {
        SplittableRandom r = new SplittableRandom(3);
        double[] spec = {2, 2, 2, -1, -1, 5, 0, 0, 0, 0};
        double[][] q = TestMats.randomOrthogonal(r, spec.length);
        double[][] a = TestMats.withSpectrum(q, spec);
        checkDecomposition(a, 1e-14);
        double[] sorted = spec.clone();
        Arrays.sort(sorted);
        assertArrayEquals(sorted, SymmetricEigen.values(a), 1e-13);
    }

    @Test
    void degenerateMatrices() {
        checkDecomposition(TestMats.eye(6), 1e-15);
        checkDecomposition(new double[5][5], 1e-15); // zero matrix
        assertArrayEquals(new double[5], SymmetricEigen.values(new double[5][5]));
        double[][] diag = new double[4][4];
        double[] dv = {3, -2, 7, 0};
        for (int i = 0; i < 4; i++) {
            diag[i][i] = dv[i];
        }
        checkDecomposition(diag, 1e-15);
        assertArrayEquals(new double[] {-2, 0, 3, 7}, SymmetricEigen.values(diag), 1e-15);
        // rank 1: v vᵀ
        double[] v = {1, 2, 3, 4, 5};
        double[][] rank1 = new double[5][5];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                rank1[i][j] = v[i] * v[j];
            }
        }
        checkDecomposition(rank1, 1e-14);
        double[] l = SymmetricEigen.values(rank1);
        assertEquals(55, l[4], 1e-12);
        assertEquals(0, l[0], 1e-12);
        // already tridiagonal (the 1-2-1 matrix), eigenvalues 2 − 2cos(kπ/(n+1))
        int n = 9;
        double[][] t = new double[n][n];
        for (int i = 0; i < n; i++) {
            t[i][i] = 2;
            if (i > 0) {
                t[i][i - 1] = -1;
                t[i - 1][i] = -1;
            }
        }
        checkDecomposition(t, 1e-14);
        double[] tl = SymmetricEigen.values(t);
        for (int k = 1; k <= n; k++) {
            assertEquals(2 - 2 * Math.cos(k * Math.PI / (n + 1)), tl[k - 1], 1e-14);
        }
    }

    @Test
    void extremeScalesNeitherOverflowNorUnderflow() {
        SplittableRandom r = new SplittableRandom(4);
        double[][] a = TestMats.randomSymmetric(r, 8);
        double[] ref = SymmetricEigen.values(a);
        for (double s : new double[] {1e-200, 1e200}) {
            double[][] b = new double[8][8];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    b[i][j] = a[i][j] * s;
                }
            }
            double[] got = SymmetricEigen.values(b);
            for (int i = 0; i < 8; i++) {
                assertEquals(ref[i], got[i] / s, 1e-13 * maxAbs(a));
            }
            checkDecomposition(b, 1e-14);
        }
    }

    @Test
    void onlyTheLowerTriangleIsReadAndInputIsUntouched() {
        double[][] a = TestMats.randomSymmetric(new SplittableRandom(5), 6);
        double[][] copy = new double[6][];
        double[][] junkUpper = new double[6][];
        for (int i = 0; i < 6; i++) {
            copy[i] = a[i].clone();
            junkUpper[i] = a[i].clone();
            for (int j = i + 1; j < 6; j++) {
                junkUpper[i][j] = 99;
            }
        }
        assertArrayEquals(SymmetricEigen.values(a), SymmetricEigen.values(junkUpper), 0);
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(copy[i], a[i], 0);
        }
    }

    @Test
    void rejectsNonFiniteAndNonSquare() {
        double[][] a = TestMats.eye(3);
        a[2][1] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(a));
        assertThrows(
                IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{1, 2}}));
        assertEquals(0, SymmetricEigen.values(new double[0][]).length);
    }
}
