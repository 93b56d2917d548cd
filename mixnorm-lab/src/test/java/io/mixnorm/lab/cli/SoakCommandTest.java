package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.train.Soak;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mixnorm soak} end to end on a few steps: the CSV and the verdict line (the real soak is a
 * benchmark).
 */
class SoakCommandTest {
    @TempDir Path tmp;

    @Test
    void shortSoakWritesTheCsvAndAVerdict() throws IOException {
        Path csv = tmp.resolve("soak.csv");
        CliTest.Outcome o =
                CliTest.run(
                        "soak",
                        "--steps",
                        "12",
                        "--batch-size",
                        "4",
                        "--train-size",
                        "64",
                        "--sample-every",
                        "4",
                        "--deterministic",
                        "--eval-every",
                        "6",
                        "--eval-batch-size",
                        "16",
                        "--out",
                        csv.toString());
        assertTrue(o.code() == 0 || o.code() == 1, o.err());
        assertTrue(o.out().contains("limit 5%: " + (o.code() == 0 ? "PASS" : "FAIL")), o.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(Soak.Sample.CSV_HEADER, lines.get(0));
        assertEquals(1 + 4, lines.size(), "samples at steps 0, 4, 8 and the end: " + lines);
        assertTrue(lines.get(2).startsWith("4,"), lines.get(2));
        CliTest.Outcome again = CliTest.run("soak", "--analyze", csv.toString());
        assertEquals(o.code(), again.code(), again.err());
        assertTrue(again.out().contains("limit 5%"), again.out());
    }

    @Test
    void badOptionsAreOneLineUsageErrors() throws IOException {
        CliTest.assertUsageError(CliTest.run("soak", "--sample-every", "0"), "--sample-every");
        CliTest.assertUsageError(
                CliTest.run("soak", "--train-size", "8", "--batch-size", "16"), "--train-size");
        Path notCsv = tmp.resolve("x.csv");
        Files.writeString(notCsv, "hello\n");
        CliTest.assertUsageError(
                CliTest.run("soak", "--analyze", notCsv.toString()), notCsv.toString());
    }
}
