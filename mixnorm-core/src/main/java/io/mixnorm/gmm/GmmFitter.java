package io.mixnorm.gmm;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fits a diagonal-covariance {@link GaussianMixture} to a row-major sample matrix in float64.
 *
 * <p>Procedure (specification §3):
 *
 * <ol>
 *   <li>Without a warm start: k-means++ seeding, then {@code lloydIterations} Lloyd steps, both on
 *       channel-standardised data (so that no channel dominates the distance), and a mixture built
 *       from the final clusters (weights = cluster fractions, within-cluster variances). With a
 *       warm start the given mixture is the starting point.
 *   <li>{@code emIterations} EM steps; the E-step is done in log space (log-sum-exp).
 *   <li>Guards after every M-step: variance floor {@code σ²_kc ≥ max(varianceFloorAbs,
 *       varianceFloorRel × var_c)} where {@code var_c} is the variance of channel {@code c} over
 *       the fitted samples; a component whose mass {@code Σ_i τ_ik} falls below {@code
 *       reseedFraction × m} is re-seeded at the worst-explained sample (lowest {@code log p(x_i)}),
 *       with the channel variances and weight {@code weightFloor}; weight floor {@code λ_k ≥
 *       weightFloor}, then renormalisation.
 * </ol>
 *
 * <p>The mean log-likelihood per sample is recorded before the first EM step and after every step
 * ({@link FitResult#logLikelihoods()}); without guards that bind it never decreases.
 *
 * <p>All randomness comes from the {@link SplittableRandom} passed in. Instances are immutable and
 * thread-safe.
 */
public final class GmmFitter {

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final int emIterations;
    private final int lloydIterations;
    private final double varianceFloorAbs;
    private final double varianceFloorRel;
    private final double weightFloor;
    private final double reseedFraction;
    private final boolean trackFinalLogLikelihood;

    private GmmFitter(Builder b) {
        emIterations = b.emIterations;
        lloydIterations = b.lloydIterations;
        varianceFloorAbs = b.varianceFloorAbs;
        varianceFloorRel = b.varianceFloorRel;
        weightFloor = b.weightFloor;
        reseedFraction = b.reseedFraction;
        trackFinalLogLikelihood = b.trackFinalLogLikelihood;
    }

    /**
     * @return a builder with the defaults of the specification
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the number of EM steps per fit
     */
    public int getEmIterations() {
        return emIterations;
    }

    /**
     * @return the weight floor
     */
    public double getWeightFloor() {
        return weightFloor;
    }

    /**
     * Fits a mixture.
     *
     * <p>Internally the data are centred per channel (the EM arithmetic is translation invariant;
     * centring only protects the one-pass variance {@code Σ τ x² / n − μ²} against cancellation).
     *
     * @param data row-major {@code m×dim} samples
     * @param m number of rows, ≥ 1
     * @param dim dimension, ≥ 1
     * @param k number of components (must equal {@code warmStart.components()} if given)
     * @param warmStart the starting mixture, or {@code null} for k-means++ seeding
     * @param rng randomness (seeding only; a warm-started fit uses none)
     * @return the fit
     */
    public FitResult fit(
            double[] data, int m, int dim, int k, GaussianMixture warmStart, SplittableRandom rng) {
        checkData(data, m, dim);
        if (k < 1) {
            throw new IllegalArgumentException("K must be >= 1, got " + k);
        }
        if (warmStart != null && (warmStart.components() != k || warmStart.dimension() != dim)) {
            throw new IllegalArgumentException(
                    "warm start has K="
                            + warmStart.components()
                            + ", C="
                            + warmStart.dimension()
                            + "; expected K="
                            + k
                            + ", C="
                            + dim);
        }
        double[] chanMean = new double[dim];
        double[] chanVar = new double[dim];
        channelMoments(data, m, dim, chanMean, chanVar);
        double[] floors = varianceFloors(chanVar);
        double[] z = centred(data, m, dim, chanMean);
        GaussianMixture start = warmStart == null ? seed(data, m, dim, k, rng) : warmStart;
        State s = new State(start, chanMean);
        s.floor(floors, weightFloor);
        double[] ll = new double[emIterations + 1];
        int reseeds = 0;
        Workspace ws = new Workspace(m, k);
        for (int it = 0; it < emIterations; it++) {
            ll[it] = eStep(z, m, dim, s, ws);
            reseeds += mStep(z, m, dim, s, ws, floors, chanVar);
        }
        ll[emIterations] = trackFinalLogLikelihood ? eStep(z, m, dim, s, ws) : Double.NaN;
        return new FitResult(s.toMixture(chanMean), ll, reseeds, warmStart == null);
    }

    /**
     * Fits an independent one-dimensional mixture per channel ({@code sampleMode = CHANNEL}).
     *
     * @param data row-major {@code m×channels} samples
     * @param m number of rows
     * @param channels number of channels
     * @param k components per channel
     * @param warmStart {@code channels} one-dimensional mixtures, or {@code null}
     * @param rng randomness
     * @return one fitted mixture of dimension 1 per channel
     */
    public GaussianMixture[] fitPerChannel(
            double[] data,
            int m,
            int channels,
            int k,
            GaussianMixture[] warmStart,
            SplittableRandom rng) {
        checkData(data, m, channels);
        if (warmStart != null && warmStart.length != channels) {
            throw new IllegalArgumentException(
                    "need one warm start per channel: " + warmStart.length + " != " + channels);
        }
        GaussianMixture[] out = new GaussianMixture[channels];
        double[] col = new double[m];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < m; i++) {
                col[i] = data[i * channels + c];
            }
            out[c] = fit(col, m, 1, k, warmStart == null ? null : warmStart[c], rng).mixture();
        }
        return out;
    }

    /**
     * One guarded EM step from {@code theta} (E-step in log space, then M-step and guards).
     *
     * @param data row-major {@code m×C} samples
     * @param m number of rows
     * @param theta the current mixture
     * @return the updated mixture
     */
    public GaussianMixture emStep(double[] data, int m, GaussianMixture theta) {
        int dim = theta.dimension();
        checkData(data, m, dim);
        double[] chanMean = new double[dim];
        double[] chanVar = new double[dim];
        channelMoments(data, m, dim, chanMean, chanVar);
        double[] z = centred(data, m, dim, chanMean);
        State s = new State(theta, chanMean);
        Workspace ws = new Workspace(m, theta.components());
        eStep(z, m, dim, s, ws);
        mStep(z, m, dim, s, ws, varianceFloors(chanVar), chanVar);
        return s.toMixture(chanMean);
    }

    /**
     * k-means++ seeding followed by Lloyd steps on channel-standardised data.
     *
     * @param data row-major {@code m×dim} samples
     * @param m number of rows
     * @param dim dimension
     * @param k components
     * @param rng randomness
     * @return the initial mixture
     */
    public GaussianMixture seed(double[] data, int m, int dim, int k, SplittableRandom rng) {
        checkData(data, m, dim);
        double[] mean = new double[dim];
        double[] var = new double[dim];
        channelMoments(data, m, dim, mean, var);
        double[] floors = varianceFloors(var);
        double[] invScale = new double[dim];
        for (int d = 0; d < dim; d++) {
            invScale[d] = 1.0 / Math.max(var[d], floors[d]);
        }
        // k-means++
        double[] centers = new double[k * dim];
        double[] d2 = new double[m];
        Arrays.fill(d2, Double.POSITIVE_INFINITY);
        int first = rng.nextInt(m);
        System.arraycopy(data, first * dim, centers, 0, dim);
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < m; i++) {
                d2[i] =
                        Math.min(
                                d2[i], dist2(data, i * dim, centers, (j - 1) * dim, dim, invScale));
                total += d2[i];
            }
            int pick;
            if (total > 0 && Double.isFinite(total)) {
                double u = rng.nextDouble() * total;
                pick = m - 1;
                double acc = 0;
                for (int i = 0; i < m; i++) {
                    acc += d2[i];
                    if (u < acc) {
                        pick = i;
                        break;
                    }
                }
            } else {
                pick = rng.nextInt(m); // all points coincide with the centres chosen so far
            }
            System.arraycopy(data, pick * dim, centers, j * dim, dim);
        }
        // Lloyd
        int[] assign = new int[m];
        int[] count = new int[k];
        for (int it = 0; it <= lloydIterations; it++) {
            Arrays.fill(count, 0);
            for (int i = 0; i < m; i++) {
                int best = 0;
                double bestD = Double.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double dd = dist2(data, i * dim, centers, j * dim, dim, invScale);
                    if (dd < bestD) {
                        bestD = dd;
                        best = j;
                    }
                }
                assign[i] = best;
                count[best]++;
            }
            if (it == lloydIterations) {
                break;
            }
            double[] sums = new double[k * dim];
            for (int i = 0; i < m; i++) {
                int off = assign[i] * dim;
                for (int d = 0; d < dim; d++) {
                    sums[off + d] += data[i * dim + d];
                }
            }
            for (int j = 0; j < k; j++) {
                if (count[j] > 0) { // an empty cluster keeps its centre
                    for (int d = 0; d < dim; d++) {
                        centers[j * dim + d] = sums[j * dim + d] / count[j];
                    }
                }
            }
        }
        // mixture from the clusters
        double[] w = new double[k];
        double[] mu = new double[k * dim];
        double[] sig = new double[k * dim];
        for (int j = 0; j < k; j++) {
            w[j] = (double) count[j] / m;
        }
        double[] sums = new double[k * dim];
        for (int i = 0; i < m; i++) {
            int off = assign[i] * dim;
            for (int d = 0; d < dim; d++) {
                sums[off + d] += data[i * dim + d];
            }
        }
        for (int j = 0; j < k; j++) {
            for (int d = 0; d < dim; d++) {
                mu[j * dim + d] =
                        count[j] > 0 ? sums[j * dim + d] / count[j] : centers[j * dim + d];
            }
        }
        double[] sq = new double[k * dim];
        for (int i = 0; i < m; i++) {
            int off = assign[i] * dim;
            for (int d = 0; d < dim; d++) {
                double diff = data[i * dim + d] - mu[off + d];
                sq[off + d] += diff * diff;
            }
        }
        for (int j = 0; j < k; j++) {
            for (int d = 0; d < dim; d++) {
                sig[j * dim + d] =
                        count[j] >= 2
                                ? Math.max(sq[j * dim + d] / count[j], floors[d])
                                : Math.max(var[d], floors[d]);
            }
        }
        return GaussianMixture.of(floorWeights(w), mu, sig);
    }

    // ------------------------------------------------------------------ EM internals

    /** Mutable working copy of a mixture, in centred coordinates. */
    private static final class State {
        final int k;
        final int dim;
        final double[] w;
        final double[] mu;
        final double[] var;

        State(GaussianMixture g, double[] shift) {
            k = g.components();
            dim = g.dimension();
            w = g.weights();
            mu = g.means();
            var = g.variances();
            for (int j = 0; j < k; j++) {
                for (int d = 0; d < dim; d++) {
                    mu[j * dim + d] -= shift[d];
                }
            }
        }

        void floor(double[] floors, double weightFloor) {
            for (int j = 0; j < k; j++) {
                for (int d = 0; d < dim; d++) {
                    var[j * dim + d] = Math.max(var[j * dim + d], floors[d]);
                }
            }
            floorWeightsInPlace(w, weightFloor);
        }

        GaussianMixture toMixture(double[] shift) {
            double[] m = mu.clone();
            for (int j = 0; j < k; j++) {
                for (int d = 0; d < dim; d++) {
                    m[j * dim + d] += shift[d];
                }
            }
            return GaussianMixture.of(w, m, var);
        }
    }

    private static final class Workspace {
        final double[] tau;
        final double[] logp;

        Workspace(int m, int k) {
            tau = new double[m * k];
            logp = new double[m];
        }
    }

    /** E-step: fills τ and log p(x_i); returns the mean log-likelihood. */
    private static double eStep(double[] z, int m, int dim, State s, Workspace ws) {
        int k = s.k;
        double[] mu = s.mu;
        double[] inv = new double[k * dim];
        double[] cst = new double[k];
        for (int j = 0; j < k; j++) {
            double sl = 0;
            for (int d = 0; d < dim; d++) {
                sl += Math.log(s.var[j * dim + d]);
                inv[j * dim + d] = 1.0 / s.var[j * dim + d];
            }
            cst[j] = Math.log(s.w[j]) - 0.5 * (sl + dim * LOG_2PI);
        }
        double[] lj = new double[k];
        double total = 0;
        int d4 = dim & ~3;
        for (int i = 0; i < m; i++) {
            int off = i * dim;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                int b = j * dim;
                // four independent accumulators: the add chain, not the multiplies, is the limit
                double q0 = 0;
                double q1 = 0;
                double q2 = 0;
                double q3 = 0;
                int d = 0;
                for (; d < d4; d += 4) {
                    double e0 = z[off + d] - mu[b + d];
                    double e1 = z[off + d + 1] - mu[b + d + 1];
                    double e2 = z[off + d + 2] - mu[b + d + 2];
                    double e3 = z[off + d + 3] - mu[b + d + 3];
                    q0 += e0 * e0 * inv[b + d];
                    q1 += e1 * e1 * inv[b + d + 1];
                    q2 += e2 * e2 * inv[b + d + 2];
                    q3 += e3 * e3 * inv[b + d + 3];
                }
                for (; d < dim; d++) {
                    double e0 = z[off + d] - mu[b + d];
                    q0 += e0 * e0 * inv[b + d];
                }
                lj[j] = cst[j] - 0.5 * ((q0 + q1) + (q2 + q3));
                max = Math.max(max, lj[j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                lj[j] = Math.exp(lj[j] - max);
                sum += lj[j];
            }
            double lse = max + Math.log(sum);
            ws.logp[i] = lse;
            total += lse;
            double inv0 = 1.0 / sum;
            for (int j = 0; j < k; j++) {
                ws.tau[i * k + j] = lj[j] * inv0;
            }
        }
        return total / m;
    }

    /** Fused one-pass M-step on centred data, then the guards; returns the number of re-seeds. */
    private int mStep(
            double[] z, int m, int dim, State s, Workspace ws, double[] floors, double[] chanVar) {
        int k = s.k;
        double[] tau = ws.tau;
        double[] n = new double[k];
        double[] s1 = new double[k * dim];
        double[] s2 = new double[k * dim];
        for (int i = 0; i < m; i++) {
            int off = i * dim;
            for (int j = 0; j < k; j++) {
                double t = tau[i * k + j];
                n[j] += t;
                if (t != 0) {
                    int b = j * dim;
                    for (int d = 0; d < dim; d++) {
                        double x = z[off + d];
                        double tx = t * x;
                        s1[b + d] += tx;
                        s2[b + d] += tx * x;
                    }
                }
            }
        }
        int reseeds = 0;
        boolean[] used = null;
        for (int j = 0; j < k; j++) {
            int b = j * dim;
            if (n[j] < reseedFraction * m || !(n[j] > 0)) {
                // re-seed at the worst-explained sample not used yet
                if (used == null) {
                    used = new boolean[m];
                }
                int worst = -1;
                for (int i = 0; i < m; i++) {
                    if (!used[i] && (worst < 0 || ws.logp[i] < ws.logp[worst])) {
                        worst = i;
                    }
                }
                if (worst < 0) {
                    worst = 0;
                } else {
                    used[worst] = true;
                }
                System.arraycopy(z, worst * dim, s.mu, b, dim);
                for (int d = 0; d < dim; d++) {
                    s.var[b + d] = Math.max(chanVar[d], floors[d]);
                }
                s.w[j] = weightFloor;
                reseeds++;
            } else {
                double inv = 1.0 / n[j];
                for (int d = 0; d < dim; d++) {
                    double mean = s1[b + d] * inv;
                    s.mu[b + d] = mean;
                    s.var[b + d] = Math.max(s2[b + d] * inv - mean * mean, floors[d]);
                }
                s.w[j] = n[j] / m;
            }
        }
        floorWeightsInPlace(s.w, weightFloor);
        return reseeds;
    }

    private static double[] centred(double[] data, int m, int dim, double[] mean) {
        double[] z = new double[data.length];
        for (int i = 0; i < m; i++) {
            int off = i * dim;
            for (int d = 0; d < dim; d++) {
                z[off + d] = data[off + d] - mean[d];
            }
        }
        return z;
    }

    private static void floorWeightsInPlace(double[] w, double weightFloor) {
        double s = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] = Math.max(w[j], weightFloor);
            s += w[j];
        }
        for (int j = 0; j < w.length; j++) {
            w[j] /= s;
        }
    }

    private double[] floorWeights(double[] w) {
        floorWeightsInPlace(w, weightFloor);
        return w;
    }

    /**
     * The variance floor per channel: {@code max(varianceFloorAbs, varianceFloorRel × var_c)}.
     *
     * @param data row-major {@code m×dim} samples
     * @param m rows
     * @param dim dimension
     * @return {@code dim} floors
     */
    public double[] varianceFloors(double[] data, int m, int dim) {
        double[] var = new double[dim];
        channelMoments(data, m, dim, new double[dim], var);
        return varianceFloors(var);
    }

    private double[] varianceFloors(double[] chanVar) {
        double[] f = new double[chanVar.length];
        for (int d = 0; d < f.length; d++) {
            f[d] = Math.max(varianceFloorAbs, varianceFloorRel * chanVar[d]);
        }
        return f;
    }

    /**
     * Per-channel mean and biased variance (two-pass) of a row-major matrix.
     *
     * @param data row-major {@code m×dim} samples
     * @param m rows
     * @param dim dimension
     * @param mean receives the means
     * @param var receives the variances
     */
    public static void channelMoments(double[] data, int m, int dim, double[] mean, double[] var) {
        Arrays.fill(mean, 0);
        Arrays.fill(var, 0);
        for (int i = 0; i < m; i++) {
            for (int d = 0; d < dim; d++) {
                mean[d] += data[i * dim + d];
            }
        }
        for (int d = 0; d < dim; d++) {
            mean[d] /= m;
        }
        for (int i = 0; i < m; i++) {
            for (int d = 0; d < dim; d++) {
                double diff = data[i * dim + d] - mean[d];
                var[d] += diff * diff;
            }
        }
        for (int d = 0; d < dim; d++) {
            var[d] /= m;
        }
    }

    private static double dist2(
            double[] a, int aOff, double[] b, int bOff, int dim, double[] invScale) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            double diff = a[aOff + d] - b[bOff + d];
            s += diff * diff * invScale[d];
        }
        return s;
    }

    private static void checkData(double[] data, int m, int dim) {
        if (m < 1 || dim < 1 || (long) m * dim != data.length) {
            throw new IllegalArgumentException(
                    "expected a row-major m×C = "
                            + m
                            + "×"
                            + dim
                            + " matrix (m, C >= 1), got "
                            + data.length
                            + " values");
        }
        for (double v : data) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        "sample matrix contains a non-finite value: " + v);
            }
        }
    }

    /** The outcome of {@link #fit}. */
    public static final class FitResult {
        private final GaussianMixture mixture;
        private final double[] logLikelihoods;
        private final int reseeds;
        private final boolean seeded;

        FitResult(GaussianMixture mixture, double[] logLikelihoods, int reseeds, boolean seeded) {
            this.mixture = mixture;
            this.logLikelihoods = logLikelihoods;
            this.reseeds = reseeds;
            this.seeded = seeded;
        }

        /**
         * @return the fitted mixture
         */
        public GaussianMixture mixture() {
            return mixture;
        }

        /**
         * @return mean log-likelihood per sample of the starting mixture (index 0) and after each
         *     EM step (index {@code t} = after step {@code t}); length {@code emIterations + 1}
         */
        public double[] logLikelihoods() {
            return logLikelihoods.clone();
        }

        /**
         * @return how many components were re-seeded during the EM steps
         */
        public int reseeds() {
            return reseeds;
        }

        /**
         * @return whether this fit started from k-means++ (no warm start)
         */
        public boolean seeded() {
            return seeded;
        }
    }

    /** Builder for {@link GmmFitter}. */
    public static final class Builder {
        private int emIterations = 2;
        private int lloydIterations = 3;
        private double varianceFloorAbs = 1e-6;
        private double varianceFloorRel = 1e-4;
        private double weightFloor = 1e-3;
        private double reseedFraction = 1e-3;
        private boolean trackFinalLogLikelihood = true;

        Builder() {}

        /**
         * Whether {@link #fit} evaluates the log-likelihood after the last EM step (one extra
         * E-step pass; default true). When false the last entry of {@link
         * FitResult#logLikelihoods()} is NaN.
         *
         * @param v whether to track it
         * @return this
         */
        public Builder optTrackFinalLogLikelihood(boolean v) {
            trackFinalLogLikelihood = v;
            return this;
        }

        /**
         * @param v EM steps per fit, ≥ 0 (default 2)
         * @return this
         */
        public Builder optEmIterations(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("emIterations must be >= 0, got " + v);
            }
            emIterations = v;
            return this;
        }

        /**
         * @param v Lloyd steps after k-means++, ≥ 0 (default 3)
         * @return this
         */
        public Builder optLloydIterations(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("lloydIterations must be >= 0, got " + v);
            }
            lloydIterations = v;
            return this;
        }

        /**
         * @param abs absolute variance floor (default 1e-6)
         * @param rel floor relative to the channel's variance (default 1e-4)
         * @return this
         */
        public Builder optVarianceFloor(double abs, double rel) {
            if (!(abs > 0) || !(rel >= 0)) {
                throw new IllegalArgumentException(
                        "variance floors must be abs > 0 and rel >= 0, got " + abs + ", " + rel);
            }
            varianceFloorAbs = abs;
            varianceFloorRel = rel;
            return this;
        }

        /**
         * @param v weight floor in (0, 1/K) (default 1e-3)
         * @return this
         */
        public Builder optWeightFloor(double v) {
            if (!(v > 0) || v >= 1) {
                throw new IllegalArgumentException("weight floor must be in (0, 1), got " + v);
            }
            weightFloor = v;
            return this;
        }

        /**
         * @param v a component with mass below {@code v·m} is re-seeded (default 1e-3)
         * @return this
         */
        public Builder optReseedFraction(double v) {
            if (!(v >= 0) || v >= 1) {
                throw new IllegalArgumentException("reseed fraction must be in [0, 1), got " + v);
            }
            reseedFraction = v;
            return this;
        }

        /**
         * @return the fitter
         */
        public GmmFitter build() {
            return new GmmFitter(this);
        }
    }
}
