package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.RunSummary;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import io.mixnorm.lab.util.RunLock;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mixnorm train}: one training run into a run folder. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Train a model and write config.json, metrics.csv, summary.json, curves.png and"
                        + " checkpoints into --out.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(
            names = "--config",
            description = "A config.json to start from; options given here override it.")
    Path config;

    @Option(names = "--out", description = "Run folder (default: runs/<model>-<norm>-<time>).")
    Path out;

    @Option(
            names = "--resume",
            description =
                    "Continue the run in --out from its newest good checkpoint; the options given"
                            + " must equal the run's, except --steps, --epochs, --threads,"
                            + " --keep-checkpoints, --checkpoint-every and --deterministic.")
    boolean resume;

    @Option(
            names = "--quiet",
            description = "One log line per evaluation instead of a progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        TrainConfig cfg = resolveConfig();
        ModelZoo.build(
                cfg.model,
                cfg.normSpec(),
                10); // model and --mn-layers errors before any data is read
        Path dir = out != null ? out : defaultOut(cfg);
        if (resume && !TrainingRun.hasRun(dir)) {
            throw new UserException(
                    "--resume: "
                            + dir
                            + " holds no run (no config.json); start one without --resume");
        }
        if (!resume && TrainingRun.hasRun(dir)) {
            throw new UserException(
                    "--out "
                            + dir
                            + " already holds a run; add --resume to continue it or choose "
                            + "another --out");
        }
        RunSummary s = run(cfg, dir, resume, quiet);
        String accuracy =
                !s.evaluated()
                        ? "no evaluation yet"
                        : String.format(
                                Locale.ROOT,
                                "best test accuracy %.2f%% (step %d), final %.2f%%",
                                100 * s.bestTestAccuracy(),
                                s.bestStep(),
                                100 * s.finalTestAccuracy());
        System.out.printf(
                Locale.ROOT,
                "%s: %s, %.0f img/s; results in %s%n",
                s.status(),
                accuracy,
                s.imagesPerSecond(),
                dir);
        return 0;
    }

    /**
     * The config the options describe (the file given, the run resumed, or the options alone),
     * validated.
     */
    TrainConfig resolveConfig() {
        TrainConfig cfg;
        if (resume) {
            if (out == null) {
                throw new UserException("--resume needs --out DIR, the run folder to continue");
            }
            if (!TrainingRun.hasRun(out)) {
                throw new UserException(
                        "--resume: "
                                + out
                                + " holds no run (no config.json); start one without --resume");
            }
            // The command that started the run, with --resume appended, continues it: what it sets
            // is
            // compared by value with the run's config, and only a real change is refused.
            cfg = config != null ? TrainConfig.load(config) : TrainingRun.savedConfig(out);
            options.applyTo(cfg, true);
            String mismatch = TrainingRun.configMismatch(out, cfg);
            if (mismatch != null) {
                throw new UserException(
                        "--resume: the run in "
                                + out
                                + " was started with a different "
                                + mismatch
                                + "; only "
                                + String.join(
                                        ", ",
                                        TrainConfig.resumable().stream()
                                                .map(TrainConfig::optionName)
                                                .toList())
                                + " can change when resuming");
            }
        } else if (config != null) {
            cfg = TrainConfig.load(config);
            options.applyTo(cfg, true);
        } else {
            cfg = new TrainConfig();
            options.applyTo(cfg, false);
        }
        cfg.validate();
        return cfg;
    }

    /** Runs one training run with SIGINT/SIGTERM turned into a checkpoint and a clean stop. */
    static RunSummary run(TrainConfig cfg, Path dir, boolean resume, boolean quiet) {
        Threads.configure(cfg.threads);
        CifarSplits data =
                DataLoading.load(cfg); // before the claim: a data error leaves no run folder behind
        try (RunLock lock = RunLock.claim(dir, "--out")) {
            return Interruptible.run(
                    () ->
                            new TrainingRun(cfg, data, dir, new Progress(System.out, quiet, ""))
                                    .run(resume));
        }
    }

    static Path defaultOut(TrainConfig cfg) {
        String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", cfg.model + "-" + cfg.norm + "-" + time);
    }
}
