package io.mixnorm.lab.cli;

import static io.mixnorm.lab.cli.CliTest.assertUsageError;
import static io.mixnorm.lab.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.mixnorm.lab.data.CifarFixtures;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Studies;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reproduce --study cnn5-cifar100} as a user runs it, on the two forms the CIFAR-100 binary
 * distribution comes in: the folder of its files and the official archive (top folder {@code
 * cifar-100-binary/}, also inside the folder {@code ./mixnorm download} leaves). Tiny generated
 * data in the exact record format; only the budget is overridden (1 step, 1 seed), the study itself
 * is the built-in one.
 */
class ReproduceCifar100Test {
    /**
     * cnn5's parameters with a 100-way head: 1,442,122 with CIFAR-10's 10-way one, plus 90 × (256 +
     * 1).
     */
    private static final long CNN5_CIFAR100_PARAMETERS = 1_442_122L + 90 * 257;

    @TempDir Path tmp;

    @Test
    void runsUnchangedOnTheOfficialArchiveAndReadsTheSameRecordsFromTheFolderOfFiles()
            throws IOException {
        CifarFixtures.Written w =
                CifarFixtures.writeCifar100(tmp.resolve("cifar-100-binary"), 160, 20, 7);
        Path folder = w.path();
        for (String f :
                new String[] {
                    "train.bin", "test.bin", "fine_label_names.txt", "coarse_label_names.txt"
                }) {
            assertTrue(Files.isRegularFile(folder.resolve(f)), f);
        }
        Path downloads = tmp.resolve("dl");
        Path archive =
                CifarFixtures.tarGzFolder(
                        folder, downloads.resolve("cifar-100-binary.tar.gz"), "cifar-100-binary");
        // The study's data as reproduce loads it (its train config with --data), from each form the
        // distribution takes: the folder of files, the archive, a folder holding the archive.
        StudySpec spec = Studies.get("cnn5-cifar100", false);
        for (Path data : new Path[] {folder, archive, downloads}) {
            spec.recipe.addProperty("data", data.toString());
            CifarSplits s =
                    DataLoading.load(
                            RunKind.CLASSIFICATION.config(spec, spec.runs().get(0), "test"));
            assertEquals(100, s.numClasses(), data.toString());
            assertArrayEquals(w.trainPixels(), s.train().pixels(), data.toString());
            assertArrayEquals(w.trainLabels(), s.train().labels(), data + ": the fine labels");
            assertArrayEquals(w.testPixels(), s.test().pixels(), data.toString());
            assertArrayEquals(w.testLabels(), s.test().labels(), data.toString());
        }
        // End to end, on the archive as './mixnorm download cifar100 --to dl' leaves it (the
        // folder's
        // records are the same, as just checked): one step per run keeps it a few seconds.
        assertStudyRuns(downloads, tmp.resolve("study"));
    }

    private static void assertStudyRuns(Path data, Path out) throws IOException {
        CliTest.Outcome o =
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar100",
                        "--data",
                        data.toString(),
                        "--steps",
                        "1",
                        "--eval-every",
                        "1",
                        "--seeds",
                        "1",
                        "--out",
                        out.toString(),
                        "--quiet");
        assertEquals(0, o.code(), data + ": " + o.err());
        int runs = 0;
        for (String lr : new String[] {"lr-0.001", "lr-0.005"}) {
            for (String variant : new String[] {"bn", "mn"}) {
                Path run = out.resolve("runs").resolve(lr).resolve(variant).resolve("seed-1");
                JsonObject summary =
                        TrainConfig.parseObject(
                                Files.readString(run.resolve("summary.json")), "summary");
                assertEquals("finished", summary.get("status").getAsString(), run.toString());
                // the 100-way head: the fine labels of CIFAR-100, not CIFAR-10's 10
                assertEquals(
                        CNN5_CIFAR100_PARAMETERS,
                        summary.get("parameters").getAsLong(),
                        run.toString());
                assertEquals("cifar100", TrainConfig.load(run.resolve("config.json")).dataset);
                runs++;
            }
        }
        assertEquals(4, runs);
        assertTrue(
                Files.readString(out.resolve("report.md")).contains("fine labels"),
                "the report names the labels");
    }

    @Test
    void aFolderMissingADataFileIsAOneLineErrorNamingIt() throws IOException {
        Path noTest = CifarFixtures.writeCifar100(tmp.resolve("no-test"), 4, 2, 1).path();
        Files.delete(noTest.resolve("test.bin"));
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar100",
                        "--data",
                        noTest.toString(),
                        "--steps",
                        "1",
                        "--seeds",
                        "1",
                        "--out",
                        tmp.resolve("s1").toString(),
                        "--quiet"),
                "no test file (test.bin)");
        Path noTrain = CifarFixtures.writeCifar100(tmp.resolve("no-train"), 4, 2, 1).path();
        Files.delete(noTrain.resolve("train.bin"));
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar100",
                        "--data",
                        noTrain.toString(),
                        "--steps",
                        "1",
                        "--seeds",
                        "1",
                        "--out",
                        tmp.resolve("s2").toString(),
                        "--quiet"),
                "no train file (train.bin)");
        Path labelsOnly = tmp.resolve("labels-only");
        Files.createDirectories(labelsOnly);
        Files.writeString(labelsOnly.resolve("fine_label_names.txt"), "apple\n");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar100",
                        "--data",
                        labelsOnly.toString(),
                        "--steps",
                        "1",
                        "--seeds",
                        "1",
                        "--out",
                        tmp.resolve("s3").toString(),
                        "--quiet"),
                "expected train.bin and test.bin");
    }
}
