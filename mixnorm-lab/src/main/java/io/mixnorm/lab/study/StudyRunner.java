package io.mixnorm.lab.study;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.Trainer;
import io.mixnorm.lab.util.AtomicFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * Runs a study's grid into its folder, one training run at a time (each already uses every core).
 * Several processes may run the same study at once ({@link StudyLoop}): each run is claimed while
 * it trains, and a process skips the runs another one holds. Resumable by construction: a finished
 * run is skipped, an interrupted one continues from its newest good checkpoint, a diverged one is
 * reported as such; the report is rebuilt from the run folders, so a crash can never corrupt it.
 * The folder checks are {@link StudyFolder}'s, shared with the GAN studies ({@link
 * GanStudyRunner}).
 */
public final class StudyRunner {
    public static final String SPEC_FILE = "study.json";
    public static final String COMMANDS_FILE = "commands.txt";

    private final StudySpec spec;
    private final Path out;
    private final Function<TrainConfig, CifarSplits> loader;
    private final PrintStream log;
    private final boolean quiet;
    private final int threads;
    private final Map<String, CifarSplits> dataCache = new HashMap<>();

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

    public StudyRunner(
            StudySpec spec,
            Path out,
            Function<TrainConfig, CifarSplits> loader,
            PrintStream log,
            boolean quiet,
            int threads) {
        this.spec = spec;
        this.out = out;
        this.loader = loader;
        this.log = log;
        this.quiet = quiet;
        this.threads = threads;
    }

    /**
     * The study folder must be empty, or hold this same study; every existing run folder must match
     * its config.
     */
    public void prepare() {
        Map<Path, Supplier<String>> runs = new LinkedHashMap<>();
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            runs.put(
                    dir, () -> Trainer.hasRun(dir) ? Trainer.configMismatch(dir, config(k)) : null);
        }
        StudyFolder.claim(out, spec, StudySpec::load, runs);
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
        return StudyLoop.run(
                out,
                spec.runs(),
                only,
                new StudyLoop.Runs<>() {
                    @Override
                    public String label(StudySpec.RunKey k) {
                        return StudySpec.settingName(k.lr())
                                + " "
                                + k.variant()
                                + " seed "
                                + k.seed();
                    }

                    @Override
                    public String done(StudySpec.RunKey k, Path dir) {
                        Trainer.Recorded rec = Trainer.recorded(dir);
                        return rec.finished(config(k)) || rec.status().equals("diverged")
                                ? rec.status()
                                : null;
                    }

                    @Override
                    public boolean started(Path dir) {
                        return Trainer.hasRun(dir);
                    }

                    @Override
                    public void train(StudySpec.RunKey k, Path dir, String label, boolean started) {
                        TrainConfig cfg = config(k);
                        new Trainer(cfg, data(cfg), dir, new Progress(log, quiet, label))
                                .run(started);
                    }
                },
                log);
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

    private TrainConfig config(StudySpec.RunKey k) {
        TrainConfig cfg = spec.config(k, "study '" + spec.name + "'");
        cfg.threads = threads;
        return cfg;
    }

    private CifarSplits data(TrainConfig cfg) {
        return dataCache.computeIfAbsent(
                cfg.data + "|" + cfg.dataset + "|" + cfg.labels, key -> loader.apply(cfg));
    }
}
