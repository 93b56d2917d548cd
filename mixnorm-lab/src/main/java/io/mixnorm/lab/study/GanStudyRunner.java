package io.mixnorm.lab.study;

import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.ClassifierFeatures;
import io.mixnorm.lab.gan.FeatureExtractor;
import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanRunFiles;
import io.mixnorm.lab.gan.GanScore;
import io.mixnorm.lab.gan.GanTrainer;
import io.mixnorm.lab.gan.ScoreFeatures;
import io.mixnorm.lab.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * Runs a GAN study's grid into its folder, one {@code mixnorm gan} run at a time, each in {@code
 * runs/<variant>/seed-<n>/}. The same guarantees as {@link StudyRunner}: a finished run is skipped,
 * an interrupted one continues from its newest good checkpoint (exactly, as {@link GanTrainer}
 * does), a diverged one is reported as such, and a folder holding another study is refused ({@link
 * StudyFolder}). The walk over the runs is {@link StudyLoop}'s, so several processes can share out
 * one study.
 */
public final class GanStudyRunner {
    private final GanStudySpec spec;
    private final Path out;
    private final Function<TrainConfig, CifarSplits> loader;
    private final PrintStream log;
    private final boolean quiet;
    private final int threads;
    private final Map<String, CifarSplits> dataCache = new HashMap<>();
    private final Map<String, Function<NDManager, FeatureExtractor>> featureCache = new HashMap<>();

    /**
     * @param loader reads the data a config names (the GAN's, and the classifier's for its
     *     standardization)
     */
    public GanStudyRunner(
            GanStudySpec spec,
            Path out,
            Function<TrainConfig, CifarSplits> loader,
            PrintStream log,
            boolean quiet,
            int threads) {
        this.spec = spec;
        this.out = out;
        this.loader = loader;
        this.log = log;
        this.quiet = quiet;
        this.threads = threads;
    }

    /**
     * Claims the study folder: empty, or holding this same study whose run folders match their
     * configs.
     *
     * @param training also check the score before study.json pins it: the classifier run is
     *     described ({@link FeaturesModel}) and loads, and the sample count suits its feature width
     *     and the test set (a mistake found after the first run started would leave a folder only
     *     that mistake can continue); then pin the classifier's description in the folder
     */
    public void prepare(boolean training) {
        if (training) {
            spec.checkScoring();
            checkScore(config(spec.runs().get(0)));
        }
        Map<Path, Supplier<String>> runs = new LinkedHashMap<>();
        for (GanStudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            runs.put(
                    dir,
                    () -> {
                        if (!GanRunFiles.hasRun(dir)) {
                            return null;
                        }
                        GanConfig saved = GanConfig.load(dir.resolve(GanRunFiles.CONFIG));
                        return !"dcgan".equals(saved.model)
                                ? "run is not a GAN run (model " + saved.model + ")"
                                : GanConfig.mismatch(saved, config(k));
                    });
        }
        StudyFolder.claim(out, spec, GanStudySpec::load, runs);
        GanConfig shared = config(spec.runs().get(0));
        if (training && shared.features.equals(GanConfig.CLASSIFIER)) {
            // after the claim: the folder is this study's, so a different pinned classifier is a
            // real change
            FeaturesModel.describe(Path.of(shared.featuresModel)).pin(out);
        }
    }

    /**
     * Runs every unfinished run of the grid in order; stops early (between or inside runs) on
     * SIGINT/SIGTERM.
     */
    public StudyRunner.Outcome run() {
        return run(i -> true);
    }

    /**
     * {@link #run()} for the runs whose index in {@link GanStudySpec#runs()} {@code only} accepts
     * (an engine's task).
     */
    public StudyRunner.Outcome run(IntPredicate only) {
        return StudyLoop.run(
                out,
                spec.runs(),
                only,
                new StudyLoop.Runs<>() {
                    @Override
                    public String label(GanStudySpec.RunKey k) {
                        return k.variant() + " seed " + k.seed();
                    }

                    @Override
                    public String done(GanStudySpec.RunKey k, Path dir) {
                        GanStudyResults.Recorded rec = GanStudyResults.Recorded.of(dir);
                        return rec.finished(config(k)) || rec.status().equals("diverged")
                                ? rec.status()
                                : null;
                    }

                    @Override
                    public boolean started(Path dir) {
                        return GanRunFiles.hasRun(dir);
                    }

                    @Override
                    public void train(
                            GanStudySpec.RunKey k,
                            Path dir,
                            String label,
                            boolean started) { // GanTrainer resumes by itself
                        GanConfig cfg = config(k);
                        CifarSplits data = data(cfg);
                        new GanTrainer(cfg, data, dir, log, quiet, features(cfg, data)).run();
                    }

                    @Override
                    public void diverged(Path dir, String message) {
                        GanStudyResults.markDiverged(dir, message);
                    }
                },
                log);
    }

    private void checkScore(GanConfig cfg) {
        if (cfg.features.equals(GanConfig.CLASSIFIER)) {
            ClassifierFeatures.runConfig(
                    Path.of(cfg.featuresModel)); // a missing folder is named before any data is
            // read
        }
        CifarSplits data = data(cfg);
        try (NDManager m = NDManager.newBaseManager();
                FeatureExtractor f = features(cfg, data).apply(m)) {
            GanScore.check(cfg.scoreSamples, f.dim(), data.test().size(), f.label());
        }
    }

    private GanConfig config(GanStudySpec.RunKey k) {
        GanConfig cfg = spec.config(k, "study '" + spec.name + "'");
        cfg.threads = threads;
        return cfg;
    }

    private CifarSplits data(GanConfig cfg) {
        return dataCache.computeIfAbsent(
                cfg.data,
                d -> {
                    TrainConfig t = new TrainConfig();
                    t.data = d;
                    return loader.apply(t);
                });
    }

    /**
     * One opener per extractor: the classifier's standardization is fitted once per study, not per
     * run.
     */
    private Function<NDManager, FeatureExtractor> features(GanConfig cfg, CifarSplits data) {
        String key = cfg.features + "|" + cfg.featuresModel + "|" + cfg.inception + "|" + cfg.data;
        Function<NDManager, FeatureExtractor> f = featureCache.get(key);
        if (f == null) {
            f = ScoreFeatures.forConfig(cfg, data, loader);
            if (f == null) {
                throw new UserException(
                        "--score-every: the study '" + spec.name + "' must score its runs");
            }
            featureCache.put(key, f);
        }
        return f;
    }
}
