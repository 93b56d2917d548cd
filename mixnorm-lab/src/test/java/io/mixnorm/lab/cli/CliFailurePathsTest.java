package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.util.RunLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failure paths of issue 17 end to end: each one a one-line message and the promised exit code,
 * with no stray files and no stray lines on stderr.
 */
class CliFailurePathsTest {
    @TempDir Path tmp;

    private static final String[] TINY = {
        "--steps",
        "5",
        "--batch-size",
        "8",
        "--eval-batch-size",
        "32",
        "--no-augment",
        "--deterministic",
        "--threads",
        "1",
        "--quiet"
    };

    /**
     * {@code train} with the tiny settings; {@code extra} options replace those of {@link #TINY}
     * they repeat.
     */
    private static String[] train(Path data, Path out, String... extra) {
        List<String> a =
                new java.util.ArrayList<>(
                        List.of("train", "--data", data.toString(), "--out", out.toString()));
        a.addAll(List.of(TINY));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            boolean valued = i + 1 < extra.length && !extra[i + 1].startsWith("--");
            if (at >= 0 && valued) {
                a.set(at + 1, extra[++i]);
            } else {
                a.add(extra[i]);
                if (valued) {
                    a.add(extra[++i]);
                }
            }
        }
        return a.toArray(new String[0]);
    }

    /**
     * MixtureNorm and ModeNorm divergence: exit 3, one line naming the step and the layer, no stack
     * trace.
     */
    @Test
    void aDivergingMixtureOrModeNormRunExitsWith3AndOneLine() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        for (String[] v :
                new String[][] {
                    {"mn", "--eval-every", "1"}, {"modenorm", "--checkpoint-every", "1"}
                }) {
            Path out = tmp.resolve("run-" + v[0]);
            CliTest.Outcome o =
                    CliTest.run(train(data, out, "--lr", "1e30", "--norm", v[0], v[1], v[2]));
            assertEquals(3, o.code(), o.err());
            String[] lines = o.err().strip().split("\n");
            assertEquals(1, lines.length, "one line, no stack trace: " + o.err());
            assertTrue(lines[0].startsWith("mixnorm: error: training diverged "), lines[0]);
            assertTrue(lines[0].matches(".*step \\d+.*layer \\d+ .*"), lines[0]);
            assertEquals("diverged", CrashResumeTest.summary(out).get("status").getAsString());
        }
    }

    @Test
    void outPointingAtAFileAndAMissingConfigSayWhatIsWrong() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        CliTest.assertUsageError(
                CliTest.run(train(data, file)), "--out " + file + " is a file, not a folder");
        CliTest.assertUsageError(
                CliTest.run(
                        "gan", "--data", data.toString(), "--steps", "1", "--out", file.toString()),
                "--out " + file + " is a file, not a folder");
        Path missing = tmp.resolve("missing.json");
        CliTest.assertUsageError(
                CliTest.run("train", "--config", missing.toString()),
                "--config " + missing + ": not found");
        CliTest.assertUsageError(
                CliTest.run("reproduce", "--config", missing.toString()),
                "--config " + missing + ": not found");
    }

    /**
     * An error after the run folder was claimed leaves nothing this command created (it left an
     * empty folder holding only .lock), and never removes what existed before.
     */
    @Test
    void anErrorAfterTheClaimLeavesNothingBehindButWhatExistedBefore() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar")); // 128 training images
        Path fresh = tmp.resolve("new/nested/run");
        CliTest.assertUsageError(
                CliTest.run(train(data, fresh, "--batch-size", "1000")), "--batch-size 1000");
        assertFalse(Files.exists(tmp.resolve("new")), "the folders this command created are gone");

        Path existing = Files.createDirectories(tmp.resolve("existing"));
        CliTest.assertUsageError(
                CliTest.run(train(data, existing, "--batch-size", "1000")), "--batch-size 1000");
        assertTrue(Files.isDirectory(existing), "a folder that existed stays");
        assertFalse(
                Files.exists(existing.resolve(RunLock.FILE)),
                "the lock file this command created is gone");

        Path notes =
                Files.writeString(
                        Files.createDirectories(tmp.resolve("with-notes")).resolve("notes.txt"),
                        "mine");
        CliTest.assertUsageError(
                CliTest.run(train(data, notes.getParent(), "--batch-size", "1000")),
                "--batch-size 1000");
        assertEquals("mine", Files.readString(notes), "the user's file stays");
        assertTrue(
                Files.exists(notes.getParent().resolve(RunLock.FILE)),
                "a folder with other files keeps its lock file");
    }

    /**
     * PyTorch printed "AutoNonVariableTypeMode is deprecated" on stderr in every MixtureNorm run
     * and every resume (DJL's native torchSet, behind NDArray.set(Buffer)); a child JVM, because
     * the line comes from native code, not System.err.
     */
    @Test
    void neitherAMixtureNormRunNorAResumePrintsPyTorchsDeprecationWarning() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path out = tmp.resolve("run");
        ChildJvm first =
                ChildJvm.start(
                        tmp.resolve("cwd1"),
                        train(data, out, "--norm", "mn", "--steps", "2", "--eval-every", "1"));
        assertEquals(0, first.await(300), first.output());
        assertFalse(first.err().contains("AutoNonVariableTypeMode"), first.err());
        Files.delete(out.resolve("checkpoints/step-0000000002.ckpt"));
        ChildJvm resumed =
                ChildJvm.start(
                        tmp.resolve("cwd2"),
                        train(
                                data,
                                out,
                                "--norm",
                                "mn",
                                "--steps",
                                "2",
                                "--eval-every",
                                "1",
                                "--resume"));
        assertEquals(0, resumed.await(300), resumed.output());
        assertTrue(resumed.out().contains("resumed from step-0000000001.ckpt"), resumed.output());
        assertFalse(resumed.err().contains("AutoNonVariableTypeMode"), resumed.err());
    }
}
