package io.mixnorm.lab.train;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Everything a training run depends on. Saved as {@code config.json} in the run folder; that file
 * is a valid {@code --config} to run the same experiment again. JSON keys are the field names.
 * Defaults follow the third-party reproduction of the paper's CNN study (spec §8): AdamW, lr 1e-3,
 * weight decay 1e-4.
 */
public final class TrainConfig extends RunConfig {
    public String model = "cnn5";
    public String dataset = "cifar10";

    /** CIFAR-100 only: fine (100 classes) or coarse (20). */
    public String labels = "fine";

    /** When positive, overrides {@link #steps}: full passes over the training set. */
    public double epochs = 0;

    public String optimizer = "adamw";
    public double weightDecay = 1e-4;

    /** SGD momentum (ignored by Adam/AdamW, which use betas 0.9/0.999). */
    public double momentum = 0.9;

    public boolean nesterov = false;

    /** constant, cosine, or step (lr ÷10 at 50% and 75% of the budget). */
    public String lrSchedule = "constant";

    public long evalEvery = 100;

    /**
     * 100, not larger: measured on the 2-core VM (docs/benchmarks.md), a test pass over 1,000
     * images took ~2x as long at 500 as at 100. Large batches make activation tensors above glibc's
     * 32 MB mmap ceiling (cnn5's conv1 output at 500 images is 131 MB), so each one is mapped and
     * page-faulted afresh on every batch.
     */
    public int evalBatchSize = 100;

    /**
     * Which norm statistics score each evaluation: running, precise or batch, or a comma list of
     * them (each gets its metrics.csv column; the first is the headline test accuracy). See {@link
     * Evaluation.Stats}. Not part of a run's identity: evaluation never changes training.
     */
    public String evalStats = "running";

    /** Training batches (of {@link #batchSize}) that precise statistics are re-estimated from. */
    public int preciseBatches = 20;

    public boolean augment = true;
    public String device = "cpu";

    /**
     * Also checkpoint every N steps between evaluations (a checkpoint is written at every
     * evaluation; 0: only then). For models whose test pass is long (DenseNet on a CPU: minutes),
     * so that a crash loses at most N steps. Not part of a run's identity: it may change when
     * resuming.
     */
    public int checkpointEvery = 0;

    /** config.json's key order ({@link #keys}). */
    private static final List<String> KEYS =
            List.of(
                    ("model norm mnLayers components mnSampleMode mnEmIterations mnFitSamples"
                                    + " mnInference data dataset labels steps epochs batchSize"
                                    + " optimizer lr weightDecay momentum nesterov lrSchedule seed"
                                    + " evalEvery evalBatchSize evalStats preciseBatches augment"
                                    + " device threads deterministic keepCheckpoints"
                                    + " checkpointEvery")
                            .split(" "));

    /** What may differ between the segments of one run: the budget and how fast it is computed. */
    private static final List<String> RESUMABLE =
            List.of(
                    "steps",
                    "epochs",
                    "threads",
                    "keepCheckpoints",
                    "checkpointEvery",
                    "deterministic",
                    "evalStats",
                    "preciseBatches");

    /**
     * Budget bound in epochs (--epochs 1e300 was accepted and trained forever): 30 times DenseNet's
     * 300.
     */
    static final double MAX_EPOCHS = 10_000;

    private static final Set<String> OPTIMIZERS = Set.of("sgd", "adam", "adamw");
    private static final Set<String> SCHEDULES = Set.of("constant", "cosine", "step");

    /** The defaults named above: batch 128, lr 1e-3. */
    public TrainConfig() {
        super(128, 1e-3);
    }

    @Override
    protected List<String> keys() {
        return KEYS;
    }

    /** Reads a config file; unknown keys and wrong types are errors naming the file and key. */
    public static TrainConfig load(Path file) {
        String where = "--config " + file;
        TrainConfig cfg = new TrainConfig();
        cfg.apply(parseObject(Json.readText(file, where), where), where);
        try {
            cfg.validate();
        } catch (UserException e) {
            throw new UserException(where + ": " + e.getMessage());
        }
        return cfg;
    }

    public TrainConfig copy() {
        return Json.GSON.fromJson(toJson(), TrainConfig.class);
    }

    static List<String> fieldNames() {
        return KEYS;
    }

    /** Throws a {@link UserException} naming the option for the first value out of range. */
    public void validate() {
        validateShared("the layers");
        require(
                Set.of("cifar10", "cifar100").contains(dataset),
                "--dataset",
                "must be cifar10 or cifar100, got '" + dataset + "'");
        require(Set.of("fine", "coarse").contains(labels), "--labels", "must be fine or coarse");
        require(
                epochs >= 0 && epochs <= MAX_EPOCHS,
                "--epochs",
                "must be from 0 (unset) to " + (long) MAX_EPOCHS + ", got " + epochs);
        require(batchSize >= 1, "--batch-size", "must be at least 1, got " + batchSize);
        require(
                OPTIMIZERS.contains(optimizer),
                "--optimizer",
                "must be sgd, adam or adamw, got '" + optimizer + "'");
        require(
                weightDecay >= 0 && Double.isFinite(weightDecay),
                "--weight-decay",
                "must be >= 0, got " + weightDecay);
        require(momentum >= 0 && momentum < 1, "--momentum", "must be in [0, 1), got " + momentum);
        require(
                SCHEDULES.contains(lrSchedule),
                "--lr-schedule",
                "must be constant, cosine or step");
        require(evalEvery >= 1, "--eval-every", "must be at least 1, got " + evalEvery);
        require(evalBatchSize >= 1, "--eval-batch-size", "must be at least 1");
        evalStatsList();
        require(
                preciseBatches >= 1 && preciseBatches <= 10_000,
                "--precise-batches",
                "must be between 1 and 10000, got " + preciseBatches);
        require(
                Set.of("cpu", "gpu").contains(device),
                "--device",
                "must be cpu or gpu, got '" + device + "'");
        require(
                checkpointEvery >= 0,
                "--checkpoint-every",
                "must be >= 0 (0: only at evaluations)");
    }

    /** {@link #evalStats} parsed: distinct kinds, the headline first. */
    public List<Evaluation.Stats> evalStatsList() {
        List<Evaluation.Stats> out = new ArrayList<>();
        for (String s : (evalStats == null ? "" : evalStats).split(",", -1)) {
            Evaluation.Stats k;
            try {
                k = Evaluation.Stats.parse(s);
            } catch (IllegalArgumentException e) {
                throw new UserException(
                        "--eval-stats: '"
                                + s.trim()
                                + "' is not running, precise or batch "
                                + "(a comma list of them; the first is the headline)");
            }
            require(!out.contains(k), "--eval-stats", "'" + s.trim() + "' is listed twice");
            out.add(k);
        }
        return out;
    }

    /**
     * The field names of the settings that may change when a run is resumed ({@link #RESUMABLE}).
     */
    public static List<String> resumable() {
        return RESUMABLE;
    }

    /**
     * Total optimizer steps: from {@link #epochs} when set (whole batches only), else {@link
     * #steps}.
     */
    public long totalSteps(int trainSize) {
        if (epochs > 0) {
            long perEpoch = Math.max(1, trainSize / batchSize);
            return Math.max(1, Math.round(epochs * perEpoch));
        }
        return steps;
    }
}
