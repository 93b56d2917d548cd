package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import io.mixnorm.lab.train.RunConfig;
import io.mixnorm.lab.train.TrainCommandLine;
import io.mixnorm.lab.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Both kinds of config.json are written byte for byte as the committed study folders hold them,
 * whatever class declares a setting (issue #18 moved the shared ones into {@link RunConfig}): a
 * study compares, pins and lists these files, and the key order is what a reader sees first.
 */
class ConfigJsonBytesTest {
    private static final Path STUDY = Path.of("..", "docs", "results", "dcgan-cifar10-cpu-1500");

    /** A classifier's every setting, as the study pinned the one that scored it. */
    @Test
    void aClassifierConfigAndItsCommandAreWrittenAsTheStudyPinnedThem() throws IOException {
        FeaturesModel pinned = FeaturesModel.pinned(STUDY);
        assertEquals(Files.readString(STUDY.resolve(FeaturesModel.FILE)), pinned.toJson() + "\n");
        assertEquals(pinned.command(), TrainCommandLine.of(pinned.config(), pinned.path()));
    }

    /**
     * A GAN run's config.json, written before MixtureNorm's options were GAN settings: the same
     * bytes, with those four keys (at their defaults) after K.
     */
    @Test
    void aGanConfigIsWrittenAsTheStudyRunsWroteIt() throws IOException {
        Path file = STUDY.resolve("runs/mn/seed-1/config.json");
        String written = GanConfig.load(file).toJson();
        JsonObject o = RunConfig.parseObject(written, "written");
        assertEquals(
                "[components, mnSampleMode, mnEmIterations, mnFitSamples, mnInference, lr]",
                o.keySet().stream().skip(7).limit(6).toList().toString());
        for (String k : List.of("mnSampleMode", "mnEmIterations", "mnFitSamples", "mnInference")) {
            o.remove(k);
        }
        assertEquals(Files.readString(file), Json.GSON.toJson(o) + "\n");
    }

    @Test
    void defaultGanConfig() {
        assertEquals(
                """
                {
                  "model": "dcgan",
                  "data": "",
                  "steps": 2000,
                  "batchSize": 64,
                  "seed": 1,
                  "norm": "bn",
                  "mnLayers": "",
                  "components": 3,
                  "mnSampleMode": "position",
                  "mnEmIterations": 2,
                  "mnFitSamples": 4096,
                  "mnInference": "running",
                  "lr": 2.0E-4,
                  "beta1": 0.5,
                  "beta2": 0.999,
                  "logEvery": 50,
                  "sampleEvery": 500,
                  "scoreEvery": 0,
                  "scoreSamples": 1000,
                  "features": "cifar-classifier",
                  "featuresModel": "",
                  "inception": "",
                  "checkpointEvery": 500,
                  "keepCheckpoints": 3,
                  "threads": 0,
                  "deterministic": false
                }\
                """,
                new GanConfig().toJson());
    }
}
