package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.TrainConfig;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The training options shared by {@code train}, {@code demo} and {@code bench}, with the option
 * groups every training command has ({@link MixtureNormOptions}, {@link StepOptions}, {@link
 * RunOptions}). Each option's field has the name of the {@link TrainConfig} field it sets, so one
 * reflective pass ({@link ConfigOptions}) applies them; the defaults shown in help are
 * TrainConfig's own.
 */
public final class TrainOptions {
    private static final TrainConfig D = new TrainConfig();

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    @Option(
            names = "--model",
            description =
                    "Model: cnn5, densenet40, densenet-bc100 or inception-v3 "
                            + "(docs/models.md; default: ${DEFAULT-VALUE}).")
    String model = D.model;

    @Mixin MixtureNormOptions mixture;

    @Mixin StepOptions step;

    @Option(names = "--dataset", description = "cifar10 or cifar100 (default: ${DEFAULT-VALUE}).")
    String dataset = D.dataset;

    @Option(
            names = "--labels",
            description = "CIFAR-100 labels: fine or coarse (default: ${DEFAULT-VALUE}).")
    String labels = D.labels;

    @Option(names = "--epochs", description = "Epochs instead of --steps (default: unset).")
    double epochs = D.epochs;

    @Option(names = "--optimizer", description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).")
    String optimizer = D.optimizer;

    @Option(names = "--weight-decay", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay = D.weightDecay;

    @Option(names = "--momentum", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum = D.momentum;

    @Option(
            names = "--nesterov",
            negatable = true,
            description = "Nesterov momentum for SGD (default: ${DEFAULT-VALUE}).")
    boolean nesterov = D.nesterov;

    @Option(
            names = "--lr-schedule",
            description =
                    "constant, cosine or step (÷10 at 50%% and 75%%) "
                            + "(default: ${DEFAULT-VALUE}).")
    String lrSchedule = D.lrSchedule;

    @Option(
            names = "--eval-every",
            description = "Evaluate, log and checkpoint every N steps (default: ${DEFAULT-VALUE}).")
    long evalEvery = D.evalEvery;

    @Option(
            names = "--eval-batch-size",
            description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
    int evalBatchSize = D.evalBatchSize;

    @Option(
            names = "--eval-stats",
            description =
                    "Norm statistics each evaluation is scored with: running, precise (re-estimated"
                        + " from --precise-batches training batches) or batch, or a comma list; the"
                        + " first is the headline test accuracy (default: ${DEFAULT-VALUE}).")
    String evalStats = D.evalStats;

    @Option(
            names = "--precise-batches",
            description =
                    "Training batches precise statistics are re-estimated "
                            + "from (default: ${DEFAULT-VALUE}).")
    int preciseBatches = D.preciseBatches;

    // A negatable option that is true by default needs its default and fallback spelled out: with
    // only the field's initial value, picocli 4.7 read --no-augment as true and --augment as false.
    @Option(
            names = "--augment",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Random crop (pad 4) and flip (default: ${DEFAULT-VALUE}).")
    boolean augment = D.augment;

    @Option(names = "--device", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device = D.device;

    @Option(
            names = "--checkpoint-every",
            description =
                    "Also checkpoint every N steps between evaluations; "
                            + "0 = only at evaluations (default: ${DEFAULT-VALUE}).")
    int checkpointEvery = D.checkpointEvery;

    @Mixin RunOptions run;

    /**
     * Sets the options on {@code cfg}: all of them when {@code onlyGiven} is false (cfg is fresh),
     * else only those given on the command line (cfg came from --config or a run folder).
     */
    public void applyTo(TrainConfig cfg, boolean onlyGiven) {
        ConfigOptions.applyTo(this, cfg, onlyGiven ? parsed() : null);
    }

    /** The config field names of the options given on the command line. */
    public List<String> given() {
        return ConfigOptions.given(this, parsed());
    }

    private CommandLine.ParseResult parsed() {
        return mixee.commandLine().getParseResult();
    }
}
