package io.mixnorm.lab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.gan.SampleGrid;
import io.mixnorm.lab.study.GanKind;
import io.mixnorm.lab.study.ScoreMetric;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GAN study's numbers and report from hand-made metrics (no training): steps to BN's best,
 * speed-up, "never", the interval over seeds, and the files the report is made of.
 */
class GanStudyReportTest {
    @TempDir Path tmp;

    static final String SPEC =
            """
            {"kind": "gan", "name": "hand", "gan": {"steps": 400, "scoreEvery": 100, "scoreSamples": 300,
             "featuresModel": "runs/clf"},
             "seeds": [1, 2, 3], "baseline": "bn",
             "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "mnLayers": "g.norm1", "components": 3}]}\
            """;

    /** Scores at 100..400; train seconds 0.1 per step for BN and 0.12 for MN. */
    static List<GanMetricsRow> rows(double secondsPerStep, double... scores) {
        List<GanMetricsRow> r = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            long step = 100L * (i + 1);
            r.add(
                    new GanMetricsRow(
                            step - 50,
                            1.2,
                            0.9,
                            Double.NaN,
                            (step - 50) * secondsPerStep)); // an unscored row
            r.add(new GanMetricsRow(step, 1.1, 1.0, scores[i], step * secondsPerStep));
        }
        return r;
    }

    // seed 1: BN's best 50 at 300; MN reaches it at 200 (speed-up 1/3)
    // seed 2: BN's best 62 at 400; MN never gets there (63 at best)
    // seed 3: BN's best 58 at 400; MN reaches it at 100 (speed-up 3/4)
    static final List<List<GanMetricsRow>> BN =
            List.of(
                    rows(0.1, 80, 60, 50, 55),
                    rows(0.1, 90, 70, 65, 62),
                    rows(0.1, 70, 65, 60, 58));
    static final List<List<GanMetricsRow>> MN =
            List.of(
                    rows(0.12, 70, 49.5, 40, 45),
                    rows(0.12, 85, 75, 70, 63),
                    rows(0.12, 57, 50, 45, 44));

    static StudySpec spec() {
        return StudySpec.parse(SPEC, "test");
    }

    static List<StudyResults.Run<GanMetricsRow>> runs(StudySpec s) {
        List<StudyResults.Run<GanMetricsRow>> runs = new ArrayList<>();
        for (StudySpec.RunKey k : s.runs()) {
            List<GanMetricsRow> rows = (k.variant().equals("bn") ? BN : MN).get((int) k.seed() - 1);
            runs.add(
                    new StudyResults.Run<>(
                            k,
                            Path.of("x").resolve(k.dir()),
                            "finished",
                            rows,
                            64,
                            ScoreMetric.INSTANCE));
        }
        return runs;
    }

    @Test
    void stepsToBnBestSpeedupAndNeverPerSeed() {
        StudySpec s = spec();
        List<StudyResults.Comparison<GanMetricsRow, Void>> comps =
                StudyResults.compare(runs(s), "bn");
        assertEquals(6, comps.size());
        StudyResults.Comparison<GanMetricsRow, Void> mn1 = find(comps, "mn", 1);
        assertEquals(300, mn1.bnSteps());
        assertEquals(50, mn1.bnBest());
        assertEquals(200L, mn1.steps());
        assertEquals(1 - 200 / 300.0, mn1.speedupIterations(), 1e-12);
        assertEquals(1 - (200 * 0.12) / (300 * 0.1), mn1.speedupWallclock(), 1e-12);
        StudyResults.Comparison<GanMetricsRow, Void> mn2 = find(comps, "mn", 2);
        assertNull(mn2.steps(), "MN's 63 never reaches BN's 62");
        assertNull(mn2.speedupIterations());
        StudyResults.Comparison<GanMetricsRow, Void> bn2 = find(comps, "bn", 2);
        assertEquals(400L, bn2.steps(), "BN reaches its own best where it has it");
        assertEquals(0.0, bn2.speedupIterations(), 0);
    }

    @Test
    void meansOverSeedsWithATInterval() {
        StudySpec s = spec();
        List<StudyResults.Aggregate<GanMetricsRow, Void>> aggs =
                StudyResults.aggregate(s, StudyResults.compare(runs(s), "bn"));
        assertEquals(
                List.of("bn", "mn"), aggs.stream().map(StudyResults.Aggregate::variant).toList());
        StudyResults.Aggregate<GanMetricsRow, Void> mn = aggs.get(1);
        assertEquals(3, mn.compared());
        assertEquals(1, mn.never());
        assertEquals(2, mn.speedupIterations().n(), "the two seeds that reached BN's best");
        double a = 1 - 200 / 300.0;
        double b = 1 - 100 / 400.0;
        assertEquals((a + b) / 2, mn.speedupIterations().mean(), 1e-12);
        double half =
                new TDistribution(1).inverseCumulativeProbability(0.975)
                        * Math.abs(a - b)
                        / Math.sqrt(2)
                        / Math.sqrt(2);
        assertEquals((a + b) / 2 - half, mn.speedupIterations().low(), 1e-9);
        assertEquals((a + b) / 2 + half, mn.speedupIterations().high(), 1e-9);
        assertEquals(150, mn.steps().mean(), 1e-12);
        assertEquals((50 + 62 + 58) / 3.0, mn.bnBest().mean(), 1e-12);
        assertEquals((40 + 63 + 44) / 3.0, mn.best().mean(), 1e-12);
        assertEquals((45 + 63 + 44) / 3.0, mn.finalValue().mean(), 1e-12);
    }

    @Test
    void theMeanCurveUsesTheStepsEveryRunWasScoredAt() {
        StudySpec s = spec();
        List<StudyResults.Run<GanMetricsRow>> bn =
                runs(s).stream().filter(r -> r.key().variant().equals("bn")).toList();
        List<StudyResults.Run<GanMetricsRow>> shortened = new ArrayList<>(bn);
        StudyResults.Run<GanMetricsRow> third = bn.get(2);
        shortened.set(
                2,
                new StudyResults.Run<>(
                        third.key(),
                        third.dir(),
                        "interrupted",
                        third.rows().subList(0, 4),
                        64,
                        ScoreMetric.INSTANCE));
        double[][] curve = GanSection.meanCurve(shortened);
        assertArrayEquals(
                new double[] {100, 200},
                curve[0],
                "the interrupted run was scored at 100 and 200 only");
        assertArrayEquals(
                new double[] {(80 + 90 + 70) / 3.0, (60 + 70 + 65) / 3.0}, curve[1], 1e-12);
    }

    @Test
    void theReportFilesFromRunFoldersOnDisk() throws IOException {
        StudySpec s = spec();
        Path out = tmp.resolve("study");
        for (StudyResults.Run<GanMetricsRow> r : runs(s)) {
            Path dir = out.resolve(r.key().dir());
            Files.createDirectories(dir);
            StringBuilder csv = new StringBuilder(GanMetricsRow.CSV_HEADER).append('\n');
            r.rows().forEach(x -> csv.append(x.toCsv()).append('\n'));
            Files.writeString(dir.resolve("metrics.csv"), csv);
            Files.writeString(
                    dir.resolve("summary.json"), "{\"status\": \"finished\", \"steps\": 400}");
            SampleGrid.write(SampleGrid.file(dir, 400), new float[SampleGrid.COUNT * 3072]);
        }
        StudyReport.Written w =
                StudyReport.write(s, out, List.of("./mixnorm reproduce --config hand.json"), null);

        String md = Files.readString(w.report());
        assertTrue(md.contains("FD (mixnorm CIFAR features)"), md);
        assertFalse(
                md.replace("This is not an FID", "").contains("FID"),
                "the classifier's FD is never called an FID");
        assertTrue(md.contains("**Budget**: 400 iterations of batch 64 per run"), md);
        assertTrue(
                md.contains(
                        "| mn | 2 | finished | 400 | 63.00 (400) | 63.00 (400) | 62.00 (400) |"
                                + " never | never |"),
                md);
        assertTrue(
                md.contains(
                        "| mn | 1 | finished | 400 | 40.00 (300) | 45.00 (400) | 50.00 (300) | 200"
                                + " | +33.3% |"),
                md);
        assertTrue(md.contains("![score curves](plots/scores.png)"), md);
        assertTrue(
                md.contains("![mn seed 3, step 400](runs/mn/seed-3/samples/step-000400.png)"), md);
        assertTrue(w.headline().contains("| mn | 56.67 ["), w.headline());
        assertTrue(w.headline().contains("| 2/3 |"), w.headline());
        assertTrue(
                Files.readString(out.resolve("report.html"))
                        .contains("<img src=\"plots/scores.png\""));

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(7, csv.size(), "header + one row per run");
        assertTrue(
                csv.contains(
                        "mn,2,finished,400,63.0000,400,63.0000,400,62.0000,400,never,,,48.0000,"
                                + "runs/mn/seed-2/samples/step-000400.png,runs/mn/seed-2"),
                String.join("\n", csv));

        JsonObject summary =
                JsonParser.parseString(Files.readString(out.resolve("summary.json")))
                        .getAsJsonObject();
        assertEquals("FD (mixnorm CIFAR features)", summary.get("score").getAsString());
        JsonObject speedup =
                summary.getAsJsonObject("variants")
                        .getAsJsonObject("mn")
                        .getAsJsonObject("speedup_iterations");
        assertEquals(1, speedup.get("never").getAsInt());
        assertEquals(3, speedup.get("seeds").getAsInt());
        assertEquals(2, speedup.get("n").getAsInt());
        assertEquals(((1 - 200 / 300.0) + 0.75) / 2, speedup.get("mean").getAsDouble(), 1e-12);
        assertTrue(speedup.get("ci95").isJsonArray());

        byte[] png = Files.readAllBytes(out.resolve("plots/scores.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    }

    @Test
    void whenMnNeverReachesBnTheHeadlineSaysNever() {
        StudySpec s = spec();
        s.seeds = List.of(2L);
        List<StudyResults.Run<GanMetricsRow>> runs = runs(s);
        String headline =
                new GanSection(s, tmp)
                        .headline(StudyResults.aggregate(s, StudyResults.compare(runs, "bn")));
        assertTrue(
                headline.contains(
                        "| mn | 62.00 | 400 | never | never | never | 63.00 | 63.00 | 0/1 |"),
                headline);
    }

    @Test
    void badStudyFilesAreOneLineErrors() {
        assertTrue(
                assertThrows(
                                UserException.class,
                                () -> StudySpec.parse(SPEC.replace("\"steps\"", "\"stepz\""), "f"))
                        .getMessage()
                        .contains("unknown key 'stepz'"));
        assertTrue(
                assertThrows(
                                UserException.class,
                                () -> StudySpec.parse(SPEC.replace("\"steps\"", "\"seed\""), "f"))
                        .getMessage()
                        .contains("sets 'seed'"));
        StudySpec noClassifier = StudySpec.parse(SPEC.replace("\"runs/clf\"", "\"\""), "f");
        assertTrue(
                assertThrows(UserException.class, () -> GanKind.checkScoring(noClassifier))
                        .getMessage()
                        .startsWith("--features-model"));
        StudySpec noScore =
                StudySpec.parse(SPEC.replace("\"scoreEvery\": 100", "\"scoreEvery\": 0"), "f");
        assertTrue(
                assertThrows(UserException.class, () -> GanKind.checkScoring(noScore))
                        .getMessage()
                        .startsWith("--score-every"));
        GanKind.checkScoring(spec());
        assertTrue(
                assertThrows(
                                UserException.class,
                                () ->
                                        StudySpec.parse(
                                                SPEC.replace(
                                                        "\"name\": \"bn\", \"norm\": \"bn\"",
                                                        "\"name\": \"bn\", \"norm\": \"mn\""),
                                                "f"))
                        .getMessage()
                        .contains("must use norm bn"));
        assertTrue(
                assertThrows(
                                UserException.class,
                                () -> StudySpec.parse(SPEC.replace("g.norm1", "conv2"), "f"))
                        .getMessage()
                        .contains("g.norm1"));
    }

    private static StudyResults.Comparison<GanMetricsRow, Void> find(
            List<StudyResults.Comparison<GanMetricsRow, Void>> comps, String variant, long seed) {
        return comps.stream()
                .filter(
                        c ->
                                c.run().key().variant().equals(variant)
                                        && c.run().key().seed() == seed)
                .findFirst()
                .orElseThrow();
    }
}
