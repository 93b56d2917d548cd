package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pool-adjacent-violators against the min–max closed form, and reading steps off the fit. */
class IsotonicTest {
    /**
     * The isotonic regression's closed form: f_i = max_{j ≤ i} min_{k ≥ i} mean(y_j..y_k) (Barlow
     * et al. 1972), computed the slow way.
     */
    static double[] minMax(double[] y) {
        int n = y.length;
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                double inner = Double.POSITIVE_INFINITY;
                for (int k = i; k < n; k++) {
                    double s = 0;
                    for (int m = j; m <= k; m++) {
                        s += y[m];
                    }
                    inner = Math.min(inner, s / (k - j + 1));
                }
                best = Math.max(best, inner);
            }
            f[i] = best;
        }
        return f;
    }

    @Test
    void matchesTheMinMaxFormulaOnNoisyCurves() {
        Random rng = new Random(5);
        for (int trial = 0; trial < 50; trial++) {
            double[] y = new double[1 + rng.nextInt(20)];
            for (int i = 0; i < y.length; i++) {
                y[i] = 0.5 + 0.02 * i + 0.05 * rng.nextGaussian();
            }
            assertArrayEquals(minMax(y), Isotonic.fit(y), 1e-12);
        }
    }

    @Test
    void aLuckyEvaluationIsAveragedWithItsNeighbours() {
        assertArrayEquals(
                new double[] {0.5, 0.65, 0.65, 0.7},
                Isotonic.fit(new double[] {0.5, 0.7, 0.6, 0.7}),
                1e-12);
    }

    @Test
    void stepsToAThresholdInterpolateInLogSteps() {
        double[] steps = {100, 200, 400};
        double[] smooth = {0.5, 0.6, 0.7};
        assertEquals(100, Isotonic.stepsTo(steps, smooth, 0.4).getAsDouble(), 1e-12);
        assertEquals(200, Isotonic.stepsTo(steps, smooth, 0.6).getAsDouble(), 1e-9);
        // halfway between 0.6 and 0.7 is halfway in log between 200 and 400: √(200·400)
        assertEquals(
                Math.sqrt(200 * 400), Isotonic.stepsTo(steps, smooth, 0.65).getAsDouble(), 1e-9);
        assertFalse(Isotonic.stepsTo(steps, smooth, 0.71).isPresent());
    }
}
