package io.mixnorm.lab.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.PivotSelectionRule;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;

/**
 * Exact solver for small discrete optimal-transport (transportation) problems:
 *
 * <pre>
 *   min_π Σ_kl π_kl C_kl   subject to   Σ_l π_kl = a_k,   Σ_k π_kl = b_l,   π ≥ 0
 * </pre>
 *
 * <p>solved as a linear program by commons-math3's two-phase {@link SimplexSolver} with Bland's
 * anti-cycling rule (so it terminates on the degenerate problems transport produces). Meant for the
 * {@code K₁×K₂} problems between mixture components ({@code K} up to a few dozen); the tableau has
 * {@code K₁+K₂−1} rows and {@code K₁K₂ + K₁+K₂−1} columns.
 */
public final class Transport {
    /** Pivot tolerance; the masses are probabilities, so entries below it are rounding noise. */
    private static final double EPSILON = 1e-12;

    private static final int MAX_ULPS = 10;

    /** Tableau entries smaller than this are set to 0 (keeps degenerate pivots exact). */
    private static final double CUT_OFF = 1e-15;

    private static final int MAX_ITERATIONS = 100_000;

    private Transport() {}

    /** An optimal coupling and its cost. */
    public record Plan(double[][] coupling, double cost) {}

    /**
     * Solves the problem.
     *
     * @param a source masses, {@code ≥ 0}
     * @param b target masses, {@code ≥ 0}, with {@code Σb = Σa} (relative tolerance 1e-6; {@code b}
     *     is rescaled to {@code Σa} exactly)
     * @param cost {@code a.length × b.length} finite costs
     * @return an optimal plan
     */
    public static Plan solve(double[] a, double[] b, double[][] cost) {
        int k1 = a.length;
        int k2 = b.length;
        if (k1 == 0 || k2 == 0) {
            throw new IllegalArgumentException("empty marginals");
        }
        if (cost.length != k1) {
            throw new IllegalArgumentException("cost has " + cost.length + " rows, expected " + k1);
        }
        double sa = 0;
        double sb = 0;
        for (double v : a) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(
                        "masses must be finite and >= 0: " + Arrays.toString(a));
            }
            sa += v;
        }
        for (double v : b) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(
                        "masses must be finite and >= 0: " + Arrays.toString(b));
            }
            sb += v;
        }
        if (Math.abs(sa - sb) > 1e-6 * Math.max(sa, sb) || sa <= 0) {
            throw new IllegalArgumentException("total masses differ: " + sa + " vs " + sb);
        }
        double[] bb = new double[k2];
        for (int j = 0; j < k2; j++) {
            bb[j] = b[j] * (sa / sb);
        }
        for (int i = 0; i < k1; i++) {
            if (cost[i].length != k2) {
                throw new IllegalArgumentException(
                        "cost row " + i + " has " + cost[i].length + " entries, expected " + k2);
            }
            for (int j = 0; j < k2; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new IllegalArgumentException("cost (" + i + ", " + j + ") is not finite");
                }
            }
        }
        // constraints: k1 row sums, then k2-1 column sums (the last is implied by the totals)
        int n = k1 * k2;
        double[] c = new double[n];
        List<LinearConstraint> constraints = new ArrayList<>();
        for (int i = 0; i < k1; i++) {
            double[] row = new double[n];
            for (int j = 0; j < k2; j++) {
                row[i * k2 + j] = 1;
                c[i * k2 + j] = cost[i][j];
            }
            constraints.add(new LinearConstraint(row, Relationship.EQ, a[i]));
        }
        for (int j = 0; j < k2 - 1; j++) {
            double[] col = new double[n];
            for (int i = 0; i < k1; i++) {
                col[i * k2 + j] = 1;
            }
            constraints.add(new LinearConstraint(col, Relationship.EQ, bb[j]));
        }
        double[] x;
        try {
            // Bland's rule: transport problems are degenerate, and Dantzig's rule can cycle on
            // them.
            x =
                    new SimplexSolver(EPSILON, MAX_ULPS, CUT_OFF)
                            .optimize(
                                    new MaxIter(MAX_ITERATIONS),
                                    new LinearObjectiveFunction(c, 0),
                                    new LinearConstraintSet(constraints),
                                    GoalType.MINIMIZE,
                                    new NonNegativeConstraint(true),
                                    PivotSelectionRule.BLAND)
                            .getPoint();
        } catch (MathIllegalStateException e) {
            throw new IllegalStateException(
                    "transport: the simplex method failed (" + e.getMessage() + ")", e);
        }
        double[][] pi = new double[k1][k2];
        double total = 0;
        for (int i = 0; i < k1; i++) {
            for (int j = 0; j < k2; j++) {
                double v = Math.max(0, x[i * k2 + j]);
                pi[i][j] = v;
                total += v * cost[i][j];
            }
        }
        return new Plan(pi, total);
    }
}
