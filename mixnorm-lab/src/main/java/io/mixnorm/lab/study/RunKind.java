package io.mixnorm.lab.study;

import com.google.gson.JsonObject;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * What one run of a study is, and everything about a study that depends on it: its config type
 * {@code C} and how a study builds a run's config, how a run is trained and when it is done, the
 * quick budget. Its metric (the column, whether higher is better, its view beside the paper's) is
 * its {@link StudyResults.Metric}, its report section {@code
 * io.mixnorm.lab.report.ReportSection}'s. The rest of a study (spec, runner, folder, engine,
 * command) is the same for every kind: {@link StudySpec}, {@link StudyRunner}.
 *
 * @param <C> a run's config
 */
public abstract class RunKind<C> {
    /** Classifier runs ({@code mixnorm train}): test accuracy, higher is better. */
    public static final RunKind<TrainConfig> CLASSIFICATION = new ClassificationKind();

    /** DCGAN runs ({@code mixnorm gan}): a Fréchet distance, lower is better. */
    public static final RunKind<GanConfig> GAN = new GanKind();

    private final String name;
    private final String block;
    private final boolean lrGrid;
    private final String noun;

    RunKind(String name, String block, boolean lrGrid, String noun) {
        this.name = name;
        this.block = block;
        this.lrGrid = lrGrid;
        this.noun = noun;
    }

    /** The kind a study file names: its {@code kind} key, classification when absent. */
    public static RunKind<?> of(JsonObject studyFile) {
        return studyFile.has("kind")
                        && studyFile.get("kind").isJsonPrimitive()
                        && GAN.name().equals(studyFile.get("kind").getAsString())
                ? GAN
                : CLASSIFICATION;
    }

    /** study.json's {@code kind} ({@link StudyFolder#CLASSIFICATION} is not written). */
    public final String name() {
        return name;
    }

    /** The key of the runs' shared config in study.json: {@code train} or {@code gan}. */
    public final String block() {
        return block;
    }

    /** Whether the study runs a learning-rate grid ({@code lrs}). */
    public final boolean lrGrid() {
        return lrGrid;
    }

    /** The study in an unknown-key error: "a study has ...". */
    public final String noun() {
        return noun;
    }

    /** The complete config of one run of {@code spec}; errors name {@code where}. */
    public abstract C config(StudySpec spec, StudySpec.RunKey key, String where);

    /** Checks {@code key}'s config (a one-line error naming {@code where}); returns its norm. */
    public abstract String checkedNorm(StudySpec spec, StudySpec.RunKey key, String where);

    /** Sets {@code q}'s recipe to the quick budget (the seeds and name are the spec's business). */
    public abstract void quick(StudySpec q);

    /**
     * The runs of {@code spec} in {@code out} as {@link StudyRunner} trains them in {@code env}.
     */
    public abstract Runs runs(StudySpec spec, Path out, Env env);

    /**
     * How this process trains runs.
     *
     * @param loader reads the data a run's config names (for a GAN study also the score
     *     classifier's, for its standardization)
     * @param log progress lines
     * @param quiet log lines instead of progress bars
     * @param threads PyTorch threads per run (0: all cores)
     */
    public record Env(
            Function<TrainConfig, CifarSplits> loader,
            PrintStream log,
            boolean quiet,
            int threads) {}

    /** A kind's runs of one study: the walk's callbacks, and the folder checks. */
    public interface Runs extends StudyLoop.Runs<StudySpec.RunKey> {
        @Override
        default String label(StudySpec.RunKey key) {
            return key.label();
        }

        /**
         * The first config difference of the run in {@code dir} to what the study asks, or null.
         */
        String mismatch(StudySpec.RunKey key, Path dir);

        /**
         * {@link #mismatch} in what the study itself sets (its recipe, the variant, the learning
         * rate and seed), with the run's own values for every other setting: null when the run
         * differs at most in a default.
         */
        String studyMismatch(StudySpec.RunKey key, Path dir);

        /** Checks before the folder is claimed, when the command will train. */
        default void beforeClaim() {}

        /** Pins what else the study depends on, once the folder is claimed for training. */
        default void afterClaim() {}
    }
}
