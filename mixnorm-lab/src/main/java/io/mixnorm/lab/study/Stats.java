package io.mixnorm.lab.study;

import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Mean and 95% confidence interval over seeds, by Student's t: mean ± t(0.975, n−1) · s / √n, with
 * s the sample standard deviation (n − 1 in the denominator). It assumes the per-seed values are
 * independent draws from a roughly normal distribution; with n = 2 seeds t = 12.71, so the interval
 * is wide, which is the honest statement about two seeds. n = 1 has no interval (NaN).
 */
public record Stats(int n, double mean, double sd, double low, double high) {
    public static final String METHOD =
            "95% Student-t interval over seeds: mean ± t(0.975, n−1)·s/√n";

    public static Stats of(List<Double> values) {
        int n = values.size();
        if (n == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
        if (n == 1) {
            return new Stats(1, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double half =
                new TDistribution(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        return new Stats(n, mean, sd, mean - half, mean + half);
    }
}
