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

    /**
     * The step of the first evaluation whose test accuracy is at least {@code target}; empty if
     * never.
     */
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

    /**
     * Training seconds (evaluations excluded) spent up to and including {@code step}, read from the
     * row of that step; for rows written before {@code train_seconds} existed, summed from each
     * evaluation segment's images/s.
     */
    public static double trainSecondsAt(List<MetricsRow> rows, long step, int batchSize) {
        double summed = 0;
        long prev = 0;
        for (MetricsRow r : rows) {
            summed += (r.step() - prev) * (double) batchSize / r.imagesPerSecond();
            prev = r.step();
            if (r.step() == step) {
                return Double.isNaN(r.trainSeconds()) ? summed : r.trainSeconds();
            }
        }
        throw new IllegalArgumentException("no evaluation at step " + step);
    }
}
