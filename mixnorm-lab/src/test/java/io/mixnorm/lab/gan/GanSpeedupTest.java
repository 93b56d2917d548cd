package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GanSpeedupTest {
    private static GanMetricsRow row(long step, double score, double seconds) {
        return new GanMetricsRow(step, 1, 1, score, seconds);
    }

    @Test
    void stepsForMnToReachTheBestBnScore() {
        List<GanMetricsRow> bn =
                List.of(
                        row(100, 80, 10),
                        row(150, Double.NaN, 15),
                        row(200, 60, 20),
                        row(300, 50, 30),
                        row(400, 55, 40));
        List<GanMetricsRow> mn = List.of(row(100, 70, 12), row(200, 49.5, 24), row(300, 40, 36));
        GanSpeedup.Result r = GanSpeedup.of(bn, mn);
        assertEquals(300, r.bnBestStep());
        assertEquals(50, r.bnBestScore());
        assertEquals(200, r.mnStep());
        assertEquals(1 - 200 / 300.0, r.speedup(), 1e-12);
        assertEquals(1 - 24 / 30.0, r.wallClockSpeedup(), 1e-12);
    }

    @Test
    void neverReachingAndNoScoresAreReported() {
        GanSpeedup.Result r = GanSpeedup.of(List.of(row(10, 5, 1)), List.of(row(10, 6, 1)));
        assertEquals(-1, r.mnStep());
        assertTrue(Double.isNaN(r.speedup()));
        assertThrows(
                IllegalArgumentException.class,
                () -> GanSpeedup.of(List.of(row(10, Double.NaN, 1)), List.of(row(10, 6, 1))));
    }
}
