package io.mixnorm.lab.train;

import io.mixnorm.engine.NativeMemory;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarDataset;

/** The parts of a training loop that both kinds of run ({@link TrainingRun}, the GAN's) share. */
public final class RunLoop {
    /**
     * Steps between {@link NativeMemory#trim()} calls, which hand the C heap's free pages back to
     * the OS: without them MixtureNorm's resident memory grew by a third over 5,000 steps (glibc
     * fragmentation, docs/reliability.md).
     */
    static final int TRIM_EVERY = 100;

    private RunLoop() {}

    /** A one-line error when a batch of {@code batchSize} cannot be drawn from {@code train}. */
    public static void requireBatchFits(int batchSize, CifarDataset train) {
        if (batchSize > train.size()) {
            throw new UserException(
                    "--batch-size "
                            + batchSize
                            + " is larger than the training set ("
                            + train.size()
                            + " images)");
        }
    }

    /** Trims the C heap before every {@link #TRIM_EVERY}-th step after the first. */
    public static void trimBefore(long step) {
        if (step > 0 && step % TRIM_EVERY == 0) {
            NativeMemory.trim();
        }
    }

    /**
     * Runs {@code loop}; when the run diverges, {@code writeDiverged} makes summary.json say so
     * (metrics and checkpoints stay as of the last good ones) and the divergence goes on up.
     */
    public static void recordingDivergence(Runnable loop, Runnable writeDiverged) {
        try {
            loop.run();
        } catch (DivergedException e) {
            try {
                writeDiverged.run();
            } catch (RuntimeException writeFailed) {
                e.addSuppressed(writeFailed);
            }
            throw e;
        }
    }
}
