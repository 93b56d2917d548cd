package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.train.SyntheticCifar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mixnorm gan} through the CLI: exit codes, one-line errors, the files of a tiny run,
 * continuing it.
 */
class GanCommandTest {
    @TempDir Path tmp;

    @Test
    void scoringWithoutAClassifierSaysHowToGetOne() {
        CliTest.Outcome o =
                CliTest.run("gan", "--score-every", "10", "--out", tmp.resolve("g").toString());
        assertEquals(2, o.code(), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(
                o.err().contains("--features-model") && o.err().contains("./mixnorm train"),
                o.err());
    }

    @Test
    void unknownGeneratorLayerListsTheValidOnes() {
        CliTest.Outcome o =
                CliTest.run(
                        "gan",
                        "--norm",
                        "mn",
                        "--mn-layers",
                        "conv2",
                        "--out",
                        tmp.resolve("g").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("g.norm1,g.norm2,g.norm3"), o.err());
    }

    @Test
    void aMissingClassifierRunFolderIsAOneLineError() {
        CliTest.Outcome o =
                CliTest.run(
                        "gan",
                        "--score-every",
                        "10",
                        "--features-model",
                        tmp.resolve("nope").toString(),
                        "--out",
                        tmp.resolve("g").toString());
        assertEquals(2, o.code(), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(
                o.err().contains("--features-model") && o.err().contains("./mixnorm train"),
                o.err());
    }

    @Test
    void aTinyRunWritesItsFilesAndContinuesWhenRunAgain() throws IOException {
        Path data = SyntheticCifar.writeFolder(tmp.resolve("cifar"));
        Path out = tmp.resolve("g");
        String[] args = {
            "gan",
            "--data",
            data.toString(),
            "--steps",
            "2",
            "--batch-size",
            "8",
            "--sample-every",
            "2",
            "--log-every",
            "1",
            "--norm",
            "mn",
            "--deterministic",
            "--quiet",
            "--out",
            out.toString()
        };
        CliTest.Outcome o = CliTest.run(args);
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(Files.exists(out.resolve("samples/step-000002.png")));
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header + 2 rows");
        args[4] = "3"; // --steps 3: the same run with a larger budget continues
        CliTest.Outcome again = CliTest.run(args);
        assertEquals(0, again.code(), again.err() + again.out());
        assertTrue(again.out().contains("resumed"), again.out());
        assertEquals(4, Files.readAllLines(out.resolve("metrics.csv")).size());
        String[] withLr = java.util.Arrays.copyOf(args, args.length + 2);
        withLr[args.length] = "--lr";
        withLr[args.length + 1] = "0.001";
        CliTest.Outcome changed = CliTest.run(withLr);
        assertEquals(2, changed.code());
        assertTrue(changed.err().contains("--lr"), changed.err());
    }
}
