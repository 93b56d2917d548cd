package io.mixnorm.lab.study;

import io.mixnorm.lab.train.MetricsRow;
import java.util.List;
import java.util.OptionalLong;

/**
 * The paper's headline metric: the number of gradient updates a run needs to first reach a target
 * test accuracy (BN's maximum over its whole run). speed-up = 1 − steps_variant / steps_BN.
 */
public final class StepsToTarget {
    private StepsToTarget() {}

    /** The step of the first evaluation whose test accuracy is at least {@code target}; empty if never. */
    public static OptionalLong firstStepReaching(List<MetricsRow> rows, double target) {
        for (MetricsRow r : rows) {
            if (r.testAccuracy() >= target) {
                return OptionalLong.of(r.step());
            }
        }
        return OptionalLong.empty();
    }

    /** The best test accuracy of a run, and the first step at which it was reached. */
    public static MetricsRow best(List<MetricsRow> rows) {
        MetricsRow best = null;
        for (MetricsRow r : rows) {
            if (best == null || r.testAccuracy() > best.testAccuracy()) {
                best = r;
            }
        }
        return best;
    }

    public static double speedup(long stepsVariant, long stepsBaseline) {
        return 1.0 - stepsVariant / (double) stepsBaseline;
    }
}
