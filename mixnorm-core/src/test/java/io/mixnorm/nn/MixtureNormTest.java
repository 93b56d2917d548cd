package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.engine.MemoryFormat;
import io.mixnorm.gmm.GaussianMixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixtureNormTest extends NdTestBase {

    /** Multi-modal, per-channel offset/scale data: 1/3 of the positions from a shifted mode. */
    private static double[] bimodal(long[] shape, SplittableRandom rng) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        double[] x = new double[n * c * hw];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < hw; p++) {
                boolean second = rng.nextDouble() < 1.0 / 3;
                for (int d = 0; d < c; d++) {
                    double mode = second ? 3.0 + 0.5 * d : -1.0;
                    x[(i * c + d) * hw + p] =
                            0.5 * d + (1 + 0.2 * d) * (mode + 0.7 * GaussianMixture.gaussian(rng));
                }
            }
        }
        return x;
    }

    private static void setParam(Block b, String name, double[] v) {
        MixtureNorm.setValues(b.getParameters().get(name).getArray(), v);
    }

    // ------------------------------------------------------------------ K = 1 is BN

    @Test
    void singleComponentEqualsBatchNormInTrainingAndInference() {
        for (long[] shape : new long[][] {{6, 4, 5, 3}, {20, 5}}) {
            int c = (int) shape[1];
            SplittableRandom rng = new SplittableRandom(11);
            MixtureNorm mn = MixtureNorm.builder().optComponents(1).optMomentum(0.1f).build();
            BatchNorm bn = BatchNorm.builder().optMomentum(0.9f).build(); // DJL's convention
            Shape s = new Shape(shape);
            mn.initialize(manager, DataType.FLOAT32, s);
            bn.initialize(manager, DataType.FLOAT32, s);
            double[] gamma = new double[c];
            double[] beta = new double[c];
            for (int d = 0; d < c; d++) {
                gamma[d] = 0.5 + rng.nextDouble();
                beta[d] = rng.nextDouble() - 0.5;
            }
            setParam(mn, "gamma", gamma);
            setParam(bn, "gamma", gamma);
            setParam(mn, "beta", beta);
            setParam(bn, "beta", beta);
            ParameterStore ps = new ParameterStore(manager, false);
            for (int step = 0; step < 4; step++) {
                NDArray x = array(bimodal(shape, rng), shape, DataType.FLOAT32);
                double[] yb = values(fwd(bn, ps, x, true));
                double[] ym = values(fwd(mn, ps, x, true));
                assertTrue(
                        Reference.maxAbsDiff(yb, ym) < 2e-5,
                        "training step " + step + " " + s + ": " + Reference.maxAbsDiff(yb, ym));
            }
            NDArray x = array(bimodal(shape, rng), shape, DataType.FLOAT32);
            double[] yb = values(fwd(bn, ps, x, false));
            double[] ym = values(fwd(mn, ps, x, false));
            assertTrue(
                    Reference.maxAbsDiff(yb, ym) < 2e-5,
                    "inference " + s + ": " + Reference.maxAbsDiff(yb, ym));
            // running statistics themselves (PyTorch convention incl. unbiased variance)
            assertArrayEquals(
                    values(bn.getParameters().get("runningMean").getArray()),
                    values(mn.getParameters().get("runningMean").getArray()),
                    1e-5);
            assertArrayEquals(
                    values(bn.getParameters().get("runningVar").getArray()),
                    values(mn.getParameters().get("runningVar").getArray()),
                    1e-5);
        }
    }

    @Test
    void singleComponentChannelModeAlsoEqualsBatchNorm() {
        long[] shape = {5, 3, 4, 4};
        SplittableRandom rng = new SplittableRandom(3);
        MixtureNorm mn =
                MixtureNorm.builder()
                        .optComponents(1)
                        .optSampleMode(MixtureNorm.SampleMode.CHANNEL)
                        .build();
        BatchNorm bn = BatchNorm.builder().optMomentum(0.9f).build();
        mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
        bn.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        for (int step = 0; step < 3; step++) {
            NDArray x = array(bimodal(shape, rng), shape, DataType.FLOAT32);
            assertTrue(
                    Reference.maxAbsDiff(values(fwd(bn, ps, x, true)), values(fwd(mn, ps, x, true)))
                            < 2e-5);
        }
        NDArray x = array(bimodal(shape, rng), shape, DataType.FLOAT32);
        assertTrue(
                Reference.maxAbsDiff(values(fwd(bn, ps, x, false)), values(fwd(mn, ps, x, false)))
                        < 2e-5);
    }

    // ------------------------------------------------------------------ forward vs reference

    private static GaussianMixture someMixture() {
        return GaussianMixture.of(
                new double[] {0.5, 0.3, 0.2},
                new double[][] {{-1, 0.5, 1}, {2, 1.5, 3}, {0, 3, -1}},
                new double[][] {{1, 0.5, 2}, {0.7, 1, 1.5}, {2, 0.8, 0.6}});
    }

    @Test
    void transformWithGivenMixtureEqualsFloat64Reference() {
        long[] shape = {4, 3, 5, 5};
        int m = 100;
        int c = 3;
        SplittableRandom rng = new SplittableRandom(5);
        double[] x = bimodal(shape, rng);
        double[] gamma = {1.2, 0.7, -0.4};
        double[] beta = {0.1, -0.3, 2};
        GaussianMixture theta = someMixture();
        double[] rows = Reference.rows(x, shape);
        double[] tau = Reference.posteriors(rows, m, c, theta);
        double[] expected =
                Reference.unrows(Reference.transform(rows, m, c, tau, 3, gamma, beta, 1e-5), shape);
        for (DataType t : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray y =
                    MixtureNorm.transformWithMixture(
                            array(x, shape, t),
                            theta,
                            array(gamma, new long[] {c}, t),
                            array(beta, new long[] {c}, t),
                            1e-5f);
            assertEquals(new Shape(shape), y.getShape());
            double tol = t == DataType.FLOAT64 ? 1e-10 : 2e-4;
            double diff = Reference.maxAbsDiff(expected, values(y));
            assertTrue(diff < tol, t + ": max |Δ| = " + diff);
        }
        // 2-D input
        long[] shape2 = {30, 3};
        double[] x2 = bimodal(shape2, rng);
        double[] exp2 =
                Reference.transform(
                        x2, 30, 3, Reference.posteriors(x2, 30, 3, theta), 3, gamma, beta, 1e-5);
        NDArray y2 =
                MixtureNorm.transformWithMixture(
                        array(x2, shape2, DataType.FLOAT64),
                        theta,
                        array(gamma, new long[] {c}, DataType.FLOAT64),
                        array(beta, new long[] {c}, DataType.FLOAT64),
                        1e-5f);
        assertTrue(Reference.maxAbsDiff(exp2, values(y2)) < 1e-10);
    }

    @Test
    void trainingForwardEqualsReferenceWithTheFittedMixture() {
        for (double offset : new double[] {0, 1e3}) { // 1e3: the layer shifts before its sums
            forwardEqualsReferenceWithFittedMixture(offset, false);
        }
    }

    /**
     * The same on inputs stored channels-last (NHWC behind the NCHW shape, what the lab's trainer
     * feeds cnn5; io.mixnorm.engine.ChannelsLast): the layer's transposes and reshapes must read
     * the logical order whatever the strides.
     */
    @Test
    void trainingForwardOnChannelsLastInputsEqualsReference() {
        forwardEqualsReferenceWithFittedMixture(0, true);
    }

    /**
     * The layer's output is stored channels-last (a view of its rows, spec §6), in training and in
     * evaluation, whatever the input's format: a channels-last network stays channels-last through
     * it (the evaluation once handed NCHW on, and with it every later layer of cnn5 — 1.37× BN's
     * evaluation time). The values do not depend on the format.
     */
    @Test
    void outputIsStoredChannelsLast() {
        long[] shape = {4, 8, 6, 6};
        Shape s = new Shape(shape);
        MixtureNorm mn = MixtureNorm.builder().optComponents(3).optSeed(2).build();
        mn.initialize(manager, DataType.FLOAT32, s);
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom rng = new SplittableRandom(5);
        for (int step = 0; step < 3; step++) {
            float[] x = floats(bimodal(shape, rng));
            NDArray y = fwd(mn, ps, ChannelsLast.stored(manager, x, s), true);
            assertEquals("channels-last", MemoryFormat.of(y), "training, channels-last input");
            y = fwd(mn, ps, manager.create(x, s), true);
            assertEquals("channels-last", MemoryFormat.of(y), "training, NCHW input");
        }
        float[] x = floats(bimodal(shape, rng));
        NDArray cl = ChannelsLast.stored(manager, x, s);
        NDArray nchw = manager.create(x, s);
        assertEquals("channels-last", MemoryFormat.of(cl));
        assertEquals("NCHW", MemoryFormat.of(nchw));
        NDArray fromCl = fwd(mn, ps, cl, false);
        NDArray fromNchw = fwd(mn, ps, nchw, false);
        assertEquals("channels-last", MemoryFormat.of(fromCl), "evaluation, channels-last input");
        assertEquals("channels-last", MemoryFormat.of(fromNchw), "evaluation, NCHW input");
        assertArrayEquals(values(fromNchw), values(fromCl), 1e-5);
    }

    private static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** {@code x} (NCHW order) as an array stored (N, H, W, C) and permuted to (N, C, H, W). */
    private NDArray channelsLast(double[] x, long[] shape) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = (int) (shape[2] * shape[3]);
        double[] nhwc = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < c; d++) {
                for (int p = 0; p < hw; p++) {
                    nhwc[(i * hw + p) * c + d] = x[(i * c + d) * hw + p];
                }
            }
        }
        return manager.create(nhwc, new Shape(n, shape[2], shape[3], c)).transpose(0, 3, 1, 2);
    }

    private void forwardEqualsReferenceWithFittedMixture(double offset, boolean channelsLast) {
        for (MixtureNorm.SampleMode mode : MixtureNorm.SampleMode.values()) {
            long[] shape = {6, 3, 6, 6};
            int m = 216;
            int c = 3;
            SplittableRandom rng = new SplittableRandom(8);
            MixtureNorm mn =
                    MixtureNorm.builder()
                            .optComponents(2)
                            .optSampleMode(mode)
                            .optFitSamples(100)
                            .optSeed(3)
                            .build();
            mn.initialize(manager, DataType.FLOAT64, new Shape(shape));
            double[] gamma = {1.5, 0.5, 1};
            double[] beta = {0, 1, -1};
            setParam(mn, "gamma", gamma);
            setParam(mn, "beta", beta);
            ParameterStore ps = new ParameterStore(manager, false);
            for (int step = 0; step < 3; step++) { // step 0 seeds, later steps warm-start
                double[] x = bimodal(shape, rng);
                for (int i = 0; i < x.length; i++) {
                    x[i] += offset;
                }
                NDArray in =
                        channelsLast ? channelsLast(x, shape) : array(x, shape, DataType.FLOAT64);
                double[] y = values(fwd(mn, ps, in, true));
                double[] rows = Reference.rows(x, shape);
                double[] expected;
                if (mode == MixtureNorm.SampleMode.POSITION) {
                    GaussianMixture fit = mn.getLastFit();
                    assertNotNull(fit);
                    double[] tau = Reference.posteriors(rows, m, c, fit);
                    expected = Reference.transform(rows, m, c, tau, 2, gamma, beta, 1e-5);
                } else {
                    expected = new double[m * c];
                    GaussianMixture[] fits = mn.getLastChannelFits();
                    for (int d = 0; d < c; d++) {
                        double[] col = new double[m];
                        for (int i = 0; i < m; i++) {
                            col[i] = rows[i * c + d];
                        }
                        double[] yc =
                                Reference.transform(
                                        col,
                                        m,
                                        1,
                                        Reference.posteriors(col, m, 1, fits[d]),
                                        2,
                                        new double[] {gamma[d]},
                                        new double[] {beta[d]},
                                        1e-5);
                        for (int i = 0; i < m; i++) {
                            expected[i * c + d] = yc[i];
                        }
                    }
                }
                double diff = Reference.maxAbsDiff(Reference.unrows(expected, shape), y);
                assertTrue(diff < 1e-9, mode + " offset " + offset + " step " + step + ": " + diff);
            }
            assertEquals(3, mn.getTrainingCalls());
        }
    }

    // ------------------------------------------------------------------ gradients

    @Test
    void gradientsWithFixedPosteriorsMatchFiniteDifferencesAndClosedForm() {
        long[] shape = {3, 2, 3, 2};
        int m = 18;
        int c = 2;
        int k = 3;
        SplittableRandom rng = new SplittableRandom(21);
        double[] x = bimodal(shape, rng);
        double[] tau = Reference.randomPosteriors(m, k, rng);
        double[] gamma = {1.3, -0.6};
        double[] beta = {0.2, 0.4};
        double[] r = new double[x.length]; // L = Σ r∘y
        for (int i = 0; i < r.length; i++) {
            r[i] = GaussianMixture.gaussian(rng);
        }
        NDArray xa = array(x, shape, DataType.FLOAT64);
        NDArray ga = array(gamma, new long[] {c}, DataType.FLOAT64);
        NDArray ba = array(beta, new long[] {c}, DataType.FLOAT64);
        NDArray ta = array(tau, new long[] {m, k}, DataType.FLOAT64);
        NDArray ra = array(r, shape, DataType.FLOAT64);
        double[] gx;
        double[] gg;
        double[] gb;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            xa.setRequiresGradient(true);
            ga.setRequiresGradient(true);
            ba.setRequiresGradient(true);
            NDArray y = MixtureNorm.transformWithPosteriors(xa, ta, ga, ba, 1e-5f);
            gc.backward(y.mul(ra).sum());
            gx = values(xa.getGradient());
            gg = values(ga.getGradient());
            gb = values(ba.getGradient());
        }
        double h = 1e-6;
        double[] fx = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] p = x.clone();
            p[i] += h;
            double[] q = x.clone();
            q[i] -= h;
            fx[i] =
                    (loss(p, shape, ta, gamma, beta, r) - loss(q, shape, ta, gamma, beta, r))
                            / (2 * h);
        }
        double[] fg = new double[c];
        double[] fb = new double[c];
        for (int d = 0; d < c; d++) {
            double[] p = gamma.clone();
            p[d] += h;
            double[] q = gamma.clone();
            q[d] -= h;
            fg[d] = (loss(x, shape, ta, p, beta, r) - loss(x, shape, ta, q, beta, r)) / (2 * h);
            p = beta.clone();
            p[d] += h;
            q = beta.clone();
            q[d] -= h;
            fb[d] = (loss(x, shape, ta, gamma, p, r) - loss(x, shape, ta, gamma, q, r)) / (2 * h);
        }
        double scale = Math.max(1, Reference.maxAbs(fx));
        assertTrue(
                Reference.maxAbsDiff(gx, fx) < 1e-6 * scale,
                "dL/dx autograd vs FD: " + Reference.maxAbsDiff(gx, fx));
        assertArrayEquals(fg, gg, 1e-6);
        assertArrayEquals(fb, gb, 1e-6);
        // closed form of specification §4
        double[][] cf =
                Reference.closedFormGradient(
                        Reference.rows(x, shape),
                        m,
                        c,
                        tau,
                        k,
                        gamma,
                        Reference.rows(r, shape),
                        1e-5);
        assertTrue(
                Reference.maxAbsDiff(Reference.unrows(cf[0], shape), gx) < 1e-8 * scale,
                "dL/dx autograd vs closed form");
        assertArrayEquals(cf[1], gg, 1e-8);
        assertArrayEquals(cf[2], gb, 1e-8);
    }

    private double loss(
            double[] x, long[] shape, NDArray tau, double[] gamma, double[] beta, double[] r) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray xa = sub.create(x, new Shape(shape));
            NDArray y =
                    MixtureNorm.transformWithPosteriors(
                            xa, tau, sub.create(gamma), sub.create(beta), 1e-5f);
            double[] yv = y.toDoubleArray();
            double s = 0;
            for (int i = 0; i < yv.length; i++) {
                s += r[i] * yv[i];
            }
            return s;
        }
    }

    /**
     * With K = 1, MixtureNorm's backward is BN's (specification §4), in both sample modes: this
     * covers CHANNEL mode's statistics, whose squares take the half-gradient form of {@link
     * MixtureOps#squares} as POSITION's do, and which the finite-difference test above does not
     * reach. Against DJL's BatchNorm (libtorch's native batch_norm backward), float32.
     */
    @Test
    void singleComponentGradientsEqualBatchNormsInBothSampleModes() {
        long[] shape = {6, 4, 5, 3};
        for (MixtureNorm.SampleMode mode : MixtureNorm.SampleMode.values()) {
            SplittableRandom rng = new SplittableRandom(17);
            MixtureNorm mn = MixtureNorm.builder().optComponents(1).optSampleMode(mode).build();
            BatchNorm bn = BatchNorm.builder().build();
            mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
            bn.initialize(manager, DataType.FLOAT32, new Shape(shape));
            double[] gamma = {1.3, -0.6, 0.8, 2.0};
            setParam(mn, "gamma", gamma);
            setParam(bn, "gamma", gamma);
            double[] x = bimodal(shape, rng);
            double[] r = new double[x.length]; // L = Σ r∘y
            for (int i = 0; i < r.length; i++) {
                r[i] = GaussianMixture.gaussian(rng);
            }
            double[][] mine = inputAndGammaGradients(mn, x, r, shape);
            double[][] ref = inputAndGammaGradients(bn, x, r, shape);
            double scale = Math.max(1, Reference.maxAbs(ref[0]));
            assertTrue(
                    Reference.maxAbsDiff(mine[0], ref[0]) < 1e-4 * scale,
                    mode + ": dL/dx MN(K=1) vs BN: " + Reference.maxAbsDiff(mine[0], ref[0]));
            assertArrayEquals(ref[1], mine[1], 1e-3, mode + ": dL/dγ");
        }
    }

    private double[][] inputAndGammaGradients(Block b, double[] x, double[] r, long[] shape) {
        try (NDManager sub = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(sub, false);
            NDArray xa = array(x, shape, DataType.FLOAT32);
            xa.attach(sub);
            NDArray ra = array(r, shape, DataType.FLOAT32);
            ra.attach(sub);
            NDArray gamma = b.getParameters().get("gamma").getArray();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                xa.setRequiresGradient(true);
                gc.backward(fwd(b, ps, xa, true).mul(ra).sum());
                return new double[][] {values(xa.getGradient()), values(gamma.getGradient())};
            }
        }
    }

    @Test
    void trainingForwardPropagatesGradientsToInputAndAffineParameters() {
        long[] shape = {4, 3, 4, 4};
        MixtureNorm mn = MixtureNorm.builder().optSeed(1).build();
        mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = array(bimodal(shape, new SplittableRandom(2)), shape, DataType.FLOAT32);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            x.setRequiresGradient(true);
            NDArray y = fwd(mn, ps, x, true);
            gc.backward(y.mul(y).sum());
        }
        assertTrue(Reference.maxAbs(values(x.getGradient())) > 0);
        double[] dg = values(mn.getParameters().get("gamma").getArray().getGradient());
        assertTrue(Reference.maxAbs(dg) > 0, "no gradient reached gamma");
        // mean of the BN-like part is removed: Σ dL/dβ = Σ 2y, finite
        for (double v : values(x.getGradient())) {
            assertTrue(Double.isFinite(v));
        }
    }

    // ------------------------------------------------------------------ running / state

    private MixtureNorm trained(long seed, long[] shape, int steps, DataType type) {
        MixtureNorm mn =
                MixtureNorm.builder().optComponents(3).optSeed(seed).optFitSamples(150).build();
        mn.initialize(manager, type, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom rng = new SplittableRandom(99);
        for (int i = 0; i < steps; i++) {
            fwd(mn, ps, array(bimodal(shape, rng), shape, type), true);
        }
        return mn;
    }

    /**
     * Inference with the running mixture (the rows form of {@link RunningInference}) against
     * equations (1), (6), (7) in float64: at cnn5's conv2 width, K = 2, 3, 5, and a shifted input.
     * (The shape once also spanned several ~1 MiB chunks of the 1×1-convolution form it replaced.)
     */
    @Test
    void inferenceWithTheRunningMixtureEqualsFloat64Reference() {
        for (int k : new int[] {2, 3, 5}) {
            for (double offset : new double[] {0, 50}) {
                long[] shape = {20, 128, 16, 16};
                int c = 128;
                int m = 20 * 256;
                SplittableRandom rng = new SplittableRandom(k * 31 + (long) offset);
                MixtureNorm mn = MixtureNorm.builder().optComponents(k).build();
                mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
                double[] w = new double[k];
                double[] mu = new double[k * c];
                double[] var = new double[k * c];
                double[] gamma = new double[c];
                double[] beta = new double[c];
                for (int j = 0; j < k; j++) {
                    w[j] = (j + 1.0) / (k * (k + 1) / 2.0);
                    for (int d = 0; d < c; d++) {
                        mu[j * c + d] = offset + 1.5 * GaussianMixture.gaussian(rng);
                        var[j * c + d] = 0.5 + 1.5 * rng.nextDouble();
                    }
                }
                for (int d = 0; d < c; d++) {
                    gamma[d] = 0.5 + rng.nextDouble();
                    beta[d] = rng.nextDouble() - 0.5;
                }
                setParam(mn, "runningWeights", w);
                setParam(mn, "runningMean", mu);
                setParam(mn, "runningVar", var);
                setParam(mn, "gamma", gamma);
                setParam(mn, "beta", beta);
                double[] x = new double[m * c];
                for (int i = 0; i < x.length; i++) {
                    x[i] = offset + 2 * GaussianMixture.gaussian(rng);
                }
                NDArray xf = array(x, shape, DataType.FLOAT32);
                double[] xr = Reference.rows(values(xf), shape); // the float32 values, in float64
                ParameterStore ps = new ParameterStore(manager, false);
                double[] y = values(fwd(mn, ps, xf, false));
                GaussianMixture theta = GaussianMixture.of(w, mu, var);
                double[] tau = Reference.posteriors(xr, m, c, theta);
                double[] expected = new double[m * c];
                for (int i = 0; i < m; i++) {
                    for (int d = 0; d < c; d++) {
                        double v = 0;
                        for (int j = 0; j < k; j++) {
                            v +=
                                    tau[i * k + j]
                                            / Math.sqrt(w[j])
                                            * (xr[i * c + d] - mu[j * c + d])
                                            / Math.sqrt(var[j * c + d] + 1e-5);
                        }
                        expected[i * c + d] = gamma[d] * v + beta[d];
                    }
                }
                double diff = Reference.maxAbsDiff(Reference.unrows(expected, shape), y);
                assertTrue(
                        diff < 2e-3 * Math.max(1, Reference.maxAbs(expected)),
                        "K=" + k + " offset " + offset + ": max |diff| " + diff);
            }
        }
    }

    @Test
    void inferenceOutputOfASampleDoesNotDependOnTheRestOfItsBatch() {
        long[] shape = {8, 3, 4, 4};
        MixtureNorm mn = trained(1, shape, 5, DataType.FLOAT32);
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom rng = new SplittableRandom(4);
        double[] a = bimodal(shape, rng);
        double[] b = bimodal(shape, rng);
        int per = 3 * 16;
        System.arraycopy(a, 0, b, 0, per); // same first image, different others
        double[] ya = values(fwd(mn, ps, array(a, shape, DataType.FLOAT32), false));
        double[] yb = values(fwd(mn, ps, array(b, shape, DataType.FLOAT32), false));
        double[] single =
                values(
                        fwd(
                                mn,
                                ps,
                                array(
                                        java.util.Arrays.copyOf(a, per),
                                        new long[] {1, 3, 4, 4},
                                        DataType.FLOAT32),
                                false));
        for (int i = 0; i < per; i++) {
            assertEquals(ya[i], yb[i], 1e-5, "element " + i);
            assertEquals(ya[i], single[i], 1e-5, "element " + i + " alone");
        }
        assertTrue(Reference.maxAbsDiff(ya, yb) > 1e-3, "other images should differ");
        // BATCH inference, by contrast, is transductive
        MixtureNorm batchMode =
                MixtureNorm.builder()
                        .optInference(MixtureNorm.InferenceMode.BATCH)
                        .optSeed(1)
                        .build();
        batchMode.initialize(manager, DataType.FLOAT32, new Shape(shape));
        double[] ba = values(fwd(batchMode, ps, array(a, shape, DataType.FLOAT32), false));
        double[] bb = values(fwd(batchMode, ps, array(b, shape, DataType.FLOAT32), false));
        double d = 0;
        for (int i = 0; i < per; i++) {
            d = Math.max(d, Math.abs(ba[i] - bb[i]));
        }
        assertTrue(d > 1e-4, "BATCH inference should depend on the batch");
        assertEquals(0, batchMode.getTrainingCalls(), "BATCH inference must not count as training");
    }

    @Test
    void runningMixtureFollowsTheDataAndMomentumConvention() {
        long[] shape = {2, 2};
        MixtureNorm mn = MixtureNorm.builder().optComponents(1).optMomentum(0.25f).build();
        mn.initialize(manager, DataType.FLOAT64, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        fwd(mn, ps, manager.create(new double[] {1, 10, 3, 14}, new Shape(shape)), true);
        GaussianMixture run = mn.getRunningMixture();
        // mean: 0.75·0 + 0.25·(2, 12); variance: 0.75·1 + 0.25·unbiased(2, 8)
        assertEquals(0.5, run.mean(0, 0), 1e-12);
        assertEquals(3.0, run.mean(0, 1), 1e-12);
        assertEquals(0.75 + 0.25 * 2, run.variance(0, 0), 1e-12);
        assertEquals(0.75 + 0.25 * 8, run.variance(0, 1), 1e-12);
    }

    @Test
    void saveLoadRestoresOutputsAndResumesTrainingExactly()
            throws IOException, MalformedModelException {
        long[] shape = {6, 3, 4, 4};
        MixtureNorm a = trained(7, shape, 4, DataType.FLOAT32);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        a.saveParameters(new DataOutputStream(bos));
        MixtureNorm b =
                MixtureNorm.builder().optComponents(3).optSeed(7).optFitSamples(150).build();
        b.initialize(manager, DataType.FLOAT32, new Shape(shape));
        b.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bos.toByteArray())));
        assertEquals(4, b.getTrainingCalls());
        assertEquals(a.getRunningMixture(), b.getRunningMixture());
        ParameterStore psa = new ParameterStore(manager, false);
        ParameterStore psb = new ParameterStore(manager, false);
        double[] x = bimodal(shape, new SplittableRandom(12));
        assertArrayEquals(
                values(fwd(a, psa, array(x, shape, DataType.FLOAT32), false)),
                values(fwd(b, psb, array(x, shape, DataType.FLOAT32), false)),
                0.0);
        // resumed training: same subsample, same warm start, same output
        assertArrayEquals(
                values(fwd(a, psa, array(x, shape, DataType.FLOAT32), true)),
                values(fwd(b, psb, array(x, shape, DataType.FLOAT32), true)),
                0.0);
        assertEquals(a.getLastFit(), b.getLastFit());
        // an incompatible block refuses the parameters
        MixtureNorm wrongK = MixtureNorm.builder().optComponents(2).build();
        wrongK.initialize(manager, DataType.FLOAT32, new Shape(shape));
        MalformedModelException e =
                assertThrows(
                        MalformedModelException.class,
                        () ->
                                wrongK.loadParameters(
                                        manager,
                                        new DataInputStream(
                                                new ByteArrayInputStream(bos.toByteArray()))));
        assertTrue(e.getMessage().contains("K=3"), e.getMessage());
    }

    @Test
    void fixedSeedGivesIdenticalResults() {
        long[] shape = {4, 3, 5, 5};
        MixtureNorm a = trained(5, shape, 3, DataType.FLOAT32);
        MixtureNorm b = trained(5, shape, 3, DataType.FLOAT32);
        assertEquals(a.getRunningMixture(), b.getRunningMixture());
        assertEquals(a.getLastFit(), b.getLastFit());
        MixtureNorm c = trained(6, shape, 3, DataType.FLOAT32);
        assertTrue(!a.getLastFit().equals(c.getLastFit()), "another seed, another subsample");
    }

    @Test
    void resetMixtureReseedsAndRestoresInitialRunningValues() {
        long[] shape = {4, 3, 4, 4};
        MixtureNorm mn = trained(2, shape, 3, DataType.FLOAT32);
        mn.resetMixture();
        GaussianMixture run = mn.getRunningMixture();
        assertEquals(1.0 / 3, run.weight(0), 1e-6);
        assertEquals(0, run.mean(1, 2), 0);
        assertEquals(1, run.variance(2, 1), 0);
        assertEquals(3, mn.getTrainingCalls());
    }

    // ------------------------------------------------------------------ numerics

    @Test
    void degenerateInputsGiveFiniteOutputs() {
        SplittableRandom rng = new SplittableRandom(17);
        long[] shape = {4, 3, 3, 3};
        int size = 108;
        double[] constant = new double[size];
        java.util.Arrays.fill(constant, 2.5);
        double[] zeros = new double[size];
        double[] tiny = new double[size];
        double[] huge = new double[size];
        double[] mixedConst = bimodal(shape, rng);
        for (int i = 0; i < size; i++) {
            tiny[i] = 1e-6 * GaussianMixture.gaussian(rng);
            huge[i] = 1e6 * (1 + GaussianMixture.gaussian(rng));
            if ((i / 9) % 3 == 1) {
                mixedConst[i] = -4; // channel 1 constant
            }
        }
        double[] outlier = bimodal(shape, rng); // one far position: a component gets ~nothing
        outlier[0] = 1e4;
        double[][] cases = {constant, zeros, tiny, huge, mixedConst, outlier};
        for (MixtureNorm.SampleMode mode : MixtureNorm.SampleMode.values()) {
            for (int k : new int[] {1, 3}) {
                MixtureNorm mn = MixtureNorm.builder().optComponents(k).optSampleMode(mode).build();
                mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
                ParameterStore ps = new ParameterStore(manager, false);
                for (int ci = 0; ci < cases.length; ci++) {
                    for (boolean training : new boolean[] {true, true, false}) {
                        double[] y =
                                values(
                                        fwd(
                                                mn,
                                                ps,
                                                array(cases[ci], shape, DataType.FLOAT32),
                                                training));
                        for (double v : y) {
                            assertTrue(
                                    Double.isFinite(v),
                                    mode + " K=" + k + " case " + ci + " training=" + training);
                        }
                    }
                }
                // single sample / single position
                for (long[] one : new long[][] {{1, 3}, {1, 3, 1, 1}}) {
                    MixtureNorm m1 =
                            MixtureNorm.builder().optComponents(k).optSampleMode(mode).build();
                    m1.initialize(manager, DataType.FLOAT32, new Shape(one));
                    for (boolean training : new boolean[] {true, true, false}) {
                        double[] y =
                                values(
                                        fwd(
                                                m1,
                                                ps,
                                                array(
                                                        new double[] {1, -2, 3},
                                                        one,
                                                        DataType.FLOAT32),
                                                training));
                        for (double v : y) {
                            assertTrue(Double.isFinite(v), "single sample " + mode + " K=" + k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void nanInputThrowsNamingTheLayerAndShape() {
        long[] shape = {2, 3, 2, 2};
        MixtureNorm mn = MixtureNorm.builder().build();
        mn.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        double[] x = new double[24];
        x[5] = Double.NaN;
        for (boolean training : new boolean[] {true, false}) {
            NonFiniteInputException e =
                    assertThrows(
                            NonFiniteInputException.class,
                            () -> fwd(mn, ps, array(x, shape, DataType.FLOAT32), training));
            assertTrue(
                    e.getMessage().contains("MixtureNorm")
                            && e.getMessage().contains("NaN")
                            && e.getMessage().contains("(2, 3, 2, 2)"),
                    e.getMessage());
        }
        // in evaluation the check reads the posteriors, which any infinity turns NaN
        for (double v : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            double[] inf = new double[24];
            inf[3] = v;
            for (boolean training : new boolean[] {true, false}) {
                assertThrows(
                        NonFiniteInputException.class,
                        () -> fwd(mn, ps, array(inf, shape, DataType.FLOAT32), training),
                        v + (training ? " training" : " evaluation"));
            }
        }
    }

    @Test
    void badArgumentsAreRejectedWithHelpfulMessages() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> MixtureNorm.builder().optComponents(0).build());
        assertTrue(e.getMessage().contains("K >= 1"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> MixtureNorm.builder().optMomentum(1.5f).build());
        assertThrows(
                IllegalArgumentException.class, () -> MixtureNorm.builder().optEpsilon(0f).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> MixtureNorm.builder().optFitSamples(0).build());
        MixtureNorm mn = MixtureNorm.builder().build();
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> mn.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 4)));
        assertTrue(e.getMessage().contains("(N, C, H, W)"), e.getMessage());
        mn.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 4, 4));
        ParameterStore ps = new ParameterStore(manager, false);
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> fwd(mn, ps, manager.ones(new Shape(2, 5, 4, 4)), true));
        assertTrue(
                e.getMessage().contains("C=3") && e.getMessage().contains("(2, 5, 4, 4)"),
                e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> fwd(mn, ps, manager.ones(new Shape(2, 3, 4)), true));
        assertTrue(e.getMessage().contains("(N, C, H, W)"), e.getMessage());
    }
}
