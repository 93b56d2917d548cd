package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.util.RunLock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in-process: exit codes, one-line errors, and the files a run leaves. */
class CliTest {
    @TempDir Path tmp;

    record Outcome(int code, String out, String err) {}

    /** {@code mixnorm reproduce --config config --data data --out out extra...}. */
    static Outcome reproduce(Path config, Path data, Object out, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "reproduce",
                                "--config",
                                config.toString(),
                                "--data",
                                data.toString(),
                                "--out",
                                out.toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(
                    code,
                    out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertUsageError(Outcome o, String mustMention) {
        assertEquals(2, o.code(), o.err());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace: " + o.err());
        assertTrue(lines[0].contains(mustMention), lines[0]);
        assertFalse(o.err().contains("Exception"), o.err());
    }

    private Path cifarFolder() throws IOException {
        return SyntheticCifar.writeFolder(tmp.resolve("cifar"));
    }

    @Test
    void unknownFlagAndBadValuesAreOneLineUsageErrors() {
        assertUsageError(run("train", "--bogus"), "--bogus");
        assertUsageError(run("train", "--lr", "abc"), "--lr");
        assertUsageError(run("train", "--lr", "-1", "--out", tmp.resolve("r").toString()), "--lr");
        assertUsageError(
                run("train", "--optimizer", "rmsprop", "--out", tmp.resolve("r").toString()),
                "--optimizer");
        assertUsageError(
                run(
                        "train",
                        "--norm",
                        "mn",
                        "--mn-layers",
                        "conv9",
                        "--data",
                        tmp.toString(),
                        "--out",
                        tmp.resolve("r").toString()),
                "conv9");
        assertFalse(Files.exists(tmp.resolve("r")), "no run folder is left behind");
    }

    @Test
    void absurdBudgetsAndComponentCountsAreOneLineUsageErrors() {
        String out = tmp.resolve("r").toString();
        assertUsageError(
                run("train", "--epochs", "1e300", "--out", out),
                "--epochs: must be from 0 (unset) to 10000");
        assertUsageError(
                run("train", "-K", "1000", "--norm", "mn", "--out", out),
                "--components: must be from 1 to 64");
        assertUsageError(
                run("gan", "-K", "1000", "--norm", "mn", "--out", out),
                "--components: must be from 1 to 64");
        assertFalse(Files.exists(tmp.resolve("r")), "no run folder is left behind");
    }

    @Test
    void aRunFolderAnotherProcessTrainsIntoIsRefused() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path out = tmp.resolve("busy");
        try (RunLock other = RunLock.tryAcquire(out)) {
            Outcome train =
                    run(
                            "train",
                            "--data",
                            data.toString(),
                            "--steps",
                            "1",
                            "--out",
                            out.toString());
            assertUsageError(train, "another process is training into this run folder");
            Outcome gan =
                    run("gan", "--data", data.toString(), "--steps", "1", "--out", out.toString());
            assertUsageError(gan, "another process is training into this run folder");
        }
        assertFalse(
                Files.exists(out.resolve("config.json")),
                "nothing was written into the busy folder");
    }

    @Test
    void missingDataNamesThePath() {
        Path missing = tmp.resolve("nowhere");
        Outcome o =
                run("train", "--data", missing.toString(), "--out", tmp.resolve("r").toString());
        assertUsageError(o, missing.toString());
        assertFalse(Files.exists(tmp.resolve("r")));
    }

    @Test
    void trainWritesARunAndRefusesToOverwriteIt() throws IOException {
        Path data = cifarFolder();
        Path out = tmp.resolve("run");
        Outcome o =
                run(
                        "train",
                        "--data",
                        data.toString(),
                        "--steps",
                        "12",
                        "--eval-every",
                        "6",
                        "--batch-size",
                        "16",
                        "--no-augment",
                        "--quiet",
                        "--out",
                        out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("best test accuracy"), o.out());
        for (String f : new String[] {"config.json", "metrics.csv", "summary.json", "curves.png"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        assertUsageError(
                run("train", "--data", data.toString(), "--out", out.toString()), "--resume");
        Outcome more =
                run("train", "--out", out.toString(), "--resume", "--steps", "18", "--quiet");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("resumed from"), more.out());
        assertUsageError(run("train", "--out", out.toString(), "--resume", "--lr", "0.1"), "--lr");
        Outcome rerun =
                run(
                        "train",
                        "--config",
                        out.resolve("config.json").toString(),
                        "--quiet",
                        "--out",
                        tmp.resolve("again").toString());
        assertEquals(0, rerun.code(), rerun.err());
    }

    /**
     * The command that started a run, with --resume appended, continues it exactly: it was refused
     * ("--batch-size cannot change when resuming" for an unchanged --batch-size 16). A crash after
     * the step-3 checkpoint is simulated by deleting the newer one; the resumed run must end with
     * the uninterrupted run's weights, optimizer buffers and metrics rows. A real change is refused
     * naming the old and the new value.
     */
    @Test
    void theSameCommandWithResumeAppendedContinuesTheRunExactly() throws IOException {
        Path data = cifarFolder();
        Path whole = tmp.resolve("whole");
        Path crashed = tmp.resolve("crashed");
        java.util.function.Function<String[], String[]> cmd =
                extra ->
                        java.util.stream.Stream.concat(
                                        java.util.stream.Stream.of(
                                                "train",
                                                "--data",
                                                data.toString(),
                                                "--steps",
                                                "6",
                                                "--eval-every",
                                                "3",
                                                "--batch-size",
                                                "16",
                                                "--no-augment",
                                                "--norm",
                                                "mn",
                                                "--mn-layers",
                                                "conv2",
                                                "--deterministic",
                                                "--threads",
                                                "1",
                                                "--quiet"),
                                        java.util.Arrays.stream(extra))
                                .toArray(String[]::new);
        assertEquals(0, run(cmd.apply(new String[] {"--out", whole.toString()})).code());
        assertEquals(0, run(cmd.apply(new String[] {"--out", crashed.toString()})).code());
        Files.delete(crashed.resolve("checkpoints/step-0000000006.ckpt"));
        Outcome resumed = run(cmd.apply(new String[] {"--out", crashed.toString(), "--resume"}));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(
                resumed.out().contains("resumed from step-0000000003.ckpt at step 3"),
                resumed.out());
        CrashResumeTest.assertSameFinalState(
                whole,
                crashed,
                "after the same command + --resume",
                "--norm",
                "mn",
                "--mn-layers",
                "conv2");
        assertEquals(
                CrashResumeTest.metrics(whole, false), CrashResumeTest.metrics(crashed, false));
        assertEquals("finished", CrashResumeTest.summary(crashed).get("status").getAsString());

        Outcome changed =
                run(
                        with(
                                cmd.apply(new String[] {"--out", crashed.toString(), "--resume"}),
                                "--batch-size",
                                "8"));
        assertUsageError(changed, "--batch-size (16 there, 8 now)");
        Outcome sameConfig =
                run(
                        "train",
                        "--config",
                        crashed.resolve("config.json").toString(),
                        "--quiet",
                        "--out",
                        crashed.toString(),
                        "--resume");
        assertEquals(0, sameConfig.code(), sameConfig.err());
        Outcome otherConfig =
                run(
                        "train",
                        "--config",
                        crashed.resolve("config.json").toString(),
                        "--lr",
                        "0.5",
                        "--out",
                        crashed.toString(),
                        "--resume");
        assertUsageError(otherConfig, "--lr (0.001 there, 0.5 now)");
    }

    /**
     * gan and reproduce continue with the same command; --resume appended is accepted there too.
     */
    @Test
    void ganAndReproduceAcceptResumeAppended() throws IOException {
        Path data = cifarFolder();
        Path out = tmp.resolve("gan");
        String[] gan = {
            "gan",
            "--data",
            data.toString(),
            "--steps",
            "2",
            "--batch-size",
            "8",
            "--log-every",
            "1",
            "--sample-every",
            "0",
            "--deterministic",
            "--threads",
            "1",
            "--quiet",
            "--out",
            out.toString()
        };
        assertEquals(0, run(gan).code());
        String[] more = with(java.util.Arrays.copyOf(gan, gan.length + 1), "--steps", "3");
        more[more.length - 1] = "--resume";
        Outcome o = run(more);
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("resumed " + out + " at step 2"), o.out());
        assertUsageError(
                run("gan", "--resume", "--out", tmp.resolve("none").toString()), "holds no run");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--resume",
                        "--out",
                        tmp.resolve("nostudy").toString()),
                "holds no study");
        assertFalse(
                Files.exists(tmp.resolve("none")) || Files.exists(tmp.resolve("nostudy")),
                "nothing created");
    }

    /** {@code args} with the value after {@code option} replaced. */
    private static String[] with(String[] args, String option, String value) {
        String[] a = args.clone();
        a[java.util.Arrays.asList(a).indexOf(option) + 1] = value;
        return a;
    }

    @Test
    void resumeWithoutARunIsAUsageError() {
        assertUsageError(
                run("train", "--resume", "--out", tmp.resolve("empty").toString()), "holds no run");
        assertUsageError(run("train", "--resume"), "--out");
    }

    @Test
    void summaryJsonListsLayersAndParameters() {
        Outcome o = run("summary", "--model", "cnn5", "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out()).getAsJsonObject();
        assertEquals(1_442_122L, j.get("parameters").getAsLong());
        JsonArray layers = j.getAsJsonArray("layers");
        assertEquals(4, layers.size());
        assertEquals("conv2", layers.get(1).getAsJsonObject().get("name").getAsString());
        assertEquals("bn", layers.get(1).getAsJsonObject().get("norm").getAsString());
        Outcome text = run("summary");
        assertEquals(0, text.code());
        assertTrue(text.out().contains("1,442,122"), text.out());
    }

    @Test
    void benchJsonReportsThroughput() {
        Outcome o = quickBench();
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out()).getAsJsonObject();
        assertTrue(j.get("images_per_second").getAsDouble() > 0);
        assertTrue(j.get("step_ms_median").getAsDouble() > 0);
        assertEquals(100.0, j.get("peak_gflops").getAsDouble());
    }

    @Test
    void benchEvalModeTimesOneForwardPass() {
        Outcome o = quickBench("--mode", "eval", "--variants", "bn,mn:conv2");
        assertEquals(0, o.code(), o.err());
        JsonArray variants =
                JsonParser.parseString(o.out()).getAsJsonObject().getAsJsonArray("variants");
        assertEquals(2, variants.size());
        for (var v : variants) {
            JsonObject row = v.getAsJsonObject();
            assertEquals("eval", row.get("mode").getAsString());
            // cnn5's forward is 193.3 MFLOP per image (Cnn5Test); an eval step is one forward.
            assertEquals(
                    row.get("train_flops_per_image").getAsDouble() / 3,
                    row.get("flops_per_image").getAsDouble(),
                    1e-6);
            double ips = row.get("images_per_second").getAsDouble();
            assertEquals(8 / (row.get("step_ms_median").getAsDouble() / 1e3), ips, 1e-9 * ips);
        }
        assertEquals("mn:conv2", variants.get(1).getAsJsonObject().get("variant").getAsString());
    }

    /** {@code bench} at batch 8, 1 warm-up and 2 timed steps, JSON, plus {@code extra}. */
    private static Outcome quickBench(String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "bench",
                                "--batch-size",
                                "8",
                                "--warmup",
                                "1",
                                "--repeats",
                                "2",
                                "--peak-gflops",
                                "100",
                                "--json"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    @Test
    void benchRejectsBadModeAndCounts() {
        assertUsageError(run("bench", "--mode", "infer"), "--mode");
        assertUsageError(run("bench", "--repeats", "0"), "--repeats");
        assertUsageError(run("bench", "--warmup", "-1"), "--warmup");
    }

    @Test
    void downloadRejectsUnknownDatasets() {
        assertUsageError(run("download", "imagenet", "--to", tmp.toString()), "imagenet");
    }
}
