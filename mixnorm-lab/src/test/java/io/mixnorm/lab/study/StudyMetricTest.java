package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mixnorm.lab.train.MetricsRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The paper's metric on hand-made curves, with the answers worked out by hand. */
class StudyMetricTest {
    static final int BATCH = 10;

    /**
     * A curve evaluated every {@code every} steps; each step takes {@code secPerStep} training
     * seconds.
     */
    static List<MetricsRow> curve(long every, double secPerStep, double... acc) {
        List<MetricsRow> rows = new ArrayList<>();
        for (int i = 0; i < acc.length; i++) {
            long step = (i + 1) * every;
            rows.add(
                    new MetricsRow(
                            step,
                            0,
                            1e-3,
                            1,
                            0.5,
                            1,
                            acc[i],
                            BATCH / secPerStep,
                            step * secPerStep + 5 * i,
                            step * secPerStep));
        }
        return rows;
    }

    static StudyResults.Run<MetricsRow> run(String variant, List<MetricsRow> rows) {
        return new StudyResults.Run<>(
                new StudySpec.RunKey(1e-3, variant, 1),
                Path.of(variant),
                "finished",
                rows,
                BATCH,
                AccuracyMetric.INSTANCE);
    }

    static StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> vsBn(
            List<MetricsRow> bn, List<MetricsRow> other) {
        return StudyResults.compare(run("mn", other), run("bn", bn));
    }

    @Test
    void reachingEarlierGivesTheSpeedUp() {
        List<MetricsRow> bn = curve(100, 0.2, 0.5, 0.6, 0.7, 0.65);
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                vsBn(bn, curve(100, 0.3, 0.55, 0.72, 0.71, 0.74));
        assertEquals(0.7, c.bnBest());
        assertEquals(300, c.bnSteps());
        assertEquals(200L, c.steps());
        assertEquals(1 - 200.0 / 300, c.speedupIterations(), 1e-12);
        // wall-clock: 200 steps at 0.3 s = 60 s against 300 steps at 0.2 s = 60 s: no gain in time
        assertEquals(0.0, c.speedupWallclock(), 1e-12);
        assertEquals(0.74, c.best());
        assertEquals(400, c.bestStep());
        assertEquals(0.74, c.finalValue());
    }

    @Test
    void neverReachingIsNullNotZero() {
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                vsBn(curve(100, 0.2, 0.5, 0.7), curve(100, 0.2, 0.69, 0.6999));
        assertNull(c.steps());
        assertNull(c.seconds());
        assertNull(c.speedupIterations());
        assertNull(c.speedupWallclock());
    }

    @Test
    void tiesCountAsReachingAndTheFirstMaximumCounts() {
        // BN hits its max 0.7 at 200 and again at 400: the first one is its cost
        List<MetricsRow> bn = curve(100, 0.2, 0.6, 0.7, 0.62, 0.7, 0.69);
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                vsBn(bn, curve(100, 0.2, 0.5, 0.6, 0.7, 0.6));
        assertEquals(200, c.bnSteps());
        assertEquals(300L, c.steps());
        assertEquals(-0.5, c.speedupIterations(), 1e-12);
    }

    @Test
    void noisyCurvesUseTheFirstCrossingNotTheTrend() {
        List<MetricsRow> bn = curve(100, 0.2, 0.5, 0.55, 0.6, 0.58, 0.61);
        // a spike at 200 crosses 0.61 before the curve settles below it
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                vsBn(bn, curve(100, 0.2, 0.5, 0.62, 0.55, 0.57, 0.6));
        assertEquals(500, c.bnSteps());
        assertEquals(200L, c.steps());
        assertEquals(0.6, c.speedupIterations(), 1e-12);
    }

    @Test
    void unequalEvaluationGridsCompareSteps() {
        List<MetricsRow> bn = curve(100, 0.2, 0.5, 0.6, 0.7);
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                vsBn(bn, curve(50, 0.2, 0.4, 0.5, 0.65, 0.71, 0.6, 0.6));
        assertEquals(300, c.bnSteps());
        assertEquals(200L, c.steps());
        assertEquals(1 - 200.0 / 300, c.speedupIterations(), 1e-12);
    }

    @Test
    void theBaselineAgainstItselfIsZero() {
        List<MetricsRow> bn = curve(100, 0.2, 0.5, 0.6, 0.7, 0.65);
        StudyResults.Comparison<MetricsRow, AccuracyMetric.Curves> c =
                StudyResults.compare(run("bn", bn), run("bn", bn));
        assertEquals(300L, c.steps());
        assertEquals(0.0, c.speedupIterations());
        assertEquals(0.0, c.speedupWallclock());
    }

    @Test
    void oldRowsWithoutTrainSecondsSumTheSegmentsThroughput() {
        List<MetricsRow> rows =
                List.of(
                        new MetricsRow(
                                100,
                                0,
                                1e-3,
                                1,
                                0.5,
                                1,
                                0.5,
                                500,
                                9,
                                Double.NaN), // 100·10/500 = 2 s
                        new MetricsRow(
                                300,
                                0,
                                1e-3,
                                1,
                                0.5,
                                1,
                                0.6,
                                250,
                                30,
                                Double.NaN)); // + 200·10/250 = 8 s
        assertEquals(10.0, StepsToTarget.trainSecondsAt(rows, 300, BATCH), 1e-12);
        assertEquals(2.0, StepsToTarget.trainSecondsAt(rows, 100, BATCH), 1e-12);
    }

    @Test
    void aggregatesCountNeverSeparately() {
        StudySpec spec = Studies.get("cnn5-cifar10", false).quick();
        spec.lrs = List.of(1e-3);
        spec.seeds = List.of(1L, 2L, 3L);
        List<StudyResults.Run<MetricsRow>> runs = new ArrayList<>();
        double[][] bnCurves = {{0.5, 0.7}, {0.5, 0.8}, {0.6, 0.7}};
        double[][] mnCurves = {{0.7, 0.7}, {0.5, 0.7}, {0.7, 0.75}};
        for (int s = 0; s < 3; s++) {
            runs.add(
                    new StudyResults.Run<>(
                            new StudySpec.RunKey(1e-3, "bn", s + 1),
                            Path.of("b"),
                            "finished",
                            curve(100, 0.2, bnCurves[s]),
                            BATCH,
                            AccuracyMetric.INSTANCE));
            runs.add(
                    new StudyResults.Run<>(
                            new StudySpec.RunKey(1e-3, "mn", s + 1),
                            Path.of("m"),
                            "finished",
                            curve(100, 0.2, mnCurves[s]),
                            BATCH,
                            AccuracyMetric.INSTANCE));
        }
        List<StudyResults.Aggregate<MetricsRow, AccuracyMetric.Curves>> aggs =
                StudyResults.aggregate(spec, StudyResults.compare(runs, "bn"));
        StudyResults.Aggregate<MetricsRow, AccuracyMetric.Curves> mn =
                aggs.stream().filter(a -> a.variant().equals("mn")).findFirst().orElseThrow();
        assertEquals(3, mn.compared());
        assertEquals(1, mn.never()); // seed 2: BN reached 0.8, MN only 0.7
        assertEquals(2, mn.speedupIterations().n());
        assertEquals(0.5, mn.speedupIterations().mean(), 1e-12); // seeds 1 and 3: 1 − 100/200 each
        assertEquals((0.7 + 0.8 + 0.7) / 3, mn.bnBest().mean(), 1e-12);
    }

    @Test
    void unfinishedRunsStayOutOfTheComparison() {
        List<StudyResults.Run<MetricsRow>> runs =
                List.of(
                        run("bn", curve(100, 0.2, 0.5, 0.7)),
                        new StudyResults.Run<>(
                                new StudySpec.RunKey(1e-3, "mn", 1),
                                Path.of("m"),
                                "interrupted",
                                curve(100, 0.2, 0.8),
                                BATCH,
                                AccuracyMetric.INSTANCE));
        assertEquals(1, StudyResults.compare(runs, "bn").size()); // BN against itself only
    }
}
