package io.mixnorm.lab.study;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.AtomicFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * Runs a study's grid into its folder, one run at a time (each already uses every core), whatever
 * its {@link RunKind}. Several processes may run the same study at once ({@link StudyLoop}): each
 * run is claimed while it trains, and a process skips the runs another one holds. Resumable by
 * construction: a finished run is skipped, an interrupted one continues from its newest good
 * checkpoint, a diverged one is reported as such; the report is rebuilt from the run folders, so a
 * crash can never corrupt it. The folder checks are {@link StudyFolder}'s.
 */
public final class StudyRunner {
    public static final String SPEC_FILE = "study.json";
    public static final String COMMANDS_FILE = "commands.txt";

    private final StudySpec spec;
    private final Path out;
    private final PrintStream log;
    private final RunKind.Runs runs;

    /**
     * What happened to the grid. {@code SHARED}: this process ran all it could, but other processes
     * (the same command started again) still hold runs; the last one to finish reports them all.
     */
    public enum Outcome {
        FINISHED,
        INTERRUPTED,
        SHARED;

        /** The line that ends a reproduce command, before the report's path. */
        public String reportLine() {
            return switch (this) {
                case FINISHED -> "report: ";
                case INTERRUPTED ->
                        "interrupted: re-run the same command to continue; report of the runs so"
                                + " far: ";
                case SHARED ->
                        "done here; other processes still train runs of this study (the last to"
                                + " finish reports them all); report of the runs so far: ";
            };
        }
    }

    /**
     * @param loader reads the data a run's config names (for a GAN study also the score
     *     classifier's, for its standardization)
     */
    public StudyRunner(
            StudySpec spec,
            Path out,
            Function<TrainConfig, CifarSplits> loader,
            PrintStream log,
            boolean quiet,
            int threads) {
        this.spec = spec;
        this.out = out;
        this.log = log;
        this.runs = spec.kind().runs(spec, out, new RunKind.Env(loader, log, quiet, threads));
    }

    /** {@link #prepare(boolean)} for a command that trains. */
    public void prepare() {
        prepare(true);
    }

    /**
     * The study folder must be empty, or hold this same study; every existing run folder must match
     * its config. A command that only reports refuses a run folder only where it differs in what
     * the study sets; where it differs only in a default (one that changed since an older build
     * made it: study.json keeps only what the study sets) it reports the run as it was made, and
     * says so in a {@code note:} line.
     *
     * @param training the command will train: first check what the runs depend on (a GAN study's
     *     score), and once the folder is claimed pin it there
     */
    public void prepare(boolean training) {
        if (training) {
            runs.beforeClaim();
        }
        Map<Path, Supplier<String>> refused = new LinkedHashMap<>();
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            refused.put(dir, () -> training ? runs.mismatch(k, dir) : runs.studyMismatch(k, dir));
        }
        StudyFolder.claim(out, spec, refused, training);
        if (training) {
            runs.afterClaim();
            return;
        }
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            String drift = runs.mismatch(k, dir);
            if (drift != null) {
                log.println(
                        "note: run folder "
                                + dir
                                + " was made with a different "
                                + drift
                                + ", a default the study does not set; the report shows it as it"
                                + " was made");
            }
        }
    }

    /**
     * Runs every unfinished run of the grid in order; stops early (between or inside runs) on
     * SIGINT/SIGTERM.
     */
    public Outcome run() {
        return run(i -> true);
    }

    /**
     * {@link #run()} for the runs whose index in {@link StudySpec#runs()} {@code only} accepts (an
     * engine's task).
     */
    public Outcome run(IntPredicate only) {
        return StudyLoop.run(out, spec.runs(), only, runs, log);
    }

    /**
     * The study's training commands, kept in {@code commands.txt}: {@code command} is added when it
     * trains and is not listed yet. A report-only command is listed last, not kept.
     */
    public static List<String> recordCommand(Path out, String command, boolean trains) {
        Path file = out.resolve(COMMANDS_FILE);
        List<String> commands = new java.util.ArrayList<>();
        try {
            if (Files.exists(file)) {
                commands.addAll(
                        Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList());
            }
        } catch (java.io.IOException e) {
            throw new UserException("cannot read " + file + " (" + e.getMessage() + ")");
        }
        if (!commands.contains(command)) {
            commands.add(command);
            if (trains) {
                AtomicFiles.writeString(file, String.join("\n", commands) + "\n");
            }
        }
        return commands;
    }
}
