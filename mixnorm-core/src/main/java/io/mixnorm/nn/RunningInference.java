package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.mixnorm.gmm.GaussianMixture;

/**
 * MixtureNorm's inference with the running mixture: posteriors from {@code μ = Ē}, {@code σ² = V̄},
 * and (6)–(7) with {@code λ̄, Ē, V̄}. In POSITION mode with a 4-D input it runs in the
 * matrix-product form with constants: the mixture is fixed, so equation (1) is a {@code 1×1}
 * convolution of {@code [x∘x, x]} with {@code K} filters, and (6)–(7) fold into
 *
 * <pre>
 * y = x ∘ (τ·P) + τ·Q + β,    P_kc = γ_c / √(λ̄_k (V̄_kc + ε)),    Q_kc = −Ē_kc · P_kc
 * </pre>
 *
 * two {@code 1×1} convolutions of the posteriors {@code τ} (K channels) back to C channels. Nothing
 * is transposed (input and output stay NCHW), and the batch is processed in chunks of about 1 MiB
 * so that {@code x∘x}, the posteriors and {@code τ·P}, {@code τ·Q} are still in cache when the next
 * operation reads them: the layer then costs about one read of {@code x} and one write of {@code y}
 * from memory, plus the work. Measured in docs/benchmarks.md ("Inference").
 */
final class RunningInference {

    /** Bytes of input per chunk: fits a core's L2 with the chunk's intermediates in L3. */
    static final long CHUNK_BYTES = 1L << 20;

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
        Shape shape = x.getShape();
        NDManager mgr = x.getManager();
        DataType type = x.getDataType();
        GaussianMixture[] theta = mn.running.mixtures(run, false);
        double[] shift = MixtureOps.shiftFor(theta, (int) mn.channels);
        NDArray mean = ChannelNorm.local(run.means(), mgr);
        if (shift != null) {
            mean = mean.sub(MixtureOps.constant(mgr, shift, new Shape(mn.channels), type));
        }
        if (mn.isPositionMode() && shape.dimension() == 4) {
            NDList sums = new NDList();
            NDArray y =
                    forward(
                            x,
                            shift == null ? theta[0] : MixtureOps.shifted(theta[0], shift),
                            shift,
                            ChannelNorm.local(run.weights(), mgr),
                            mean,
                            ChannelNorm.local(run.variances(), mgr),
                            gamma,
                            beta,
                            mn.getEpsilon(),
                            MixtureNorm.LAMBDA_FLOOR,
                            sums);
            // a non-finite input makes the log joint non-finite: one small reduction checks it
            NDArray total = sums.size() == 1 ? sums.head() : NDArrays.stack(sums).sum();
            if (!Double.isFinite(ChannelNorm.toDoubles(total)[0])) {
                throw mn.nonFinite(x);
            }
            return y;
        }
        if (!Double.isFinite(ChannelNorm.toDoubles(x.stopGradient().sum())[0])) {
            throw mn.nonFinite(x);
        }
        Samples samples = mn.samples();
        NDArray rows = MixtureOps.centredRows(x, shift);
        NDArray tau =
                samples.posteriors(
                        rows.stopGradient(),
                        null,
                        samples.needsMixture(mn.getComponents())
                                ? MixtureOps.shifted(theta, shift)
                                : null);
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
        return MixtureOps.fromRows(y, shape);
    }

    /**
     * @param x input {@code (N, C, H, W)}, in input coordinates
     * @param theta the posterior mixture, in the coordinates of {@code x − shift}
     * @param shift per-channel shift subtracted first, or {@code null}
     * @param lambda λ̄ {@code (K)}, owned by the batch's manager
     * @param mean Ē {@code (K, C)} in shifted coordinates, owned by the batch's manager
     * @param var V̄ {@code (K, C)}, owned by the batch's manager
     * @param gamma γ {@code (C)} (gradients flow to it)
     * @param beta β {@code (C)} (gradients flow to it)
     * @param eps ε
     * @param lambdaFloor floor of λ inside {@code 1/√λ}
     * @param logitSums receives the sum of each chunk's log joint (a finiteness check for free)
     * @return {@code y}, {@code (N, C, H, W)}, contiguous
     */
    static NDArray forward(
            NDArray x,
            GaussianMixture theta,
            double[] shift,
            NDArray lambda,
            NDArray mean,
            NDArray var,
            NDArray gamma,
            NDArray beta,
            float eps,
            double lambdaFloor,
            NDList logitSums) {
        Shape s = x.getShape();
        long n = s.get(0);
        int c = (int) s.get(1);
        int k = theta.components();
        NDManager mgr = x.getManager();
        DataType type = x.getDataType();
        // (1) as a 1×1 convolution: log λ_k + log N(x | μ_k, σ²_k) = Σ_c a_kc x_c² + b_kc x_c +
        // b0_k
        double[][] coef = MixtureOps.logJointCoefficients(theta);
        NDArray wa = MixtureOps.constant(mgr, coef[0], new Shape(k, c, 1, 1), type);
        NDArray wb = MixtureOps.constant(mgr, coef[1], new Shape(k, c, 1, 1), type);
        NDArray bias0 = MixtureOps.constant(mgr, coef[2], new Shape(k), type);
        // (6)-(7) folded: P = γ/√(λ(V+ε)), Q = −E·P, with gradients to γ and β
        NDArray invSqrtLambda = lambda.stopGradient().maximum(lambdaFloor).sqrt().pow(-1);
        NDArray scale = var.stopGradient().add(eps).sqrt().pow(-1).mul(invSqrtLambda.expandDims(1));
        NDArray p = scale.mul(gamma); // (K, C)
        NDArray q = p.mul(mean.stopGradient()).neg();
        NDArray wp = p.transpose().reshape(c, k, 1, 1);
        NDArray wq = q.transpose().reshape(c, k, 1, 1);
        NDArray shiftArr =
                shift == null ? null : MixtureOps.constant(mgr, shift, new Shape(c, 1, 1), type);
        long perImage = s.size() / n * type.getNumOfBytes();
        long chunk = Math.max(1, Math.min(n, CHUNK_BYTES / Math.max(1, perImage)));
        NDList out = new NDList();
        for (long i = 0; i < n; i += chunk) {
            NDArray xc = chunk == n ? x : x.get(i + ":" + Math.min(n, i + chunk));
            if (shiftArr != null) {
                xc = xc.sub(shiftArr);
            }
            NDArray xd = xc.stopGradient();
            NDArray logJoint = conv(xd.square(), wa, null).addi(conv(xd, wb, bias0));
            logitSums.add(logJoint.sum());
            NDArray tau = logJoint.softmax(1);
            NDArray u = conv(tau, wp, null);
            // in place unless autograd records (mul's backward needs u); add's backward needs
            // neither
            NDArray y = u.hasGradient() ? u.mul(xc) : u.muli(xc);
            out.add(y.addi(conv(tau, wq, beta)));
        }
        return out.size() == 1 ? out.singletonOrThrow() : NDArrays.concat(out, 0);
    }

    private static NDArray conv(NDArray x, NDArray w, NDArray b) {
        return Conv2d.conv2d(x, w, b).singletonOrThrow();
    }
}
