package io.mixnorm.lab.cli;

import static io.mixnorm.lab.cli.CliTest.assertUsageError;
import static io.mixnorm.lab.cli.CliTest.reproduce;
import static io.mixnorm.lab.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.train.SyntheticCifar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mixnorm reproduce} from the command line: errors, and a tiny study with its report and
 * commands.
 */
class ReproduceCommandTest {
    @TempDir Path tmp;

    @Test
    void badStudiesAreOneLineUsageErrors() throws IOException {
        String out = tmp.resolve("o").toString();
        assertUsageError(
                run("reproduce", "--study", "cnn5-imagenet", "--out", out),
                "unknown study 'cnn5-imagenet'");
        assertUsageError(
                run("reproduce", "--out", out), "exactly one of --study NAME or --config FILE");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--seeds",
                        "0",
                        "--out",
                        out),
                "--seeds");
        assertUsageError(run("reproduce", "--study", "cnn5-cifar10", "--out", out), "--data PATH");
        Path noBaseline = tmp.resolve("nobn.json");
        Files.writeString(
                noBaseline,
                """
                {"name": "x", "lrs": [0.001], "seeds": [1], "variants": [{"name": "mn", "norm": "mn"}]}\
                """);
        assertUsageError(
                run("reproduce", "--config", noBaseline.toString(), "--out", out), "no baseline");
        assertUsageError(
                run("reproduce", "--config", tmp.resolve("missing.json").toString(), "--out", out),
                "missing.json");
    }

    @Test
    void anEngineNotOnTheClassPathIsAOneLineErrorBeforeAnythingIsWritten() {
        // The lab does not depend on mixnorm-spark: here (the lab's own class path) there is no
        // Spark engine.
        Path out = tmp.resolve("o");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--engine",
                        "spark",
                        "--out",
                        out.toString()),
                "--engine spark: no such engine on the class path (engines: local)");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--engine",
                        "ray",
                        "--out",
                        out.toString()),
                "--engine ray: no such engine");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--master",
                        "local[2]",
                        "--out",
                        out.toString()),
                "--master applies to --engine spark");
        assertTrue(!Files.exists(out), "nothing written");
    }

    @Test
    void demoDispatchesToTheQuickStudy() {
        // demo hands its options to reproduce through the full command line: a bad value reaches
        // reproduce's own validation and comes back as reproduce's one-line usage error.
        assertUsageError(
                run("demo", "--seeds", "0", "--out", tmp.resolve("demo").toString()), "--seeds");
    }

    @Test
    void aTinyStudyWritesItsReportAndRemembersItsCommand() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path cfg = tmp.resolve("study.json");
        Files.writeString(
                cfg,
                """
                {"name": "tiny", "train": {"steps": 4, "evalEvery": 2, "batchSize": 16, "evalBatchSize": 64},
                 "lrs": [0.001], "seeds": [1],
                 "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "components": 2}]}\
                """);
        String out = tmp.resolve("study").toString();
        CliTest.Outcome o = reproduce(cfg, data, out, "--quiet");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("| 0.001 | mn |"), o.out());
        for (String f :
                new String[] {
                    "report.md",
                    "report.html",
                    "results.csv",
                    "summary.json",
                    "study.json",
                    "commands.txt"
                }) {
            assertTrue(Files.exists(Path.of(out, f)), f);
        }
        String md = Files.readString(Path.of(out, "report.md"));
        assertTrue(md.contains("./mixnorm reproduce --config " + cfg), md);

        // the same command again: nothing to train; --report-only rebuilds without adding itself to
        // the commands
        o = reproduce(cfg, data, out, "--quiet");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("finished, skipped"), o.out());
        o = reproduce(cfg, data, out, "--report-only");
        assertEquals(0, o.code(), o.err());
        assertEquals(1, Files.readAllLines(Path.of(out, "commands.txt")).size());

        // another grid into the same folder is refused
        assertUsageError(reproduce(cfg, data, out, "--lrs", "0.01"), "different grid");
    }
}
