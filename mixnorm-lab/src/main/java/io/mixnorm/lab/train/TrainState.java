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
    public List<MetricsRow> metrics = new ArrayList<>();
    /** The resolved config the run was started with; a resume must match it. */
    public String configJson;
}
