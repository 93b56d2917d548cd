package io.mixnorm.lab.gan;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.RunConfig;
import io.mixnorm.lab.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Everything a GAN run depends on, saved as {@code config.json} in its run folder. Defaults are the
 * DCGAN paper's: batch 64, Adam lr 2e-4, β1 0.5, β2 0.999. JSON keys are the field names. The norm
 * settings ({@link #norm} at {@link #mnLayers}) are the generator's; the discriminator is always
 * BN.
 */
public final class GanConfig extends RunConfig {
    public static final String CLASSIFIER = "cifar-classifier";
    public static final String INCEPTION = "inception";

    /** Marks a GAN run's config.json (a train run's has a classifier model there). */
    public String model = "dcgan";

    public double beta1 = 0.5;
    public double beta2 = 0.999;

    /** A metrics.csv row (mean losses since the previous row) every N steps. */
    public long logEvery = 50;

    /** An 8×8 sample grid from fixed noise every N steps; 0 = none. */
    public long sampleEvery = 500;

    /** A score (FD on {@link #features}) every N steps; 0 = never. */
    public long scoreEvery = 0;

    /** Generated and real test images per score. */
    public int scoreSamples = 1000;

    /**
     * cifar-classifier (penultimate features of a mixnorm train run) or inception (TorchScript
     * pool3).
     */
    public String features = CLASSIFIER;

    /** The {@code mixnorm train} run folder whose classifier gives the features. */
    public String featuresModel = "";

    /** The TorchScript Inception-v3 pool3 file (docs/gan.md says how to make it). */
    public String inception = "";

    /** A checkpoint every N steps (also at every score, at the end and on a stop). */
    public long checkpointEvery = 500;

    /** What may differ between the segments of one run: the budget and how fast it is computed. */
    static final Set<String> RESUMABLE =
            Set.of("steps", "threads", "keepCheckpoints", "deterministic");

    /** config.json's key order ({@link #keys}). */
    private static final List<String> KEYS =
            List.of(
                    ("model data steps batchSize seed norm mnLayers components mnSampleMode"
                                    + " mnEmIterations mnFitSamples mnInference lr beta1 beta2"
                                    + " logEvery sampleEvery scoreEvery scoreSamples features"
                                    + " featuresModel inception checkpointEvery keepCheckpoints"
                                    + " threads deterministic")
                            .split(" "));

    /** The DCGAN paper's batch 64 and Adam lr 2e-4. */
    public GanConfig() {
        super(64, 2e-4);
    }

    @Override
    protected List<String> keys() {
        return KEYS;
    }

    public GanConfig copy() {
        return Json.GSON.fromJson(toJson(), GanConfig.class);
    }

    public static GanConfig load(Path file) {
        try {
            GanConfig c = Json.GSON.fromJson(Files.readString(file), GanConfig.class);
            if (c == null) {
                throw new UserException(file + ": empty config");
            }
            return c;
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserException u) {
                throw u;
            }
            throw new UserException("cannot read the GAN config " + file + ": " + e.getMessage());
        }
    }

    public boolean scoring() {
        return scoreEvery > 0;
    }

    /** Throws a one-line {@link UserException} naming the option for the first bad value. */
    public void validate() {
        validateShared("generator layers");
        require(
                batchSize >= 2,
                "--batch-size",
                "must be at least 2 (batch statistics), got " + batchSize);
        require(beta1 >= 0 && beta1 < 1, "--beta1", "must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "--beta2", "must be in [0, 1), got " + beta2);
        require(logEvery >= 1, "--log-every", "must be at least 1, got " + logEvery);
        require(sampleEvery >= 0, "--sample-every", "must be >= 0, got " + sampleEvery);
        require(scoreEvery >= 0, "--score-every", "must be >= 0, got " + scoreEvery);
        require(scoreSamples >= 2, "--score-samples", "must be at least 2, got " + scoreSamples);
        require(
                checkpointEvery >= 1,
                "--checkpoint-every",
                "must be at least 1, got " + checkpointEvery);
        require(
                Set.of(CLASSIFIER, INCEPTION).contains(features),
                "--features",
                "must be " + CLASSIFIER + " or " + INCEPTION + ", got '" + features + "'");
        if (scoring() && features.equals(CLASSIFIER)) {
            require(
                    featuresModel != null && !featuresModel.isBlank(),
                    "--features-model",
                    "the score needs a trained CIFAR-10 classifier: run './mixnorm train --out"
                            + " runs/clf' and pass --features-model runs/clf (or use --features"
                            + " inception --inception FILE, or --score-every 0)");
        }
        if (scoring() && features.equals(INCEPTION)) {
            require(
                    inception != null && !inception.isBlank(),
                    "--inception",
                    "--features inception needs the TorchScript file (see docs/gan.md), or use"
                            + " --score-every 0");
        }
    }

    /**
     * Null when {@code now} may continue a run started with {@code saved}; else the first differing
     * option.
     */
    public static String mismatch(GanConfig saved, GanConfig now) {
        return mismatch(saved, now, RESUMABLE);
    }
}
