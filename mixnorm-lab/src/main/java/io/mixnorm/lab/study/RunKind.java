package io.mixnorm.lab.study;

import com.google.gson.JsonObject;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.report.StudyReport;
import io.mixnorm.lab.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * What one run of a study is, and everything about a study that depends on it: its config type
 * {@code C} and how a study builds a run's config, how a run is trained and when it is done, the
 * quick budget, and the report (metric, whether higher is better, comparison to the baseline). The
 * rest of a study (spec, runner, folder, engine, command) is the same for every kind: {@link
 * StudySpec}, {@link StudyRunner}.
 *
 * @param <C> a run's config
 */
public interface RunKind<C> {
    /** Classifier runs ({@code mixnorm train}): test accuracy, higher is better. */
    RunKind<TrainConfig> CLASSIFICATION = new ClassificationKind();

    /** DCGAN runs ({@code mixnorm gan}): a Fréchet distance, lower is better. */
    RunKind<GanConfig> GAN = new GanKind();

    /** The kind a study file names: its {@code kind} key, classification when absent. */
    static RunKind<?> of(JsonObject studyFile) {
        return studyFile.has("kind")
                        && studyFile.get("kind").isJsonPrimitive()
                        && GAN.name().equals(studyFile.get("kind").getAsString())
                ? GAN
                : CLASSIFICATION;
    }

    /** study.json's {@code kind} ({@link StudyFolder#CLASSIFICATION} is not written). */
    String name();

    /** The key of the runs' shared config in study.json: {@code train} or {@code gan}. */
    String block();

    /** Whether the study runs a learning-rate grid ({@code lrs}). */
    boolean lrGrid();

    /** The study in an unknown-key error: "a study has ...". */
    String noun();

    /** The complete config of one run of {@code spec}; errors name {@code where}. */
    C config(StudySpec spec, StudySpec.RunKey key, String where);

    /** Checks {@code key}'s config (a one-line error naming {@code where}); returns its norm. */
    String checkedNorm(StudySpec spec, StudySpec.RunKey key, String where);

    /** Sets {@code q}'s recipe to the quick budget (the seeds and name are the spec's business). */
    void quick(StudySpec q);

    /** The runs of {@code spec} in {@code out} as {@link StudyRunner} trains them. */
    Runs runs(
            StudySpec spec,
            Path out,
            Function<TrainConfig, CifarSplits> loader,
            PrintStream log,
            boolean quiet,
            int threads);

    /** Writes every report file of {@code spec}'s folder {@code out}. */
    StudyReport.Written report(
            StudySpec spec,
            Path out,
            List<String> commands,
            Function<TrainConfig, CifarSplits> loader);

    /** The report files besides report.md, as the command's last line names them. */
    String reportFiles();

    /** A kind's runs of one study: the walk's callbacks, and the folder checks. */
    interface Runs extends StudyLoop.Runs<StudySpec.RunKey> {
        @Override
        default String label(StudySpec.RunKey key) {
            return key.label();
        }

        /**
         * The first config difference of the run in {@code dir} to what the study asks, or null.
         */
        String mismatch(StudySpec.RunKey key, Path dir);

        /** Checks before the folder is claimed, when the command will train. */
        default void beforeClaim() {}

        /** Pins what else the study depends on, once the folder is claimed for training. */
        default void afterClaim() {}
    }
}
