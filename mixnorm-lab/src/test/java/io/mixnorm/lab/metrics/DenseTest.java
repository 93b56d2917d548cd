package io.mixnorm.lab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseTest {
    @Test
    void blockedProductMatchesNaiveAcrossBlockEdges() {
        SplittableRandom r = new SplittableRandom(31);
        int[][] shapes = {{1, 1, 1}, {5, 3, 7}, {33, 130, 9}, {7, 9, 600}, {40, 131, 40}};
        for (int[] sh : shapes) {
            double[][] a = TestMats.randn(r, sh[0], sh[1]);
            double[][] b = TestMats.randn(r, sh[1], sh[2]);
            double[][] ref = TestMats.mul(a, b);
            double[][] got = Dense.multiply(a, b, false);
            assertEquals(0, TestMats.maxAbsDiff(ref, got), 1e-12, java.util.Arrays.toString(sh));
            if (sh[0] == sh[2]) {
                double[][] low = Dense.multiply(a, b, true);
                for (int i = 0; i < sh[0]; i++) {
                    for (int j = 0; j < sh[0]; j++) {
                        assertEquals(j <= i ? ref[i][j] : 0, low[i][j], 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void sparseRowsAreSkippedCorrectly() {
        double[][] a = {{0, 0, 0, 0, 2}, {0, 0, 0, 0, 0}};
        double[][] b = TestMats.randn(new SplittableRandom(32), 5, 3);
        double[][] c = Dense.multiply(a, b, false);
        for (int j = 0; j < 3; j++) {
            assertEquals(2 * b[4][j], c[0][j], 0);
            assertEquals(0, c[1][j], 0);
        }
    }
}
