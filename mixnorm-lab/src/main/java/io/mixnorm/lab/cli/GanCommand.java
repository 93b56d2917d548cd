package io.mixnorm.lab.cli;

import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.Dcgan;
import io.mixnorm.lab.gan.FeatureExtractor;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanRunFiles;
import io.mixnorm.lab.gan.GanTrainingRun;
import io.mixnorm.lab.gan.ScoreFeatures;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.RunLock;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm gan}: a DCGAN on CIFAR-10 with BN or MixtureNorm in the generator. Running the
 * same command again on the same --out continues the run from its newest checkpoint.
 */
@Command(
        name = "gan",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = GanCommand.Defaults.class,
        description = {
            "Train a DCGAN (32x32) with BN or MixtureNorm in the generator; write config.json,"
                + " metrics.csv (step, d_loss, g_loss, score, train_seconds),"
                + " samples/step-NNNNNN.png, curves.png and checkpoints into --out. Run the same"
                + " command again to continue an interrupted run. See docs/gan.md. The generator's"
                + " norm layers (--mn-layers) are g.norm1 (4x4x512), g.norm2 (8x8x256) and g.norm3"
                + " (16x16x128)."
        })
public final class GanCommand implements Callable<Integer> {
    /** GanConfig's defaults for the shared option groups. */
    static final class Defaults extends ConfigOptions.Defaults {
        Defaults() {
            super(new GanConfig());
        }
    }

    private static final GanConfig D = new GanConfig();

    @Option(
            names = "--out",
            description =
                    "Run folder (default: runs/dcgan-<norm>-<time>); an existing GAN run there "
                            + "is continued.")
    Path out;

    @Mixin MixtureNormOptions mixture;

    @Mixin StepOptions step;

    @Option(names = "--beta1", description = "Adam beta1 (default: ${DEFAULT-VALUE}).")
    double beta1 = D.beta1;

    @Option(names = "--beta2", description = "Adam beta2 (default: ${DEFAULT-VALUE}).")
    double beta2 = D.beta2;

    @Option(
            names = "--log-every",
            description = "A metrics.csv row every N steps (default: ${DEFAULT-VALUE}).")
    long logEvery = D.logEvery;

    @Option(
            names = "--sample-every",
            description =
                    "An 8x8 sample grid from fixed noise every N steps, 0 = none "
                            + "(default: ${DEFAULT-VALUE}).")
    long sampleEvery = D.sampleEvery;

    @Option(
            names = "--score-every",
            description =
                    "A score (Frechet distance on --features) every N steps, 0 = never "
                            + "(default: ${DEFAULT-VALUE}).")
    long scoreEvery = D.scoreEvery;

    @Option(
            names = "--score-samples",
            description =
                    "Generated and real test images per score; must exceed the feature width (256"
                        + " for cifar-classifier, 2048 for inception) (default: ${DEFAULT-VALUE}).")
    int scoreSamples = D.scoreSamples;

    @Option(
            names = "--features",
            description =
                    "cifar-classifier (penultimate features of --features-model) or "
                            + "inception (--inception FILE) (default: ${DEFAULT-VALUE}).")
    String features = D.features;

    @Option(
            names = "--features-model",
            description =
                    "A 'mixnorm train' run folder: its classifier's features "
                            + "give the score 'FD (mixnorm CIFAR features)'.")
    String featuresModel = D.featuresModel;

    @Option(
            names = "--inception",
            description =
                    "TorchScript Inception-v3 pool3 file for --features inception "
                            + "(docs/gan.md says how to make it).")
    String inception = D.inception;

    @Option(
            names = "--checkpoint-every",
            description =
                    "A checkpoint every N steps (also at each score, at the end "
                            + "and on Ctrl-C) (default: ${DEFAULT-VALUE}).")
    long checkpointEvery = D.checkpointEvery;

    @Mixin RunOptions run;

    @Option(
            names = "--quiet",
            description = "Print only score rows and the result, not every metrics row.")
    boolean quiet;

    @Option(
            names = "--resume",
            description =
                    "Continue the GAN run in --out (the same command without it does too); "
                            + "an error when --out holds none.")
    boolean resume;

    @Override
    public Integer call() {
        GanConfig cfg = config();
        cfg.validate();
        Dcgan.generator(cfg.normSpec()); // --mn-layers errors before any data is read
        Path dir =
                out != null
                        ? out
                        : Path.of(
                                "runs",
                                "dcgan-"
                                        + cfg.norm
                                        + "-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")));
        if (resume && (out == null || !GanRunFiles.hasRun(dir))) {
            throw new UserException(
                    "--resume: "
                            + (out == null
                                    ? "needs --out DIR, the run folder to continue"
                                    : dir
                                            + " holds no run (no config.json); start one without"
                                            + " --resume"));
        }
        if (GanRunFiles.hasRun(dir)) {
            GanConfig saved = GanConfig.load(dir.resolve(GanRunFiles.CONFIG));
            if (!"dcgan".equals(saved.model)) {
                throw new UserException(
                        "--out "
                                + dir
                                + " holds a run that is not a GAN run; choose another --out");
            }
            String mismatch = GanConfig.mismatch(saved, cfg);
            if (mismatch != null) {
                throw new UserException(
                        "--out "
                                + dir
                                + " holds a GAN run started with a different "
                                + mismatch
                                + "; repeat its options to continue it, or choose another --out");
            }
        }
        Threads.configure(cfg.threads);
        TrainConfig dataCfg = new TrainConfig();
        dataCfg.data = cfg.data;
        CifarSplits splits = DataLoading.load(dataCfg);
        Function<NDManager, FeatureExtractor> extractor =
                ScoreFeatures.forConfig(cfg, splits, DataLoading::load);
        GanTrainingRun.Summary
                s; // claimed after the data and the score load: their errors leave no run folder
        // behind
        try (RunLock lock = RunLock.claim(dir, "--out")) {
            s =
                    Interruptible.run(
                            () ->
                                    new GanTrainingRun(
                                                    cfg, splits, dir, System.out, quiet, extractor)
                                            .run());
        }
        String best =
                s.best() == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", best %s %.3f at step %d",
                                s.scoreLabel(),
                                s.best().score(),
                                s.best().step());
        System.out.printf(
                Locale.ROOT,
                "%s: step %d/%d%s; results in %s%n",
                s.status(),
                s.step(),
                s.totalSteps(),
                best,
                dir);
        return 0;
    }

    /** The config the options describe (not yet validated). */
    GanConfig config() {
        GanConfig c = new GanConfig();
        ConfigOptions.applyTo(this, c, null);
        return c;
    }
}
