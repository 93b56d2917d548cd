package io.mixnorm.nn;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.gmm.GaussianMixture;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Mode Normalization (MoN): L. Deecke, I. Murray, H. Bilen, "Mode Normalization", ICLR 2019 (<a
 * href="https://arxiv.org/abs/1810.05466">arXiv:1810.05466</a>; official PyTorch code
 * ldeecke/mn-torch), the comparison method of specification §7.
 *
 * <p>Input {@code x} of shape {@code (N, C, H, W)} or {@code (N, C)}. Per <b>image</b> gates
 *
 * <pre>
 * g_nk  = softmax_k(W_k · φ_n + b_k),    φ_n = spatial mean of x_n ∈ R^C
 * μ_k   = Σ_n g_nk Σ_hw x_n / (HW Σ_n g_nk)               per channel
 * σ²_k  = Σ_n g_nk Σ_hw (x_n − μ_k)² / (HW Σ_n g_nk)       biased, per channel
 * y_n   = α ⊙ Σ_k g_nk (x_n − μ_k) / √(σ²_k + ε) + β
 * </pre>
 *
 * with {@code W ∈ R^{K×C}} initialised {@code 1/K + 0.01·N(0,1)} (seeded), {@code b = 0},
 * {@code α = 1}, {@code β = 0}, ε = 1e-5, K = 2 by default. Gradients flow through the gates (to
 * {@code W}, {@code b} and {@code x}) and through {@code μ_k, σ²_k}; there is no {@code 1/√λ}
 * factor (unlike {@link MixtureNorm}).
 *
 * <p>Running averages of {@code E[x]} and {@code E[x²]} per mode (gates detached) are kept with
 * {@code momentum} = weight of the new batch (PyTorch convention, default 0.1), initialised to 0
 * and 1. At inference the gates are computed per image as in training and {@code μ_k = E[x]_k},
 * {@code σ²_k = max(E[x²]_k − E[x]_k², 0)}.
 *
 * <p>Parameters, in order: {@code gamma} (α, C), {@code beta} (C), {@code gateWeight} (K, C),
 * {@code gateBias} (K), {@code runningMean} (K, C), {@code runningSqMean} (K, C). The gate weight
 * has type {@link Parameter.Type#OTHER} so that a network-wide {@code setInitializer(...,
 * Parameter.Type.WEIGHT)} does not replace its specific initialisation.
 */
public class ModeNorm extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int components;
    private final float epsilon;
    private final float momentum;
    private final long seed;
    private long channels = -1;

    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter gateWeight;
    private final Parameter gateBias;
    private final Parameter runningMean;
    private final Parameter runningSqMean;

    ModeNorm(Builder b) {
        super(VERSION);
        components = b.components;
        epsilon = b.epsilon;
        momentum = b.momentum;
        seed = b.seed;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optRequiresGrad(true).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optRequiresGrad(true).build());
        gateWeight = addParameter(Parameter.builder().setName("gateWeight")
                .setType(Parameter.Type.OTHER)
                .optInitializer(new GateInitializer(components, seed))
                .optRequiresGrad(true).build());
        gateBias = addParameter(Parameter.builder().setName("gateBias")
                .setType(Parameter.Type.BIAS)
                .optInitializer(new ConstantInitializer(0f))
                .optRequiresGrad(true).build());
        runningMean = addParameter(Parameter.builder().setName("runningMean")
                .setType(Parameter.Type.RUNNING_MEAN)
                .optInitializer(new ConstantInitializer(0f))
                .optRequiresGrad(false).build());
        runningSqMean = addParameter(Parameter.builder().setName("runningSqMean")
                .setType(Parameter.Type.RUNNING_VAR)
                .optInitializer(new ConstantInitializer(1f))
                .optRequiresGrad(false).build());
    }

    /** @return a new builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

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
        if (channels >= 0 && channels != s.get(1)) {
            throw new IllegalArgumentException(wrongChannels(s));
        }
        channels = s.get(1);
    }

    /** {@inheritDoc} */
    @Override
    public void prepare(Shape[] inputShapes) {
        Shape c = new Shape(channels);
        Shape kc = new Shape(components, channels);
        gamma.setShape(c);
        beta.setShape(c);
        gateWeight.setShape(kc);
        gateBias.setShape(new Shape(components));
        runningMean.setShape(kc);
        runningSqMean.setShape(kc);
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeLong(channels);
        os.writeInt(components);
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException("ModeNorm: unsupported parameter encoding version "
                    + loadVersion + " (this build reads version " + VERSION + ")");
        }
        readInputShapes(is);
        long c = is.readLong();
        int k = is.readInt();
        if (k != components || (channels >= 0 && channels != c)) {
            throw new MalformedModelException("ModeNorm: saved parameters are for K=" + k + ", C="
                    + c + " but this block has K=" + components + ", C=" + channels);
        }
        channels = c;
    }

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
        NDManager mgr = x.getManager();
        Device dev = x.getDevice();
        NDArray a = MixtureNorm.local(parameterStore.getValue(gamma, dev, training), mgr);
        NDArray b = MixtureNorm.local(parameterStore.getValue(beta, dev, training), mgr);
        NDArray w = MixtureNorm.local(parameterStore.getValue(gateWeight, dev, training), mgr);
        NDArray wb = MixtureNorm.local(parameterStore.getValue(gateBias, dev, training), mgr);
        NDArray rm = parameterStore.getValue(runningMean, dev, training);
        NDArray rs = parameterStore.getValue(runningSqMean, dev, training);
        if (training) {
            Result r = transform(x, w, wb, a, b, epsilon);
            checkFinite(r, x);
            NDArray mean = r.mean.stopGradient();
            NDArray sqMean = r.var.stopGradient().add(mean.square());
            rm.muli(1f - momentum).addi(mean.mul(momentum));
            rs.muli(1f - momentum).addi(sqMean.mul(momentum));
            return new NDList(r.y);
        }
        double t = MixtureNorm.toDoubles(x.stopGradient().sum())[0];
        if (!Double.isFinite(t)) {
            throw nonFinite(x);
        }
        NDArray mu = MixtureNorm.local(rm, mgr);
        NDArray var = MixtureOps.maximum(MixtureNorm.local(rs, mgr).sub(mu.square()), 0);
        NDArray x3 = as3d(x);
        NDArray gates = gates(MixtureOps.div(x3.sum(new int[] {2}), x3.getShape().get(2)), w, wb);
        return new NDList(output(x3, gates, mu, var, a, b, epsilon).reshape(shape));
    }

    /** Output and batch statistics of a training-mode forward. */
    static final class Result {
        NDArray y;
        NDArray gates;
        /** μ_k in input coordinates, (K, C). */
        NDArray mean;
        /** σ²_k, (K, C). */
        NDArray var;
    }

    /**
     * The training-mode transform (batch statistics), with gradients to every argument.
     *
     * @param x {@code (N, C, H, W)} or {@code (N, C)}
     * @param w gate weights {@code (K, C)}
     * @param wb gate biases {@code (K)}
     * @param alpha {@code (C)}
     * @param beta {@code (C)}
     * @param eps ε
     * @return output (shape of {@code x}) and statistics
     */
    static Result transform(
            NDArray x, NDArray w, NDArray wb, NDArray alpha, NDArray beta, float eps) {
        Shape shape = x.getShape();
        NDArray x3 = as3d(x); // (N,C,L)
        long n = x3.getShape().get(0);
        long c = x3.getShape().get(1);
        long l = x3.getShape().get(2);
        // detached per-channel batch mean as shift: keeps E[d²] − E[d]² free of cancellation
        NDArray shift = x3.stopGradient().sum(new int[] {0, 2}).div(n * l).reshape(c, 1);
        NDArray d = x3.sub(shift);
        NDArray s1 = d.sum(new int[] {2}); // (N,C)
        NDArray s2 = d.square().sum(new int[] {2}); // (N,C)
        NDArray phi = MixtureOps.div(s1, l).add(shift.reshape(c)); // spatial mean of x, with gradient
        NDArray g = gates(phi, w, wb); // (N,K)
        NDArray gT = g.transpose(); // (K,N)
        NDArray nk = MixtureOps.maximum(MixtureOps.mul(g.sum(new int[] {0}), l), 1e-30)
                .expandDims(1); // (K,1)
        NDArray mu = gT.matMul(s1).div(nk); // (K,C) shifted
        NDArray var = MixtureOps.maximum(gT.matMul(s2).div(nk).sub(mu.square()), 0);
        Result r = new Result();
        r.gates = g;
        r.mean = mu.add(shift.reshape(c));
        r.var = var;
        r.y = output(d, g, mu, var, alpha, beta, eps).reshape(shape);
        return r;
    }

    private static NDArray as3d(NDArray x) {
        Shape s = x.getShape();
        return s.dimension() == 4
                ? x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3))
                : x.reshape(s.get(0), s.get(1), 1);
    }

    private static NDArray gates(NDArray phi, NDArray w, NDArray wb) {
        return phi.matMul(w.transpose()).add(wb).softmax(1); // (N,K)
    }

    /** {@code y = α ⊙ Σ_k g_nk (x − μ_k)/√(σ²_k+ε) + β = x∘P − Q + β} with (N, C) P and Q. */
    private static NDArray output(
            NDArray x3, NDArray g, NDArray mu, NDArray var, NDArray alpha, NDArray beta,
            float eps) {
        NDArray s = MixtureOps.pow(var.add(eps).sqrt(), -1).mul(alpha); // (K,C)
        NDArray p = g.matMul(s).expandDims(2); // (N,C,1)
        NDArray q = g.matMul(mu.mul(s)).sub(beta).expandDims(2); // (N,C,1)
        return x3.mul(p).subi(q);
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

    /** @return the seed of the gate initialisation */
    public long getSeed() {
        return seed;
    }

    private void checkFinite(Result r, NDArray x) {
        for (double v : MixtureNorm.toDoubles(r.mean.stopGradient())) {
            if (!Double.isFinite(v)) {
                throw nonFinite(x);
            }
        }
        for (double v : MixtureNorm.toDoubles(r.var.stopGradient())) {
            if (!Double.isFinite(v)) {
                throw nonFinite(x);
            }
        }
    }

    private NonFiniteInputException nonFinite(NDArray x) {
        boolean nan = x.isNaN().any().getBoolean();
        return new NonFiniteInputException("ModeNorm(K=" + components + ", C=" + channels
                + "): input of shape " + x.getShape()
                + (nan ? " contains NaN" : " contains ±Inf or overflows float arithmetic"));
    }

    private static void checkRank(Shape s) {
        if (s.dimension() != 4 && s.dimension() != 2) {
            throw new IllegalArgumentException(
                    "ModeNorm expects input of shape (N, C, H, W) or (N, C), got " + s);
        }
        if (s.size() == 0) {
            throw new IllegalArgumentException("ModeNorm got an empty input " + s);
        }
    }

    private String wrongChannels(Shape s) {
        return "ModeNorm was initialised for C=" + channels + " channels, i.e. input of shape (N, "
                + channels + ", H, W) or (N, " + channels + "), got " + s;
    }

    /** {@code 1/K + 0.01·N(0,1)}, from the block's seed (independent of the engine's RNG). */
    static final class GateInitializer implements Initializer {
        private final int k;
        private final long seed;

        GateInitializer(int k, long seed) {
            this.k = k;
            this.seed = seed;
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
            double[] v = new double[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = 1.0 / k + 0.01 * GaussianMixture.gaussian(rng);
            }
            return MixtureOps.constant(manager, v, shape, dataType);
        }
    }

    /** The builder of {@link ModeNorm}. */
    public static final class Builder {
        private int components = 2;
        private float epsilon = 1e-5f;
        private float momentum = 0.1f;
        private long seed = 0L;

        Builder() {}

        /**
         * @param k number of modes K ≥ 1 (default 2)
         * @return this
         */
        public Builder optComponents(int k) {
            components = k;
            return this;
        }

        /**
         * @param eps ε &gt; 0 (default 1e-5)
         * @return this
         */
        public Builder optEpsilon(float eps) {
            epsilon = eps;
            return this;
        }

        /**
         * @param m weight of the new batch in the running averages, in [0, 1] (default 0.1)
         * @return this
         */
        public Builder optMomentum(float m) {
            momentum = m;
            return this;
        }

        /**
         * @param s seed of the gate-weight initialisation (default 0)
         * @return this
         */
        public Builder optSeed(long s) {
            seed = s;
            return this;
        }

        /**
         * @return the block
         * @throws IllegalArgumentException on an invalid setting, or a bad value of
         *     {@code MIXNORM_MALLOC_TUNING} ({@link NativeMemory#tune()})
         */
        public ModeNorm build() {
            NativeMemory.tune(); // before the model's tensors exist: see NativeMemory
            if (components < 1) {
                throw new IllegalArgumentException(
                        "ModeNorm needs K >= 1 modes, got " + components);
            }
            if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
            }
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException(
                        "momentum (weight of the new batch) must be in [0, 1], got " + momentum);
            }
            return new ModeNorm(this);
        }
    }
}
