package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The rescaling speed-up on synthetic curves whose r is known: exactly without noise, and inside
 * its 95% interval as often as it should be with the noise the study measured.
 */
class RescalingTest {
    /**
     * A learning curve shaped like cnn5's with precise statistics: 55% at step 100, ~78% at 1,500.
     */
    static final DoubleUnaryOperator TREND =
            t -> 0.80 - 0.30 * Math.exp(-t / 450.0) - 0.04 * Math.exp(-t / 60.0);

    static double[] steps(int every, int n) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = every * (i + 1.0);
        }
        return t;
    }

    /** The trend as a variant that saves fraction r of the steps: a_V(t) = a_B(t / (1 − r)). */
    static double[] curve(double[] t, double r, double noise, Random rng) {
        double[] a = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            a[i] = TREND.applyAsDouble(t[i] / (1 - r)) + noise * rng.nextGaussian();
        }
        return a;
    }

    @Test
    void recoversAKnownSpeedUpExactlyWithoutNoise() {
        double[] t = steps(100, 15);
        Random none = new Random(0);
        for (double r : new double[] {0.0, 0.1, 0.3, 0.47, -0.25}) {
            double fitted =
                    Rescaling.fit(t, curve(t, 0, 0, none), t, curve(t, r, 0, none)).getAsDouble();
            // Interpolation in log-steps between evaluations 100 steps apart costs a little
            // accuracy.
            assertEquals(r, fitted, 0.01, "r = " + r);
        }
    }

    @Test
    void swappingTheCurvesInvertsTheScale() {
        // If V at (1 − r)t equals B at t, then B at t/(1 − r)... i.e. r' = −r / (1 − r) the other
        // way round.
        double[] t = steps(100, 15);
        Random none = new Random(0);
        double[] b = curve(t, 0, 0, none);
        double[] v = curve(t, 0.3, 0, none);
        double forward = Rescaling.fit(t, b, t, v).getAsDouble();
        double backward = Rescaling.fit(t, v, t, b).getAsDouble();
        assertEquals(-forward / (1 - forward), backward, 0.01);
    }

    @Test
    void aCurveAgainstItselfIsZero() {
        double[] t = steps(100, 15);
        double[] a = curve(t, 0, 0.005, new Random(3));
        assertEquals(0.0, Rescaling.fit(t, a, t, a).getAsDouble(), 1e-12);
    }

    @Test
    void unequalEvaluationGridsAreComparedInSteps() {
        Random none = new Random(0);
        double[] tb = steps(100, 15);
        double[] tv = steps(50, 30);
        double fitted =
                Rescaling.fit(tb, curve(tb, 0, 0, none), tv, curve(tv, 0.2, 0, none)).getAsDouble();
        assertEquals(0.2, fitted, 0.005);
    }

    /**
     * The gap at a given r, worked by hand: B = (100: 0.5, 200: 0.6, 400: 0.7), V = (100: 0.4, 200:
     * 0.5, 400: 0.6, 800: 0.7). At r = 0.5, B's steps map to 50 (outside V), 100, 200: gaps 0.6 −
     * 0.4 and 0.7 − 0.5, mean square 0.04; with r = −1 they map to 200, 400, 800: gaps 0 → 0.
     */
    @Test
    void theObjectiveMatchesAHandComputation() {
        double[] ub = {Math.log(100), Math.log(200), Math.log(400)};
        double[] ab = {0.5, 0.6, 0.7};
        double[] uv = {Math.log(100), Math.log(200), Math.log(400), Math.log(800)};
        double[] av = {0.4, 0.5, 0.6, 0.7};
        assertEquals(0.04, Rescaling.gap(0.5, ub, ab, uv, av, 2), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, Rescaling.gap(0.5, ub, ab, uv, av, 3));
        assertEquals(0.0, Rescaling.gap(-1.0, ub, ab, uv, av, 3), 1e-12);
        // In between, the variant is read on its log-linear pieces: at r = −0.5 B's steps map to
        // 150, 300
        // and 600, each at the same log-fraction of the way between V's neighbouring evaluations.
        double w = (Math.log(150) - Math.log(100)) / (Math.log(200) - Math.log(100));
        double g1 = 0.5 - (0.4 + w * 0.1);
        double g2 = 0.6 - (0.5 + w * 0.1);
        double g3 = 0.7 - (0.6 + w * 0.1);
        assertEquals(
                (g1 * g1 + g2 * g2 + g3 * g3) / 3, Rescaling.gap(-0.5, ub, ab, uv, av, 3), 1e-12);
        assertEquals(
                -1.0,
                Rescaling.fit(
                                new double[] {100, 200, 400},
                                ab,
                                new double[] {100, 200, 400, 800},
                                av)
                        .getAsDouble(),
                1e-9);
    }

    /**
     * The chain the study reports: 8 seed pairs, each with its own true r (seed-to-seed sd 0.05)
     * and 0.5 points of noise on every evaluation, as measured on precise curves; the Student-t 95%
     * interval of the mean r must cover the true mean in about 95% of 60 simulated studies.
     */
    @Test
    void theIntervalOverSeedsCoversTheTrueSpeedUpUnderMeasuredNoise() {
        double[] t = steps(100, 15);
        Random rng = new Random(16);
        for (double truth : new double[] {0.0, 0.3}) {
            int covered = 0;
            int studies = 60;
            double sumMean = 0;
            for (int s = 0; s < studies; s++) {
                List<Double> rs = new ArrayList<>();
                for (int seed = 0; seed < 8; seed++) {
                    double r = truth + 0.05 * rng.nextGaussian();
                    rs.add(
                            Rescaling.fit(t, curve(t, 0, 0.005, rng), t, curve(t, r, 0.005, rng))
                                    .getAsDouble());
                }
                Stats st = Stats.of(rs);
                sumMean += st.mean();
                if (st.low() <= truth && truth <= st.high()) {
                    covered++;
                }
            }
            // Binomial(60, 0.95): 52 or more with probability > 0.99.
            assertTrue(covered >= 52, "covered " + covered + "/" + studies + " at r = " + truth);
            assertEquals(truth, sumMean / studies, 0.01, "bias at r = " + truth);
        }
    }

    @Test
    void tooFewOverlappingEvaluationsGiveNoValue() {
        assertFalse(
                Rescaling.fit(
                                new double[] {100, 200},
                                new double[] {0.5, 0.6},
                                new double[] {100, 200},
                                new double[] {0.5, 0.6})
                        .isPresent());
        assertFalse(
                Rescaling.fit(
                                new double[] {100, 200, 300},
                                new double[] {0.5, 0.6, 0.7},
                                new double[] {100},
                                new double[] {0.5})
                        .isPresent());
    }

    @Test
    void stepsMustIncrease() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Rescaling.fit(
                                        new double[] {100, 100, 300},
                                        new double[] {0.5, 0.6, 0.7},
                                        new double[] {100, 200},
                                        new double[] {0.5, 0.6}));
        assertTrue(e.getMessage().contains("increasing"), e.getMessage());
    }
}
