package io.mixnorm.lab.study;

import io.mixnorm.lab.train.MetricsRow;
import java.util.List;

/**
 * The clock of a classifier run's steps to a target (the paper's metric, {@link StudyResults}): the
 * training seconds up to a step, for the wall-clock speed-up.
 */
public final class StepsToTarget {
    private StepsToTarget() {}

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
