package io.mixnorm.lab.gan;

import java.util.List;

/**
 * The paper's GAN metric on two runs' score rows (lower score is better): the step at which the BN
 * generator reaches its best score, the first step at which the MixtureNorm generator's score is at
 * least as good, and speed-up = 1 − steps_MN / steps_BN (spec §8; the paper reports ~58%). The
 * wall-clock version uses each run's train_seconds at those steps. Both runs must be scored at the
 * same steps with the same extractor and sample count, or the comparison means nothing.
 */
public final class GanSpeedup {
    private GanSpeedup() {}

    /**
     * @param mnStep first MN step with score ≤ the BN best, or −1 when MN never gets there
     * @param speedup 1 − mnStep / bnBestStep, NaN when MN never gets there
     * @param wallClockSpeedup the same with train seconds
     */
    public record Result(
            long bnBestStep,
            double bnBestScore,
            long mnStep,
            double speedup,
            double wallClockSpeedup) {}

    public static Result of(List<GanMetricsRow> bn, List<GanMetricsRow> mn) {
        GanMetricsRow best = null;
        for (GanMetricsRow r : bn) {
            if (!Double.isNaN(r.score()) && (best == null || r.score() < best.score())) {
                best = r;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException(
                    "the BN run has no score rows (run it with --score-every)");
        }
        for (GanMetricsRow r : mn) {
            if (!Double.isNaN(r.score()) && r.score() <= best.score()) {
                return new Result(
                        best.step(),
                        best.score(),
                        r.step(),
                        1.0 - r.step() / (double) best.step(),
                        1.0 - r.trainSeconds() / best.trainSeconds());
            }
        }
        return new Result(best.step(), best.score(), -1, Double.NaN, Double.NaN);
    }
}
