package io.mixnorm.lab.study;

import java.util.OptionalDouble;

/**
 * A test-accuracy curve smoothed by isotonic regression: the non-decreasing sequence closest to the
 * evaluations in least squares (pool-adjacent-violators). Unlike the running maximum, one lucky
 * evaluation does not lift the curve for good: it is averaged with its neighbours. Steps to a
 * threshold are read off the smoothed curve, interpolated linearly in log-steps between the two
 * evaluations that bracket the crossing (spec §8).
 */
public final class Isotonic {
    private Isotonic() {}

    /** The isotonic (non-decreasing) least-squares fit of {@code y}, equal weights. */
    public static double[] fit(double[] y) {
        int n = y.length;
        double[] level = new double[n];
        int[] size = new int[n];
        int blocks = 0;
        for (double v : y) {
            level[blocks] = v;
            size[blocks] = 1;
            blocks++;
            // Merge backwards while the last two blocks violate the order.
            while (blocks > 1 && level[blocks - 2] > level[blocks - 1]) {
                int s = size[blocks - 2] + size[blocks - 1];
                level[blocks - 2] =
                        (level[blocks - 2] * size[blocks - 2]
                                        + level[blocks - 1] * size[blocks - 1])
                                / s;
                size[blocks - 2] = s;
                blocks--;
            }
        }
        double[] out = new double[n];
        int k = 0;
        for (int b = 0; b < blocks; b++) {
            for (int j = 0; j < size[b]; j++) {
                out[k++] = level[b];
            }
        }
        return out;
    }

    /**
     * The step at which the smoothed curve first reaches {@code threshold}: the first evaluation's
     * step when it is already there, else interpolated in log-steps between the last evaluation
     * below and the first at or above; empty when the curve never reaches it.
     */
    public static OptionalDouble stepsTo(double[] steps, double[] smoothed, double threshold) {
        for (int i = 0; i < smoothed.length; i++) {
            if (smoothed[i] >= threshold) {
                if (i == 0) {
                    return OptionalDouble.of(steps[0]);
                }
                double w = (threshold - smoothed[i - 1]) / (smoothed[i] - smoothed[i - 1]);
                return OptionalDouble.of(
                        Math.exp(
                                Math.log(steps[i - 1])
                                        + w * (Math.log(steps[i]) - Math.log(steps[i - 1]))));
            }
        }
        return OptionalDouble.empty();
    }
}
