package io.mixnorm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.cli.Main;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.util.RunLock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reproduce --engine spark} on an embedded local Spark, against {@code --engine local} on
 * the same tiny deterministic study (2 runs of 6 steps on synthetic CIFAR): the same run folders
 * and report; a task whose first attempt dies after its first checkpoint is retried by Spark and
 * its run resumes from that checkpoint to the uninterrupted run's metrics; bad input is one line.
 */
class SparkStudyEngineTest {
    @TempDir static Path tmp;

    static Path data;
    static Path config;

    /** The study trained by the local engine: the reference. */
    static Path local;

    static final List<String> RUNS = List.of("runs/lr-0.001/bn/seed-1", "runs/lr-0.001/mn/seed-1");

    record Outcome(int code, String out, String err) {}

    @BeforeAll
    static void localEngineStudy() throws IOException {
        data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        config = tmp.resolve("study.json");
        Files.writeString(
                config,
                """
                {"name": "tiny", "train": {"steps": 6, "evalEvery": 3, "batchSize": 8, "evalBatchSize": 32,
                                           "deterministic": true},
                 "lrs": [0.001], "seeds": [1],
                 "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "components": 2}]}\
                """);
        local = tmp.resolve("local");
        Outcome o = reproduce(local, "--engine", "local");
        assertEquals(0, o.code(), o.err());
    }

    @Test
    void aRetriedTaskResumesFromItsCheckpointAndTheStudyMatchesTheLocalEngine() throws IOException {
        Path spark = tmp.resolve("spark");
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        List<String> retry = Collections.synchronizedList(new ArrayList<>());
        RunTask.hook =
                (run, attempt, line) -> {
                    if (run == 1 && attempt == 1) {
                        retry.add(line);
                    }
                    if (run == 1
                            && attempt == 0
                            && line.contains(" step 3/6 ")) { // printed after step 3's checkpoint
                        failed.add(line);
                        throw new IllegalStateException(
                                "test hook: the first attempt dies after its first checkpoint");
                    }
                };
        Outcome o;
        try {
            o =
                    reproduce(
                            spark,
                            "--engine",
                            "spark",
                            "--master",
                            "local[2,2]"); // 2 attempts per task
        } finally {
            RunTask.hook = null;
        }
        assertEquals(0, o.code(), o.out() + o.err());
        assertEquals(1, failed.size(), o.out());
        assertTrue(
                o.out().contains("spark: runs/lr-0.001/mn/seed-1: attempt 1 failed (test hook"),
                o.out());
        assertTrue(
                retry.stream()
                        .anyMatch(l -> l.startsWith("resumed from") && l.endsWith("at step 3")),
                retry.toString());
        assertTrue(
                retry.stream().noneMatch(l -> l.contains(" step 3/6 ")),
                "the retry does not redo step 3: " + retry);

        assertSameStudy(local, spark, RUNS);
    }

    @Test
    void badInputIsOneLineAndLeavesTheStudyResumable() throws IOException {
        Path unreachable = tmp.resolve("unreachable");
        assertOneLineError(
                reproduce(unreachable, "--engine", "spark", "--master", "spark://127.0.0.1:1"),
                "--master spark://127.0.0.1:1: no Spark master answers");

        assertTrue(
                Files.exists(unreachable.resolve("study.json")),
                "claimed, and left as the local engine would");

        // another engine (here: this JVM, as a local reproduce would) trains a run of the study
        try (RunLock lock = RunLock.tryAcquire(unreachable.resolve(RUNS.get(1)))) {
            assertOneLineError(
                    reproduce(unreachable, "--engine", "spark", "--master", "local[1]"),
                    "the run runs/lr-0.001/mn/seed-1 is being trained by another process");
        }

        // A study folder whose runs/ an executor cannot write (a file in its place: root writes
        // anywhere).
        Path noWrite = tmp.resolve("nowrite");
        Files.createDirectories(noWrite);
        Files.writeString(noWrite.resolve("runs"), "");
        assertOneLineError(
                reproduce(noWrite, "--engine", "spark", "--master", "local[1,2]"),
                // whichever run an executor meets first: with two executors that is not fixed
                "cannot write the run folder " + noWrite.resolve("runs"));
        assertTrue(Files.exists(noWrite.resolve("study.json")));
        // the cause fixed, the same command finishes the study, exactly as the local engine did
        Files.delete(noWrite.resolve("runs"));
        Outcome o = reproduce(noWrite, "--engine", "spark", "--master", "local[1]");
        assertEquals(0, o.code(), o.out() + o.err());
        assertSameStudy(local, noWrite, RUNS);
    }

    /**
     * The same run folders and study report files, but for wall-clock time: every CSV column and
     * JSON key named for seconds, images per second or a wall-clock speed-up is left out.
     */
    static void assertSameStudy(Path expected, Path actual, List<String> runs) throws IOException {
        for (String run : runs) {
            assertEquals(
                    withoutTimes(expected.resolve(run).resolve("metrics.csv")),
                    withoutTimes(actual.resolve(run).resolve("metrics.csv")),
                    run);
            assertEquals(
                    Files.readString(expected.resolve(run).resolve("config.json")),
                    Files.readString(actual.resolve(run).resolve("config.json")),
                    run);
            assertEquals(
                    withoutTimes(expected.resolve(run).resolve("summary.json")),
                    withoutTimes(actual.resolve(run).resolve("summary.json")),
                    run);
        }
        assertEquals(
                withoutTimes(expected.resolve("results.csv")),
                withoutTimes(actual.resolve("results.csv")));
        assertEquals(
                withoutTimes(expected.resolve("summary.json")),
                withoutTimes(actual.resolve("summary.json")));
        assertEquals(
                Files.readString(expected.resolve("study.json")),
                Files.readString(actual.resolve("study.json")));
    }

    private static boolean isTiming(String name) {
        return name.contains("seconds")
                || name.contains("wallclock")
                || name.contains("per_second");
    }

    /** A CSV file without its timing columns, or a JSON file without its timing keys, as text. */
    private static String withoutTimes(Path file) throws IOException {
        if (file.toString().endsWith(".csv")) {
            List<String> lines = Files.readAllLines(file);
            String[] header = lines.get(0).split(",", -1);
            int[] keep =
                    IntStream.range(0, header.length).filter(i -> !isTiming(header[i])).toArray();
            return String.join(
                    "\n",
                    lines.stream()
                            .map(
                                    l -> {
                                        String[] f = l.split(",", -1);
                                        return String.join(
                                                ",",
                                                IntStream.of(keep).mapToObj(i -> f[i]).toList());
                                    })
                            .toList());
        }
        JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        strip(o);
        return o.toString();
    }

    private static void strip(JsonObject o) {
        for (String k : List.copyOf(o.keySet())) {
            if (isTiming(k)) {
                o.remove(k);
            } else if (o.get(k).isJsonObject()) {
                strip(o.getAsJsonObject(k));
            } else if (o.get(k).isJsonArray()) {
                o.getAsJsonArray(k)
                        .forEach(
                                e -> {
                                    if (e.isJsonObject()) {
                                        strip(e.getAsJsonObject());
                                    }
                                });
            }
        }
    }

    static void assertOneLineError(Outcome o, String mustMention) {
        assertEquals(2, o.code(), o.out() + o.err());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace: " + o.err());
        assertTrue(lines[0].contains(mustMention), lines[0]);
        assertFalse(o.err().contains("Exception"), o.err());
    }

    /**
     * {@code reproduce} of the tiny study into {@code out}, in this JVM; 1 PyTorch thread, as
     * deterministic mode pins.
     */
    static Outcome reproduce(Path out, String... engine) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "reproduce",
                                "--config",
                                config.toString(),
                                "--data",
                                data.toString(),
                                "--out",
                                out.toString(),
                                "--quiet",
                                "--threads",
                                "1"));
        args.addAll(List.of(engine));
        return mixnorm(args.toArray(String[]::new));
    }

    /** The CLI in this JVM, its output captured. */
    static Outcome mixnorm(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream bytesOut = new ByteArrayOutputStream();
        ByteArrayOutputStream bytesErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bytesOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(bytesErr, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(
                    code,
                    bytesOut.toString(StandardCharsets.UTF_8),
                    bytesErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
