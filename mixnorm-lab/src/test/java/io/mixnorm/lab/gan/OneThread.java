package io.mixnorm.lab.gan;

import io.mixnorm.lab.train.Determinism;
import io.mixnorm.lab.train.TrainConfig;

/**
 * One PyTorch thread for a test class: far faster than two on a busy 2-core machine, and
 * reproducible.
 */
final class OneThread {
    private OneThread() {}

    static Determinism apply() {
        TrainConfig c = new TrainConfig();
        c.deterministic = true;
        c.threads = 1;
        return Determinism.apply(c);
    }
}
