package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mixnorm.lab.gan.GanMetricsRow;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The paper's metric on a lower-is-better score (a GAN's Fréchet distance), worked by hand: the
 * steps MN's generator needs to reach the BN generator's best score, and the speed-ups.
 */
class ScoreComparisonTest {
    private static GanMetricsRow row(long step, double score, double seconds) {
        return new GanMetricsRow(step, 1, 1, score, seconds);
    }

    private static StudyResults.Run<GanMetricsRow> run(String variant, List<GanMetricsRow> rows) {
        return new StudyResults.Run<>(
                new StudySpec.RunKey(variant, 1),
                Path.of(variant),
                "finished",
                rows,
                64,
                ScoreMetric.INSTANCE);
    }

    @Test
    void stepsForMnToReachTheBestBnScore() {
        var bn =
                run(
                        "bn",
                        List.of(
                                row(100, 80, 10),
                                row(150, Double.NaN, 15), // a logged row that was not scored
                                row(200, 60, 20),
                                row(300, 50, 30),
                                row(400, 55, 40)));
        var mn = run("mn", List.of(row(100, 70, 12), row(200, 49.5, 24), row(300, 40, 36)));
        StudyResults.Comparison<GanMetricsRow, Void> c = StudyResults.compare(mn, bn);
        assertEquals(300, c.bnSteps());
        assertEquals(50, c.bnBest());
        assertEquals(200L, c.steps());
        assertEquals(1 - 200 / 300.0, c.speedupIterations(), 1e-12);
        assertEquals(1 - 24 / 30.0, c.speedupWallclock(), 1e-12);
        assertEquals(40, c.best());
        assertEquals(300, c.bestStep());
    }

    @Test
    void neverReachingIsReportedAsNoSteps() {
        var c =
                StudyResults.<GanMetricsRow, Void>compare(
                        run("mn", List.of(row(10, 6, 1))), run("bn", List.of(row(10, 5, 1))));
        assertNull(c.steps());
        assertNull(c.speedupIterations());
        assertNull(c.speedupWallclock());
    }
}
