package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.train.CheckpointStore;
import io.mixnorm.lab.train.PreparedModel;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and resume across processes: {@code mixnorm train --deterministic} in a child JVM, killed
 * with SIGKILL (or stopped with SIGTERM) at a random point after a random checkpoint, then
 * continued with {@code --resume}, must end exactly where an uninterrupted run ends: the same
 * weights and optimizer buffers bit for bit, the same metrics (timing columns aside). SIGTERM exits
 * with 143 (128 + 15: the JVM's status for a signal-initiated shutdown) after the checkpoint.
 */
class CrashResumeTest {
    private static final int STEPS = 30;
    private static final int EVAL_EVERY = 5;

    @TempDir static Path shared;

    static Path data;
    static Path reference;

    @TempDir Path tmp;

    @BeforeAll
    static void uninterruptedReference() throws IOException {
        data = cifarFolder(shared.resolve("cifar"));
        reference = shared.resolve("reference");
        ChildJvm ref = ChildJvm.start(shared.resolve("ref-cwd"), trainArgs(reference));
        assertEquals(0, ref.await(300), ref.output());
        assertEquals("finished", summary(reference).get("status").getAsString());
    }

    static String[] trainArgs(Path out, String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--steps",
                                Integer.toString(STEPS),
                                "--eval-every",
                                Integer.toString(EVAL_EVERY),
                                "--batch-size",
                                "8",
                                "--eval-batch-size",
                                "32",
                                "--seed",
                                "7",
                                "--deterministic",
                                "--quiet",
                                "--out",
                                out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void sigkillAtARandomPointThenResumeEqualsAnUninterruptedRun() throws Exception {
        killResumeAndCompare(reference);
    }

    @Test
    void sigkillWithMixtureNormAtConv2ResumesExactly() throws Exception {
        Path ref = tmp.resolve("mn-reference");
        ChildJvm r =
                ChildJvm.start(
                        tmp.resolve("ref-cwd"),
                        trainArgs(ref, "--norm", "mn", "--mn-layers", "conv2"));
        assertEquals(0, r.await(300), r.output());
        killResumeAndCompare(ref, "--norm", "mn", "--mn-layers", "conv2");
    }

    private void killResumeAndCompare(Path reference, String... extra) throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        Path run = tmp.resolve("run");
        ChildJvm child = ChildJvm.start(tmp.resolve("cwd"), trainArgs(run, extra));
        String where = "(kill seed " + seed + ", " + waitForARandomPoint(child, run, rnd) + ")";
        assertTrue(
                child.process.isAlive(),
                "finished before the kill " + where + ": " + child.output());
        child.process.destroyForcibly();
        assertEquals(137, child.await(60), "SIGKILL " + where);
        assertTrue(
                !Files.exists(run.resolve("summary.json"))
                        || !"finished".equals(summary(run).get("status").getAsString()),
                where);

        ChildJvm resumed =
                ChildJvm.start(
                        tmp.resolve("cwd"),
                        "train",
                        "--out",
                        run.toString(),
                        "--resume",
                        "--quiet");
        assertEquals(0, resumed.await(300), where + " " + resumed.output());
        assertTrue(resumed.out().contains("resumed from"), resumed.output());

        assertSameFinalState(reference, run, where, extra);
        assertEquals(
                metrics(reference, false),
                metrics(run, false),
                "metrics.csv without timings " + where);
        JsonObject a = summary(reference);
        JsonObject b = summary(run);
        for (String key :
                List.of(
                        "status",
                        "steps",
                        "best_test_accuracy",
                        "best_step",
                        "final_test_accuracy",
                        "final_test_loss",
                        "final_train_loss")) {
            assertEquals(a.get(key), b.get(key), key + " " + where);
        }
    }

    @Test
    void sigtermCheckpointsWritesAnInterruptedSummaryAndResumes() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        Path run = tmp.resolve("run");
        ChildJvm child = ChildJvm.start(tmp.resolve("cwd"), trainArgs(run));
        String where = "(seed " + seed + ", SIGTERM " + waitForARandomPoint(child, run, rnd) + ")";
        assertTrue(
                child.process.isAlive(),
                "finished before SIGTERM " + where + ": " + child.output());
        child.process.destroy();
        int code = child.await(120);
        assertEquals(143, code, "exit code after SIGTERM " + where + ": " + child.output());
        assertEquals(List.of(), child.crashLogs(), "no JVM crash log");
        assertTrue(child.out().contains("stopped at step"), child.output());

        JsonObject s = summary(run);
        assertEquals("interrupted", s.get("status").getAsString(), where);
        long stoppedAt = s.get("steps").getAsLong();
        assertTrue(stoppedAt > 0 && stoppedAt < STEPS, "stopped at " + stoppedAt);
        Path newest = new CheckpointStore(run, 3).list().get(0);
        assertEquals(
                String.format("step-%010d.ckpt", stoppedAt),
                newest.getFileName().toString(),
                "the stop wrote a checkpoint at the step it stopped " + where);

        ChildJvm resumed =
                ChildJvm.start(
                        tmp.resolve("cwd"),
                        "train",
                        "--out",
                        run.toString(),
                        "--resume",
                        "--quiet");
        assertEquals(0, resumed.await(300), resumed.output());
        assertEquals("finished", summary(run).get("status").getAsString());
        assertSameFinalState(reference, run, where);
        // A stop between evaluations checkpoints without a test pass, keeping the running
        // train-loss sums:
        // the metrics are those of an uninterrupted run.
        assertEquals(
                metrics(reference, false),
                metrics(run, false),
                "metrics.csv without timings " + where);
    }

    @Test
    void sigintStopsLikeSigtermWithExitCode130() throws Exception {
        Path run = tmp.resolve("run");
        ChildJvm child = ChildJvm.start(tmp.resolve("cwd"), trainArgs(run));
        awaitFirstCheckpoint(child, run);
        long pid = child.process.pid();
        // A JVM started with SIGINT ignored (a background job of a non-interactive shell) keeps
        // ignoring it.
        String sigIgn =
                Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                        .filter(l -> l.startsWith("SigIgn:"))
                        .findFirst()
                        .orElse("SigIgn: 0")
                        .split("\\s+")[1];
        if ((Long.parseLong(sigIgn, 16) & 0x2) != 0) {
            child.process.destroyForcibly();
            child.await(60);
            org.junit.jupiter.api.Assumptions.abort(
                    "SIGINT is ignored in this environment (SigIgn " + sigIgn + ")");
        }
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertEquals(130, child.await(120), child.output());
        assertEquals(List.of(), child.crashLogs());
        assertEquals("interrupted", summary(run).get("status").getAsString(), child.output());
        long stoppedAt = summary(run).get("steps").getAsLong();
        assertEquals(
                String.format("step-%010d.ckpt", stoppedAt),
                new CheckpointStore(run, 3).list().get(0).getFileName().toString());
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Waits until the checkpoint of a random evaluation step k in {10, 15, .., STEPS - 5} is
     * written, then for a random fraction of the time the last evaluation interval took: the signal
     * lands at a random point between step k and about k + 5, always before the run ends, whatever
     * the machine's speed. Returns where, for failure messages.
     */
    private static String waitForARandomPoint(ChildJvm child, Path run, Random rnd)
            throws InterruptedException {
        // k in {10, 15, 20}: at least two checkpoint intervals remain after k, so the signal, sent
        // within
        // 0.9 of one interval, lands well before the end (with k = 25 it once arrived after the run
        // finished).
        long k = EVAL_EVERY * (2 + rnd.nextInt(STEPS / EVAL_EVERY - 3));
        long before = awaitCheckpoint(child, run, k - EVAL_EVERY);
        long at = awaitCheckpoint(child, run, k);
        long delayMs = (long) (rnd.nextDouble() * 0.9 * (at - before) / 1e6);
        Thread.sleep(delayMs);
        return delayMs + " ms after the checkpoint of step " + k;
    }

    /**
     * Waits for a checkpoint of step {@code step} or later; returns System.nanoTime() when seen.
     */
    private static long awaitCheckpoint(ChildJvm child, Path run, long step)
            throws InterruptedException {
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (newestStep(run) < step) {
            if (!child.process.isAlive()) {
                throw new AssertionError(
                        "mixnorm exited before its checkpoint of step "
                                + step
                                + ": "
                                + child.output());
            }
            if (System.nanoTime() > deadline) {
                child.process.destroyForcibly();
                throw new AssertionError(
                        "no checkpoint of step " + step + " within 240 s: " + child.output());
            }
            Thread.sleep(10);
        }
        return System.nanoTime();
    }

    private static long newestStep(Path run) {
        List<Path> all = new CheckpointStore(run, 3).list();
        return all.isEmpty()
                ? -1
                : Long.parseLong(all.get(0).getFileName().toString().replaceAll("\\D", ""));
    }

    private static void awaitFirstCheckpoint(ChildJvm child, Path run) throws InterruptedException {
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (new CheckpointStore(run, 3).list().isEmpty()) {
            if (!child.process.isAlive()) {
                throw new AssertionError(
                        "mixnorm exited before its first checkpoint: " + child.output());
            }
            if (System.nanoTime() > deadline) {
                child.process.destroyForcibly();
                throw new AssertionError("no checkpoint within 240 s: " + child.output());
            }
            Thread.sleep(20);
        }
    }

    /**
     * The newest checkpoints of both runs hold the same step, weights and optimizer buffers, bit
     * for bit.
     */
    static void assertSameFinalState(
            Path expectedRun, Path actualRun, String where, String... normArgs) {
        TrainConfig cfg = new TrainConfig();
        cfg.seed = 7;
        if (normArgs.length > 0) {
            cfg.norm = normArgs[1];
            cfg.mnLayers = normArgs[3];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            PreparedModel a = PreparedModel.of(cfg, 10, m);
            PreparedModel b = PreparedModel.of(cfg, 10, m);
            CheckpointStore.Loaded la =
                    new CheckpointStore(expectedRun, 3).loadLatest(m, a.model().block());
            CheckpointStore.Loaded lb =
                    new CheckpointStore(actualRun, 3).loadLatest(m, b.model().block());
            assertEquals(la.state().step, lb.state().step, where);
            assertEquals(la.state().optimizerSteps, lb.state().optimizerSteps, where);
            assertEquals(la.state().streamEpoch, lb.state().streamEpoch, where);
            assertEquals(la.state().streamPosition, lb.state().streamPosition, where);
            var pa = a.model().block().getParameters();
            var pb = b.model().block().getParameters();
            assertEquals(pa.size(), pb.size());
            for (int i = 0; i < pa.size(); i++) {
                Pair<String, Parameter> x = pa.get(i);
                assertArrayEquals(
                        x.getValue().getArray().toByteArray(),
                        pb.get(i).getValue().getArray().toByteArray(),
                        "parameter " + x.getKey() + " " + where);
            }
            assertEquals(la.optimizerState().size(), lb.optimizerState().size());
            for (int i = 0; i < la.optimizerState().size(); i++) {
                NDArray x = la.optimizerState().get(i);
                NDArray y = lb.optimizerState().get(i);
                assertArrayEquals(
                        x.toByteArray(), y.toByteArray(), "optimizer buffer " + i + " " + where);
            }
        }
    }

    /**
     * metrics.csv rows, without the timing columns (images_per_second, elapsed_seconds,
     * train_seconds).
     */
    static List<String> metrics(Path run, boolean keepTimings) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.csv"))) {
            List<String> c = new ArrayList<>(Arrays.asList(line.split(",", -1)));
            if (!keepTimings) {
                c.subList(7, 10).clear(); // images_per_second, elapsed_seconds, train_seconds
            }
            rows.add(String.join(",", c));
        }
        return rows;
    }

    static JsonObject summary(Path run) throws IOException {
        return JsonParser.parseString(Files.readString(run.resolve("summary.json")))
                .getAsJsonObject();
    }

    /** The synthetic 4-class task written as a CIFAR-10 folder (128 train, 64 test images). */
    static Path cifarFolder(Path dir) throws IOException {
        return SyntheticCifar.writeFolder(dir);
    }
}
