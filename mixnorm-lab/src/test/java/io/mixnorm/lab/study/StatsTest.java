package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The t interval against hand computation with published t quantiles (t(0.975; 4) = 2.776445,
 * t(0.975; 1) = 12.706205).
 */
class StatsTest {
    @Test
    void fiveValues() {
        Stats s = Stats.of(List.of(1.0, 2.0, 3.0, 4.0, 5.0));
        double sd = Math.sqrt(2.5);
        double half = 2.776445 * sd / Math.sqrt(5);
        assertEquals(5, s.n());
        assertEquals(3.0, s.mean(), 1e-12);
        assertEquals(sd, s.sd(), 1e-12);
        assertEquals(3 - half, s.low(), 1e-5);
        assertEquals(3 + half, s.high(), 1e-5);
    }

    @Test
    void twoSeedsGiveTheWideInterval() {
        Stats s = Stats.of(List.of(0.30, 0.40));
        double half = 12.706205 * Math.sqrt(0.005) / Math.sqrt(2);
        assertEquals(0.35, s.mean(), 1e-12);
        assertEquals(0.35 - half, s.low(), 1e-6);
        assertEquals(0.35 + half, s.high(), 1e-6);
    }

    @Test
    void oneValueHasNoIntervalAndNoneHasNoMean() {
        Stats one = Stats.of(List.of(0.5));
        assertEquals(0.5, one.mean());
        assertTrue(Double.isNaN(one.low()) && Double.isNaN(one.high()) && Double.isNaN(one.sd()));
        assertTrue(Double.isNaN(Stats.of(List.of()).mean()));
        assertEquals(0, Stats.of(List.of()).n());
    }

    @Test
    void identicalValuesHaveAZeroWidthInterval() {
        Stats s = Stats.of(List.of(0.25, 0.25, 0.25));
        assertEquals(0.25, s.low(), 1e-15);
        assertEquals(0.25, s.high(), 1e-15);
    }
}
