package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.SyntheticCifar;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GanTrainingRunTest {
    private static final CifarSplits DATA = SyntheticCifar.make(64, 40, 4);
    private static final PrintStream SILENT =
            new PrintStream(java.io.OutputStream.nullOutputStream());

    @TempDir Path tmp;

    static GanConfig tiny(String norm) {
        GanConfig c = new GanConfig();
        c.norm = norm;
        c.steps = 6;
        c.batchSize = 8;
        c.logEvery = 2;
        c.sampleEvery = 6; // a grid costs 64 generator images: keep the test fast
        c.scoreEvery = 3;
        c.scoreSamples = 16;
        c.checkpointEvery = 100;
        c.seed = 11;
        c.deterministic = true;
        c.threads = 1;
        return c;
    }

    /** Every value of {@code a} becomes NaN, in place. */
    static void fillNaN(ai.djl.ndarray.NDArray a) {
        float[] nan = new float[Math.toIntExact(a.size())];
        java.util.Arrays.fill(nan, Float.NaN);
        a.set(nan);
    }

    static GanTrainingRun trainer(GanConfig c, Path dir) {
        return new GanTrainingRun(c, DATA, dir, SILENT, true, m -> new QuadrantFeatures());
    }

    @Test
    void writesMetricsSamplesAndCheckpoints() throws IOException {
        Path dir = tmp.resolve("run");
        GanTrainingRun.Summary s = trainer(tiny("bn"), dir).run();
        assertEquals("finished", s.status());
        assertEquals(6, s.step());
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(GanMetricsRow.CSV_HEADER, csv.get(0));
        List<GanMetricsRow> rows = GanMetricsRow.readCsv(dir.resolve("metrics.csv"));
        assertEquals(
                List.of(2L, 3L, 4L, 6L),
                rows.stream().map(GanMetricsRow::step).toList(),
                "log every 2, score every 3");
        assertTrue(
                Double.isNaN(rows.get(0).score())
                        && Double.isFinite(rows.get(1).score())
                        && rows.get(3).score() > 0);
        for (GanMetricsRow r : rows) {
            assertTrue(Double.isFinite(r.dLoss()) && Double.isFinite(r.gLoss()), r.toString());
        }
        BufferedImage img = ImageIO.read(dir.resolve("samples/step-000006.png").toFile());
        assertEquals(256, img.getWidth(), "8 images of 32 pixels");
        assertEquals(256, img.getHeight());
        for (String f : List.of("config.json", "summary.json", "curves.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        assertFalse(GanTrainingRun.checkpoints(dir, 3).list().isEmpty());
        assertEquals(tiny("bn").toJson(), GanConfig.load(dir.resolve("config.json")).toJson());
    }

    @Test
    void aDivergedRunSaysSoInItsSummary() throws IOException {
        Path dir = tmp.resolve("diverged");
        GanConfig c = tiny("bn");
        c.lr = 1e30; // Adam's step is lr-sized whatever the gradient: the weights overflow at once
        c.scoreEvery = 0;
        io.mixnorm.lab.train.DivergedException e =
                assertThrows(
                        io.mixnorm.lab.train.DivergedException.class, () -> trainer(c, dir).run());
        assertTrue(e.getMessage().contains("diverged at step"), e.getMessage());
        String summary = Files.readString(dir.resolve("summary.json"));
        assertTrue(summary.contains("\"status\": \"diverged\""), summary);
    }

    /**
     * The generator's MixtureNorm refuses a NaN input (NonFiniteInputException): a divergence (exit
     * 3) naming the step and the layer, summary.json "diverged"; it escaped as a stack trace.
     */
    @Test
    void aGeneratorNormRefusingANonFiniteInputIsADivergence() throws IOException {
        Path dir = tmp.resolve("diverged");
        GanConfig c = tiny("mn");
        c.scoreEvery = 0;
        c.sampleEvery = 0;
        c.checkpointEvery = 1;
        GanTrainingRun t =
                new GanTrainingRun(c, DATA, dir, SILENT, true, null)
                        .beforeStep(
                                (step, nets) -> {
                                    if (step == 3) { // the projection in front of g.norm1 turns NaN
                                        ai.djl.ndarray.NDArray w =
                                                nets.generator()
                                                        .getParameters()
                                                        .get(0)
                                                        .getValue()
                                                        .getArray();
                                        fillNaN(w);
                                    }
                                });
        io.mixnorm.lab.train.DivergedException e =
                assertThrows(io.mixnorm.lab.train.DivergedException.class, t::run);
        assertEquals(3, e.exitCode());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "GAN training diverged at step 3: generator layer g.norm1:"
                                        + " MixtureNorm(K=3, C=512): input of shape"),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith(
                                "the last good checkpoint is "
                                        + dir.resolve("checkpoints/step-0000000002.ckpt")),
                e.getMessage());
        String summary = Files.readString(dir.resolve("summary.json"));
        assertTrue(summary.contains("\"status\": \"diverged\""), summary);
    }

    /**
     * A finite loss does not make finite weights: a generator whose running statistics turned NaN
     * (training mode never reads them) must not be scored or checkpointed; it is a divergence (exit
     * 3, summary "diverged"), not a bad-input error that stops a whole study.
     */
    @Test
    void nonFiniteWeightsBehindAFiniteLossAreADivergence() throws IOException {
        Path dir = tmp.resolve("nan-weights");
        GanConfig c = tiny("bn");
        c.sampleEvery = 0;
        GanTrainingRun t =
                new GanTrainingRun(c, DATA, dir, SILENT, true, m -> new QuadrantFeatures())
                        .beforeStep(
                                (step, nets) -> {
                                    if (step == 2) {
                                        for (var p : nets.generator().getParameters()) {
                                            if (p.getKey().contains("runningMean")) {
                                                fillNaN(p.getValue().getArray());
                                                return;
                                            }
                                        }
                                    }
                                });
        io.mixnorm.lab.train.DivergedException e =
                assertThrows(io.mixnorm.lab.train.DivergedException.class, t::run);
        assertEquals(3, e.exitCode());
        assertTrue(
                e.getMessage().startsWith("training diverged by step 3: parameter ")
                        && e.getMessage().contains("runningMean"),
                e.getMessage());
        assertTrue(
                !Files.exists(dir.resolve("checkpoints/step-0000000003.ckpt")),
                "no NaN checkpoint");
        String summary = Files.readString(dir.resolve("summary.json"));
        assertTrue(summary.contains("\"status\": \"diverged\""), summary);
    }

    @Test
    void aStoppedRunContinuedEqualsAnUninterruptedOne() throws IOException {
        Path straight = tmp.resolve("straight");
        Path resumed = tmp.resolve("resumed");
        GanConfig c = tiny("mn");
        trainer(c, straight).run();
        GanTrainingRun.Summary first = trainer(c, resumed).stopAfter(5).run();
        assertEquals("interrupted", first.status());
        assertEquals(5, first.step());
        GanTrainingRun.Summary second = trainer(c, resumed).run();
        assertEquals("finished", second.status());
        assertEquals(
                withoutSeconds(straight),
                withoutSeconds(resumed),
                "metrics after a stop at step 5 and a resume");
        assertArrayEquals(
                Files.readAllBytes(SampleGrid.file(straight, 6)),
                Files.readAllBytes(SampleGrid.file(resumed, 6)),
                "the final samples are identical");
    }

    @Test
    void aRunContinuedWithALargerBudgetSaysSoInItsConfig() {
        Path dir = tmp.resolve("extended");
        GanConfig c = tiny("bn");
        c.steps = 2;
        c.scoreEvery = 0;
        c.sampleEvery = 0;
        new GanTrainingRun(c, DATA, dir, SILENT, true, null).run();
        assertEquals(2, GanConfig.load(dir.resolve("config.json")).steps);
        GanConfig longer = c.copy();
        longer.steps = 3;
        assertEquals(3, new GanTrainingRun(longer, DATA, dir, SILENT, true, null).run().step());
        assertEquals(
                longer.toJson(),
                GanConfig.load(dir.resolve("config.json")).toJson(),
                "the budget it was continued to");
    }

    @Test
    void continuingWithADifferentConfigIsRefused() {
        Path dir = tmp.resolve("run");
        GanConfig c = tiny("bn");
        c.steps = 2;
        c.scoreEvery = 0;
        c.sampleEvery = 0;
        new GanTrainingRun(c, DATA, dir, SILENT, true, null).run();
        GanConfig other = c.copy();
        other.lr = 1e-3;
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> new GanTrainingRun(other, DATA, dir, SILENT, true, null).run());
        assertTrue(e.getMessage().contains("--lr"), e.getMessage());
    }

    @Test
    void tooFewScoreSamplesForTheFeatureWidthIsAOneLineError() {
        GanConfig c = tiny("bn");
        c.scoreSamples = 12;
        UserException e =
                assertThrows(UserException.class, () -> trainer(c, tmp.resolve("run")).run());
        assertTrue(e.getMessage().startsWith("--score-samples 12"), e.getMessage());
        assertTrue(e.getMessage().contains("at least 13"), e.getMessage());
    }

    /** metrics.csv without the train_seconds column, which is wall-clock. */
    private static List<String> withoutSeconds(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve("metrics.csv")).stream()
                .map(l -> l.substring(0, l.lastIndexOf(',')))
                .toList();
    }
}
