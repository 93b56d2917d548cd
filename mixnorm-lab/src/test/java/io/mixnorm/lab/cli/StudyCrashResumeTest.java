package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code reproduce} study killed with SIGKILL inside its second run, then started again with the
 * same command, ends exactly like an uninterrupted study (deterministic mode, separate processes):
 * the first run is skipped, the second resumes from its checkpoint, the third starts.
 */
class StudyCrashResumeTest {
    @TempDir Path tmp;

    @Test
    void aKilledStudyContinuesWithTheSameCommand() throws Exception {
        Path data = CrashResumeTest.cifarFolder(tmp.resolve("cifar"));
        Path cfg = tmp.resolve("study.json");
        Files.writeString(
                cfg,
                """
                {"name": "crash", "train": {"steps": 12, "evalEvery": 3, "batchSize": 8, "evalBatchSize": 32,
                                            "deterministic": true},
                 "lrs": [0.001], "seeds": [1],
                 "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "components": 2},
                              {"name": "mn3", "norm": "mn", "components": 3}]}\
                """);
        Path reference = tmp.resolve("reference");
        Path killed = tmp.resolve("killed");
        String[] refArgs = {
            "reproduce",
            "--config",
            cfg.toString(),
            "--data",
            data.toString(),
            "--quiet",
            "--out",
            reference.toString()
        };
        assertEquals(0, ChildJvm.run(tmp.resolve("cwd-ref"), 300, refArgs));

        String[] args = {
            "reproduce",
            "--config",
            cfg.toString(),
            "--data",
            data.toString(),
            "--quiet",
            "--out",
            killed.toString()
        };
        ChildJvm child = ChildJvm.start(tmp.resolve("cwd"), args);
        Path mnCheckpoints = killed.resolve("runs/lr-0.001/mn/seed-1/checkpoints");
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (child.process.isAlive()
                && !hasCheckpoint(mnCheckpoints)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(child.process.isAlive(), "the study ended before the kill: " + child.output());
        child.process.destroyForcibly();
        assertEquals(137, child.await(60));

        ChildJvm again = ChildJvm.start(tmp.resolve("cwd"), args);
        assertEquals(0, again.await(300), again.output());
        assertTrue(
                again.out().contains("[1/3] lr-0.001 bn seed 1: finished, skipped"), again.out());
        assertTrue(again.out().contains("[2/3] lr-0.001 mn seed 1: continuing"), again.out());
        for (String v : List.of("bn", "mn", "mn3")) {
            Path a = reference.resolve("runs/lr-0.001/" + v + "/seed-1");
            Path b = killed.resolve("runs/lr-0.001/" + v + "/seed-1");
            assertEquals(CrashResumeTest.metrics(a, false), CrashResumeTest.metrics(b, false), v);
        }
        assertEquals(
                withoutTimings(reference.resolve("results.csv")),
                withoutTimings(killed.resolve("results.csv")));
    }

    private static boolean hasCheckpoint(Path dir) {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".ckpt"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * results.csv without the wall-clock columns (train_seconds_to_bn_max, speedup_wallclock,
     * train_seconds, images_per_second).
     */
    private static List<String> withoutTimings(Path csv) throws java.io.IOException {
        return Files.readAllLines(csv).stream()
                .map(
                        l -> {
                            String[] f = l.split(",", -1);
                            return String.join(
                                    ",", f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8],
                                    f[10], f[12], f[13], f[14]);
                        })
                .toList();
    }
}
