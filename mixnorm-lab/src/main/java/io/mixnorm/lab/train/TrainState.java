package io.mixnorm.lab.train;

import java.util.ArrayList;
import java.util.List;

/** The trainer's own state, saved in each checkpoint beside the weights and optimizer buffers. */
public final class TrainState {
    public long step;
    public long streamEpoch;
    public int streamPosition;
    public long optimizerSteps;

    /** Seconds spent training (evaluation excluded), summed over resumed segments. */
    public double trainSeconds;

    /** Wall-clock seconds of the run, evaluation included, summed over resumed segments. */
    public double elapsedSeconds;

    public long imagesSeen;

    /**
     * Seconds spent in evaluations (the test passes, precise statistics included; not the
     * checkpoint and run files) and the test images they scored, summed over resumed segments.
     */
    public double evalSeconds;

    public long evalImages;

    /**
     * Training loss sum, correct predictions and images since the last evaluation: non-zero only in
     * a checkpoint written by a stop between evaluations, so that the next metrics row after a
     * resume averages over the same steps as in an uninterrupted run.
     */
    public double pendingLossSum;

    public long pendingCorrect;
    public long pendingSeen;
    public List<MetricsRow> metrics = new ArrayList<>();

    /** The resolved config the run was started with; a resume must match it. */
    public String configJson;
}
