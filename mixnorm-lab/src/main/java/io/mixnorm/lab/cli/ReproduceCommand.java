package io.mixnorm.lab.cli;

import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.report.StudyReport;
import io.mixnorm.lab.study.GanKind;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Studies;
import io.mixnorm.lab.study.StudyRunner;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.TrainCommandLine;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mixnorm reproduce}: a BN-vs-MN study (a grid of training runs) and its report. Re-running
 * the same command continues an interrupted study and rebuilds the report. A GAN study ({@code
 * --study dcgan-cifar10}, or a study file with {@code "kind": "gan"}) runs DCGANs instead of
 * classifiers (its {@link RunKind}); it has no learning-rate grid and is scored, not evaluated, so
 * {@code --lrs}/{@code --eval-every} apply to classifier studies and {@code
 * --features-model}/{@code --score-every}/{@code --score-samples} to GAN studies.
 */
@Command(
        name = "reproduce",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Run a study (learning rates x norm variants x seeds, or for dcgan-cifar10"
                    + " generator variants x seeds) and write report.md/.html, results.csv,"
                    + " summary.json and plots into --out. Re-run the same command to continue an"
                    + " interrupted study.")
public final class ReproduceCommand implements Callable<Integer> {
    @Option(
            names = "--study",
            description =
                    "A built-in study: cnn5-cifar10, cnn5-cifar100, cnn5-cifar10-layers,"
                            + " cnn5-cifar10-k, cnn5-cifar10-options, densenet40-cifar10,"
                            + " densenet-bc100-cifar10, inception-v3-cifar10, dcgan-cifar10 (BN vs"
                            + " MixtureNorm DCGAN generators; needs --features-model).")
    String study;

    @Option(
            names = "--config",
            description = "A study file (JSON, like the study.json a study folder holds).")
    Path config;

    @Option(names = "--out", description = "Study folder (default: runs/<study>).")
    Path out;

    @Option(
            names = "--quick",
            description =
                    "The short budget on the embedded mini CIFAR-10 (a demonstration, minutes).")
    boolean quick;

    @Option(names = "--seeds", description = "Seeds 1..N (default: the study's).")
    Integer seeds;

    @Option(
            names = "--data",
            description = "CIFAR folder or .tar.gz (required for full-size built-in studies).")
    String data;

    @Option(names = "--steps", description = "Override the budget: steps per run.")
    Long steps;

    @Option(
            names = "--eval-every",
            description = "Override: evaluate on the test set every N steps.")
    Long evalEvery;

    @Option(
            names = "--lrs",
            split = ",",
            description = "Override the learning rates, comma-separated.")
    List<Double> lrs;

    @Option(
            names = "--features-model",
            description =
                    "GAN studies: a 'mixnorm train' run folder whose classifier's "
                            + "features give the score 'FD (mixnorm CIFAR features)'.")
    String featuresModel;

    @Option(
            names = "--score-every",
            description = "GAN studies: score every N iterations (default: the study's).")
    Long scoreEvery;

    @Option(
            names = "--score-samples",
            description =
                    "GAN studies: generated and real test images per score; must exceed the feature"
                            + " width (256 for a cnn5 classifier) (default: the study's).")
    Integer scoreSamples;

    @Option(
            names = "--threads",
            description = "PyTorch threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--resume",
            description =
                    "Continue the study in --out (the same command without it does too); "
                            + "an error when --out holds no study.")
    boolean resume;

    @Option(
            names = "--report-only",
            description = "Rebuild the report from the runs already in --out; train nothing.")
    boolean reportOnly;

    @Option(
            names = "--engine",
            paramLabel = "local|spark",
            defaultValue = "local",
            description =
                    "What trains the runs: local (this process, one run at a time; default) or"
                        + " spark (one Spark task per run; with --threads N, spark.task.cpus = N is"
                        + " each run's PyTorch threads). The report is built here either way.")
    String engine;

    @Option(
            names = "--master",
            description =
                    "--engine spark: the Spark master, e.g. local[2] (embedded, the default"
                            + " local[*]) or spark://HOST:7077; the study folder must be on storage"
                            + " every executor sees at the same path.")
    String master;

    @Option(names = "--quiet", description = "Log lines instead of progress bars.")
    boolean quiet;

    @Spec CommandSpec commandSpec;

    @Override
    public Integer call() {
        if (resume
                && (out == null
                        || !java.nio.file.Files.exists(out.resolve(StudyRunner.SPEC_FILE)))) {
            throw new UserException(
                    "--resume: "
                            + (out == null
                                    ? "needs --out DIR, the study folder to continue"
                                    : out
                                            + " holds no study (no study.json); start it without"
                                            + " --resume"));
        }
        StudyEngine studyEngine = engine();
        StudySpec spec = resolve();
        Path dir = out != null ? out : Path.of("runs", spec.name);
        String command = commandLine();
        StudyRunner runner =
                new StudyRunner(spec, dir, DataLoading::load, System.out, quiet, threads);
        Threads.configure(threads);
        runner.prepare(!reportOnly);
        // A GAN study's score classifier first: the command that trains it comes before the
        // study's in commands.txt.
        FeaturesModel classifier = FeaturesModel.pinned(dir);
        if (classifier != null) {
            StudyRunner.recordCommand(dir, classifier.commandsLine(), !reportOnly);
        }
        List<String> commands = StudyRunner.recordCommand(dir, command, !reportOnly);
        // The report is part of the work a SIGINT/SIGTERM waits for: an interrupted study still
        // gets one.
        return Interruptible.run(
                () -> {
                    StudyRunner.Outcome outcome =
                            reportOnly
                                    ? StudyRunner.Outcome.FINISHED
                                    : studyEngine == null
                                            ? runner.run()
                                            : studyEngine.run(
                                                    StudyJob.of(spec, dir),
                                                    master,
                                                    threads,
                                                    System.out);
                    StudyReport.Written w =
                            StudyReport.write(spec, dir, commands, DataLoading::load);
                    System.out.println();
                    System.out.print(w.headline());
                    System.out.println();
                    System.out.println(outcome.reportLine() + w.report() + StudyReport.files(spec));
                    return 0;
                });
    }

    /**
     * The {@code --engine} other than local (null for local), found before anything is read or
     * written.
     */
    private StudyEngine engine() {
        if ("local".equals(engine)) {
            if (master != null) {
                throw new UserException(
                        "--master applies to --engine spark; --engine local trains in this"
                                + " process");
            }
            return null;
        }
        return StudyEngine.find(engine);
    }

    /**
     * The study the options ask for: a built-in or a study file, with the overrides its kind takes
     * applied and checked.
     */
    private StudySpec resolve() {
        if ((study == null) == (config == null)) {
            throw new UserException(
                    "reproduce needs exactly one of --study NAME or --config FILE (built in: "
                            + String.join(", ", Studies.names())
                            + ")");
        }
        StudySpec spec = study != null ? Studies.get(study, quick) : StudySpec.load(config);
        if (quick && study == null) {
            spec = spec.quick();
        }
        boolean gan = spec.kind() == RunKind.GAN;
        if (gan && lrs != null) {
            throw new UserException(
                    "--lrs: a GAN study has one recipe (Adam, lr 2e-4), not a learning-rate grid;"
                            + " set 'lr' in a study file's 'gan' block instead");
        }
        if (gan && evalEvery != null) {
            throw new UserException(
                    "--eval-every: a GAN study is scored, not evaluated; use --score-every N");
        }
        if (!gan && (featuresModel != null || scoreEvery != null || scoreSamples != null)) {
            throw new UserException(
                    "--features-model, --score-every and --score-samples apply to GAN studies ("
                            + String.join(", ", Studies.names(RunKind.GAN))
                            + ") only");
        }
        if (seeds != null) {
            if (seeds < 1) {
                throw new UserException(
                        "--seeds: the seed list would be empty; give at least 1, got " + seeds);
            }
            spec.seeds = LongStream.rangeClosed(1, seeds).boxed().toList();
        }
        // the overrides in the order each kind's study.json has always listed them
        if (gan) {
            overrideGan(spec.recipe);
        } else {
            if (data != null) {
                spec.recipe.addProperty("data", data);
            }
            if (steps != null) {
                spec.recipe.addProperty("steps", steps);
            }
            if (evalEvery != null) {
                spec.recipe.addProperty("evalEvery", evalEvery);
            }
            if (lrs != null) {
                spec.lrs = lrs;
            }
        }
        spec.validate("reproduce");
        if (gan) {
            GanKind.checkScoring(spec);
        }
        if (!spec.quick && study != null && !spec.recipe.has("data")) {
            throw new UserException(
                    "--study "
                            + study
                            + (gan
                                    ? " trains on the full CIFAR-10: pass --data PATH (a CIFAR-10"
                                            + " archive or folder; './mixnorm download cifar10'"
                                            + " fetches one)"
                                    : " trains on the full "
                                            + spec.recipe.get("dataset").getAsString()
                                            + ": pass --data PATH (a CIFAR archive or folder;"
                                            + " './mixnorm download' fetches one)")
                            + ", or add --quick for the embedded mini set");
        }
        return spec;
    }

    /** A GAN study's overrides of its {@code gan} block. */
    private void overrideGan(JsonObject gan) {
        if (steps != null) {
            require(steps >= 1, "--steps: must be at least 1, got " + steps);
            gan.addProperty("steps", steps);
        }
        if (scoreEvery != null) {
            require(
                    scoreEvery >= 1,
                    "--score-every: a GAN study compares scores, so N must be at least 1, got "
                            + scoreEvery);
            gan.addProperty("scoreEvery", scoreEvery);
        }
        if (scoreSamples != null) {
            require(
                    scoreSamples >= 2,
                    "--score-samples: must be at least 2 (and above the feature width), got "
                            + scoreSamples);
            gan.addProperty("scoreSamples", scoreSamples);
        }
        if (data != null) {
            gan.addProperty("data", data);
        }
        if (featuresModel != null) {
            require(
                    !featuresModel.isBlank(),
                    "--features-model: empty path; pass a 'mixnorm train' run folder");
            gan.addProperty("featuresModel", featuresModel);
        }
    }

    /** This command as the user typed it, for commands.txt and the report. */
    private String commandLine() {
        List<String> args =
                new java.util.ArrayList<>(
                        commandSpec.commandLine().getParseResult().originalArgs());
        if (args.isEmpty() || !args.get(0).equals("reproduce")) {
            args.add(0, "reproduce"); // parsed as a subcommand alone (the demo)
        }
        return "./mixnorm "
                + String.join(" ", args.stream().map(TrainCommandLine::shellQuote).toList());
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new UserException(message);
        }
    }
}
