package io.mixnorm.lab.study;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.ClassifierFeatures;
import io.mixnorm.lab.gan.Dcgan;
import io.mixnorm.lab.gan.FeatureExtractor;
import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanRunFiles;
import io.mixnorm.lab.gan.GanScore;
import io.mixnorm.lab.gan.GanTrainingRun;
import io.mixnorm.lab.gan.ScoreFeatures;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * DCGAN runs ({@link GanTrainingRun}): study.json's {@code gan} block (any {@link GanConfig} keys,
 * scoring included) for every generator variant and seed, no learning-rate grid; the metric is the
 * score (lower is better), compared by iterations to the BN generator's best ({@link ScoreMetric}).
 * The study file says {@code "kind": "gan"}, so that neither kind of study can take the other's
 * folder.
 */
public final class GanKind extends RunKind<GanConfig> {
    /**
     * Keys the study sets itself: the seed per run; {@code model} marks the folder as a GAN run.
     */
    private static final Set<String> RESERVED = Set.of("seed", "model");

    GanKind() {
        super("gan", "gan", false, "a GAN study");
    }

    @Override
    public GanConfig config(StudySpec spec, StudySpec.RunKey key, String where) {
        return config(spec, key, where, true, new GanConfig());
    }

    @Override
    public String checkedNorm(StudySpec spec, StudySpec.RunKey key, String where) {
        return config(spec, key, where).norm;
    }

    /**
     * The config the study gives {@code key}, on top of {@code base} (the defaults, or a run's).
     */
    private static GanConfig config(
            StudySpec spec, StudySpec.RunKey key, String where, boolean validate, GanConfig base) {
        JsonObject merged = base.toJsonTree();
        overlay(merged, spec.recipe, where + ": 'gan'");
        overlay(merged, spec.variant(key.variant()), where + ": variant '" + key.variant() + "'");
        merged.addProperty("seed", key.seed());
        GanConfig cfg;
        try {
            cfg = Json.GSON.fromJson(merged, GanConfig.class);
        } catch (RuntimeException e) {
            throw new UserException(
                    where
                            + ": variant '"
                            + key.variant()
                            + "': "
                            + e.getMessage().replaceAll("[\\r\\n]+", " "));
        }
        if (validate) {
            try {
                // the extractor's file is checkScoring's business: a study file may leave it to
                // --features-model
                GanConfig probe = cfg.copy();
                probe.featuresModel = probe.featuresModel.isBlank() ? "-" : probe.featuresModel;
                probe.inception = probe.inception.isBlank() ? "-" : probe.inception;
                probe.validate();
                Dcgan.generator(
                        cfg.normSpec()); // names the valid generator layers for a bad mnLayers
            } catch (UserException e) {
                throw new UserException(
                        where + ": variant '" + key.variant() + "': " + e.getMessage());
            }
        }
        return cfg;
    }

    private static void overlay(JsonObject into, JsonObject from, String where) {
        for (String k : from.keySet()) {
            if (RESERVED.contains(k)) {
                throw new UserException(
                        where + " sets '" + k + "': the study sets it per run (use 'seeds')");
            }
            if (!into.has(k)) {
                throw new UserException(
                        where
                                + ": unknown key '"
                                + k
                                + "' (a GAN run has "
                                + String.join(", ", new TreeSet<>(into.keySet()))
                                + ")");
            }
            into.add(k, from.get(k));
        }
    }

    /** The baseline's first run, unchecked: what every run of the study shares. */
    private static GanConfig shared(StudySpec spec, String where) {
        return config(
                spec,
                new StudySpec.RunKey(spec.baseline, spec.seeds.get(0)),
                where,
                false,
                new GanConfig());
    }

    /**
     * A study must score, against a named extractor, to compare anything: checked apart from {@link
     * StudySpec#validate} because a study file may leave the classifier to {@code
     * --features-model}.
     */
    public static void checkScoring(StudySpec spec) {
        GanConfig shared = shared(spec, "study '" + spec.name + "'");
        if (!shared.scoring()) {
            throw new UserException(
                    "--score-every: a GAN study compares scores, so it must score every N >= 1"
                            + " steps, got "
                            + shared.scoreEvery);
        }
        if (shared.features.equals(GanConfig.CLASSIFIER) && shared.featuresModel.isBlank()) {
            throw new UserException(
                    "--features-model: the study '"
                            + spec.name
                            + "' scores with "
                            + scoreLabel(spec)
                            + ", which needs a trained CIFAR-10 classifier: run './mixnorm train"
                            + " --out runs/clf' (add --data DIR for the full set) and pass"
                            + " --features-model runs/clf");
        }
        if (shared.features.equals(GanConfig.INCEPTION) && shared.inception.isBlank()) {
            throw new UserException(
                    "--inception: the study '"
                            + spec.name
                            + "' scores with Inception-v3 features and needs "
                            + "the TorchScript file (see docs/gan.md)");
        }
    }

    /** The score's name in the report: never "FID" for the classifier's features. */
    public static String scoreLabel(StudySpec spec) {
        return shared(spec, "study").features.equals(GanConfig.INCEPTION)
                ? "FID (Inception-v3 pool3)"
                : ClassifierFeatures.LABEL;
    }

    /** The embedded mini set (unless --data says otherwise), a few dozen iterations. */
    @Override
    public void quick(StudySpec q) {
        q.recipe.addProperty("steps", 60);
        q.recipe.addProperty("logEvery", 10);
        q.recipe.addProperty("sampleEvery", 60);
        q.recipe.addProperty("scoreEvery", 20);
        q.recipe.addProperty("scoreSamples", 300);
        q.recipe.addProperty("checkpointEvery", 20);
    }

    @Override
    public RunKind.Runs runs(StudySpec spec, Path out, RunKind.Env env) {
        return new GanRuns(spec, out, env);
    }

    /**
     * One {@code mixnorm gan} run at a time, each in {@code runs/<variant>/seed-<n>/}; it continues
     * from its newest good checkpoint exactly, as {@link GanTrainingRun} does.
     */
    private record GanRuns(
            StudySpec spec,
            Path out,
            RunKind.Env env,
            Map<String, CifarSplits> dataCache,
            Map<String, Function<NDManager, FeatureExtractor>> featureCache)
            implements RunKind.Runs {
        GanRuns(StudySpec spec, Path out, RunKind.Env env) {
            this(spec, out, env, new HashMap<>(), new HashMap<>());
        }

        /**
         * The score is checked before study.json pins it: the classifier run is described ({@link
         * FeaturesModel}) and loads, and the sample count suits its feature width and the test set
         * (a mistake found after the first run started would leave a folder only that mistake can
         * continue).
         */
        @Override
        public void beforeClaim() {
            checkScoring(spec);
            GanConfig cfg = config(spec.runs().get(0));
            if (cfg.features.equals(GanConfig.CLASSIFIER)) {
                // a missing folder is named before any data is read
                ClassifierFeatures.runConfig(Path.of(cfg.featuresModel));
            }
            CifarSplits data = data(cfg);
            try (NDManager m = NDManager.newBaseManager();
                    FeatureExtractor f = features(cfg, data).apply(m)) {
                GanScore.check(cfg.scoreSamples, f.dim(), data.test().size(), f.label());
            }
        }

        /**
         * After the claim: the folder is this study's, so a different pinned classifier is a real
         * change.
         */
        @Override
        public void afterClaim() {
            GanConfig shared = config(spec.runs().get(0));
            if (shared.features.equals(GanConfig.CLASSIFIER)) {
                FeaturesModel.describe(Path.of(shared.featuresModel)).pin(out);
            }
        }

        @Override
        public String mismatch(StudySpec.RunKey k, Path dir) {
            if (!GanRunFiles.hasRun(dir)) {
                return null;
            }
            GanConfig saved = GanConfig.load(dir.resolve(GanRunFiles.CONFIG));
            return !"dcgan".equals(saved.model)
                    ? "run is not a GAN run (model " + saved.model + ")"
                    : GanConfig.mismatch(saved, config(k));
        }

        @Override
        public String studyMismatch(StudySpec.RunKey k, Path dir) {
            if (!GanRunFiles.hasRun(dir)) {
                return null;
            }
            GanConfig saved = GanConfig.load(dir.resolve(GanRunFiles.CONFIG));
            if (!"dcgan".equals(saved.model)) {
                return "run is not a GAN run (model " + saved.model + ")";
            }
            GanConfig asked = GanKind.config(spec, k, "study '" + spec.name + "'", true, saved);
            asked.threads = env.threads();
            return GanConfig.mismatch(saved, asked);
        }

        @Override
        public String done(StudySpec.RunKey k, Path dir) {
            ScoreMetric.Recorded rec = ScoreMetric.Recorded.of(dir);
            return rec.finished(config(k)) || rec.status().equals("diverged") ? rec.status() : null;
        }

        @Override
        public boolean started(Path dir) {
            return GanRunFiles.hasRun(dir);
        }

        @Override
        public void train(StudySpec.RunKey k, Path dir, String label, boolean started) {
            // GanTrainingRun resumes by itself
            GanConfig cfg = config(k);
            CifarSplits data = data(cfg);
            new GanTrainingRun(cfg, data, dir, env.log(), env.quiet(), features(cfg, data)).run();
        }

        @Override
        public void diverged(Path dir, String message) {
            ScoreMetric.markDiverged(dir, message);
        }

        private GanConfig config(StudySpec.RunKey k) {
            GanConfig cfg =
                    GanKind.config(spec, k, "study '" + spec.name + "'", true, new GanConfig());
            cfg.threads = env.threads();
            return cfg;
        }

        private CifarSplits data(GanConfig cfg) {
            return dataCache.computeIfAbsent(
                    cfg.data,
                    d -> {
                        TrainConfig t = new TrainConfig();
                        t.data = d;
                        return env.loader().apply(t);
                    });
        }

        /**
         * One opener per extractor: the classifier's standardization is fitted once per study, not
         * per run.
         */
        private Function<NDManager, FeatureExtractor> features(GanConfig cfg, CifarSplits data) {
            String key =
                    cfg.features + "|" + cfg.featuresModel + "|" + cfg.inception + "|" + cfg.data;
            Function<NDManager, FeatureExtractor> f = featureCache.get(key);
            if (f == null) {
                f = ScoreFeatures.forConfig(cfg, data, env.loader());
                if (f == null) {
                    throw new UserException(
                            "--score-every: the study '" + spec.name + "' must score its runs");
                }
                featureCache.put(key, f);
            }
            return f;
        }
    }
}
