package io.mixnorm.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.util.SplittableRandom;

/**
 * MixtureNorm's training-mode equations (1)–(7) written the obvious way, broadcasting every
 * component against the whole input as (K, N, C, H, W) tensors. Same mixture fit as the real layer
 * (a 4096-row subsample, warm-started EM). For benchmarks only: it shows what spec §6's matrix
 * formulation saves. Inference reuses the training transform.
 */
final class NaiveMixtureNorm extends AbstractBlock {
    private final int k;
    private final SplittableRandom rng;
    private final GmmFitter fitter = GmmFitter.builder().optEmIterations(2).build();
    private final Parameter gamma;
    private final Parameter beta;
    private GaussianMixture running;

    NaiveMixtureNorm(int k, long seed) {
        this.k = k;
        this.rng = new SplittableRandom(seed);
        gamma =
                addParameter(
                        Parameter.builder()
                                .setName("gamma")
                                .setType(Parameter.Type.GAMMA)
                                .optInitializer(Initializer.ONES)
                                .build());
        beta =
                addParameter(
                        Parameter.builder()
                                .setName("beta")
                                .setType(Parameter.Type.BETA)
                                .optInitializer(Initializer.ZEROS)
                                .build());
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        long c = inputShapes[0].get(1);
        gamma.setShape(new Shape(c));
        beta.setShape(new Shape(c));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int hw = (int) (s.get(2) * s.get(3));
        int m = n * hw;
        GaussianMixture theta = fit(x, n, c, hw);
        NDManager mgr = x.getManager();
        Shape kShape = new Shape(k, 1, c, 1, 1);
        NDArray mu = mgr.create(toFloat(theta.means()), kShape);
        NDArray var = mgr.create(toFloat(theta.variances()), kShape);
        NDArray logW = mgr.create(toFloat(theta.weights()), new Shape(k, 1, 1, 1, 1)).log();
        NDArray x5 = x.expandDims(0); // (1, N, C, H, W)
        NDArray dev = x5.sub(mu); // (K, N, C, H, W)
        NDArray logN =
                dev.square()
                        .div(var)
                        .add(var.mul(2 * Math.PI).log())
                        .sum(new int[] {2}, true)
                        .mul(-0.5);
        NDArray tau = logN.add(logW).softmax(0).stopGradient(); // (K, N, 1, H, W)
        NDArray mass = tau.sum(new int[] {1, 3, 4}, true); // (K, 1, 1, 1, 1)
        NDArray lambda = mass.div(m);
        NDArray v = tau.div(mass);
        NDArray mean = v.mul(x5).sum(new int[] {1, 3, 4}, true); // (K, 1, C, 1, 1)
        NDArray centred = x5.sub(mean);
        NDArray variance = v.mul(centred.square()).sum(new int[] {1, 3, 4}, true);
        NDArray xhat =
                tau.div(lambda.sqrt())
                        .mul(centred)
                        .div(variance.add(1e-5f).sqrt())
                        .sum(new int[] {0});
        NDArray g = ps.getValue(gamma, x.getDevice(), training).reshape(1, c, 1, 1);
        NDArray b = ps.getValue(beta, x.getDevice(), training).reshape(1, c, 1, 1);
        return new NDList(xhat.mul(g).add(b));
    }

    private GaussianMixture fit(NDArray x, int n, int c, int hw) {
        int m = n * hw;
        int rows = Math.min(4096, m);
        NDArray flat = x.transpose(0, 2, 3, 1).reshape(m, c);
        long[] idx = new long[rows];
        for (int i = 0; i < rows; i++) {
            idx[i] = rng.nextInt(m);
        }
        float[] sub;
        try (NDArray index = x.getManager().create(idx);
                NDArray picked = flat.get(index)) {
            sub = picked.toType(DataType.FLOAT32, false).toFloatArray();
        }
        double[] data = new double[sub.length];
        for (int i = 0; i < sub.length; i++) {
            data[i] = sub[i];
        }
        running = fitter.fit(data, rows, c, k, running, rng).mixture();
        return running;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
