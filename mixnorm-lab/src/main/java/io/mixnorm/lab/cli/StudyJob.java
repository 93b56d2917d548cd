package io.mixnorm.lab.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.StudyRunner;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.TrainConfig;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A study's runs as an engine ({@link StudyEngine}) sees them: a serializable description (the
 * study's resolved spec as JSON, its folder, and each run's folder) that is shipped to the workers,
 * where {@link #runOne} trains one run with the same runner the local engine uses. So a run trained
 * by a worker and one trained by {@code --engine local} are made by the same code into the same
 * folder, and resume from their checkpoints the same way.
 */
public final class StudyJob implements Serializable {
    private static final long serialVersionUID = 2L;

    /**
     * The data sets this JVM has read, shared by the runs it trains (an engine runs several at once
     * in one worker JVM; the data is read-only, so one copy serves them all).
     */
    private static final Map<String, CifarSplits> DATA = new ConcurrentHashMap<>();

    /**
     * Held while this JVM trains a run: DJL 0.36's PyTorch engine allows one gradient collector per
     * process (PtGradientCollector keeps a static flag), so two runs cannot train at once in one
     * JVM; an engine's further tasks wait here. Runs train side by side in separate JVMs.
     */
    private static final Object TRAINING = new Object();

    private final String name;
    private final String specJson;
    private final String folder;
    private final List<String> runDirs;

    private StudyJob(StudySpec spec, Path folder) {
        this.name = spec.name;
        this.specJson = spec.toJson();
        this.folder = folder.toAbsolutePath().normalize().toString();
        this.runDirs = spec.runs().stream().map(k -> k.dir().toString()).toList();
    }

    /**
     * A study (of any kind) whose folder {@code folder} is already claimed ({@link
     * StudyRunner#prepare}).
     */
    public static StudyJob of(StudySpec spec, Path folder) {
        return new StudyJob(spec, folder);
    }

    /** The study's name. */
    public String name() {
        return name;
    }

    /** The study folder, absolute: every worker must see it at this path. */
    public Path folder() {
        return Path.of(folder);
    }

    /** The number of runs in the grid. */
    public int size() {
        return runDirs.size();
    }

    /**
     * Run {@code i}'s folder relative to the study folder, e.g. {@code runs/lr-0.001/mn/seed-1}.
     */
    public String run(int i) {
        return runDirs.get(i);
    }

    /** Run {@code i}'s folder. */
    public Path runDir(int i) {
        return folder().resolve(runDirs.get(i));
    }

    /**
     * Trains run {@code i} (0-based, in grid order) in this JVM, as the local engine would: skipped
     * when finished or diverged, continued from its newest checkpoint when started, else started.
     * {@code SHARED} means another process holds the run folder; {@code INTERRUPTED} that a
     * SIGINT/SIGTERM stopped it (checkpointed).
     *
     * @param threads PyTorch intra-op threads for the run (0: the engine's default)
     * @param log progress lines (one per evaluation: concurrent runs cannot share a progress bar)
     */
    public StudyRunner.Outcome runOne(int i, int threads, PrintStream log) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("run " + i + " of " + size());
        }
        synchronized (TRAINING) {
            prepareThread(threads);
            return new StudyRunner(
                            StudySpec.fromJson(specJson),
                            folder(),
                            StudyJob::data,
                            log,
                            true,
                            threads)
                    .run(j -> j == i);
        }
    }

    private static CifarSplits data(TrainConfig cfg) {
        return DATA.computeIfAbsent(
                cfg.data + "|" + cfg.dataset + "|" + cfg.labels, k -> DataLoading.load(cfg));
    }

    /**
     * An engine's task thread made ready to train. PyTorch's intra-op thread count is one setting
     * per process: set before the engine starts, and on a running one, so that a deterministic run
     * finds it already right. Grad mode is per thread in PyTorch: DJL turns it off on the thread
     * that starts the engine and expects it off outside a gradient collector, but a new thread
     * starts with it on (then the optimizer's in-place updates of the weights fail).
     */
    private static void prepareThread(int threads) {
        if (threads > 0) {
            Threads.configure(threads);
        }
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            return;
        }
        if (threads > 0 && JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
        JniUtils.setGradMode(false);
    }
}
