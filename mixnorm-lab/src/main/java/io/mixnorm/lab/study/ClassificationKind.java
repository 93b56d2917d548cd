package io.mixnorm.lab.study;

import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Classifier runs ({@link TrainingRun}): study.json's {@code train} block (any {@link TrainConfig}
 * keys) for every learning rate of {@code lrs}, variant and seed; the metric is test accuracy
 * (higher is better), compared with the paper's steps to BN's maximum, the rescaling speed-up and
 * steps to thresholds ({@link AccuracyMetric}).
 */
final class ClassificationKind extends RunKind<TrainConfig> {
    /** Keys a study sets itself, per run; a {@code train} block or variant may not set them. */
    private static final Set<String> PER_RUN = Set.of("lr", "seed");

    ClassificationKind() {
        super(StudyFolder.CLASSIFICATION, "train", true, "a study");
    }

    @Override
    public TrainConfig config(StudySpec spec, StudySpec.RunKey key, String where) {
        return config(spec, key, where, new TrainConfig());
    }

    /**
     * The config the study gives {@code key}, on top of {@code base} (the defaults, or a run's).
     */
    private static TrainConfig config(
            StudySpec spec, StudySpec.RunKey key, String where, TrainConfig base) {
        TrainConfig cfg = base;
        rejectPerRun(spec.recipe, where + ": 'train'");
        cfg.apply(spec.recipe, where + ": 'train'");
        JsonObject v = spec.variant(key.variant());
        rejectPerRun(v, where + ": variant '" + key.variant() + "'");
        cfg.apply(v, where + ": variant '" + key.variant() + "'");
        cfg.lr = key.lr();
        cfg.seed = key.seed();
        try {
            cfg.validate();
        } catch (UserException e) {
            throw new UserException(
                    where
                            + ": variant '"
                            + key.variant()
                            + "', lr "
                            + key.lr()
                            + ": "
                            + e.getMessage());
        }
        return cfg;
    }

    @Override
    public String checkedNorm(StudySpec spec, StudySpec.RunKey key, String where) {
        return config(spec, key, where).norm;
    }

    private static void rejectPerRun(JsonObject o, String where) {
        for (String k : PER_RUN) {
            if (o.has(k)) {
                throw new UserException(
                        where
                                + " sets '"
                                + k
                                + "': the study sets it per run (use 'lrs' and 'seeds')");
            }
        }
    }

    /** A few minutes a run on 2 cores, on the embedded mini set for CIFAR-10. */
    @Override
    public void quick(StudySpec q) {
        q.recipe.addProperty("steps", 400);
        q.recipe.addProperty("batchSize", 64);
        q.recipe.addProperty("evalEvery", 25);
    }

    @Override
    public RunKind.Runs runs(StudySpec spec, Path out, RunKind.Env env) {
        Map<String, CifarSplits> dataCache = new HashMap<>();
        Function<StudySpec.RunKey, TrainConfig> config =
                k -> {
                    TrainConfig cfg = config(spec, k, "study '" + spec.name + "'");
                    cfg.threads = env.threads();
                    return cfg;
                };
        return new RunKind.Runs() {
            @Override
            public String mismatch(StudySpec.RunKey k, Path dir) {
                return TrainingRun.hasRun(dir)
                        ? TrainingRun.configMismatch(dir, config.apply(k))
                        : null;
            }

            @Override
            public String studyMismatch(StudySpec.RunKey k, Path dir) {
                if (!TrainingRun.hasRun(dir)) {
                    return null;
                }
                TrainConfig saved = TrainingRun.savedConfig(dir);
                TrainConfig asked =
                        ClassificationKind.config(
                                spec, k, "study '" + spec.name + "'", saved.copy());
                return TrainingRun.configMismatch(dir, asked);
            }

            @Override
            public String done(StudySpec.RunKey k, Path dir) {
                TrainingRun.Recorded rec = TrainingRun.recorded(dir);
                return rec.finished(config.apply(k)) || rec.status().equals("diverged")
                        ? rec.status()
                        : null;
            }

            @Override
            public boolean started(Path dir) {
                return TrainingRun.hasRun(dir);
            }

            @Override
            public void train(StudySpec.RunKey k, Path dir, String label, boolean started) {
                TrainConfig cfg = config.apply(k);
                CifarSplits data =
                        dataCache.computeIfAbsent(
                                cfg.data + "|" + cfg.dataset + "|" + cfg.labels,
                                key -> env.loader().apply(cfg));
                new TrainingRun(cfg, data, dir, new Progress(env.log(), env.quiet(), label))
                        .run(started);
            }
        };
    }
}
