package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.models.NormSpec;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A GAN run sets MixtureNorm's sample mode, EM iterations, fit samples and inference mode exactly
 * as {@code mixnorm train} does (issue #18: GanConfig.normSpec() hard-coded the defaults, and
 * neither {@code mixnorm gan} nor a study's {@code gan} object could set them).
 */
class GanMixtureOptionsTest {
    @TempDir Path tmp;

    private static final String[] MN = {
        "--norm",
        "mn",
        "-K",
        "2",
        "--mn-sample-mode",
        "channel",
        "--mn-em-iterations",
        "5",
        "--mn-fit-samples",
        "100",
        "--mn-inference",
        "batch"
    };

    private static final NormSpec.MixtureOptions EXPECTED =
            new NormSpec.MixtureOptions("channel", 5, 100, "batch", 0.1f, 1e-5f);

    @Test
    void theGanCommandPassesTheMixtureOptionsAsTrainDoes() {
        GanCommand gan = new GanCommand();
        new CommandLine(gan).parseArgs(MN);
        GanConfig g = gan.config();
        g.validate();
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(MN);
        TrainConfig t = train.resolveConfig();
        assertEquals(EXPECTED, t.normSpec().mn(), "the reference: what train makes of them");
        assertEquals(t.normSpec().mn(), g.normSpec().mn());
        assertEquals(2, g.normSpec().components());
        assertTrue(g.toJson().contains("\"mnEmIterations\": 5"), g.toJson());
    }

    @Test
    void aGanStudySetsThemInItsGanObjectOrAVariant() throws IOException {
        Path file = tmp.resolve("study.json");
        Files.writeString(
                file,
                """
                {"kind": "gan", "name": "s", "gan": {"steps": 4, "scoreEvery": 2,
                 "featuresModel": "runs/clf", "mnSampleMode": "channel", "mnEmIterations": 5},
                 "seeds": [1], "baseline": "bn",
                 "variants": [{"name": "bn", "norm": "bn"},
                  {"name": "mn", "norm": "mn", "mnFitSamples": 100, "mnInference": "batch"}]}
                """);
        StudySpec spec = StudySpec.load(file);
        GanConfig mn = RunKind.GAN.config(spec, new StudySpec.RunKey("mn", 1), "test");
        assertEquals(EXPECTED, mn.normSpec().mn());
    }

    @Test
    void aGanRunStartedBeforeTheOptionsExistedStillContinues() throws IOException {
        GanConfig now = new GanConfig();
        com.google.gson.JsonObject old =
                io.mixnorm.lab.util.Json.GSON.toJsonTree(now).getAsJsonObject();
        for (String k :
                new String[] {"mnSampleMode", "mnEmIterations", "mnFitSamples", "mnInference"}) {
            old.remove(k);
        }
        Path file = tmp.resolve("config.json");
        Files.writeString(file, old.toString());
        GanConfig saved = GanConfig.load(file);
        assertEquals(NormSpec.MixtureOptions.defaults(), saved.normSpec().mn());
        assertEquals(null, GanConfig.mismatch(saved, now));
        now.mnEmIterations = 3;
        assertEquals("--mn-em-iterations (2 there, 3 now)", GanConfig.mismatch(saved, now));
    }

    @Test
    void aBadMixtureOptionIsRefusedWithItsOptionName() {
        GanCommand gan = new GanCommand();
        new CommandLine(gan).parseArgs("--norm", "mn", "--mn-sample-mode", "pixel");
        UserException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        UserException.class, () -> gan.config().validate());
        assertTrue(e.getMessage().startsWith("--mn-sample-mode:"), e.getMessage());
    }
}
