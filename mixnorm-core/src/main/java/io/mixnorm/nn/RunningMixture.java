package io.mixnorm.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import io.mixnorm.gmm.GaussianMixture;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The running mixture of a {@link MixtureNorm}: exponential moving averages of {@code λ_k}, {@code
 * E_k} and {@code V_k} (the parameters {@code runningWeights}, {@code runningMean}, {@code
 * runningVar}), their de-biasing for the initial values, and three counters: whether a mixture has
 * been seeded since the last reset, the number of training forward calls (it drives the layer's
 * randomness) and the number of running-average updates since the last reset.
 *
 * <p>The counters are plain Java integers, saved in the block's metadata (encoding version 2).
 * Version 1 kept them in a float32 parameter {@code mixtureState} of 5 values, each counter split
 * into two float32-exact halves of radix 2^20; {@link #readLegacyState} decodes it.
 */
final class RunningMixture {

    /** Radix of the float32-exact halves of a counter in the version-1 {@code mixtureState}. */
    static final int LEGACY_RADIX = 1 << 20;

    private final int components;
    private final float momentum;
    private final boolean perChannel;

    final Parameter weights;
    final Parameter means;
    final Parameter variances;

    private boolean initialised;
    private long calls;
    private long updates;

    /** Counters read by a load in progress, committed once every parameter has loaded. */
    private long[] loaded;

    /**
     * Creates the three parameters; the block registers them, in this order.
     *
     * @param components K
     * @param momentum weight of the new batch
     * @param perChannel whether the weights are per channel (CHANNEL mode)
     */
    RunningMixture(int components, float momentum, boolean perChannel) {
        this.components = components;
        this.momentum = momentum;
        this.perChannel = perChannel;
        weights = running("runningWeights", Parameter.Type.RUNNING_MEAN, 1f / components);
        means = running("runningMean", Parameter.Type.RUNNING_MEAN, 0f);
        variances = running("runningVar", Parameter.Type.RUNNING_VAR, 1f);
    }

    private static Parameter running(String name, Parameter.Type type, float initial) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optInitializer(new ConstantInitializer(initial))
                .optRequiresGrad(false)
                .build();
    }

    /**
     * Sets the shapes: weights {@code (K)} or {@code (K, C)}, means and variances {@code (K, C)};
     * the counters go back to zero with the arrays. DJL prepares a block only when its parameters
     * are not initialised (a new block, or after {@code clear()}): counters left from before would
     * warm-start EM from K identical components, which EM never separates again.
     */
    void prepare(long channels) {
        initialised = false;
        calls = 0;
        updates = 0;
        Shape kc = new Shape(components, channels);
        weights.setShape(perChannel ? kc : new Shape(components));
        means.setShape(kc);
        variances.setShape(kc);
    }

    // ------------------------------------------------------------------ counters

    /**
     * @return whether a mixture has been seeded since the last reset
     */
    boolean isInitialised() {
        return initialised;
    }

    /**
     * @return the number of training forward calls so far
     */
    long calls() {
        return calls;
    }

    /**
     * @return the number of running-average updates since the last reset
     */
    long updates() {
        return updates;
    }

    /**
     * @return {initialised (0/1), calls, updates}, for a snapshot
     */
    long[] counters() {
        return new long[] {initialised ? 1 : 0, calls, updates};
    }

    /** Puts back what {@link #counters} returned. */
    void restoreCounters(long[] c) {
        initialised = c[0] != 0;
        calls = c[1];
        updates = c[2];
    }

    void save(DataOutputStream os) throws IOException {
        os.writeBoolean(initialised);
        os.writeLong(calls);
        os.writeLong(updates);
    }

    /** Reads what {@link #save} wrote; they take effect at {@link #commitLoad}. */
    void load(DataInputStream is) throws IOException, MalformedModelException {
        loaded = checked(is.readBoolean(), is.readLong(), is.readLong());
    }

    /**
     * Reads the counters of encoding version 1: {@code mixtureState = (initialised, calls mod 2^20,
     * calls div 2^20, updates mod 2^20, updates div 2^20)} in float32; they take effect at {@link
     * #commitLoad}.
     */
    void readLegacyState(NDArray mixtureState) throws MalformedModelException {
        double[] s = ChannelNorm.toDoubles(mixtureState);
        if (s.length != 5 || !Arrays.stream(s).allMatch(Double::isFinite)) {
            throw new MalformedModelException(
                    "MixtureNorm: mixtureState must be 5 finite values, got " + Arrays.toString(s));
        }
        loaded =
                checked(
                        Math.round(s[0]) != 0,
                        Math.round(s[1]) + (long) LEGACY_RADIX * Math.round(s[2]),
                        Math.round(s[3]) + (long) LEGACY_RADIX * Math.round(s[4]));
    }

    private static long[] checked(boolean initialised, long calls, long updates)
            throws MalformedModelException {
        // updates may exceed calls (replace() saturates updates); neither may be negative
        if (calls < 0 || updates < 0) {
            throw new MalformedModelException(
                    "MixtureNorm: negative counters in the saved parameters (calls "
                            + calls
                            + ", updates "
                            + updates
                            + ")");
        }
        return new long[] {initialised ? 1 : 0, calls, updates};
    }

    /**
     * Puts the counters of a load into effect, once every parameter has loaded: a load that fails
     * half-way leaves the counters together with the arrays they describe.
     */
    void commitLoad() {
        if (loaded != null) {
            restoreCounters(loaded);
            loaded = null;
        }
    }

    // ------------------------------------------------------------------ the averages

    /**
     * {@code r ← (1 − momentum)·r + momentum·batch}, in place on the arrays the parameter store
     * handed out, then one more call and update. The running variance receives the unbiased
     * variance {@code V_k / (1 − Σ_i v_ik²)} (reliability weights), as PyTorch's BN does.
     *
     * @param p the running arrays of this forward
     * @param r the batch's statistics, in the coordinates of {@code x − shift}
     * @param shift the per-channel shift of those coordinates, or {@code null}
     */
    void update(Values p, MixtureOps.Result r, double[] shift) {
        NDArray newMean = r.mean.stopGradient();
        if (shift != null) {
            newMean =
                    newMean.add(
                            MixtureOps.constant(
                                    newMean.getManager(),
                                    shift,
                                    new Shape(shift.length),
                                    newMean.getDataType()));
        }
        NDArray corr = r.sumV2.neg().add(1f).maximum(0.5f).pow(-1);
        if (!perChannel) {
            corr = corr.expandDims(1);
        }
        NDArray newVar = r.var.stopGradient().mul(corr);
        ChannelNorm.movingAverage(p.weights(), r.lambda, momentum);
        ChannelNorm.movingAverage(p.means(), newMean, momentum);
        ChannelNorm.movingAverage(p.variances(), newVar, momentum);
        initialised = true;
        calls++;
        updates++;
    }

    /**
     * Replaces the averages by population values and marks them as past the moving averages'
     * start-up, so that no de-biasing is applied to them.
     */
    void replace(double[] w, double[] mu, double[] var) {
        ChannelNorm.setValues(weights.getArray(), w);
        ChannelNorm.setValues(means.getArray(), mu);
        ChannelNorm.setValues(variances.getArray(), var);
        long saturated =
                momentum <= 0
                        ? updates
                        : momentum >= 1
                                ? 1
                                : (long) Math.ceil(Math.log(1e-12) / Math.log(1 - momentum));
        initialised = true;
        updates = Math.max(updates, saturated);
    }

    /** Back to the initial values; the next training forward seeds afresh. Calls continue. */
    void reset() {
        fill(weights.getArray(), 1.0 / components);
        fill(means.getArray(), 0);
        fill(variances.getArray(), 1);
        initialised = false;
        updates = 0;
    }

    private static void fill(NDArray a, double v) {
        double[] d = new double[(int) a.size()];
        Arrays.fill(d, v);
        ChannelNorm.setValues(a, d);
    }

    /** The three running arrays as one forward sees them (from the parameter store). */
    record Values(NDArray weights, NDArray means, NDArray variances) {}

    /**
     * @return the arrays held by the parameters themselves
     */
    Values arrays() {
        return new Values(weights.getArray(), means.getArray(), variances.getArray());
    }

    // ------------------------------------------------------------------ as mixtures

    /**
     * The running mixture in Java, one {@link GaussianMixture} per group of channels that share
     * posteriors: one over {@code R^C} (POSITION) or C one-dimensional ones (CHANNEL). With {@code
     * debiased} and updates since the reset, the averages are de-biased for their initial values
     * ({@code r_t = (1−α)^t r_0 + (1 − (1−α)^t)·avg}), which makes the warm start of the first few
     * steps the recent batches' mixture rather than one shrunk towards the initial values;
     * otherwise the raw running values. Weights are floored at the λ floor and renormalised,
     * variances floored at 1e-12, non-finite values replaced.
     */
    GaussianMixture[] mixtures(Values p, boolean debiased) {
        double[] w = ChannelNorm.toDoubles(p.weights());
        double[] mu = ChannelNorm.toDoubles(p.means());
        double[] var = ChannelNorm.toDoubles(p.variances());
        long t = debiased ? updates : -1;
        debias(w, 1.0 / components, t);
        debias(mu, 0, t);
        debias(var, 1, t);
        if (!perChannel) {
            return new GaussianMixture[] {validMixture(w, mu, var)};
        }
        int k = components;
        int c = mu.length / k;
        GaussianMixture[] out = new GaussianMixture[c];
        for (int d = 0; d < c; d++) {
            double[] wd = new double[k];
            double[] md = new double[k];
            double[] vd = new double[k];
            for (int j = 0; j < k; j++) {
                wd[j] = w[j * c + d];
                md[j] = mu[j * c + d];
                vd[j] = var[j * c + d];
            }
            out[d] = validMixture(wd, md, vd);
        }
        return out;
    }

    private void debias(double[] v, double initial, long t) {
        if (t <= 0) {
            return;
        }
        double decay = Math.pow(1.0 - momentum, t);
        if (decay < 1e-12 || decay >= 1) {
            return;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (v[i] - decay * initial) / (1 - decay);
        }
    }

    private static GaussianMixture validMixture(double[] w, double[] mu, double[] var) {
        double s = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] =
                    Double.isFinite(w[j])
                            ? Math.max(w[j], MixtureNorm.LAMBDA_FLOOR)
                            : MixtureNorm.LAMBDA_FLOOR;
            s += w[j];
        }
        for (int j = 0; j < w.length; j++) {
            w[j] /= s;
        }
        for (int i = 0; i < var.length; i++) {
            var[i] = Double.isFinite(var[i]) ? Math.max(var[i], 1e-12) : 1;
            if (!Double.isFinite(mu[i])) {
                mu[i] = 0;
            }
        }
        return GaussianMixture.of(w, mu, var);
    }
}
