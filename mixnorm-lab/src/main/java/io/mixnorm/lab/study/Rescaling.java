package io.mixnorm.lab.study;

import java.util.OptionalDouble;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * The rescaling speed-up (spec §8): the fraction r of steps a variant saves over the baseline, read
 * off whole test-accuracy curves instead of one evaluation. It is the r for which the variant's
 * curve at (1 − r)·t matches the baseline's at t:
 *
 * <pre>
 *   r̂ = argmin_r  mean_{i ∈ O(r)} ( a_B(t_i) − a_V((1 − r)·t_i) )²
 * </pre>
 *
 * over the baseline's evaluations t_i, where a_V is the variant's curve interpolated linearly in
 * log-steps (so r is a shift in log t and the early, fast-rising part of a curve does not dominate)
 * and O(r) are the t_i whose (1 − r)·t_i lies inside the variant's evaluated range. r ranges over
 * [−1, 2/3] (the variant needs between a third and twice the baseline's steps), and an r is only
 * admissible when O(r) holds at least half of the baseline's evaluations (and at least 3), so that
 * a fit never rests on a sliver of the curves. r &gt; 0: the variant is faster; r = 0.3 means it
 * reaches every accuracy in 30% fewer steps.
 *
 * <p>The minimum is found on a grid of step {@link #GRID} (the objective is piecewise smooth with
 * kinks where O(r) changes, so a local method alone could stop in a wrong basin) and refined with
 * Brent's method inside the best grid cell. Ties go to the smallest |r|.
 */
public final class Rescaling {
    /** The admissible range of r. */
    public static final double MIN_R = -1.0;

    public static final double MAX_R = 2.0 / 3.0;

    /** Grid spacing of the global search. */
    static final double GRID = 0.0005;

    private Rescaling() {}

    /**
     * The fitted r for a baseline curve (steps {@code tb}, accuracies {@code ab}) and a variant
     * curve ({@code tv}, {@code av}); empty when no admissible r lets at least max(3, ⌈n/2⌉) of the
     * n baseline evaluations fall inside the variant's rescaled range, or the variant has fewer
     * than 2 evaluations. Steps must be positive and increasing.
     */
    public static OptionalDouble fit(double[] tb, double[] ab, double[] tv, double[] av) {
        check(tb, ab, "baseline");
        check(tv, av, "variant");
        if (tv.length < 2) {
            return OptionalDouble.empty();
        }
        double[] ub = logs(tb);
        double[] uv = logs(tv);
        int need = Math.max(3, (ab.length + 1) / 2);
        double bestR = Double.NaN;
        double best = Double.POSITIVE_INFINITY;
        int cells = (int) Math.round((MAX_R - MIN_R) / GRID);
        for (int g = 0; g <= cells; g++) {
            double r = MIN_R + g * GRID;
            double d = gap(r, ub, ab, uv, av, need);
            if (d < best || (d == best && Math.abs(r) < Math.abs(bestR))) {
                best = d;
                bestR = r;
            }
        }
        if (Double.isNaN(bestR)) {
            return OptionalDouble.empty();
        }
        double lo = Math.max(MIN_R, bestR - GRID);
        double hi = Math.min(MAX_R, bestR + GRID);
        UnivariatePointValuePair p =
                new BrentOptimizer(1e-10, 1e-12)
                        .optimize(
                                new MaxEval(200),
                                GoalType.MINIMIZE,
                                new SearchInterval(lo, hi, bestR),
                                new UnivariateObjectiveFunction(r -> gap(r, ub, ab, uv, av, need)));
        return OptionalDouble.of(p.getValue() < best ? p.getPoint() : bestR);
    }

    /**
     * The mean squared gap at r, or +∞ when r is inadmissible (too few overlapping evaluations).
     */
    static double gap(double r, double[] ub, double[] ab, double[] uv, double[] av, int need) {
        double shift = Math.log(1 - r);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < ub.length; i++) {
            double x = ub[i] + shift;
            if (x < uv[0] - 1e-12 || x > uv[uv.length - 1] + 1e-12) {
                continue;
            }
            double d = ab[i] - interpolate(uv, av, x);
            sum += d * d;
            n++;
        }
        return n < need ? Double.POSITIVE_INFINITY : sum / n;
    }

    /**
     * Linear interpolation of (x_k, y_k) at x, clamped to the ends (x is within 1e-12 of the
     * range).
     */
    static double interpolate(double[] xs, double[] ys, double x) {
        if (x <= xs[0]) {
            return ys[0];
        }
        for (int k = 1; k < xs.length; k++) {
            if (x <= xs[k]) {
                double w = (x - xs[k - 1]) / (xs[k] - xs[k - 1]);
                return ys[k - 1] + w * (ys[k] - ys[k - 1]);
            }
        }
        return ys[ys.length - 1];
    }

    private static double[] logs(double[] t) {
        double[] u = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            u[i] = Math.log(t[i]);
        }
        return u;
    }

    private static void check(double[] t, double[] a, String what) {
        if (t.length != a.length) {
            throw new IllegalArgumentException(
                    what + ": " + t.length + " steps but " + a.length + " accuracies");
        }
        for (int i = 0; i < t.length; i++) {
            if (!(t[i] > 0) || (i > 0 && t[i] <= t[i - 1])) {
                throw new IllegalArgumentException(
                        what
                                + ": steps must be positive and increasing, got "
                                + t[i]
                                + " at position "
                                + i);
            }
        }
    }
}
