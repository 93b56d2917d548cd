package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.gmm.GaussianMixture;

/**
 * MixtureNorm's inference with the running mixture: posteriors from {@code μ = Ē}, {@code σ² = V̄},
 * and (6)–(7) with {@code λ̄, Ē, V̄}, in the training forward's tensor formulation (specification
 * §6): rows {@code X (m, C)}, the log joint as two {@code (m×C)·(C×K)} products, and the output as
 * two {@code (m×K)·(K×C)} products, one multiplication and one in-place addition.
 *
 * <p>This replaced 1×1 convolutions of the NCHW input with constant filters, processed in ~1 MiB
 * chunks: measured on the project's 2-core machine with two threads (docs/benchmarks.md), the rows
 * form is about 2× faster at cnn5's conv2 for NCHW and for channels-last inputs, and its output is
 * stored channels-last (a view of the rows) as the training forward's is, whereas the convolutions'
 * softmax handed NCHW on to every later layer.
 */
final class RunningInference {

    private RunningInference() {}

    /**
     * The inference forward of {@code mn} with its running mixture (nothing changes).
     *
     * @param mn the layer
     * @param x input {@code (N, C, H, W)} or {@code (N, C)}
     * @param gamma γ {@code (C)}, owned by the batch's manager
     * @param beta β {@code (C)}, owned by the batch's manager
     * @param run the running arrays the parameter store handed out
     * @return {@code y}, same shape as {@code x}
     */
    static NDArray forward(
            MixtureNorm mn, NDArray x, NDArray gamma, NDArray beta, RunningMixture.Values run) {
        NDManager mgr = x.getManager();
        DataType type = x.getDataType();
        GaussianMixture[] theta = mn.running.mixtures(run, false);
        double[] shift = MixtureOps.shiftFor(theta, (int) mn.channels);
        NDArray mean = ChannelNorm.local(run.means(), mgr);
        if (shift != null) {
            mean = mean.sub(MixtureOps.constant(mgr, shift, new Shape(mn.channels), type));
        }
        Samples samples = mn.samples();
        boolean mixture = samples.needsMixture(mn.getComponents());
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray tau =
                samples.posteriors(
                        rows.stopGradient(),
                        null,
                        mixture ? MixtureOps.shifted(theta, shift) : null);
        // a NaN or infinity anywhere in x makes its posteriors NaN, so one reduction of τ checks
        // the input (a full pass over x only where τ ≡ 1)
        NDArray check = mixture ? tau.sum() : x.stopGradient().sum();
        if (!Double.isFinite(ChannelNorm.toDoubles(check)[0])) {
            throw mn.nonFinite(x);
        }
        NDArray y =
                samples.normalize(
                        rows,
                        tau,
                        ChannelNorm.local(run.weights(), mgr),
                        mean,
                        ChannelNorm.local(run.variances(), mgr),
                        gamma,
                        beta,
                        mn.getEpsilon());
        return MixtureOps.fromRows(y, x.getShape());
    }
}
