package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
    private static final CifarSplits DATA = SyntheticCifar.make(256, 128, 5);

    @TempDir Path tmp;

    static TrainConfig tiny(long steps) {
        TrainConfig c = new TrainConfig();
        c.steps = steps;
        c.batchSize = 32;
        c.evalEvery = 10;
        c.evalBatchSize = 64;
        c.augment = false;
        c.seed = 3;
        // one PyTorch thread: much faster than 2 on a shared 2-core machine, and reproducible
        c.deterministic = true;
        return c;
    }

    static RunSummary train(TrainConfig c, Path dir, boolean resume) {
        return new TrainingRun(c, DATA, dir, Progress.silent()).run(resume);
    }

    @Test
    void learnsASyntheticTaskFarAboveChance() throws IOException {
        Path dir = tmp.resolve("run");
        RunSummary s = train(tiny(40), dir, false);
        assertTrue(
                s.finalTestAccuracy() > 0.7,
                "final accuracy " + s.finalTestAccuracy() + " vs chance 0.25");
        assertEquals(40, s.steps());
        assertEquals("finished", s.status());
        for (String f : List.of("config.json", "metrics.csv", "summary.json", "curves.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(MetricsRow.CSV_HEADER, csv.get(0));
        assertEquals(5, csv.size(), "header + 4 evaluations");
        String summary = Files.readString(dir.resolve("summary.json"));
        for (String key :
                List.of(
                        "best_test_accuracy",
                        "final_test_accuracy",
                        "\"steps\"",
                        "images_per_second")) {
            assertTrue(summary.contains(key), key);
        }
        assertTrue(
                s.evalImagesPerSecond() > 0,
                "the test passes' speed is reported: " + s.evalImagesPerSecond());
        assertTrue(summary.contains("\"eval_images_per_second\": "), summary);
        assertEquals(3, new CheckpointStore(dir, 3).list().size(), "keeps the last 3 checkpoints");
    }

    @Test
    void resumedRunEqualsAnUninterruptedOne() {
        Path whole = tmp.resolve("whole");
        Path split = tmp.resolve("split");
        RunSummary a = train(tiny(30), whole, false);
        train(tiny(10), split, false);
        RunSummary b = train(tiny(30), split, true);
        assertEquals(a.finalTestLoss(), b.finalTestLoss(), 0.0);
        assertEquals(a.finalTrainLoss(), b.finalTrainLoss(), 0.0);
        assertEquals(a.bestTestAccuracy(), b.bestTestAccuracy(), 0.0);
        assertArrayEquals(finalWeights(whole), finalWeights(split));
        assertEquals(
                30,
                TrainConfig.load(split.resolve("config.json")).steps,
                "the budget it was continued to");
    }

    @Test
    void checkpointsBetweenEvaluationsResumeExactly() throws IOException {
        TrainConfig c = tiny(20);
        c.checkpointEvery = 4; // steps 4, 8, 12, 16 between the evaluations at 10 and 20
        c.keepCheckpoints = 10;
        Path whole = tmp.resolve("whole");
        RunSummary a = train(c, whole, false);
        List<String> names =
                new CheckpointStore(whole, 10)
                        .list().stream().map(p -> p.getFileName().toString()).toList();
        for (long step : new long[] {4, 8, 10, 12, 16, 20}) {
            assertTrue(
                    names.stream().anyMatch(n -> n.contains(String.format("%010d", step))),
                    step + " in " + names);
        }
        assertEquals(6, names.size(), names.toString());
        // a crash at step 14 leaves the step-12 checkpoint as the newest: resume from it
        Path crashed = tmp.resolve("crashed");
        train(c, crashed, false);
        for (Path p : new CheckpointStore(crashed, 10).list()) {
            if (p.getFileName().toString().compareTo(String.format("step-%010d", 12)) > 0) {
                Files.delete(p);
            }
        }
        RunSummary b = train(c, crashed, true);
        assertEquals(a.finalTestLoss(), b.finalTestLoss(), 0.0);
        assertEquals(
                a.finalTrainLoss(),
                b.finalTrainLoss(),
                0.0,
                "the train loss of steps 11..20 spans the checkpoint");
        assertArrayEquals(finalWeights(whole), finalWeights(crashed));
        assertEquals(
                MetricsRow.readCsv(whole.resolve("metrics.csv")).stream()
                        .map(r -> r.step() + " " + r.trainLoss() + " " + r.testLoss())
                        .toList(),
                MetricsRow.readCsv(crashed.resolve("metrics.csv")).stream()
                        .map(r -> r.step() + " " + r.trainLoss() + " " + r.testLoss())
                        .toList());
    }

    @Test
    void corruptedNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        Path dir = tmp.resolve("run");
        train(tiny(20), dir, false);
        List<Path> ckpts = new CheckpointStore(dir, 3).list();
        assertEquals(2, ckpts.size());
        try (RandomAccessFile f = new RandomAccessFile(ckpts.get(0).toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff);
        }
        RunSummary s = train(tiny(30), dir, true);
        assertEquals(30, s.steps());
        Path uninterrupted = tmp.resolve("ref");
        RunSummary ref = train(tiny(30), uninterrupted, false);
        assertEquals(
                ref.finalTestLoss(),
                s.finalTestLoss(),
                0.0,
                "resumed from step 10 and replayed 10..20 exactly");
    }

    @Test
    void resumeRefusesADifferentConfig() {
        Path dir = tmp.resolve("run");
        train(tiny(10), dir, false);
        TrainConfig other = tiny(20);
        other.lr = 0.5;
        UserException e = assertThrows(UserException.class, () -> train(other, dir, true));
        assertTrue(e.getMessage().contains("--lr"), e.getMessage());
    }

    @Test
    void divergenceStopsWithAMessageAndKeepsGoodCheckpoints() {
        TrainConfig c = tiny(30);
        c.optimizer = "sgd";
        c.lr = 1e30;
        c.evalEvery = 1;
        Path dir = tmp.resolve("run");
        DivergedException e = assertThrows(DivergedException.class, () -> train(c, dir, false));
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
        assertTrue(e.getMessage().contains("step"), e.getMessage());
        assertEquals(3, e.exitCode());
    }

    @Test
    void batchLargerThanTheTrainingSetIsAUserError() {
        TrainConfig c = tiny(5);
        c.batchSize = 1000;
        UserException e =
                assertThrows(UserException.class, () -> train(c, tmp.resolve("r"), false));
        assertTrue(e.getMessage().contains("--batch-size"), e.getMessage());
    }

    private static float[] finalWeights(Path dir) {
        TrainConfig c = tiny(1);
        try (NDManager m = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(c, 4, m);
            new CheckpointStore(dir, 3).loadLatest(m, pm.model().block());
            List<Float> all = new ArrayList<>();
            for (Pair<String, Parameter> p : pm.model().block().getParameters()) {
                for (float f : p.getValue().getArray().toFloatArray()) {
                    all.add(f);
                }
            }
            float[] out = new float[all.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = all.get(i);
            }
            return out;
        }
    }
}
