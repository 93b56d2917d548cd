package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.study.StudyRunner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * What trains a study's runs for {@code reproduce --engine NAME}, other than this process ({@code
 * --engine local}, the default: {@link StudyRunner}). An engine lives in a module of its own
 * (mixnorm-spark) that depends on the lab, never the other way round: the lab finds it on the class
 * path through {@link ServiceLoader} ({@code META-INF/services/io.mixnorm.lab.cli.StudyEngine}).
 *
 * <p>The contract: the study folder is already claimed and pinned by the caller (so a folder
 * holding another study is refused before an engine starts); the engine trains each run of the
 * {@link StudyJob} with {@link StudyJob#runOne}, which skips finished runs and continues started
 * ones from their checkpoints; the caller then builds the report from the run folders, exactly as
 * for the local engine. Bad input (an unreachable cluster, storage a worker cannot write, runs
 * another process trains) is a {@link UserException}, and leaves the folder resumable.
 */
public interface StudyEngine {
    /** The name {@code --engine} takes, e.g. {@code spark}. */
    String name();

    /**
     * Trains every unfinished run of {@code job}.
     *
     * @param master where to run ({@code --master}), or null for the engine's default
     * @param threads {@code --threads}: PyTorch threads per run, 0 for the engine's default
     * @param log progress lines
     * @return {@code FINISHED}, or {@code INTERRUPTED} after a SIGINT/SIGTERM
     */
    StudyRunner.Outcome run(StudyJob job, String master, int threads, PrintStream log);

    /** The engine named {@code name} on the class path; a one-line error when there is none. */
    static StudyEngine find(String name) {
        List<String> found = new ArrayList<>();
        try {
            for (StudyEngine e : ServiceLoader.load(StudyEngine.class)) {
                if (e.name().equals(name)) {
                    return e;
                }
                found.add(e.name());
            }
        } catch (ServiceConfigurationError e) {
            throw new UserException(
                    "--engine "
                            + name
                            + ": an engine on the class path cannot be loaded ("
                            + e.getMessage()
                            + ")");
        }
        String module = "mixnorm-" + name;
        throw new UserException(
                "--engine "
                        + name
                        + ": no such engine on the class path (engines: local"
                        + (found.isEmpty() ? "" : ", " + String.join(", ", found))
                        + "); "
                        + ("spark".equals(name)
                                ? "the Spark engine is the module "
                                        + module
                                        + ": run through ./mixnorm, which builds it and adds it "
                                        + "to the class path, or put its jars ("
                                        + module
                                        + "/target/lib) on the class path"
                                : "use --engine local or --engine spark"));
    }
}
