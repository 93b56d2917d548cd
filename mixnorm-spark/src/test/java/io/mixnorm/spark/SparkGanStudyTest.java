package io.mixnorm.spark;

import static io.mixnorm.spark.SparkStudyEngineTest.assertSameStudy;
import static io.mixnorm.spark.SparkStudyEngineTest.mixnorm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.data.CifarFixtures;
import io.mixnorm.lab.train.SyntheticCifar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GAN study ({@code "kind": "gan"}) on Spark: the same seam as a classification study ({@code
 * StudyJob} builds the lab's GAN runner on the executor), so the same run folders and report as
 * {@code --engine local}. Tiny: two DCGAN runs of 4 iterations, scored once with a 2-step cnn5
 * classifier's features (257 samples, one more than its 256 features).
 */
class SparkGanStudyTest {
    @TempDir Path tmp;

    @Test
    void aGanStudyOnSparkEqualsTheLocalEngines() throws IOException {
        Path data = CifarFixtures.writeCifar10(tmp.resolve("cifar"), new int[] {48}, 260, 3).path();
        Path clf = tmp.resolve("clf");
        Path clfData = SyntheticCifar.writeFolder(tmp.resolve("clf-data"));
        SparkStudyEngineTest.Outcome o =
                mixnorm(
                        "train",
                        "--data",
                        clfData.toString(),
                        "--steps",
                        "2",
                        "--eval-every",
                        "2",
                        "--batch-size",
                        "16",
                        "--no-augment",
                        "--quiet",
                        "--out",
                        clf.toString());
        assertEquals(0, o.code(), o.err() + o.out());
        Path study =
                Files.writeString(
                        tmp.resolve("gan-study.json"),
                        """
                        {"kind": "gan", "name": "tiny-gan",
                         "gan": {"steps": 4, "batchSize": 8, "logEvery": 2, "sampleEvery": 4, "scoreEvery": 4,
                                 "scoreSamples": 257, "deterministic": true},
                         "seeds": [1],
                         "variants": [{"name": "bn", "norm": "bn"},
                                      {"name": "mn", "norm": "mn", "mnLayers": "g.norm1", "components": 3}]}\
                        """);
        Path local = tmp.resolve("local");
        Path spark = tmp.resolve("spark");
        for (Path out : List.of(local, spark)) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "reproduce",
                                    "--config",
                                    study.toString(),
                                    "--data",
                                    data.toString(),
                                    "--features-model",
                                    clf.toString(),
                                    "--out",
                                    out.toString(),
                                    "--quiet",
                                    "--threads",
                                    "1"));
            if (out == spark) {
                args.addAll(List.of("--engine", "spark", "--master", "local[1]"));
            }
            o = mixnorm(args.toArray(String[]::new));
            assertEquals(0, o.code(), o.err() + o.out());
        }
        assertTrue(Files.exists(spark.resolve("report.md")));
        assertSameStudy(local, spark, List.of("runs/bn/seed-1", "runs/mn/seed-1"));
    }
}
