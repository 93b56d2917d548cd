package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.util.SplittableRandom;

/**
 * {@link MixtureNorm.SampleMode#CHANNEL}, the alternative reading of the paper: an independent 1-D
 * mixture per channel, so {@code τ}, {@code λ} carry a channel index. This mode materialises the
 * posteriors as K full-size tensors {@code (K, m, C)} by construction; it exists to compare the two
 * readings, not for speed.
 */
final class ChannelSamples implements Samples {

    static final ChannelSamples INSTANCE = new ChannelSamples();

    private ChannelSamples() {}

    @Override
    public boolean needsMixture(int k) {
        return true;
    }

    @Override
    public GaussianMixture[] fit(
            GmmFitter fitter,
            double[] sample,
            int rows,
            int c,
            int k,
            GaussianMixture[] warm,
            SplittableRandom rng) {
        return fitter.fitPerChannel(sample, rows, c, k, warm, rng);
    }

    /** Equation (1) per channel: the softmax over K of a {@code (K, m, C)} log joint. */
    @Override
    public NDArray posteriors(NDArray rowsD, NDArray sqD, GaussianMixture[] theta) {
        return logJoint(rowsD, theta).softmax(0);
    }

    /**
     * Per-channel log joint {@code log λ_kc + log N(x_ic | μ_kc, σ²_kc)}, {@code (K, m, C)}.
     *
     * @param xd detached rows {@code (m, C)}
     * @param mixtures one 1-D mixture per channel, shifted coordinates
     * @return {@code (K, m, C)} log joint
     */
    static NDArray logJoint(NDArray xd, GaussianMixture[] mixtures) {
        int c = mixtures.length;
        int k = mixtures[0].components();
        NDManager mgr = xd.getManager();
        DataType t = xd.getDataType();
        NDList parts = new NDList(k);
        for (int j = 0; j < k; j++) {
            double[] mu = new double[c];
            double[] h = new double[c];
            double[] b = new double[c];
            for (int d = 0; d < c; d++) {
                double v = mixtures[d].variance(j, 0);
                mu[d] = mixtures[d].mean(j, 0);
                h[d] = -0.5 / v;
                b[d] = Math.log(mixtures[d].weight(j)) - 0.5 * (Math.log(v) + MixtureOps.LOG_2PI);
            }
            Shape sc = new Shape(c);
            parts.add(
                    xd.sub(MixtureOps.constant(mgr, mu, sc, t))
                            .square()
                            .muli(MixtureOps.constant(mgr, h, sc, t))
                            .addi(MixtureOps.constant(mgr, b, sc, t)));
        }
        return NDArrays.stack(parts, 0);
    }

    /**
     * Equations (2)–(5) with a posterior per (sample, component, channel); {@code lambda} and
     * {@code sumV2} are {@code (K, C)}.
     */
    @Override
    public MixtureOps.Result statistics(NDArray x, NDArray sq, NDArray tau) {
        tau = tau.stopGradient();
        long m = x.getShape().get(0);
        NDArray n = tau.sum(new int[] {1}); // (K,C)
        NDArray nSafe = n.maximum(1e-30f);
        NDArray mean = tau.mul(x).sum(new int[] {1}).div(nSafe);
        NDArray var =
                MixtureOps.maximum(
                        MixtureOps.sumOfSquares(tau.mul(sq).sum(new int[] {1}))
                                .div(nSafe)
                                .sub(mean.square()),
                        0);
        MixtureOps.Result r = new MixtureOps.Result();
        r.lambda = n.div(m);
        r.mean = mean;
        r.var = var;
        r.sumV2 = tau.square().sum(new int[] {1}).div(nSafe.square());
        return r;
    }

    /** Equations (6)–(7) per channel, summed over the K posteriors. */
    @Override
    public NDArray normalize(
            NDArray x,
            NDArray tau,
            NDArray lambda,
            NDArray mean,
            NDArray var,
            NDArray gamma,
            NDArray beta,
            float eps) {
        NDArray a = lambda.stopGradient().maximum(MixtureNorm.LAMBDA_FLOOR).sqrt().pow(-1);
        NDArray s = MixtureOps.pow(var.add(eps).sqrt(), -1).mul(gamma); // (K,C)
        NDArray coefP = a.mul(s).expandDims(1); // (K,1,C)
        NDArray coefQ = a.mul(mean).mul(s).expandDims(1);
        NDArray p = tau.mul(coefP).sum(new int[] {0}); // (m,C)
        NDArray q = tau.mul(coefQ).sum(new int[] {0});
        return x.mul(p).sub(q).add(beta);
    }
}
