package io.mixnorm.lab.gan;

import java.util.ArrayList;
import java.util.List;

/**
 * The GAN trainer's own state, saved in each checkpoint beside both networks and both optimizers.
 * There is no random-generator state to save: every noise vector is a pure function of (seed, step)
 * ({@link Noise}), the data order of (seed, epoch, index), and MixtureNorm's draws of its own call
 * counter, which is saved with its parameters.
 */
public final class GanState {
    public long step;
    public long streamEpoch;
    public int streamPosition;
    public long optimizerStepsG;
    public long optimizerStepsD;
    public double trainSeconds;

    /** Loss sums since the last metrics row, so that a resumed run writes the same next row. */
    public double pendingDLoss;

    public double pendingGLoss;
    public long pendingSteps;
    public List<GanMetricsRow> metrics = new ArrayList<>();
    public String configJson;
}
