package io.mixnorm.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.gmm.GaussianMixture;
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
 * with {@code W ∈ R^{K×C}} initialised {@code 1/K + 0.01·N(0,1)} (seeded), {@code b = 0}, {@code α
 * = 1}, {@code β = 0}, ε = 1e-5, K = 2 by default. Gradients flow through the gates (to {@code W},
 * {@code b} and {@code x}) and through {@code μ_k, σ²_k}; there is no {@code 1/√λ} factor (unlike
 * {@link MixtureNorm}).
 *
 * <p>Running averages of {@code E[x]} and {@code E[x²]} per mode (gates detached) are kept with
 * {@code momentum} = weight of the new batch (PyTorch convention, default 0.1), initialised to 0
 * and 1. At inference the gates are computed per image as in training and {@code μ_k = E[x]_k},
 * {@code σ²_k = max(E[x²]_k − E[x]_k², 0)}.
 *
 * <p>Parameters, in order: {@code gamma} (α, C), {@code beta} (C), {@code gateWeight} (K, C),
 * {@code gateBias} (K), {@code runningMean} (K, C), {@code runningSqMean} (K, C). The gate weight
 * has type {@link Parameter.Type#OTHER} so that a network-wide {@code setInitializer(...,
 * Parameter.Type.WEIGHT)} does not replace its specific initialisation. γ, β, the input checks and
 * the versioned save/load are the shared {@link ChannelNorm}.
 */
public class ModeNorm extends ChannelNorm {

    private static final byte VERSION = 1;

    private final long seed;

    private final Parameter gateWeight;
    private final Parameter gateBias;
    private final Parameter runningMean;
    private final Parameter runningSqMean;

    ModeNorm(Builder b) {
        super(VERSION, VERSION, b.components, b.epsilon, b.momentum, true, true);
        seed = b.seed;
        gateWeight =
                addParameter(
                        "gateWeight",
                        Parameter.Type.OTHER,
                        new GateInitializer(components, seed),
                        true);
        gateBias = addParameter("gateBias", Parameter.Type.BIAS, new ConstantInitializer(0f), true);
        runningMean = addRunning("runningMean", Parameter.Type.RUNNING_MEAN, 0f);
        runningSqMean = addRunning("runningSqMean", Parameter.Type.RUNNING_VAR, 1f);
    }

    /**
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    void prepareParameters() {
        Shape kc = new Shape(components, channels);
        gateWeight.setShape(kc);
        gateBias.setShape(new Shape(components));
        runningMean.setShape(kc);
        runningSqMean.setShape(kc);
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
        checkInput(shape);
        NDManager mgr = x.getManager();
        Device dev = x.getDevice();
        NDArray a = local(parameterStore.getValue(gamma, dev, training), mgr);
        NDArray b = local(parameterStore.getValue(beta, dev, training), mgr);
        NDArray w = local(parameterStore.getValue(gateWeight, dev, training), mgr);
        NDArray wb = local(parameterStore.getValue(gateBias, dev, training), mgr);
        NDArray rm = parameterStore.getValue(runningMean, dev, training);
        NDArray rs = parameterStore.getValue(runningSqMean, dev, training);
        if (training) {
            Result r = transform(x, w, wb, a, b, epsilon);
            checkFinite(x, r.mean, r.var);
            NDArray mean = r.mean.stopGradient();
            NDArray sqMean = r.var.stopGradient().add(mean.square());
            movingAverage(rm, mean, momentum);
            movingAverage(rs, sqMean, momentum);
            return new NDList(r.y);
        }
        double t = toDoubles(x.stopGradient().sum())[0];
        if (!Double.isFinite(t)) {
            throw nonFinite(x);
        }
        NDArray mu = local(rm, mgr);
        NDArray var = MixtureOps.maximum(local(rs, mgr).sub(mu.square()), 0);
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
        NDArray phi =
                MixtureOps.div(s1, l).add(shift.reshape(c)); // spatial mean of x, with gradient
        NDArray g = gates(phi, w, wb); // (N,K)
        NDArray gT = g.transpose(); // (K,N)
        NDArray nk =
                MixtureOps.maximum(MixtureOps.mul(g.sum(new int[] {0}), l), 1e-30)
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
            NDArray x3,
            NDArray g,
            NDArray mu,
            NDArray var,
            NDArray alpha,
            NDArray beta,
            float eps) {
        NDArray s = MixtureOps.pow(var.add(eps).sqrt(), -1).mul(alpha); // (K,C)
        NDArray p = g.matMul(s).expandDims(2); // (N,C,1)
        NDArray q = g.matMul(mu.mul(s)).sub(beta).expandDims(2); // (N,C,1)
        return x3.mul(p).subi(q);
    }

    /**
     * @return the seed of the gate initialisation
     */
    public long getSeed() {
        return seed;
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

    /** The builder of {@link ModeNorm}: K = 2 modes by default, ε = 1e-5, momentum 0.1, seed 0. */
    public static final class Builder extends BaseBuilder<Builder> {

        Builder() {
            super(2);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * @return the block
         * @throws IllegalArgumentException on an invalid setting, or a bad value of {@code
         *     MIXNORM_MALLOC_TUNING} ({@link NativeMemory#tune()})
         */
        public ModeNorm build() {
            NativeMemory.tune(); // before the model's tensors exist: see NativeMemory
            validate("ModeNorm", "modes");
            return new ModeNorm(this);
        }
    }
}
