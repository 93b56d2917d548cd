package io.mixnorm.lab.study;

import io.mixnorm.lab.train.DivergedException;
import io.mixnorm.lab.train.StopSignal;
import io.mixnorm.lab.util.RunLock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The walk over a study's runs that every kind of study shares: in grid order, each run claimed
 * ({@link RunLock}) before it is looked at, so that several processes can share one study; finished
 * and diverged runs skipped, the rest started or continued; a divergence reported and the study
 * going on; SIGINT/SIGTERM stopping the walk.
 */
final class StudyLoop {
    private StudyLoop() {}

    /** A run's place in the grid: its folder relative to the study folder. */
    interface Key {
        Path dir();
    }

    /** One kind of run: its log label, whether it is done, and how to train it. */
    interface Runs<K extends Key> {
        /** e.g. {@code lr-0.1 mn seed 2}; the loop prefixes {@code [i/n]}. */
        String label(K key);

        /**
         * The recorded status when the run needs no training (finished with the budget, or
         * diverged); else null.
         */
        String done(K key, Path dir);

        /** Whether {@code dir} already holds a run to continue. */
        boolean started(Path dir);

        /**
         * Trains the run, continuing it when {@code started}; returns when it finished or was
         * stopped.
         */
        void train(K key, Path dir, String label, boolean started);

        /** Called when {@link #train} diverged, before the study goes on. */
        default void diverged(Path dir, String message) {}
    }

    static <K extends Key> StudyRunner.Outcome run(
            Path out, List<K> keys, Runs<K> runs, PrintStream log) {
        return run(out, keys, i -> true, runs, log);
    }

    /**
     * The walk over the runs whose grid index (0-based) {@code only} accepts; the others are not
     * looked at. An engine that hands each run to a task of its own walks one index per task.
     */
    static <K extends Key> StudyRunner.Outcome run(
            Path out, List<K> keys, IntPredicate only, Runs<K> runs, PrintStream log) {
        List<K> heldElsewhere = new ArrayList<>();
        int i = 0;
        for (K k : keys) {
            i++;
            if (!only.test(i - 1)) {
                continue;
            }
            if (StopSignal.requested()) {
                return StudyRunner.Outcome.INTERRUPTED;
            }
            Path dir = out.resolve(k.dir());
            String label = String.format("[%d/%d] %s", i, keys.size(), runs.label(k));
            try (RunLock lock = RunLock.tryAcquire(dir)) {
                if (lock == null) {
                    log.println(label + ": training in another process, skipped");
                    heldElsewhere.add(k);
                    continue;
                }
                String done = runs.done(k, dir);
                if (done != null) {
                    log.println(label + ": " + done + ", skipped");
                    continue;
                }
                boolean started = runs.started(dir);
                log.println(label + (started ? ": continuing " : ": ") + dir);
                try {
                    runs.train(k, dir, label, started);
                } catch (DivergedException e) {
                    runs.diverged(dir, e.getMessage());
                    log.println(
                            label
                                    + ": diverged ("
                                    + e.getMessage()
                                    + "); the study goes on and reports it");
                }
            }
        }
        if (StopSignal.requested()) {
            return StudyRunner.Outcome.INTERRUPTED;
        }
        // The other processes may have finished meanwhile: then this one, the last, reports the
        // whole study.
        boolean othersTraining =
                heldElsewhere.stream().anyMatch(k -> runs.done(k, out.resolve(k.dir())) == null);
        return othersTraining ? StudyRunner.Outcome.SHARED : StudyRunner.Outcome.FINISHED;
    }
}
