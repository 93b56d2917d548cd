package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.engine.Intermediates;
import io.mixnorm.gmm.GaussianMixture;
import java.util.Arrays;

/**
 * The tensor formulation of Mixture Normalization (specification §6), shared by the training and
 * inference paths of {@link MixtureNorm} and used directly by the tests.
 *
 * <p>Layout: the input is brought once into a row matrix {@code X} of shape {@code (m, C)}, {@code
 * m = N·H·W}, rows in {@code (n, h, w)} order (a view of a 4-D input stored channels-last, a
 * channels-last copy of an NCHW one, the input itself for a 2-D one), and shifted by a constant
 * per-channel vector {@code c}: the de-biased running mixture's mean ({@link #shiftFor}), the
 * batch's detached mean on the first call or after a reset ({@link #shiftFromBatch}), and no shift
 * at all where the data are centred enough. The transform is shift invariant; the shift only keeps
 * the one-pass variance and the expanded quadratic form of the log-density free of cancellation.
 * Everything else is {@code (m×C)·(C×K)}, {@code (K×m)·(m×C)} and {@code (m×K)·(K×C)} products plus
 * a few elementwise passes; no {@code (K, m, C)} tensor is formed in {@code POSITION} mode.
 */
final class MixtureOps {

    static final double LOG_2PI = Math.log(2 * Math.PI);

    private MixtureOps() {}

    /** Batch statistics of equations (2)–(5) and the output of (6)–(7). */
    static final class Result {
        /** λ_k, {@code (K)} (POSITION) or {@code (K, C)} (CHANNEL); constant (no gradient). */
        NDArray lambda;

        /** E_k in shifted coordinates, {@code (K, C)}; carries gradient. */
        NDArray mean;

        /** V_k (biased), {@code (K, C)}; carries gradient. */
        NDArray var;

        /** Σ_i v_ik², same shape as {@code lambda}; for the unbiased running variance. */
        NDArray sumV2;
    }

    // ------------------------------------------------------------------ scalars in the graph
    //
    // DJL 0.36's PyTorch engine implements pow/maximum/minimum/mul/div(Number) by wrapping the
    // number in a temporary 0-d NDArray backed by a Java direct buffer (torch::from_blob) and
    // closing it right after the op. Autograd saves that tensor for the backward pass of pow
    // (the exponent), maximum/minimum (the mask) and mul/div (the factor), but not its memory:
    // once the buffer is freed (GC) the backward reads whatever is there, which gave NaN/Inf or
    // silently wrong gradients, at random, in deep stacks of MN layers. Every such op on an array
    // that carries gradient therefore takes a scalar from scalarLike, which PyTorch owns.

    /**
     * A 0-d array of {@code a}'s type and manager whose memory PyTorch owns (safe to be saved by
     * autograd).
     *
     * @param a the operand
     * @param v the value
     * @return the scalar
     */
    static NDArray scalarLike(NDArray a, double v) {
        return a.getManager().full(new Shape(), (float) v, a.getDataType());
    }

    /** {@code a.pow(e)}, safe for backward. */
    static NDArray pow(NDArray a, double e) {
        return a.pow(scalarLike(a, e));
    }

    /** {@code a.maximum(v)}, safe for backward. */
    static NDArray maximum(NDArray a, double v) {
        return a.maximum(scalarLike(a, v));
    }

    /** {@code a.mul(v)}, safe for backward. */
    static NDArray mul(NDArray a, double v) {
        return a.mul(scalarLike(a, v));
    }

    /** {@code a.div(v)}, safe for backward. */
    static NDArray div(NDArray a, double v) {
        return a.div(scalarLike(a, v));
    }

    // ------------------------------------------------------------------ squares
    //
    // The statistics need x∘x with gradient. PyTorch's square is pow(x, 2), whose backward is
    // three full passes over the (m, C) rows (pow(x, 1), ×2, ×grad); x·stopGradient(x) has the
    // same values and a backward of one (grad∘x), but half the true gradient. The statistics give
    // the factor 2 back on their (K, C) sums (sumOfSquares), where it costs nothing.

    /**
     * {@code x∘x} as the statistics take it: {@code x · stopGradient(x)}, whose gradient is half
     * the true one until {@link #sumOfSquares} doubles it. Pass only these to {@link
     * Samples#statistics}.
     */
    static NDArray squares(NDArray rows) {
        return rows.mul(rows.stopGradient());
    }

    /**
     * A sum (over samples) of {@link #squares}, with the true gradient: {@code 2s −
     * stopGradient(s)} has the value s exactly (2s − s is exact in floating point) and twice s's
     * gradient.
     */
    static NDArray sumOfSquares(NDArray s) {
        return mul(s, 2).sub(s.stopGradient());
    }

    // ------------------------------------------------------------------ layout

    /**
     * @param x {@code (N, C, H, W)} or {@code (N, C)}
     * @return the row matrix {@code (m, C)}: for 4-D input a view when it is stored channels-last,
     *     else a contiguous copy
     */
    static NDArray toRows(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() == 2) {
            return x;
        }
        return x.transpose(0, 2, 3, 1).reshape(s.get(0) * s.get(2) * s.get(3), s.get(1));
    }

    /**
     * @param y {@code (m, C)} rows
     * @param inputShape the original input shape
     * @return {@code y} viewed in the input's shape (a permuted view for 4-D input)
     */
    static NDArray fromRows(NDArray y, Shape inputShape) {
        if (inputShape.dimension() == 2) {
            return y;
        }
        return y.reshape(inputShape.get(0), inputShape.get(2), inputShape.get(3), inputShape.get(1))
                .transpose(0, 3, 1, 2);
    }

    /**
     * The row matrix of {@code x − shift} ({@code shift} broadcast over channels), or of {@code x}
     * itself when {@code shift} is null.
     *
     * @param x {@code (N, C, H, W)} or {@code (N, C)}
     * @param shift per-channel shift or {@code null}
     * @return {@code (m, C)} rows
     */
    static NDArray centredRows(NDArray x, double[] shift) {
        if (shift == null) {
            return toRows(x);
        }
        Shape s = x.getShape();
        long c = s.get(1);
        Shape sh = s.dimension() == 4 ? new Shape(c, 1, 1) : new Shape(c);
        NDArray d = x.sub(constant(x.getManager(), shift, sh, x.getDataType()));
        NDArray rows = toRows(d);
        if (rows != d) {
            d.close(); // rows is a view of it, or (NCHW input) a copy; Intermediates
        }
        return rows;
    }

    /**
     * Creates a constant of the given data type.
     *
     * @param manager the manager
     * @param values row-major values
     * @param shape the shape
     * @param type the data type
     * @return the array
     */
    static NDArray constant(NDManager manager, double[] values, Shape shape, DataType type) {
        if (type == DataType.FLOAT64) {
            return manager.create(values, shape);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        NDArray a = manager.create(f, shape);
        return type == DataType.FLOAT32 ? a : a.toType(type, false);
    }

    /**
     * Returns {@code g} with every mean shifted by {@code -shift}.
     *
     * @param g a mixture
     * @param shift per-dimension shift
     * @return the shifted mixture
     */
    static GaussianMixture shifted(GaussianMixture g, double[] shift) {
        int k = g.components();
        int c = g.dimension();
        double[] mu = g.means();
        for (int j = 0; j < k; j++) {
            for (int d = 0; d < c; d++) {
                mu[j * c + d] -= shift[d];
            }
        }
        return GaussianMixture.of(g.weights(), mu, g.variances());
    }

    /**
     * Every mixture of {@code g} shifted by {@code -shift}, each over its own channels: group
     * {@code i} of dimension {@code d} covers channels {@code i·d .. i·d + d − 1}.
     *
     * @param g one mixture per group of channels
     * @param shift per-channel shift; null means none (the mixtures are still copied)
     * @return the shifted mixtures
     */
    static GaussianMixture[] shifted(GaussianMixture[] g, double[] shift) {
        GaussianMixture[] out = new GaussianMixture[g.length];
        for (int i = 0; i < g.length; i++) {
            int d = g[i].dimension();
            out[i] =
                    shifted(
                            g[i],
                            shift == null
                                    ? new double[d]
                                    : Arrays.copyOfRange(shift, i * d, i * d + d));
        }
        return out;
    }

    /**
     * The inverse of {@link #shifted(GaussianMixture[], double[])}: back to input coordinates.
     *
     * @param g mixtures in shifted coordinates
     * @param shift the shift, or null
     * @return the mixtures in input coordinates
     */
    static GaussianMixture[] unshifted(GaussianMixture[] g, double[] shift) {
        GaussianMixture[] out = new GaussianMixture[g.length];
        for (int i = 0; i < g.length; i++) {
            int d = g[i].dimension();
            double[] neg = new double[d];
            for (int j = 0; j < d; j++) {
                neg[j] = shift == null ? -0.0 : -shift[i * d + j];
            }
            out[i] = shifted(g[i], neg);
        }
        return out;
    }

    /**
     * The per-channel shift applied before the one-pass statistics, or {@code null} when the data
     * are centred enough to skip it ({@code mean² ≤ 16·variance} in every channel, judged from the
     * running mixture): then float32 cancellation in {@code E[x²] − E[x]²} costs at most ~17×
     * machine precision and the layer saves a full-size pass.
     *
     * @param run the running mixture, one mixture per group of channels
     * @param channels C
     * @return the shift (the mixture's mean) or null
     */
    static double[] shiftFor(GaussianMixture[] run, int channels) {
        double[] mean = new double[channels];
        double[] second = new double[channels];
        for (int i = 0; i < run.length; i++) {
            GaussianMixture g = run[i];
            int dim = g.dimension();
            for (int d = 0; d < dim; d++) {
                int ch = i * dim + d;
                for (int j = 0; j < g.components(); j++) {
                    double w = g.weight(j);
                    double mu = g.mean(j, d);
                    double v = g.variance(j, d);
                    mean[ch] += w * mu;
                    second[ch] += w * (v + mu * mu);
                }
            }
        }
        return needsShift(mean, second) ? mean : null;
    }

    /**
     * The shift decision of the first call (or after a reset), from the batch itself: two reduction
     * passes, once.
     *
     * @param x the input
     * @param layer the layer, for the error on a non-finite input
     * @return the batch's per-channel mean, or null when the data are centred enough
     */
    static double[] shiftFromBatch(NDArray x, ChannelNorm layer) {
        Shape s = x.getShape();
        int[] axes = s.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double count = (double) s.size() / s.get(1);
        NDArray xd = x.stopGradient();
        double[] sum = ChannelNorm.toDoubles(xd.sum(axes));
        double[] sumSq = ChannelNorm.toDoubles(xd.square().sum(axes));
        double[] mean = new double[sum.length];
        double[] second = new double[sum.length];
        for (int d = 0; d < sum.length; d++) {
            if (!Double.isFinite(sum[d]) || !Double.isFinite(sumSq[d])) {
                throw layer.nonFinite(x);
            }
            mean[d] = sum[d] / count;
            second[d] = sumSq[d] / count;
        }
        return needsShift(mean, second) ? mean : null;
    }

    /**
     * @param mean per-channel mean
     * @param second per-channel second moment
     * @return whether some channel has {@code mean² > 16·variance}
     */
    static boolean needsShift(double[] mean, double[] second) {
        for (int d = 0; d < mean.length; d++) {
            double var = Math.max(second[d] - mean[d] * mean[d], 0);
            if (mean[d] * mean[d] > 16 * var) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ POSITION mode
    //
    // The log joint is two (m×C)·(C×K) products whose right operands are transposed views of the
    // (K, C) coefficient matrices, so that BLAS streams X once in its own row order: at cnn5's
    // conv2 (m = 32768, C = 128, K = 3, 2 threads) both products took 2.8 ms against 15.2 ms for
    // the transposed form (K×C)·(C×m) used before, which the softmax over the trailing axis of
    // length K (1.5 ms against 0.8 ms over the leading axis plus a copy) does not give back. The
    // posteriors come out contiguous (m, K), the operand every later product uses (products with
    // (m, K) as a transposed view of a (K, m) array made autograd's backward markedly slower).

    /**
     * Posteriors {@code (m, K)}, contiguous, from the log joint {@code (m, K)}.
     *
     * @param logJoint {@code (m, K)}
     * @return {@code (m, K)} posteriors
     */
    static NDArray posteriorsFromLogJoint(NDArray logJoint) {
        return logJoint.softmax(1);
    }

    /**
     * The log joint as a quadratic form: {@code log λ_k + log N(x | μ_k, σ²_k) = Σ_c a_kc x_c² +
     * b_kc x_c + b0_k} with {@code a = −½/σ²}, {@code b = μ/σ²}, {@code b0 = log λ − ½ Σ_c (μ²/σ² +
     * log 2πσ²)}.
     *
     * @param theta the mixture
     * @return {@code {a (K×C), b (K×C), b0 (K)}}, row-major
     */
    static double[][] logJointCoefficients(GaussianMixture theta) {
        int k = theta.components();
        int c = theta.dimension();
        double[] a = new double[k * c];
        double[] b = new double[k * c];
        double[] bias = new double[k];
        for (int j = 0; j < k; j++) {
            double s = 0;
            for (int d = 0; d < c; d++) {
                double v = theta.variance(j, d);
                double mu = theta.mean(j, d);
                a[j * c + d] = -0.5 / v;
                b[j * c + d] = mu / v;
                s += mu * mu / v + Math.log(v) + LOG_2PI;
            }
            bias[j] = Math.log(theta.weight(j)) - 0.5 * s;
        }
        return new double[][] {a, b, bias};
    }

    /**
     * Log joint {@code log λ_k + log N(x_i | μ_k, σ²_k)} of every row, as two {@code (m×C)·(C×K)}
     * products: {@code (X∘X)·Aᵀ + X·Bᵀ + b}. Inputs must be detached.
     *
     * @param xd detached rows {@code (m, C)}
     * @param sqd detached {@code X∘X}
     * @param theta the mixture, in the same (shifted) coordinates as {@code xd}
     * @return {@code (m, K)} log joint
     */
    static NDArray positionLogJoint(NDArray xd, NDArray sqd, GaussianMixture theta) {
        int k = theta.components();
        int c = theta.dimension();
        double[][] coef = logJointCoefficients(theta);
        NDManager mgr = xd.getManager();
        DataType t = xd.getDataType();
        NDArray am = constant(mgr, coef[0], new Shape(k, c), t);
        NDArray bm = constant(mgr, coef[1], new Shape(k, c), t);
        NDArray bias = constant(mgr, coef[2], new Shape(1, k), t);
        return sqd.matMul(am.transpose()).addi(xd.matMul(bm.transpose())).addi(bias);
    }

    /**
     * Equations (2)–(5) for given posteriors, in POSITION mode; (6)–(7) are {@link #apply}.
     *
     * @param x rows {@code (m, C)} (shifted), carrying gradient
     * @param sq {@link #squares} of {@code x}
     * @param tau posteriors {@code (m, K)}; treated as constant
     * @return statistics
     */
    static Result positionTransform(NDArray x, NDArray sq, NDArray tau) {
        tau = tau.stopGradient();
        NDArray tauT = tau.transpose(); // (K,m) view
        long m = x.getShape().get(0);
        NDArray n = tau.sum(new int[] {0}); // (K)
        NDArray nSafe = n.maximum(1e-30f).expandDims(1); // (K,1)
        NDArray mean = tauT.matMul(x).div(nSafe); // (K,C)
        NDArray var = maximum(sumOfSquares(tauT.matMul(sq)).div(nSafe).sub(mean.square()), 0);
        Result r = new Result();
        r.lambda = n.div(m);
        r.mean = mean;
        r.var = var;
        r.sumV2 = tau.square().sum(new int[] {0}).div(nSafe.squeeze(1).square());
        return r;
    }

    /**
     * Equations (6)–(7): {@code y = X ∘ (A′·(S∘γ)) + [A′, 1]·[−E∘S∘γ; β]} with {@code A′ = τ/√λ}
     * ({@code m×K}, constant), {@code S = 1/√(V+ε)}: two {@code (m×K)·(K×C)} products, one
     * multiplication and one in-place addition over the full tensor. All array arguments must be
     * owned by the batch's manager (receivers of ops create arrays in their own manager).
     *
     * @param x rows {@code (m, C)}
     * @param tau {@code (m, K)} posteriors
     * @param lambda {@code (K)} weights used in {@code 1/√λ}
     * @param mean {@code (K, C)} in the coordinates of {@code x}
     * @param var {@code (K, C)}
     * @param gamma {@code (C)}
     * @param beta {@code (C)}
     * @param eps ε
     * @param lambdaFloor floor of λ
     * @return {@code (m, C)} output rows
     */
    static NDArray apply(
            NDArray x,
            NDArray tau,
            NDArray lambda,
            NDArray mean,
            NDArray var,
            NDArray gamma,
            NDArray beta,
            float eps,
            double lambdaFloor) {
        long m = x.getShape().get(0);
        long c = x.getShape().get(1);
        NDManager mgr = x.getManager();
        DataType t = x.getDataType();
        NDArray invSqrtLambda = lambda.stopGradient().maximum(lambdaFloor).sqrt().pow(-1);
        NDArray a = tau.stopGradient().mul(invSqrtLambda); // (m,K), constant
        NDArray s = pow(var.add(eps).sqrt(), -1); // (K,C)
        NDArray g = s.mul(gamma); // (K,C)
        NDArray hNeg = mean.mul(g).neg(); // (K,C)
        NDArray aAug = NDArrays.concat(new NDList(a, mgr.ones(new Shape(m, 1), t)), 1);
        NDArray betaRow = mgr.zeros(new Shape(1, c), t).add(beta); // (1,C)
        NDArray hAug = NDArrays.concat(new NDList(hNeg, betaRow), 0); // (K+1,C)
        NDArray p = a.matMul(g);
        NDArray q = aAug.matMul(hAug);
        // in place: mul's backward needs its inputs, not its output; add's needs neither
        NDArray y = x.mul(p).addi(q);
        Intermediates.release(new NDList(p, q, a, aAug)); // (m, C) and (m, K): not the step's
        return y;
    }

    // ------------------------------------------------------------------ with a given τ or θ

    /**
     * Equations (1)–(7) (POSITION mode) with a given mixture instead of one fitted by EM, the rows
     * shifted by the batch mean: the operations of a training forward after the fit (which shifts
     * by the running mean instead; the result is the same up to rounding).
     *
     * @param x input {@code (N, C, H, W)} or {@code (N, C)}
     * @param theta the mixture over {@code R^C}, in input coordinates
     * @param gamma {@code (C)}
     * @param beta {@code (C)}
     * @param eps ε
     * @param lambdaFloor floor of λ
     * @return {@code y}, same shape as {@code x}
     */
    static NDArray transformWithMixture(
            NDArray x,
            GaussianMixture theta,
            NDArray gamma,
            NDArray beta,
            float eps,
            double lambdaFloor) {
        Shape shape = x.getShape();
        long c = shape.get(1);
        long m = shape.size() / c;
        int[] axes = shape.dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        double[] shift = ChannelNorm.toDoubles(x.stopGradient().sum(axes).div(m));
        NDArray rows = centredRows(x, shift);
        NDArray sq = squares(rows);
        NDArray tau =
                posteriorsFromLogJoint(
                        positionLogJoint(
                                rows.stopGradient(), sq.stopGradient(), shifted(theta, shift)));
        Result r = positionTransform(rows, sq, tau);
        return fromRows(
                apply(rows, tau, r.lambda, r.mean, r.var, gamma, beta, eps, lambdaFloor), shape);
    }

    /**
     * Equations (2)–(7) with fixed posteriors (POSITION mode).
     *
     * @param x input {@code (N, C, H, W)} or {@code (N, C)}
     * @param tau posteriors {@code (m, K)}, rows in {@code (n, h, w)} order
     * @param gamma {@code (C)}
     * @param beta {@code (C)}
     * @param eps ε
     * @param lambdaFloor floor of λ
     * @return {@code y}, same shape as {@code x}
     */
    static NDArray transformWithPosteriors(
            NDArray x, NDArray tau, NDArray gamma, NDArray beta, float eps, double lambdaFloor) {
        NDArray rows = toRows(x);
        NDArray sq = squares(rows);
        Result r = positionTransform(rows, sq, tau);
        return fromRows(
                apply(rows, tau, r.lambda, r.mean, r.var, gamma, beta, eps, lambdaFloor),
                x.getShape());
    }
}
