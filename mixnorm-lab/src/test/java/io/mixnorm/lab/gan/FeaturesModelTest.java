package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.train.TrainCommandLine;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GAN score's classifier is described by the command that trains it, or refused. */
class FeaturesModelTest {
    @TempDir static Path shared;

    static Path clf;
    static TrainConfig clfConfig;

    @BeforeAll
    static void tinyClassifier() {
        clfConfig = new TrainConfig();
        clfConfig.steps = 2;
        clfConfig.evalEvery = 1;
        clfConfig.batchSize = 8;
        clfConfig.evalBatchSize = 8;
        clfConfig.augment = false;
        clfConfig.deterministic = true;
        clf = shared.resolve("clf");
        new TrainingRun(clfConfig, SyntheticCifar.make(16, 8, 5), clf, Progress.silent())
                .run(false);
    }

    @TempDir Path tmp;

    /** A copy of the classifier's run folder, checkpoints included, to damage. */
    private Path copy(String name) throws IOException {
        Path to = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(clf)) {
            for (Path p : files.toList()) {
                Path q = to.resolve(clf.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    private static void refused(Path dir, String mustMention) {
        UserException e = assertThrows(UserException.class, () -> FeaturesModel.describe(dir));
        assertTrue(
                e.getMessage().startsWith("--features-model " + dir + ": ")
                        && e.getMessage().contains(mustMention),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void aFinishedRunIsDescribedByTheCommandThatTrainsIt() {
        FeaturesModel m = FeaturesModel.describe(clf);
        assertEquals(2, m.step(), "the newest checkpoint: the last step");
        assertTrue(m.deterministic());
        assertEquals(clfConfig.toJson(), m.config().toJson());
        assertEquals(TrainCommandLine.of(clfConfig, clf.toString()), m.command());
        assertTrue(
                m.command().contains(" --steps 2 ")
                        && m.command().contains(" --seed 1 ")
                        && m.command().contains(" --deterministic ")
                        && m.command().endsWith(" --out " + clf),
                m.command());
        assertTrue(
                m.commandsLine().startsWith(m.command() + "   # the score's classifier"),
                m.commandsLine());
    }

    @Test
    void aFolderThatCannotSayHowItsClassifierWasTrainedIsRefused() throws IOException {
        Path noConfig = copy("checkpoints-only");
        Files.delete(noConfig.resolve("config.json"));
        refused(noConfig, "no config.json");

        Path noSummary = copy("no-summary");
        Files.delete(noSummary.resolve("summary.json"));
        refused(noSummary, "no readable summary.json");

        Path stopped = copy("stopped");
        Path summary = stopped.resolve("summary.json");
        Files.writeString(
                summary, Files.readString(summary).replace("\"finished\"", "\"stopped\""));
        refused(stopped, "the run is stopped at step 2 of 2, not finished");

        Path older = copy("older-newest");
        try (Stream<Path> ckpts = Files.list(older.resolve("checkpoints"))) {
            for (Path p :
                    ckpts.filter(p -> p.getFileName().toString().equals("step-0000000002.ckpt"))
                            .toList()) {
                Files.delete(p);
            }
        }
        refused(
                older,
                "its newest checkpoint is step 1 but summary.json says it finished at step 2");

        // a run of 1 step continued to 2 with --resume: config.json says 2 since the continuation,
        // the checkpoints keep the config it started with
        TrainConfig one = clfConfig.copy();
        one.steps = 1;
        Path extended = tmp.resolve("extended");
        new TrainingRun(one, SyntheticCifar.make(16, 8, 5), extended, Progress.silent()).run(false);
        new TrainingRun(clfConfig, SyntheticCifar.make(16, 8, 5), extended, Progress.silent())
                .run(true);
        assertEquals(2, TrainingRun.savedConfig(extended).steps, "config.json: the new budget");
        refused(
                extended,
                "continued with another setting than it started with: --steps (1 at the start, 2"
                        + " now)");

        Path badConfig = copy("bad-config");
        Files.writeString(badConfig.resolve("config.json"), "{\"lr\": -1}");
        refused(badConfig, "its config.json does not describe a run");
    }

    @Test
    void aStudyPinsItsClassifierAndRefusesAnotherAtTheSamePath() throws IOException {
        Path study = tmp.resolve("study");
        Files.createDirectories(study);
        assertNull(FeaturesModel.pinned(study));
        FeaturesModel m = FeaturesModel.describe(clf);
        m.pin(study);
        FeaturesModel back = FeaturesModel.pinned(study);
        assertEquals(m.command(), back.command());
        assertEquals(m.step(), back.step());
        m.pin(study); // the same classifier again: accepted

        // the folder retrained with another seed: the same path, another classifier
        TrainConfig other = clfConfig.copy();
        other.seed = 2;
        FeaturesModel retrained =
                new FeaturesModel(
                        m.path(), m.step(), true, TrainCommandLine.of(other, m.path()), other);
        UserException e = assertThrows(UserException.class, () -> retrained.pin(study));
        assertTrue(
                e.getMessage().contains("not the classifier this study was scored with")
                        && e.getMessage().contains("--seed 2"),
                e.getMessage());
    }
}
