package io.mixnorm.nn;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.mixnorm.engine.Intermediates;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.gmm.GaussianMixture;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Mixture Normalization (MN): M. M. Kalayeh, M. Shah, "Training Faster by Separating Modes of
 * Variation in Batch-normalized Models", IEEE TPAMI 2019, <a
 * href="https://arxiv.org/abs/1806.02892">arXiv:1806.02892</a>. A "soft piecewise" batch
 * normalization: instead of one Gaussian per channel, a K-component Gaussian mixture is fitted to
 * the mini-batch and every activation is normalized against the statistics of the components it
 * belongs to.
 *
 * <h2>Forward transform (training)</h2>
 *
 * Input {@code X} of shape {@code (N, C, H, W)} or {@code (N, C)}. In the default {@link
 * SampleMode#POSITION} mode every spatial position is a sample {@code x_i ∈ R^C}, {@code i = 1..m},
 * {@code m = N·H·W}, and a diagonal-covariance GMM {@code θ = {λ_k, μ_k, σ²_k}} is fitted on the
 * mini-batch (k-means++ on the first call, then warm-started from the running mixture; {@code
 * emIterations} EM steps on at most {@code fitSamples} random rows, float64, outside autograd).
 * Then, on all {@code m} samples:
 *
 * <pre>
 * (1) τ_ik = λ_k N(x_i | μ_k, σ²_k) / Σ_j λ_j N(x_i | μ_j, σ²_j)     (log space)
 * (2) λ_k  = (1/m) Σ_i τ_ik
 * (3) v_ik = τ_ik / Σ_i' τ_i'k
 * (4) E_k  = Σ_i v_ik x_i                                          per channel
 * (5) V_k  = Σ_i v_ik (x_i − E_k)²                                 biased, per channel
 * (6) x̂_i  = Σ_k (τ_ik / √λ_k) · (x_i − E_k) / √(V_k + ε)
 * (7) y_i  = γ ⊙ x̂_i + β
 * </pre>
 *
 * With {@code K = 1} this is exactly batch normalization. Inside {@code 1/√λ_k} the weight is
 * floored at {@code 1e-3}. In {@link SampleMode#CHANNEL} mode each channel has its own 1-D mixture,
 * so {@code τ}, {@code λ} carry a channel index (this mode forms {@code K} full-size tensors and is
 * slower; it exists to compare the two readings of the paper).
 *
 * <h2>Gradients</h2>
 *
 * {@code τ} and {@code λ} are constants (stop-gradient), as an EM step outside the graph implies;
 * gradients flow through {@code E_k}, {@code V_k} and {@code x} exactly as in BN, and to γ, β. A
 * variant with gradients through {@code τ} is not offered (left open).
 *
 * <h2>Running mixture and inference</h2>
 *
 * Every training forward updates exponential moving averages of {@code λ_k}, {@code E_k} and {@code
 * V_k} with {@code momentum} = the weight of the <b>new</b> batch (PyTorch's convention: {@code r ←
 * (1 − momentum)·r + momentum·batch}; DJL's own {@code BatchNorm} uses the opposite convention, so
 * {@code MixtureNorm(momentum = 0.1)} corresponds to {@code BatchNorm.optMomentum(0.9f)}). As in
 * PyTorch's BN the running variance receives the unbiased variance: {@code V_k / (1 − Σ_i v_ik²)}
 * (reliability weights; {@code m/(m−1)} when {@code K = 1}). Initial values: {@code λ̄ = 1/K},
 * {@code Ē = 0}, {@code V̄ = 1}. At inference ({@link InferenceMode#RUNNING}) posteriors come from
 * the running mixture ({@code μ = Ē}, {@code σ² = V̄}) and (6)–(7) use {@code λ̄, Ē, V̄}, so a
 * sample's output does not depend on the rest of its batch. {@link InferenceMode#BATCH} runs the
 * training transform on the evaluation batch instead (without touching the running mixture).
 *
 * <h2>State and reproducibility</h2>
 *
 * All randomness (row subsample, k-means++) is a deterministic function of {@code seed} and the
 * number of training forward calls so far. That counter, the number of running-average updates
 * since the last reset and an "initialised" flag are integers of the {@link RunningMixture}, saved
 * in the block's metadata, so {@link #saveParameters}/{@link #loadParameters} (and a DJL model
 * save/load) restore a run exactly. Parameters, in order: {@code gamma}, {@code beta} (C), {@code
 * runningWeights} (K, or (K, C) in CHANNEL mode), {@code runningMean} (K, C), {@code runningVar}
 * (K, C). Encoding version 2; version 1 (the counters in a sixth float32 parameter {@code
 * mixtureState} of five values) is still read. The counters live in the block, not in the arrays: a
 * block is trained on one device (with a batch split over several devices they would advance once
 * per device).
 *
 * <h2>Layout and cost</h2>
 *
 * The transform works on a channels-last {@code (m, C)} copy of the input with {@code (m×C)·(C×K)}
 * and {@code (K×m)·(m×C)} products (no {@code (K, N, C, H, W)} tensor; see {@code
 * docs/mixture-normalization.md}, "Implementation notes"). For a 4-D input the output is returned
 * as an {@code (N, C, H, W)} <i>view</i> with channels-last strides, which every DJL operation
 * accepts and which made the following ReLU/pool/convolution cheaper in measurements. Inference
 * with the running mixture (4-D input, POSITION mode) instead runs as 1×1 convolutions with
 * constants over cache-sized chunks and returns a contiguous NCHW array ({@code RunningInference}).
 * {@link PreciseStatistics} re-estimates the running mixture from training batches with the weights
 * frozen. Like DJL's {@code BatchNorm}, the running averages are updated in place on the arrays the
 * {@link ParameterStore} hands out.
 *
 * <p>A non-finite input (NaN, ±Inf or float overflow) raises {@link NonFiniteInputException}.
 *
 * <h2>Code map</h2>
 *
 * {@code batchForward} is equations (1)–(7) top to bottom. The plain float64 version that reads
 * like the paper, and against which the tests check this one, is the test class {@code
 * io.mixnorm.nn.Reference} ({@code mixnorm-core/src/test/java/io/mixnorm/nn/Reference.java}). What
 * depends on the sample mode is in {@code PositionSamples} and {@code ChannelSamples}, the tensor
 * formulation in {@code MixtureOps}, the running averages and counters in {@code RunningMixture},
 * inference with them in {@code RunningInference}, and the passes of {@link PreciseStatistics} in
 * {@code Population}. γ, β, input checks and versioned save/load are the shared {@link
 * ChannelNorm}.
 */
public class MixtureNorm extends ChannelNorm {

    /** Encoding version of {@link #saveParameters}: 2 keeps the counters as integers. */
    private static final byte VERSION = 2;

    /** Counters in the float32 parameter {@code mixtureState}, radix 2^20; still read. */
    private static final byte VERSION_FLOAT_COUNTERS = 1;

    static final double LAMBDA_FLOOR = 1e-3;

    /** How samples are formed from the input. */
    public enum SampleMode {
        /** One sample per spatial position, {@code x_i ∈ R^C}, one posterior per position. */
        POSITION,
        /** An independent 1-D mixture per channel (the alternative reading of the paper). */
        CHANNEL
    }

    /** What the block does when {@code training = false}. */
    public enum InferenceMode {
        /** Posteriors and statistics from the running mixture (default). */
        RUNNING,
        /** The training-mode transform on the evaluation batch (transductive). */
        BATCH
    }

    private final SampleMode sampleMode;
    private final Samples samples;
    private final int emIterations;
    private final int fitSamples;
    private final InferenceMode inference;
    private final long seed;
    final MixtureEstimator estimator;

    final RunningMixture running;

    /** The last EM fit in input coordinates (one mixture, or one per channel), or null. */
    volatile GaussianMixture[] lastFits;

    /** Set by {@link PreciseStatistics} for the length of one of its passes; null otherwise. */
    volatile Population population;

    MixtureNorm(Builder b) {
        super(
                VERSION,
                VERSION_FLOAT_COUNTERS,
                b.components,
                b.epsilon,
                b.momentum,
                b.scale,
                b.center);
        sampleMode = b.sampleMode;
        samples = Samples.of(sampleMode);
        emIterations = b.emIterations;
        fitSamples = b.fitSamples;
        inference = b.inference;
        seed = b.seed;
        estimator = new MixtureEstimator(samples, components, emIterations, fitSamples, seed);
        running = new RunningMixture(components, momentum, sampleMode == SampleMode.CHANNEL);
        addParameter(running.weights);
        addParameter(running.means);
        addParameter(running.variances);
    }

    /**
     * @return a new builder with the defaults of the specification
     */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ Block plumbing

    @Override
    void prepareParameters() {
        running.prepare(channels);
    }

    @Override
    void saveExtraMetadata(DataOutputStream os) throws IOException {
        os.writeByte(sampleMode.ordinal());
        running.save(os);
    }

    @Override
    void loadExtraMetadata(byte version, DataInputStream is)
            throws IOException, MalformedModelException {
        int mode = is.readByte();
        if (mode < 0 || mode >= SampleMode.values().length) {
            throw new MalformedModelException(
                    "MixtureNorm: unknown sample mode " + mode + " in the saved parameters");
        }
        if (mode != sampleMode.ordinal()) {
            throw new MalformedModelException(
                    "MixtureNorm: saved parameters are for sampleMode="
                            + SampleMode.values()[mode]
                            + " but this block has sampleMode="
                            + sampleMode);
        }
        if (version >= VERSION) {
            running.load(is);
        }
    }

    @Override
    void commitLoad() {
        running.commitLoad();
    }

    @Override
    void loadLegacyParameters(byte version, NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {
        if (version == VERSION_FLOAT_COUNTERS) {
            Parameter state =
                    Parameter.builder()
                            .setName("mixtureState")
                            .setType(Parameter.Type.OTHER)
                            .optRequiresGrad(false)
                            .build();
            state.load(manager, is);
            running.readLegacyState(state.getArray());
            state.close();
        }
    }

    // ------------------------------------------------------------------ forward

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        checkInput(x.getShape());
        Device device = x.getDevice();
        NDManager mgr = x.getManager();
        NDArray g = local(parameterStore.getValue(gamma, device, training), mgr);
        NDArray b = local(parameterStore.getValue(beta, device, training), mgr);
        RunningMixture.Values run =
                new RunningMixture.Values(
                        parameterStore.getValue(running.weights, device, training),
                        parameterStore.getValue(running.means, device, training),
                        parameterStore.getValue(running.variances, device, training));
        Population pop = population;
        NDArray y;
        if (training && pop != null) {
            y = pop.forward(this, x, g, b, run);
        } else if (training || inference == InferenceMode.BATCH) {
            y = batchForward(x, g, b, run, training);
        } else {
            y = RunningInference.forward(this, x, g, b, run);
        }
        return new NDList(y);
    }

    /**
     * Equations (1)–(7) with a mixture fitted on the batch: a training forward, or with {@code
     * training = false} the {@link InferenceMode#BATCH} transform, which leaves the running
     * mixture, the counters and the training random stream alone.
     */
    NDArray batchForward(
            NDArray x, NDArray g, NDArray b, RunningMixture.Values run, boolean training) {
        // the running mixture, de-biased, warm-starts EM and decides the shift (below); on the
        // first call (or after a reset) the batch itself decides it and k-means++ seeds EM
        GaussianMixture[] warm = running.isInitialised() ? running.mixtures(run, true) : null;
        double[] shift =
                warm != null
                        ? MixtureOps.shiftFor(warm, (int) channels)
                        : MixtureOps.shiftFromBatch(x, this);
        // samples x_i, i = 1..m, as rows (m, C) minus a constant per-channel shift (the transform
        // is shift invariant; the shift keeps one-pass statistics free of cancellation)
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray sq = MixtureOps.squares(rows);
        NDArray rowsD = rows.stopGradient();
        // θ = {λ_k, μ_k, σ²_k}: EM on at most fitSamples rows, float64, outside autograd;
        // randomness f(seed, calls), a separate stream for BATCH inference
        SplittableRandom rng = estimator.rng(running.calls(), training);
        GaussianMixture[] theta = fitMixture(x, rowsD, warm, shift, rng);
        // (1) τ_ik = λ_k N(x_i | μ_k, σ²_k) / Σ_j λ_j N(x_i | μ_j, σ²_j)      constant (no
        // gradient)
        NDArray tau = samples.posteriors(rowsD, sq.stopGradient(), theta);
        // (2) λ_k = (1/m) Σ_i τ_ik                (3) v_ik = τ_ik / Σ_i' τ_i'k
        // (4) E_k = Σ_i v_ik x_i                  (5) V_k = Σ_i v_ik (x_i − E_k)²
        MixtureOps.Result r = samples.statistics(rows, sq, tau);
        checkFinite(x, r.mean, r.var);
        // (6) x̂_i = Σ_k (τ_ik / √λ_k) · (x_i − E_k) / √(V_k + ε)
        // (7) y_i = γ ⊙ x̂_i + β
        NDArray y = samples.normalize(rows, tau, r.lambda, r.mean, r.var, g, b, epsilon);
        if (training) {
            running.update(run, r, shift); // moving averages of λ_k, E_k, unbiased V_k
        }
        NDArray out = MixtureOps.fromRows(y, x.getShape());
        // the (m, C) temporaries, freed now rather than with the batch (Intermediates)
        Intermediates.release(new NDList(rows, sq, rowsD, tau, y), new NDList(x, out));
        return out;
    }

    /**
     * θ fitted by EM on a random subsample of the detached rows (shifted coordinates), warm-started
     * from the running mixture; null when τ ≡ 1 (POSITION, K = 1). Also sets {@link #lastFits}.
     */
    private GaussianMixture[] fitMixture(
            NDArray x,
            NDArray rowsD,
            GaussianMixture[] warm,
            double[] shift,
            SplittableRandom rng) {
        if (!samples.needsMixture(components)) {
            return null;
        }
        int c = (int) channels;
        double[] sample = estimator.sampleRows(this, x, rowsD, rng);
        GaussianMixture[] start = warm == null ? null : MixtureOps.shifted(warm, shift);
        GaussianMixture[] fit = estimator.fit(sample, c, start, rng);
        lastFits = MixtureOps.unshifted(fit, shift);
        return fit;
    }

    // ------------------------------------------------------------------ population statistics

    /** See {@link Population#fit}. */
    void fitPopulation(Population pop, int populationEmIterations) {
        pop.fit(this, populationEmIterations);
    }

    /** See {@link Population#write}. */
    void writePopulation(Population pop) {
        pop.write(this);
    }

    Samples samples() {
        return samples;
    }

    boolean isPositionMode() {
        return sampleMode == SampleMode.POSITION;
    }

    // ------------------------------------------------------------------ hooks for tests/tools

    /**
     * Equations (1)–(7) with the given mixture (input coordinates, POSITION mode) instead of one
     * fitted by EM, without touching the running mixture; see {@link
     * MixtureOps#transformWithMixture}.
     */
    static NDArray transformWithMixture(
            NDArray x, GaussianMixture theta, NDArray gammaArr, NDArray betaArr, float eps) {
        return MixtureOps.transformWithMixture(x, theta, gammaArr, betaArr, eps, LAMBDA_FLOOR);
    }

    /**
     * Equations (2)–(7) with fixed posteriors {@code (m, K)} (POSITION mode), for gradient checks;
     * see {@link MixtureOps#transformWithPosteriors}.
     */
    static NDArray transformWithPosteriors(
            NDArray x, NDArray tau, NDArray gammaArr, NDArray betaArr, float eps) {
        return MixtureOps.transformWithPosteriors(x, tau, gammaArr, betaArr, eps, LAMBDA_FLOOR);
    }

    /**
     * The running mixture {@code (λ̄, Ē, V̄)} as a {@link GaussianMixture} (POSITION mode; weights
     * renormalised, variances floored at 1e-12 for validity).
     *
     * @return the running mixture
     * @throws IllegalStateException before initialisation or in CHANNEL mode
     */
    public GaussianMixture getRunningMixture() {
        if (sampleMode != SampleMode.POSITION) {
            throw new IllegalStateException(
                    "getRunningMixture() is for sampleMode=POSITION; use"
                            + " getRunningChannelMixtures()");
        }
        requireInitialised();
        return running.mixtures(running.arrays(), false)[0];
    }

    /**
     * The running per-channel 1-D mixtures (CHANNEL mode).
     *
     * @return one mixture per channel
     */
    public GaussianMixture[] getRunningChannelMixtures() {
        if (sampleMode != SampleMode.CHANNEL) {
            throw new IllegalStateException(
                    "getRunningChannelMixtures() is for sampleMode=CHANNEL");
        }
        requireInitialised();
        return running.mixtures(running.arrays(), false);
    }

    /**
     * @return the mixture fitted by EM in the last batch-mode forward, including the forwards of
     *     {@link PreciseStatistics} (its {@code recompute} and {@code batchStatisticsForward}), in
     *     input coordinates (POSITION mode, K > 1), or {@code null}; not saved with the parameters
     *     and not part of a {@link PreciseStatistics#snapshot}
     */
    public GaussianMixture getLastFit() {
        GaussianMixture[] f = lastFits;
        return f == null || sampleMode != SampleMode.POSITION ? null : f[0];
    }

    /**
     * @return the per-channel mixtures of the last batch-mode forward (CHANNEL mode) or null
     */
    public GaussianMixture[] getLastChannelFits() {
        GaussianMixture[] f = lastFits;
        return f == null || sampleMode != SampleMode.CHANNEL ? null : f.clone();
    }

    /**
     * @return the number of training forward calls so far (drives the randomness)
     */
    public long getTrainingCalls() {
        requireInitialised();
        return running.calls();
    }

    /**
     * Resets the running mixture to its initial values and makes the next training forward seed a
     * new mixture with k-means++. The call counter (and hence the random stream) continues.
     */
    public void resetMixture() {
        requireInitialised();
        running.reset();
        lastFits = null;
    }

    /**
     * @return the sample mode
     */
    public SampleMode getSampleMode() {
        return sampleMode;
    }

    /**
     * @return the inference mode
     */
    public InferenceMode getInferenceMode() {
        return inference;
    }

    /**
     * @return EM steps per training forward
     */
    public int getEmIterations() {
        return emIterations;
    }

    /**
     * @return the maximum number of rows the GMM is fitted on
     */
    public int getFitSamples() {
        return fitSamples;
    }

    /**
     * @return the seed
     */
    public long getSeed() {
        return seed;
    }

    private void requireInitialised() {
        if (!running.means.isInitialized()) {
            throw new IllegalStateException("MixtureNorm is not initialised yet");
        }
    }

    /**
     * The builder of {@link MixtureNorm}: K = 3 components by default (K = 1 is batch
     * normalization), ε = 1e-5, momentum 0.1, seed 0 (of all randomness of the layer).
     */
    public static final class Builder extends BaseBuilder<Builder> {
        private SampleMode sampleMode = SampleMode.POSITION;
        private int emIterations = 2;
        private int fitSamples = 4096;
        private InferenceMode inference = InferenceMode.RUNNING;
        private boolean center = true;
        private boolean scale = true;

        Builder() {
            super(3);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * @param mode POSITION (default) or CHANNEL
         * @return this
         */
        public Builder optSampleMode(SampleMode mode) {
            sampleMode = mode;
            return this;
        }

        /**
         * @param n EM steps per training forward, ≥ 0 (default 2)
         * @return this
         */
        public Builder optEmIterations(int n) {
            emIterations = n;
            return this;
        }

        /**
         * @param n maximum number of rows the GMM is fitted on, ≥ 1 (default 4096)
         * @return this
         */
        public Builder optFitSamples(int n) {
            fitSamples = n;
            return this;
        }

        /**
         * @param mode RUNNING (default) or BATCH
         * @return this
         */
        public Builder optInference(InferenceMode mode) {
            inference = mode;
            return this;
        }

        /**
         * @param v whether β is trained (default true); otherwise β stays 0
         * @return this
         */
        public Builder optCenter(boolean v) {
            center = v;
            return this;
        }

        /**
         * @param v whether γ is trained (default true); otherwise γ stays 1
         * @return this
         */
        public Builder optScale(boolean v) {
            scale = v;
            return this;
        }

        /**
         * @return the block
         * @throws IllegalArgumentException on an invalid setting, or a bad value of {@code
         *     MIXNORM_MALLOC_TUNING} ({@link NativeMemory#tune()})
         */
        public MixtureNorm build() {
            NativeMemory.tune(); // before the model's tensors exist: see NativeMemory
            validate("MixtureNorm", "components");
            if (emIterations < 0) {
                throw new IllegalArgumentException(
                        "emIterations must be >= 0, got " + emIterations);
            }
            if (fitSamples < 1) {
                throw new IllegalArgumentException("fitSamples must be >= 1, got " + fitSamples);
            }
            if (sampleMode == null || inference == null) {
                throw new IllegalArgumentException("sampleMode and inference must not be null");
            }
            return new MixtureNorm(this);
        }
    }
}
