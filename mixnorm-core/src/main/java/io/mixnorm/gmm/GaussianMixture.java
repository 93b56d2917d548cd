package io.mixnorm.gmm;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An immutable diagonal-covariance Gaussian mixture over {@code R^C}: weights {@code λ_k}, means
 * {@code μ_kc} and variances {@code σ²_kc}, {@code k = 0..K-1}, {@code c = 0..C-1}, all float64.
 *
 * <p>{@code p(x) = Σ_k λ_k Π_c N(x_c | μ_kc, σ²_kc)}.
 *
 * <p>Means and variances are stored row-major as {@code K×C} arrays (row {@code k} is component
 * {@code k}). All accessors return copies; instances are safe to share between threads. The class
 * only checks shapes and finiteness/positivity; it does not require the weights to sum to one
 * exactly (a relative tolerance of 1e-6 is enforced), so it can hold running averages.
 *
 * <p>Besides Mixture Normalization this is the general value type for any diagonal GMM of the
 * project (e.g. Fréchet/WaM-style distances between fitted mixtures).
 */
public final class GaussianMixture {

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final int k;
    private final int c;
    private final double[] weights;
    private final double[] means;
    private final double[] variances;

    private GaussianMixture(int k, int c, double[] weights, double[] means, double[] variances) {
        this.k = k;
        this.c = c;
        this.weights = weights;
        this.means = means;
        this.variances = variances;
    }

    /**
     * Creates a mixture, copying the arrays.
     *
     * @param weights {@code K} weights, positive, summing to one (tolerance 1e-6)
     * @param means {@code K×C} means, row-major
     * @param variances {@code K×C} variances, row-major, positive
     * @return the mixture
     * @throws IllegalArgumentException on inconsistent lengths or invalid values
     */
    public static GaussianMixture of(double[] weights, double[] means, double[] variances) {
        int k = weights.length;
        if (k < 1) {
            throw new IllegalArgumentException("a mixture needs at least one component, got K=0");
        }
        if (means.length % k != 0 || means.length == 0 || means.length != variances.length) {
            throw new IllegalArgumentException(
                    "means and variances must both be K×C = "
                            + k
                            + "×C arrays, got lengths "
                            + means.length
                            + " and "
                            + variances.length);
        }
        int c = means.length / k;
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(
                        "weights must be finite and >= 0: " + Arrays.toString(weights));
            }
            sum += w;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException(
                    "weights must sum to 1, got " + sum + ": " + Arrays.toString(weights));
        }
        for (int i = 0; i < means.length; i++) {
            if (!Double.isFinite(means[i])) {
                throw new IllegalArgumentException("mean " + i + " is not finite: " + means[i]);
            }
            if (!(variances[i] > 0) || Double.isInfinite(variances[i])) {
                throw new IllegalArgumentException(
                        "variance " + i + " must be finite and > 0, got " + variances[i]);
            }
        }
        return new GaussianMixture(k, c, weights.clone(), means.clone(), variances.clone());
    }

    /**
     * Creates a mixture from per-component rows.
     *
     * @param weights {@code K} weights
     * @param means {@code K} rows of {@code C} means
     * @param variances {@code K} rows of {@code C} variances
     * @return the mixture
     */
    public static GaussianMixture of(double[] weights, double[][] means, double[][] variances) {
        return of(weights, flatten(means), flatten(variances));
    }

    private static double[] flatten(double[][] rows) {
        int c = rows.length == 0 ? 0 : rows[0].length;
        double[] out = new double[rows.length * c];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != c) {
                throw new IllegalArgumentException(
                        "ragged rows: row "
                                + i
                                + " has length "
                                + rows[i].length
                                + ", expected "
                                + c);
            }
            System.arraycopy(rows[i], 0, out, i * c, c);
        }
        return out;
    }

    /**
     * @return the number of components {@code K}
     */
    public int components() {
        return k;
    }

    /**
     * @return the dimension {@code C}
     */
    public int dimension() {
        return c;
    }

    /**
     * @return a copy of the {@code K} weights
     */
    public double[] weights() {
        return weights.clone();
    }

    /**
     * @return a copy of the {@code K×C} means, row-major
     */
    public double[] means() {
        return means.clone();
    }

    /**
     * @return a copy of the {@code K×C} variances, row-major
     */
    public double[] variances() {
        return variances.clone();
    }

    /**
     * @param comp component index
     * @return its weight
     */
    public double weight(int comp) {
        return weights[comp];
    }

    /**
     * @param comp component index
     * @param dim dimension index
     * @return {@code μ_{comp,dim}}
     */
    public double mean(int comp, int dim) {
        return means[comp * c + dim];
    }

    /**
     * @param comp component index
     * @param dim dimension index
     * @return {@code σ²_{comp,dim}}
     */
    public double variance(int comp, int dim) {
        return variances[comp * c + dim];
    }

    /**
     * The log joint {@code log λ_k + log N(x | μ_k, σ²_k)} of row {@code row} of a row-major sample
     * matrix, for every component.
     *
     * @param data row-major {@code m×C} samples
     * @param row the row
     * @param out receives {@code K} values
     */
    public void logJoint(double[] data, int row, double[] out) {
        int off = row * c;
        for (int j = 0; j < k; j++) {
            double s = 0;
            int base = j * c;
            for (int d = 0; d < c; d++) {
                double v = variances[base + d];
                double diff = data[off + d] - means[base + d];
                s += diff * diff / v + Math.log(v);
            }
            out[j] = Math.log(weights[j]) - 0.5 * (s + c * LOG_2PI);
        }
    }

    /**
     * @param x one point of dimension {@code C}
     * @return {@code log p(x)}
     */
    public double logDensity(double[] x) {
        if (x.length != c) {
            throw new IllegalArgumentException(
                    "expected a point of dimension " + c + ", got " + x.length);
        }
        double[] lj = new double[k];
        logJoint(x, 0, lj);
        return logSumExp(lj);
    }

    /**
     * Mean log-likelihood per sample.
     *
     * @param data row-major {@code m×C} samples
     * @param m number of rows
     * @return {@code (1/m) Σ_i log p(x_i)}
     */
    public double meanLogLikelihood(double[] data, int m) {
        checkData(data, m);
        double[] lj = new double[k];
        double s = 0;
        for (int i = 0; i < m; i++) {
            logJoint(data, i, lj);
            s += logSumExp(lj);
        }
        return s / m;
    }

    /**
     * Posterior responsibilities {@code τ_ik}, computed in log space.
     *
     * @param data row-major {@code m×C} samples
     * @param m number of rows
     * @return row-major {@code m×K} posteriors
     */
    public double[] posteriors(double[] data, int m) {
        checkData(data, m);
        double[] tau = new double[m * k];
        double[] lj = new double[k];
        for (int i = 0; i < m; i++) {
            logJoint(data, i, lj);
            double lse = logSumExp(lj);
            for (int j = 0; j < k; j++) {
                tau[i * k + j] = Math.exp(lj[j] - lse);
            }
        }
        return tau;
    }

    /**
     * Draws samples.
     *
     * @param rng the randomness
     * @param m number of samples
     * @return row-major {@code m×C} samples
     */
    public double[] sample(SplittableRandom rng, int m) {
        double[] out = new double[m * c];
        for (int i = 0; i < m; i++) {
            double u = rng.nextDouble();
            int j = 0;
            double acc = weights[0];
            while (u >= acc && j < k - 1) {
                j++;
                acc += weights[j];
            }
            for (int d = 0; d < c; d++) {
                out[i * c + d] = means[j * c + d] + Math.sqrt(variances[j * c + d]) * gaussian(rng);
            }
        }
        return out;
    }

    /**
     * A standard normal variate from a {@link SplittableRandom} (Box–Muller, one of the pair).
     *
     * @param rng the randomness
     * @return a N(0,1) draw
     */
    public static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * A numerically safe {@code log Σ exp(v)}.
     *
     * @param v values
     * @return the log-sum-exp; {@code -∞} if all are {@code -∞}
     */
    public static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            max = Math.max(max, d);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (double d : v) {
            s += Math.exp(d - max);
        }
        return max + Math.log(s);
    }

    /**
     * Returns a mixture with the components permuted.
     *
     * @param order {@code order[j]} = index in this mixture of the new component {@code j}
     * @return the permuted mixture
     */
    public GaussianMixture permute(int[] order) {
        if (order.length != k) {
            throw new IllegalArgumentException(
                    "permutation of length " + order.length + " for K=" + k);
        }
        double[] w = new double[k];
        double[] mu = new double[k * c];
        double[] var = new double[k * c];
        for (int j = 0; j < k; j++) {
            w[j] = weights[order[j]];
            System.arraycopy(means, order[j] * c, mu, j * c, c);
            System.arraycopy(variances, order[j] * c, var, j * c, c);
        }
        return new GaussianMixture(k, c, w, mu, var);
    }

    private void checkData(double[] data, int m) {
        if (m < 1 || (long) m * c != data.length) {
            throw new IllegalArgumentException(
                    "expected a row-major m×C = "
                            + m
                            + "×"
                            + c
                            + " matrix, got length "
                            + data.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GaussianMixture)) {
            return false;
        }
        GaussianMixture g = (GaussianMixture) o;
        return k == g.k
                && c == g.c
                && Arrays.equals(weights, g.weights)
                && Arrays.equals(means, g.means)
                && Arrays.equals(variances, g.variances);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(weights);
        h = 31 * h + Arrays.hashCode(means);
        return 31 * h + Arrays.hashCode(variances);
    }

    @Override
    public String toString() {
        StringBuilder sb =
                new StringBuilder("GaussianMixture[K=")
                        .append(k)
                        .append(", C=")
                        .append(c)
                        .append(", weights=")
                        .append(Arrays.toString(weights));
        if (c <= 4) {
            sb.append(", means=")
                    .append(Arrays.toString(means))
                    .append(", variances=")
                    .append(Arrays.toString(variances));
        }
        return sb.append(']').toString();
    }
}
