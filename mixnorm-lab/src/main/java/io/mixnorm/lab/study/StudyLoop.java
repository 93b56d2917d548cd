package io.mixnorm.lab.study;

import io.mixnorm.lab.train.DivergedException;
import io.mixnorm.lab.train.StopSignal;
import io.mixnorm.lab.util.RunLock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The walk over a study's runs that every kind of study shares: in grid order, each run claimed
 * ({@link RunLock}) before it is looked at, so that several processes can share one study; finished
 * and diverged runs skipped, the rest started or continued; a divergence reported and the study
 * going on; SIGINT/SIGTERM stopping the walk.
 */
final class StudyLoop {
    private StudyLoop() {}

    /** One kind of run: its folder, its log label, whether it is done, and how to train it. */
    interface Runs<K> {
        Path dir(K key);

        /** e.g. {@code lr-0.1 mn seed 2}; the loop prefixes {@code [i/n]}. */
        String label(K key);

        /** The recorded status when the run needs no training (finished with the budget, or diverged); else null. */
        String done(K key, Path dir);

        boolean started(Path dir);

        /** Trains (or continues) the run; returns when it finished or was stopped. */
        void train(K key, Path dir, String label);

        /** Called when {@link #train} diverged, before the study goes on. */
        default void diverged(Path dir, String message) {}
    }

    static <K> StudyRunner.Outcome run(List<K> keys, Runs<K> runs, PrintStream log) {
        List<K> heldElsewhere = new ArrayList<>();
        int i = 0;
        for (K k : keys) {
            i++;
            if (StopSignal.requested()) {
                return StudyRunner.Outcome.INTERRUPTED;
            }
            Path dir = runs.dir(k);
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
                log.println(label + (runs.started(dir) ? ": continuing " : ": ") + dir);
                try {
                    runs.train(k, dir, label);
                } catch (DivergedException e) {
                    runs.diverged(dir, e.getMessage());
                    log.println(label + ": diverged (" + e.getMessage() + "); the study goes on and reports it");
                }
            }
        }
        if (StopSignal.requested()) {
            return StudyRunner.Outcome.INTERRUPTED;
        }
        // The other processes may have finished meanwhile: then this one, the last, reports the whole study.
        boolean othersTraining = heldElsewhere.stream().anyMatch(k -> runs.done(k, runs.dir(k)) == null);
        return othersTraining ? StudyRunner.Outcome.SHARED : StudyRunner.Outcome.FINISHED;
    }
}
