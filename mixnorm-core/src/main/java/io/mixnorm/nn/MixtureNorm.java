package io.mixnorm.nn;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
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
 * SampleMode#POSITION} mode every spatial position is a sample {@code x_i ∈ R^C}, {@code i =
 * 1..m}, {@code m = N·H·W}, and a diagonal-covariance GMM {@code θ = {λ_k, μ_k, σ²_k}} is fitted
 * on the mini-batch (k-means++ on the first call, then warm-started from the running mixture;
 * {@code emIterations} EM steps on at most {@code fitSamples} random rows, float64, outside
 * autograd). Then, on all {@code m} samples:
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
 * floored at {@code 1e-3}. In {@link SampleMode#CHANNEL} mode each channel has its own 1-D
 * mixture, so {@code τ}, {@code λ} carry a channel index (this mode forms {@code K} full-size
 * tensors and is slower; it exists to compare the two readings of the paper).
 *
 * <h2>Gradients</h2>
 *
 * {@code τ} and {@code λ} are constants (stop-gradient), as an EM step outside the graph implies;
 * gradients flow through {@code E_k}, {@code V_k} and {@code x} exactly as in BN, and to γ, β. A
 * variant with gradients through {@code τ} is not offered (left open).
 *
 * <h2>Running mixture and inference</h2>
 *
 * Every training forward updates exponential moving averages of {@code λ_k}, {@code E_k} and
 * {@code V_k} with {@code momentum} = the weight of the <b>new</b> batch (PyTorch's convention:
 * {@code r ← (1 − momentum)·r + momentum·batch}; DJL's own {@code BatchNorm} uses the opposite
 * convention, so {@code MixtureNorm(momentum = 0.1)} corresponds to {@code
 * BatchNorm.optMomentum(0.9f)}). As in PyTorch's BN the running variance receives the unbiased
 * variance: {@code V_k / (1 − Σ_i v_ik²)} (reliability weights; {@code m/(m−1)} when {@code K =
 * 1}). Initial values: {@code λ̄ = 1/K}, {@code Ē = 0}, {@code V̄ = 1}. At inference ({@link
 * InferenceMode#RUNNING}) posteriors come from the running mixture ({@code μ = Ē}, {@code σ² =
 * V̄}) and (6)–(7) use {@code λ̄, Ē, V̄}, so a sample's output does not depend on the rest of its
 * batch. {@link InferenceMode#BATCH} runs the training transform on the evaluation batch instead
 * (without touching the running mixture).
 *
 * <h2>State and reproducibility</h2>
 *
 * All randomness (row subsample, k-means++) is a deterministic function of {@code seed} and the
 * number of training forward calls so far. That counter, the number of running-average updates
 * since the last reset and an "initialised" flag live in a small non-gradient parameter {@code
 * mixtureState}, so {@link #saveParameters}/{@link #loadParameters} (and a DJL model save/load)
 * restore a run exactly. Parameters, in order: {@code gamma}, {@code beta} (C), {@code
 * runningWeights} (K, or (K, C) in CHANNEL mode), {@code runningMean} (K, C), {@code runningVar}
 * (K, C), {@code mixtureState} (5).
 *
 * <h2>Layout and cost</h2>
 *
 * The transform works on a channels-last {@code (m, C)} copy of the input with {@code (m×C)·(C×K)}
 * and {@code (K×m)·(m×C)} products (no {@code (K, N, C, H, W)} tensor; see {@code
 * docs/mixture-normalization.md}, "Implementation notes"). For a 4-D input the output is
 * returned as an {@code (N, C, H, W)} <i>view</i> with channels-last strides, which every DJL
 * operation accepts and which made the following ReLU/pool/convolution cheaper in measurements.
 * Inference with the running mixture (4-D input, POSITION mode) instead runs as 1×1 convolutions
 * with constants over cache-sized chunks and returns a contiguous NCHW array ({@code
 * RunningInference}). {@link PreciseStatistics} re-estimates the running mixture from training
 * batches with the weights frozen.
 * Like DJL's {@code BatchNorm}, the running averages are updated in place on the arrays the
 * {@link ParameterStore} hands out.
 *
 * <p>A non-finite input (NaN, ±Inf or float overflow) raises {@link NonFiniteInputException}.
 */
public class MixtureNorm extends AbstractBlock {

    /** Encoding version of {@link #saveParameters}; bump on any format change. */
    private static final byte VERSION = 1;

    static final double LAMBDA_FLOOR = 1e-3;
    private static final int STATE_SIZE = 5;
    private static final int COUNTER_RADIX = 1 << 20; // float32-exact halves of a counter

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

    private final int components;
    private final float epsilon;
    private final float momentum;
    private final SampleMode sampleMode;
    private final int emIterations;
    private final int fitSamples;
    private final InferenceMode inference;
    private final long seed;
    private final GmmFitter fitter;

    private long channels = -1;

    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningWeights;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter mixtureState;

    private volatile GaussianMixture lastFit;
    private volatile GaussianMixture[] lastChannelFits;

    /** Set by {@link PreciseStatistics} for the length of one of its passes; null otherwise. */
    volatile Population population;

    MixtureNorm(Builder b) {
        super(VERSION);
        components = b.components;
        epsilon = b.epsilon;
        momentum = b.momentum;
        sampleMode = b.sampleMode;
        emIterations = b.emIterations;
        fitSamples = b.fitSamples;
        inference = b.inference;
        seed = b.seed;
        fitter = GmmFitter.builder()
                .optEmIterations(emIterations)
                .optWeightFloor(LAMBDA_FLOOR)
                .optTrackFinalLogLikelihood(false)
                .build();
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optRequiresGrad(b.scale).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optRequiresGrad(b.center).build());
        runningWeights = addParameter(Parameter.builder().setName("runningWeights")
                .setType(Parameter.Type.RUNNING_MEAN)
                .optInitializer(new ConstantInitializer(1f / components))
                .optRequiresGrad(false).build());
        runningMean = addParameter(Parameter.builder().setName("runningMean")
                .setType(Parameter.Type.RUNNING_MEAN)
                .optInitializer(new ConstantInitializer(0f))
                .optRequiresGrad(false).build());
        runningVar = addParameter(Parameter.builder().setName("runningVar")
                .setType(Parameter.Type.RUNNING_VAR)
                .optInitializer(new ConstantInitializer(1f))
                .optRequiresGrad(false).build());
        mixtureState = addParameter(Parameter.builder().setName("mixtureState")
                .setType(Parameter.Type.OTHER)
                .optInitializer(new ConstantInitializer(0f))
                .optRequiresGrad(false).build());
    }

    /** @return a new builder with the defaults of the specification */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ Block plumbing

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        Shape s = inputShapes[0];
        checkRank(s);
        long c = s.get(1);
        if (channels >= 0 && channels != c) {
            throw new IllegalArgumentException(wrongChannels(s));
        }
        channels = c;
    }

    /** {@inheritDoc} */
    @Override
    public void prepare(Shape[] inputShapes) {
        Shape c = new Shape(channels);
        Shape kc = new Shape(components, channels);
        gamma.setShape(c);
        beta.setShape(c);
        runningWeights.setShape(sampleMode == SampleMode.POSITION ? new Shape(components) : kc);
        runningMean.setShape(kc);
        runningVar.setShape(kc);
        mixtureState.setShape(new Shape(STATE_SIZE));
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeLong(channels);
        os.writeInt(components);
        os.writeByte(sampleMode.ordinal());
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException(
                    "MixtureNorm: unsupported parameter encoding version " + loadVersion
                            + " (this build reads version " + VERSION + ")");
        }
        readInputShapes(is);
        long c = is.readLong();
        int k = is.readInt();
        int mode = is.readByte();
        if (k != components || mode != sampleMode.ordinal()) {
            throw new MalformedModelException(
                    "MixtureNorm: saved parameters are for K=" + k + ", sampleMode="
                            + SampleMode.values()[mode] + " but this block has K=" + components
                            + ", sampleMode=" + sampleMode);
        }
        if (channels >= 0 && channels != c) {
            throw new MalformedModelException("MixtureNorm: saved parameters have C=" + c
                    + " but this block was initialised with C=" + channels);
        }
        channels = c;
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
        Shape shape = x.getShape();
        checkRank(shape);
        if (shape.get(1) != channels) {
            throw new IllegalArgumentException(wrongChannels(shape));
        }
        Device device = x.getDevice();
        NDManager mgr = x.getManager();
        NDArray g = local(parameterStore.getValue(gamma, device, training), mgr);
        NDArray b = local(parameterStore.getValue(beta, device, training), mgr);
        NDArray rw = parameterStore.getValue(runningWeights, device, training);
        NDArray rm = parameterStore.getValue(runningMean, device, training);
        NDArray rv = parameterStore.getValue(runningVar, device, training);
        NDArray st = parameterStore.getValue(mixtureState, device, training);
        NDArray y;
        Population pop = population;
        if (training && pop != null) {
            y = populationForward(pop, x, g, b, rw, rm, rv, st);
        } else if (training || inference == InferenceMode.BATCH) {
            y = batchForward(x, g, b, rw, rm, rv, st, training);
        } else {
            y = runningForward(x, g, b, rw, rm, rv);
        }
        return new NDList(y);
    }

    private NDArray batchForward(
            NDArray x,
            NDArray g,
            NDArray b,
            NDArray rw,
            NDArray rm,
            NDArray rv,
            NDArray st,
            boolean training) {
        Shape shape = x.getShape();
        int c = (int) channels;
        long m = shape.size() / c;
        NDManager mgr = x.getManager();
        long[] state = readState(st);
        boolean initialised = state[0] != 0;
        long calls = state[1];
        long updates = state[2];
        GaussianMixture run = null;
        GaussianMixture[] runC = null;
        if (initialised) {
            if (sampleMode == SampleMode.POSITION) {
                run = runningMixture(rw, rm, rv, updates);
            } else {
                runC = runningChannelMixtures(rw, rm, rv, updates);
            }
        }
        double[] shift = initialised ? shiftFor(run, runC) : shiftFromBatch(x);
        double[] shiftJ = shift == null ? new double[c] : shift;
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray sq = rows.square();
        NDArray rowsD = rows.stopGradient();
        NDArray sqD = sq.stopGradient();
        // subsample -> float64 -> GMM (randomness: f(seed, calls); BATCH inference uses its own
        // stream and never advances the counter)
        SplittableRandom rng = rng(calls, training);
        double[] sample = null;
        int ms = 0;
        boolean needFit = components > 1 || sampleMode == SampleMode.CHANNEL;
        if (needFit) {
            if (m <= fitSamples) {
                ms = (int) m;
                sample = toDoubles(rowsD);
            } else {
                ms = fitSamples;
                sample = toDoubles(rowsD.get(mgr.create(subsample((int) m, fitSamples, rng))));
            }
            for (double v : sample) {
                if (!Double.isFinite(v)) {
                    throw nonFinite(x);
                }
            }
        }
        MixtureOps.Result r;
        NDArray rowsOut;
        if (sampleMode == SampleMode.POSITION) {
            NDArray tau;
            if (components == 1) {
                tau = mgr.ones(new Shape(m, 1), x.getDataType());
            } else {
                GaussianMixture warm = run == null ? null : MixtureOps.shifted(run, shiftJ);
                GaussianMixture fit = fitter.fit(sample, ms, c, components, warm, rng).mixture();
                lastFit = shiftBack(fit, shiftJ);
                tau = MixtureOps.posteriorsFromLogJointT(
                        MixtureOps.positionLogJointT(rowsD, sqD, fit));
            }
            r = MixtureOps.positionTransform(rows, sq, tau, g, b, epsilon, LAMBDA_FLOOR);
            checkStatistics(r, x);
            rowsOut = MixtureOps.apply(rows, tau, r.lambda, r.mean, r.var, g, b, epsilon,
                    LAMBDA_FLOOR);
        } else {
            GaussianMixture[] warm = null;
            if (runC != null) {
                warm = new GaussianMixture[c];
                for (int d = 0; d < c; d++) {
                    warm[d] = MixtureOps.shifted(runC[d], new double[] {shiftJ[d]});
                }
            }
            GaussianMixture[] fits = fitter.fitPerChannel(sample, ms, c, components, warm, rng);
            GaussianMixture[] back = new GaussianMixture[c];
            for (int d = 0; d < c; d++) {
                back[d] = shiftBack(fits[d], new double[] {shiftJ[d]});
            }
            lastChannelFits = back;
            NDArray tau = MixtureOps.channelLogJoint(rowsD, fits).softmax(0);
            r = MixtureOps.channelTransform(rows, sq, tau, g, b, epsilon, LAMBDA_FLOOR);
            checkStatistics(r, x);
            rowsOut = MixtureOps.channelApply(rows, tau, r.lambda, r.mean, r.var, g, b, epsilon,
                    LAMBDA_FLOOR);
        }
        if (training) {
            float mo = momentum;
            NDArray newMean = r.mean.stopGradient();
            if (shift != null) {
                newMean = newMean.add(
                        MixtureOps.constant(mgr, shift, new Shape(c), x.getDataType()));
            }
            NDArray corr = r.sumV2.neg().add(1f).maximum(0.5f).pow(-1);
            if (sampleMode == SampleMode.POSITION) {
                corr = corr.expandDims(1);
            }
            NDArray newVar = r.var.stopGradient().mul(corr);
            rw.muli(1f - mo).addi(r.lambda.mul(mo));
            rm.muli(1f - mo).addi(newMean.mul(mo));
            rv.muli(1f - mo).addi(newVar.mul(mo));
            writeState(st, true, calls + 1, updates + 1);
        }
        return MixtureOps.fromRows(rowsOut, shape);
    }

    private NDArray runningForward(
            NDArray x, NDArray g, NDArray b, NDArray rw, NDArray rm, NDArray rv) {
        Shape shape = x.getShape();
        int c = (int) channels;
        NDManager mgr = x.getManager();
        DataType type = x.getDataType();
        if (sampleMode == SampleMode.POSITION && shape.dimension() == 4) {
            GaussianMixture run = runningMixture(rw, rm, rv, -1);
            double[] shift = shiftFor(run, null);
            NDArray mean = local(rm, mgr);
            if (shift != null) {
                mean = mean.sub(MixtureOps.constant(mgr, shift, new Shape(c), type));
            }
            NDList sums = new NDList();
            NDArray y = RunningInference.forward(x, shift == null ? run : MixtureOps.shifted(run, shift),
                    shift, local(rw, mgr), mean, local(rv, mgr), g, b, epsilon, LAMBDA_FLOOR, sums);
            // a non-finite input makes the log joint non-finite: one small reduction checks it
            NDArray total = sums.size() == 1 ? sums.head() : NDArrays.stack(sums).sum();
            if (!Double.isFinite(toDoubles(total)[0])) {
                throw nonFinite(x);
            }
            return y;
        }
        double t = toDoubles(x.stopGradient().sum())[0];
        if (!Double.isFinite(t)) {
            throw nonFinite(x);
        }
        NDArray y;
        if (sampleMode == SampleMode.POSITION) {
            GaussianMixture run = runningMixture(rw, rm, rv, -1);
            double[] shift = shiftFor(run, null);
            double[] shiftJ = shift == null ? new double[c] : shift;
            NDArray rows = MixtureOps.centredRows(x, shift);
            NDArray tau;
            if (components == 1) {
                tau = mgr.ones(new Shape(rows.getShape().get(0), 1), type);
            } else {
                NDArray rowsD = rows.stopGradient();
                GaussianMixture sh = MixtureOps.shifted(run, shiftJ);
                tau = MixtureOps.posteriorsFromLogJointT(
                        MixtureOps.positionLogJointT(rowsD, rowsD.square(), sh));
            }
            NDArray mean = local(rm, mgr);
            if (shift != null) {
                mean = mean.sub(MixtureOps.constant(mgr, shift, new Shape(c), type));
            }
            y = MixtureOps.apply(rows, tau, local(rw, mgr), mean, local(rv, mgr), g, b, epsilon,
                    LAMBDA_FLOOR);
        } else {
            GaussianMixture[] run = runningChannelMixtures(rw, rm, rv, -1);
            double[] shift = shiftFor(null, run);
            double[] shiftJ = shift == null ? new double[c] : shift;
            GaussianMixture[] sh = new GaussianMixture[c];
            for (int d = 0; d < c; d++) {
                sh[d] = MixtureOps.shifted(run[d], new double[] {shiftJ[d]});
            }
            NDArray rows = MixtureOps.centredRows(x, shift);
            NDArray tau = MixtureOps.channelLogJoint(rows.stopGradient(), sh).softmax(0);
            NDArray mean = local(rm, mgr);
            if (shift != null) {
                mean = mean.sub(MixtureOps.constant(mgr, shift, new Shape(c), type));
            }
            y = MixtureOps.channelApply(rows, tau, local(rw, mgr), mean, local(rv, mgr), g, b,
                    epsilon, LAMBDA_FLOOR);
        }
        return MixtureOps.fromRows(y, shape);
    }

    /**
     * The per-channel shift applied before the one-pass statistics, or {@code null} when the
     * data are centred enough to skip it ({@code mean² ≤ 16·variance} in every channel, judged
     * from the running mixture): then float32 cancellation in {@code E[x²] − E[x]²} costs at
     * most ~17× machine precision and the layer saves a full-size pass.
     */
    private double[] shiftFor(GaussianMixture run, GaussianMixture[] runC) {
        int c = (int) channels;
        double[] mean = new double[c];
        double[] second = new double[c];
        for (int d = 0; d < c; d++) {
            for (int j = 0; j < components; j++) {
                double w;
                double mu;
                double v;
                if (run != null) {
                    w = run.weight(j);
                    mu = run.mean(j, d);
                    v = run.variance(j, d);
                } else {
                    w = runC[d].weight(j);
                    mu = runC[d].mean(j, 0);
                    v = runC[d].variance(j, 0);
                }
                mean[d] += w * mu;
                second[d] += w * (v + mu * mu);
            }
        }
        return needsShift(mean, second) ? mean : null;
    }

    /** First call: the same decision from the batch itself (two reduction passes, once). */
    private double[] shiftFromBatch(NDArray x) {
        Shape s = x.getShape();
        int[] axes = s.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double count = (double) s.size() / channels;
        NDArray xd = x.stopGradient();
        double[] sum = toDoubles(xd.sum(axes));
        double[] sumSq = toDoubles(xd.square().sum(axes));
        double[] mean = new double[sum.length];
        double[] second = new double[sum.length];
        for (int d = 0; d < sum.length; d++) {
            if (!Double.isFinite(sum[d]) || !Double.isFinite(sumSq[d])) {
                throw nonFinite(x);
            }
            mean[d] = sum[d] / count;
            second[d] = sumSq[d] / count;
        }
        return needsShift(mean, second) ? mean : null;
    }

    private static boolean needsShift(double[] mean, double[] second) {
        for (int d = 0; d < mean.length; d++) {
            double var = Math.max(second[d] - mean[d] * mean[d], 0);
            if (mean[d] * mean[d] > 16 * var) {
                return true;
            }
        }
        return false;
    }

    private void checkStatistics(MixtureOps.Result r, NDArray x) {
        for (double v : toDoubles(r.mean.stopGradient())) {
            if (!Double.isFinite(v)) {
                throw nonFinite(x);
            }
        }
        for (double v : toDoubles(r.var.stopGradient())) {
            if (!Double.isFinite(v)) {
                throw nonFinite(x);
            }
        }
    }

    // ------------------------------------------------------------------ population statistics

    /** Salt of the row subsample of {@link Population.Phase#COLLECT} (its own random stream). */
    private static final long POPULATION_SALT = 0x5DEECE66DL;

    /** A training-mode forward while {@link PreciseStatistics} runs: no state of the layer changes. */
    private NDArray populationForward(Population pop, NDArray x, NDArray g, NDArray b, NDArray rw,
            NDArray rm, NDArray rv, NDArray st) {
        switch (pop.phase) {
            case COLLECT:
                collectRows(pop, x);
                return batchForward(x, g, b, rw, rm, rv, st, false);
            case MEASURE:
                return measureForward(pop, x, g, b);
            default:
                return batchForward(x, g, b, rw, rm, rv, st, false);
        }
    }

    /** Keeps at most {@code fitSamples} random rows of the batch, float64, input coordinates. */
    private void collectRows(Population pop, NDArray x) {
        int c = (int) channels;
        NDArray rows = MixtureOps.toRows(x.stopGradient());
        int m = (int) rows.getShape().get(0);
        double[] sample;
        int ms;
        if (m <= fitSamples) {
            ms = m;
            sample = toDoubles(rows);
        } else {
            ms = fitSamples;
            SplittableRandom rng = new SplittableRandom(seed ^ POPULATION_SALT + pop.samples.size());
            sample = toDoubles(rows.get(x.getManager().create(subsample(m, fitSamples, rng))));
        }
        for (double v : sample) {
            if (!Double.isFinite(v)) {
                throw nonFinite(x);
            }
        }
        pop.addRows(sample, ms, c);
    }

    /**
     * Fits the population mixture on the rows of every collected batch: EM warm-started from the
     * running mixture (which keeps the components' identities), {@code emIterations} steps.
     */
    void fitPopulation(Population pop, int populationEmIterations) {
        if (components == 1 && sampleMode == SampleMode.POSITION) {
            return; // τ = 1: nothing to fit
        }
        int c = (int) channels;
        boolean initialised = readState(mixtureState.getArray())[0] != 0;
        GmmFitter f = GmmFitter.builder()
                .optEmIterations(populationEmIterations)
                .optWeightFloor(LAMBDA_FLOOR)
                .optTrackFinalLogLikelihood(false)
                .build();
        double[] data = pop.pooled();
        SplittableRandom rng = new SplittableRandom(seed ^ POPULATION_SALT);
        NDArray rw = runningWeights.getArray();
        NDArray rm = runningMean.getArray();
        NDArray rv = runningVar.getArray();
        if (sampleMode == SampleMode.POSITION) {
            GaussianMixture warm = initialised ? runningMixture(rw, rm, rv, -1) : null;
            pop.theta = f.fit(data, pop.rows, c, components, warm, rng).mixture();
        } else {
            GaussianMixture[] warm = initialised ? runningChannelMixtures(rw, rm, rv, -1) : null;
            pop.thetaPerChannel = f.fitPerChannel(data, pop.rows, c, components, warm, rng);
        }
    }

    /** Equations (1)–(7) on the batch with posteriors from the population mixture. */
    private NDArray measureForward(Population pop, NDArray x, NDArray g, NDArray b) {
        Shape shape = x.getShape();
        int c = (int) channels;
        long m = shape.size() / c;
        NDManager mgr = x.getManager();
        int[] axes = shape.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double[] shift = toDoubles(x.stopGradient().sum(axes).div(m));
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray sq = rows.square();
        NDArray rowsD = rows.stopGradient();
        MixtureOps.Result r;
        NDArray tau;
        NDArray out;
        if (sampleMode == SampleMode.POSITION) {
            tau = pop.theta == null
                    ? mgr.ones(new Shape(m, 1), x.getDataType())
                    : MixtureOps.posteriorsFromLogJointT(MixtureOps.positionLogJointT(
                            rowsD, sq.stopGradient(), MixtureOps.shifted(pop.theta, shift)));
            r = MixtureOps.positionTransform(rows, sq, tau, g, b, epsilon, LAMBDA_FLOOR);
            checkStatistics(r, x);
            out = MixtureOps.apply(rows, tau, r.lambda, r.mean, r.var, g, b, epsilon, LAMBDA_FLOOR);
        } else {
            GaussianMixture[] sh = new GaussianMixture[c];
            for (int d = 0; d < c; d++) {
                sh[d] = MixtureOps.shifted(pop.thetaPerChannel[d], new double[] {shift[d]});
            }
            tau = MixtureOps.channelLogJoint(rowsD, sh).softmax(0);
            r = MixtureOps.channelTransform(rows, sq, tau, g, b, epsilon, LAMBDA_FLOOR);
            checkStatistics(r, x);
            out = MixtureOps.channelApply(rows, tau, r.lambda, r.mean, r.var, g, b, epsilon,
                    LAMBDA_FLOOR);
        }
        if (pop.record) {
            double[] lambda = toDoubles(r.lambda);
            double[] mean = toDoubles(r.mean.stopGradient());
            double[] var = toDoubles(r.var.stopGradient());
            double[] sumV2 = toDoubles(r.sumV2);
            for (int i = 0; i < mean.length; i++) {
                mean[i] += shift[i % c];
                // the unbiased variance, as the running average receives it (reliability weights)
                int w = sampleMode == SampleMode.POSITION ? i / c : i;
                var[i] /= Math.max(1 - sumV2[w], 0.5);
            }
            pop.accumulate(lambda, mean, var);
        }
        return MixtureOps.fromRows(out, shape);
    }

    /**
     * Replaces the running mixture by the equal-weight averages of the measured batches and marks
     * it as past the moving averages' start-up, so that no de-biasing is applied to it.
     */
    void writePopulation(Population pop) {
        double n = pop.batches;
        double[] w = pop.lambdaSum.clone();
        double[] mu = pop.meanSum.clone();
        double[] var = pop.varSum.clone();
        for (double[] a : new double[][] {w, mu, var}) {
            for (int i = 0; i < a.length; i++) {
                a[i] /= n;
            }
        }
        setValues(runningWeights.getArray(), w);
        setValues(runningMean.getArray(), mu);
        setValues(runningVar.getArray(), var);
        long[] state = readState(mixtureState.getArray());
        long saturated = momentum <= 0 ? state[2]
                : momentum >= 1 ? 1 : (long) Math.ceil(Math.log(1e-12) / Math.log(1 - momentum));
        writeState(mixtureState.getArray(), true, state[1], Math.max(state[2], saturated));
        lastFit = pop.theta;
        lastChannelFits = pop.thetaPerChannel;
    }

    // ------------------------------------------------------------------ hooks for tests/tools

    /**
     * Runs equations (1)–(7) on {@code x} with the given mixture (POSITION mode) instead of one
     * fitted by EM; the running mixture is not touched. The exact code path of a training
     * forward after the fit.
     *
     * @param x input {@code (N, C, H, W)} or {@code (N, C)}
     * @param theta the mixture over {@code R^C}, in input coordinates
     * @param gammaArr {@code (C)}
     * @param betaArr {@code (C)}
     * @param eps ε
     * @return {@code y}, same shape as {@code x}
     */
    static NDArray transformWithMixture(
            NDArray x, GaussianMixture theta, NDArray gammaArr, NDArray betaArr, float eps) {
        Shape shape = x.getShape();
        long c = shape.get(1);
        long m = shape.size() / c;
        int[] axes = shape.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double[] shiftJ = toDoubles(x.stopGradient().sum(axes).div(m));
        NDArray rows = MixtureOps.centredRows(x, shiftJ);
        NDArray sq = rows.square();
        NDArray tau = MixtureOps.posteriorsFromLogJointT(MixtureOps.positionLogJointT(
                rows.stopGradient(), sq.stopGradient(), MixtureOps.shifted(theta, shiftJ)));
        MixtureOps.Result r =
                MixtureOps.positionTransform(rows, sq, tau, gammaArr, betaArr, eps, LAMBDA_FLOOR);
        return MixtureOps.fromRows(MixtureOps.apply(rows, tau, r.lambda, r.mean, r.var,
                gammaArr, betaArr, eps, LAMBDA_FLOOR), shape);
    }

    /**
     * Runs equations (2)–(7) with fixed posteriors (POSITION mode), for gradient checks.
     *
     * @param x input {@code (N, C, H, W)} or {@code (N, C)}
     * @param tau posteriors {@code (m, K)}, rows in {@code (n, h, w)} order
     * @param gammaArr {@code (C)}
     * @param betaArr {@code (C)}
     * @param eps ε
     * @return {@code y}, same shape as {@code x}
     */
    static NDArray transformWithPosteriors(
            NDArray x, NDArray tau, NDArray gammaArr, NDArray betaArr, float eps) {
        NDArray rows = MixtureOps.toRows(x);
        NDArray sq = rows.square();
        MixtureOps.Result r = MixtureOps.positionTransform(
                rows, sq, tau, gammaArr, betaArr, eps, LAMBDA_FLOOR);
        return MixtureOps.fromRows(MixtureOps.apply(rows, tau, r.lambda, r.mean, r.var,
                gammaArr, betaArr, eps, LAMBDA_FLOOR), x.getShape());
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
            throw new IllegalStateException("getRunningMixture() is for sampleMode=POSITION; use"
                    + " getRunningChannelMixtures()");
        }
        requireInitialised();
        return runningMixture(runningWeights.getArray(), runningMean.getArray(),
                runningVar.getArray(), -1);
    }

    /**
     * The running per-channel 1-D mixtures (CHANNEL mode).
     *
     * @return one mixture per channel
     */
    public GaussianMixture[] getRunningChannelMixtures() {
        if (sampleMode != SampleMode.CHANNEL) {
            throw new IllegalStateException("getRunningChannelMixtures() is for sampleMode=CHANNEL");
        }
        requireInitialised();
        return runningChannelMixtures(runningWeights.getArray(), runningMean.getArray(),
                runningVar.getArray(), -1);
    }

    /**
     * @return the mixture fitted by EM in the last batch-mode forward or by the last {@link
     *     PreciseStatistics#recompute} (POSITION mode, K > 1), in input coordinates, or {@code
     *     null}; not saved with the parameters
     */
    public GaussianMixture getLastFit() {
        return lastFit;
    }

    /** @return the per-channel mixtures of the last batch-mode forward (CHANNEL mode) or null */
    public GaussianMixture[] getLastChannelFits() {
        GaussianMixture[] f = lastChannelFits;
        return f == null ? null : f.clone();
    }

    /**
     * @return the number of training forward calls so far (drives the randomness)
     */
    public long getTrainingCalls() {
        requireInitialised();
        return readState(mixtureState.getArray())[1];
    }

    /**
     * Resets the running mixture to its initial values and makes the next training forward seed
     * a new mixture with k-means++. The call counter (and hence the random stream) continues.
     */
    public void resetMixture() {
        requireInitialised();
        fill(runningWeights.getArray(), 1.0 / components);
        fill(runningMean.getArray(), 0);
        fill(runningVar.getArray(), 1);
        long calls = readState(mixtureState.getArray())[1];
        writeState(mixtureState.getArray(), false, calls, 0);
        lastFit = null;
        lastChannelFits = null;
    }

    /** @return K */
    public int getComponents() {
        return components;
    }

    /** @return ε */
    public float getEpsilon() {
        return epsilon;
    }

    /** @return the momentum (weight of the new batch) */
    public float getMomentum() {
        return momentum;
    }

    /** @return the sample mode */
    public SampleMode getSampleMode() {
        return sampleMode;
    }

    /** @return the inference mode */
    public InferenceMode getInferenceMode() {
        return inference;
    }

    /** @return EM steps per training forward */
    public int getEmIterations() {
        return emIterations;
    }

    /** @return the maximum number of rows the GMM is fitted on */
    public int getFitSamples() {
        return fitSamples;
    }

    /** @return the seed */
    public long getSeed() {
        return seed;
    }

    // ------------------------------------------------------------------ internals

    private void requireInitialised() {
        if (mixtureState.getArray() == null) {
            throw new IllegalStateException("MixtureNorm is not initialised yet");
        }
    }

    private static void fill(NDArray a, double v) {
        double[] d = new double[(int) a.size()];
        Arrays.fill(d, v);
        setValues(a, d);
    }

    /**
     * Writes values into an existing array (in place, whatever its float type). Not through
     * {@code NDArray.set(Buffer)}: DJL's native torchSet opens PyTorch's deprecated
     * AutoNonVariableTypeMode guard, which prints "AutoNonVariableTypeMode is deprecated" on stderr
     * once per process; an indexed copy of the whole array writes the same values without it.
     */
    static void setValues(NDArray a, double[] v) {
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray src;
            if (a.getDataType() == DataType.FLOAT64) {
                src = tmp.create(v, a.getShape());
            } else {
                float[] f = new float[v.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) v[i];
                }
                src = tmp.create(f, a.getShape());
            }
            a.set(ALL, src);
        }
    }

    /** Every element: the index of a whole-array copy. */
    private static final NDIndex ALL = new NDIndex("...");

    /** Reads an array into Java without creating NDArrays in its (possibly long-lived) manager. */
    static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        if (a.getDataType() == DataType.FLOAT32) {
            float[] f = a.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray c = a.toType(DataType.FLOAT64, false);
            c.attach(tmp);
            return c.toDoubleArray();
        }
    }

    /**
     * A differentiable copy of a parameter value owned by the batch's manager, so that ops with
     * it as receiver do not leak arrays into the parameter's long-lived manager.
     */
    static NDArray local(NDArray p, NDManager mgr) {
        return mgr.zeros(p.getShape(), p.getDataType()).add(p);
    }

    private SplittableRandom rng(long calls, boolean training) {
        long s = seed * 0x9E3779B97F4A7C15L + calls;
        if (!training) {
            s ^= 0xD1B54A32D192ED03L; // a separate stream for BATCH inference
        }
        return new SplittableRandom(s).split();
    }

    /** Sorted random subset of {@code k} of {@code n} indices (partial Fisher–Yates). */
    private static long[] subsample(int n, int k, SplittableRandom rng) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
            out[i] = perm[i];
        }
        Arrays.sort(out);
        return out;
    }

    private static long[] readState(NDArray st) {
        double[] s = toDoubles(st);
        return new long[] {
            Math.round(s[0]),
            Math.round(s[1]) + (long) COUNTER_RADIX * Math.round(s[2]),
            Math.round(s[3]) + (long) COUNTER_RADIX * Math.round(s[4])
        };
    }

    private static void writeState(NDArray st, boolean initialised, long calls, long updates) {
        double[] s = {
            initialised ? 1 : 0,
            calls % COUNTER_RADIX,
            (double) (calls / COUNTER_RADIX),
            updates % COUNTER_RADIX,
            (double) (updates / COUNTER_RADIX)
        };
        setValues(st, s);
    }

    /**
     * The running mixture in Java. With {@code updates > 0} the moving averages are de-biased
     * for their initial values ({@code r_t = (1−α)^t r_0 + (1 − (1−α)^t)·avg}), which makes the
     * warm start of the first few steps the recent batches' mixture rather than one shrunk
     * towards the initial values; {@code updates < 0} returns the raw running values.
     */
    private GaussianMixture runningMixture(NDArray rw, NDArray rm, NDArray rv, long updates) {
        double[] w = toDoubles(rw);
        double[] mu = toDoubles(rm);
        double[] var = toDoubles(rv);
        debias(w, 1.0 / components, updates);
        debias(mu, 0, updates);
        debias(var, 1, updates);
        return validMixture(w, mu, var);
    }

    private GaussianMixture[] runningChannelMixtures(
            NDArray rw, NDArray rm, NDArray rv, long updates) {
        int c = (int) channels;
        int k = components;
        double[] w = toDoubles(rw);
        double[] mu = toDoubles(rm);
        double[] var = toDoubles(rv);
        debias(w, 1.0 / k, updates);
        debias(mu, 0, updates);
        debias(var, 1, updates);
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

    private void debias(double[] v, double initial, long updates) {
        if (updates <= 0) {
            return;
        }
        double decay = Math.pow(1.0 - momentum, updates);
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
            w[j] = Double.isFinite(w[j]) ? Math.max(w[j], LAMBDA_FLOOR) : LAMBDA_FLOOR;
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

    private static GaussianMixture shiftBack(GaussianMixture g, double[] shift) {
        double[] neg = new double[shift.length];
        for (int i = 0; i < neg.length; i++) {
            neg[i] = -shift[i];
        }
        return MixtureOps.shifted(g, neg);
    }

    private static void checkRank(Shape s) {
        if (s.dimension() != 4 && s.dimension() != 2) {
            throw new IllegalArgumentException(
                    "MixtureNorm expects input of shape (N, C, H, W) or (N, C), got " + s);
        }
        if (s.size() == 0) {
            throw new IllegalArgumentException("MixtureNorm got an empty input " + s);
        }
    }

    private String wrongChannels(Shape s) {
        return "MixtureNorm was initialised for C=" + channels + " channels, i.e. input of shape "
                + "(N, " + channels + ", H, W) or (N, " + channels + "), got " + s;
    }

    private NonFiniteInputException nonFinite(NDArray x) {
        boolean nan = x.isNaN().any().getBoolean();
        return new NonFiniteInputException(
                "MixtureNorm(K=" + components + ", C=" + channels + "): input of shape "
                        + x.getShape() + (nan ? " contains NaN"
                                : " contains ±Inf or overflows float arithmetic"));
    }

    /** The builder of {@link MixtureNorm}. */
    public static final class Builder {
        private int components = 3;
        private float epsilon = 1e-5f;
        private float momentum = 0.1f;
        private SampleMode sampleMode = SampleMode.POSITION;
        private int emIterations = 2;
        private int fitSamples = 4096;
        private InferenceMode inference = InferenceMode.RUNNING;
        private long seed = 0L;
        private boolean center = true;
        private boolean scale = true;

        Builder() {}

        /**
         * @param k number of mixture components K ≥ 1 (default 3); K = 1 is batch normalization
         * @return this
         */
        public Builder optComponents(int k) {
            components = k;
            return this;
        }

        /**
         * @param eps ε added to the variances, &gt; 0 (default 1e-5)
         * @return this
         */
        public Builder optEpsilon(float eps) {
            epsilon = eps;
            return this;
        }

        /**
         * @param m weight of the new batch in the running averages, in [0, 1] (default 0.1,
         *     PyTorch's convention; DJL's BatchNorm 0.9 means the same)
         * @return this
         */
        public Builder optMomentum(float m) {
            momentum = m;
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
         * @param s seed of all randomness of the layer (default 0)
         * @return this
         */
        public Builder optSeed(long s) {
            seed = s;
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
         * @throws IllegalArgumentException on an invalid setting, or a bad value of
         *     {@code MIXNORM_MALLOC_TUNING} ({@link NativeMemory#tune()})
         */
        public MixtureNorm build() {
            NativeMemory.tune(); // before the model's tensors exist: see NativeMemory
            if (components < 1) {
                throw new IllegalArgumentException(
                        "MixtureNorm needs K >= 1 components, got " + components);
            }
            if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
            }
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException(
                        "momentum (weight of the new batch) must be in [0, 1], got " + momentum);
            }
            if (emIterations < 0) {
                throw new IllegalArgumentException("emIterations must be >= 0, got "
                        + emIterations);
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
