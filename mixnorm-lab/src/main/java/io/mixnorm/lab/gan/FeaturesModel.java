package io.mixnorm.lab.gan;

import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.CheckpointStore;
import io.mixnorm.lab.train.RunConfig;
import io.mixnorm.lab.train.TrainCommandLine;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The classifier whose features give "FD (mixnorm CIFAR features)", described well enough to be
 * trained again: its {@code mixnorm train} run folder, the step of the checkpoint the score reads
 * (the newest, which must be the run's last step), and the {@code ./mixnorm train} command with
 * every setting of its {@code config.json} ({@link TrainCommandLine}). A score is only comparable
 * against the same classifier, so a features model that cannot be described this way is refused: no
 * {@code config.json}, no {@code summary.json} saying the run finished, a run continued to another
 * budget than its {@code config.json} names, or a newest checkpoint that is not the finished run's.
 *
 * <p>A GAN study pins the description in {@link #FILE} in its folder, lists the command in its
 * {@code commands.txt} and report, and refuses to continue if the folder at the same path later
 * holds another classifier.
 *
 * @param deterministic whether the run was trained with {@code --deterministic}: only then does the
 *     command retrain it bit for bit (otherwise the same recipe, seed, data order and
 *     initialization, with PyTorch's thread split free to round differently)
 */
public record FeaturesModel(
        String path, long step, boolean deterministic, String command, TrainConfig config) {
    /** The description a GAN study pins in its folder. */
    public static final String FILE = "features-model.json";

    /**
     * Describes the finished {@code mixnorm train} run in {@code dir}, or throws a one-line {@link
     * UserException} saying why it cannot be described and what to do.
     */
    public static FeaturesModel describe(Path dir) {
        String where = "--features-model " + dir;
        if (!TrainingRun.hasRun(dir)) {
            throw new UserException(
                    where
                            + ": not a 'mixnorm train' run folder (no config.json), so how its"
                            + " classifier was trained cannot be told; train one with './mixnorm"
                            + " train --out "
                            + dir
                            + "' first");
        }
        TrainConfig cfg;
        try {
            cfg = TrainingRun.savedConfig(dir);
        } catch (UserException e) {
            throw new UserException(
                    where + ": its config.json does not describe a run (" + e.getMessage() + ")");
        }
        TrainingRun.Recorded rec = TrainingRun.recorded(dir);
        if (rec.status().isEmpty()) {
            throw new UserException(
                    where
                            + ": no readable summary.json, so which checkpoint its config trained"
                            + " cannot be told; finish the run with './mixnorm train --out "
                            + dir
                            + " --resume'");
        }
        if (!rec.status().equals("finished") || rec.steps() < rec.totalSteps()) {
            throw new UserException(
                    where
                            + ": the run is "
                            + rec.status()
                            + " at step "
                            + rec.steps()
                            + " of "
                            + rec.totalSteps()
                            + ", not finished, so its newest checkpoint is not what its config"
                            + " trains; finish it with './mixnorm train --out "
                            + dir
                            + " --resume'");
        }
        var checkpoints = new CheckpointStore(dir, cfg.keepCheckpoints).list();
        if (checkpoints.isEmpty()) {
            throw new UserException(
                    where
                            + ": the run has no checkpoint; the score reads the classifier from its"
                            + " newest");
        }
        long newest =
                Long.parseLong(checkpoints.get(0).getFileName().toString().replaceAll("\\D", ""));
        if (newest != rec.steps()) {
            throw new UserException(
                    where
                            + ": its newest checkpoint is step "
                            + newest
                            + " but summary.json says it "
                            + "finished at step "
                            + rec.steps()
                            + "; the features would come from a model its config does not name");
        }
        // config.json states the run's current budget (a continuation rewrites it); the config the
        // run was started with is in every checkpoint. A run continued with another budget or
        // determinism is not what any single command trains (the schedule and the random streams
        // follow the first budget up to the continuation). Evaluation-only settings may differ.
        String continued =
                RunConfig.mismatch(
                        firstConfig(
                                new CheckpointStore(dir, cfg.keepCheckpoints), checkpoints, where),
                        cfg,
                        EVALUATION_ONLY);
        if (continued != null) {
            throw new UserException(
                    where
                            + ": it was continued with another setting than it started with: "
                            + continued.replace(" there,", " at the start,")
                            + ", so no single command trains it; train one with a single"
                            + " './mixnorm train' command");
        }
        return new FeaturesModel(
                dir.toString(),
                newest,
                cfg.deterministic,
                TrainCommandLine.of(cfg, dir.toString()),
                cfg);
    }

    /** Settings that change what a run logs or keeps, never its weights. */
    private static final List<String> EVALUATION_ONLY =
            List.of("threads", "keepCheckpoints", "checkpointEvery", "evalStats", "preciseBatches");

    private static TrainConfig firstConfig(
            CheckpointStore store, List<Path> checkpoints, String where) {
        try {
            return Json.GSON.fromJson(
                    store.readState(checkpoints.get(0)).configJson, TrainConfig.class);
        } catch (UserException e) {
            throw new UserException(where + ": " + e.getMessage());
        }
    }

    /** The line for {@code commands.txt}: the command, with what it is for as a shell comment. */
    public String commandsLine() {
        return command
                + "   # the score's classifier (--features-model): its step-"
                + step
                + " checkpoint"
                + (deterministic
                        ? ""
                        : "; trained without --deterministic, so a retrain matches it in recipe,"
                                + " not bits");
    }

    /**
     * Pins this description in {@code studyDir} ({@link #FILE}) on first use; later, refuses a
     * classifier that differs from the pinned one (retrained in place, say), whose scores would not
     * compare with those already in the study.
     */
    public void pin(Path studyDir) {
        FeaturesModel pinned = pinned(studyDir);
        if (pinned == null) {
            AtomicFiles.writeString(studyDir.resolve(FILE), toJson() + "\n");
            return;
        }
        if (pinned.step != step || !pinned.config.toJson().equals(config.toJson())) {
            throw new UserException(
                    "--features-model "
                            + path
                            + ": not the classifier this study was scored with ("
                            + studyDir.resolve(FILE)
                            + ": step "
                            + pinned.step
                            + " of `"
                            + pinned.command
                            + "`; now step "
                            + step
                            + " of `"
                            + command
                            + "`); score with that one, or start the study in a new --out");
        }
    }

    /**
     * The description pinned in {@code studyDir}, or null when there is none (an older study, or
     * Inception features).
     */
    public static FeaturesModel pinned(Path studyDir) {
        Path file = studyDir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        String where = file.toString();
        JsonObject o = TrainConfig.parseObject(Json.readText(file, where), where);
        try {
            TrainConfig cfg = new TrainConfig();
            cfg.apply(o.getAsJsonObject("config"), where + ": config");
            return new FeaturesModel(
                    o.get("path").getAsString(),
                    o.get("step").getAsLong(),
                    o.get("deterministic").getAsBoolean(),
                    o.get("command").getAsString(),
                    cfg);
        } catch (UserException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UserException(
                    where
                            + ": not a features-model description (keys path, step, deterministic, "
                            + "command and config expected)");
        }
    }

    String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("path", path);
        o.addProperty("step", step);
        o.addProperty("deterministic", deterministic);
        o.addProperty("command", command);
        o.add("config", config.toJsonTree());
        return Json.GSON.toJson(o);
    }
}
