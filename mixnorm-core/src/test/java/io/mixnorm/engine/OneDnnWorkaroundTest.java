package io.mixnorm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Convolutions whose channel counts are not multiples of 16, against a plain float64 convolution
 * and its two gradients: wrong with PyTorch 2.7.1's oneDNN, right once {@link OneDnnWorkaround} has
 * switched it off. c10's junk fill (a NaN pattern in every new tensor buffer) is on while the
 * checked path runs, so a read of never-written memory cannot go unnoticed.
 */
class OneDnnWorkaroundTest {

    /** One convolution problem: batch, input channels, side, filters, kernel, padding, stride. */
    private record Conv(int n, int c, int hw, int f, int k, int pad, int stride) {
        Conv(int n, int c, int hw, int f, int k, int pad) {
            this(n, c, hw, f, k, pad, 1);
        }

        int out() {
            return (hw + 2 * pad - k) / stride + 1;
        }
    }

    private static final Conv DENSENET_LIKE = new Conv(2, 40, 8, 12, 3, 1);
    private static final Conv FILTERS_NOT_16 = new Conv(2, 16, 8, 12, 3, 1);
    private static final Conv GAN_FIRST_LAYER = new Conv(2, 100, 1, 16, 4, 3);

    /** Shapes PaddedConv2d must get right with oneDNN on: the models' misfits and a strided one. */
    private static final Conv[] PADDED = {
        DENSENET_LIKE,
        FILTERS_NOT_16,
        GAN_FIRST_LAYER,
        new Conv(
                2, 128, 8, 3, 2,
                1), // DCGAN generator's last layer, one phase of its transposed convolution
        new Conv(2, 256, 4, 1, 4, 0), // DCGAN discriminator's last layer
        new Conv(2, 40, 9, 12, 3, 1, 2), // strided, odd side
        new Conv(
                2, 48, 8, 16, 3, 1,
                2), // strided: 48 channels (a multiple of 16, not 32) had a wrong input gradient
        new Conv(3, 3, 8, 12, 3, 1)
    }; // an image's 3 channels into 12 filters

    @AfterEach
    void restore() {
        OneDnnWorkaround.setJunkFill(false);
        OneDnnWorkaround.setOneDnn(false);
    }

    @Test
    void applySwitchesOneDnnOffAndTheSwitchWorksBothWays() {
        assertTrue(
                OneDnnWorkaround.apply(),
                "libtorch_cpu.so exports at::Context::setUserEnabledMkldnn");
        assertFalse(OneDnnWorkaround.isOneDnnOn());
        assertTrue(OneDnnWorkaround.setOneDnn(true));
        assertTrue(OneDnnWorkaround.isOneDnnOn());
        assertTrue(OneDnnWorkaround.setOneDnn(false));
        assertFalse(OneDnnWorkaround.isOneDnnOn());
    }

    @Test
    void misfitMarksTheShapesMeasuredWrong() {
        assertTrue(OneDnnWorkaround.misfit(new Shape(12, 40, 3, 3)), "DenseNet growth layer");
        assertTrue(
                OneDnnWorkaround.misfit(new Shape(12, 16, 3, 3)),
                "filters not a multiple of 16: the data gradient");
        assertTrue(
                OneDnnWorkaround.misfit(new Shape(512, 100, 4, 4)),
                "DCGAN generator's first layer");
        assertTrue(
                OneDnnWorkaround.misfit(new Shape(12, 3, 3, 3)), "3 input channels but 12 filters");
        assertFalse(OneDnnWorkaround.misfit(new Shape(64, 3, 3, 3)), "cnn5 conv1");
        assertFalse(OneDnnWorkaround.misfit(new Shape(128, 64, 3, 3)), "cnn5 conv2");
        assertFalse(
                OneDnnWorkaround.misfit(new Shape(48, 40, 1, 1)), "1x1 convolutions were right");
        assertFalse(OneDnnWorkaround.misfit(new Shape(10, 256)), "not a convolution");
        assertTrue(
                OneDnnWorkaround.misfit(new Shape(16, 48, 3, 3), 2),
                "stride 2: 48 input channels, a wrong input gradient");
        assertFalse(OneDnnWorkaround.misfit(new Shape(16, 48, 3, 3), 1));
        assertFalse(OneDnnWorkaround.misfit(new Shape(16, 64, 3, 3), 2));
        assertFalse(
                OneDnnWorkaround.misfit(new Shape(64, 3, 4, 4), 2),
                "DCGAN discriminator's first layer");
    }

    @Test
    void applyForSwitchesOffOnlyForAModelThatNeedsIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(OneDnnWorkaround.setOneDnn(true));
            Block fine = Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(64).build();
            fine.initialize(m, DataType.FLOAT32, new Shape(1, 3, 8, 8));
            assertTrue(OneDnnWorkaround.applyFor(fine).isEmpty());
            assertTrue(OneDnnWorkaround.isOneDnnOn(), "a cnn5-like layer keeps oneDNN");
            Block misfit =
                    new SequentialBlock()
                            .add(fine)
                            .add(
                                    Conv2d.builder()
                                            .setKernelShape(new Shape(3, 3))
                                            .setFilters(12)
                                            .build());
            misfit.initialize(m, DataType.FLOAT32, new Shape(1, 3, 8, 8));
            assertEquals(
                    "02Conv2d_weight (12, 64, 3, 3)",
                    OneDnnWorkaround.applyFor(misfit).orElseThrow());
            assertFalse(OneDnnWorkaround.isOneDnnOn());
        }
    }

    /**
     * A characterisation of the engine, not of our code. oneDNN picks its kernels by the CPU's
     * instruction set, and the defect is in some of them only: it was seen on the AVX-512 EPYC
     * hosts of earlier sessions (docs/engine-workarounds.md), while on the 2026-12-06 host (an AMD
     * EPYC whose flags include {@code avx512_bf16}, {@code avx512_vnni}, {@code avx512_vbmi}) the
     * same convolution came out right (max diff 1.9e-5). So the test is skipped, not failed, where
     * oneDNN gets it right, and says so; the workaround stays (it costs little and keeps results
     * identical across machines). If it is skipped everywhere after an engine upgrade, check the
     * other shapes with bench/conv-check.sh before dropping the workaround.
     */
    @Test
    void oneDnnMiscomputesADenseNetSizedConvolution() {
        assertTrue(OneDnnWorkaround.setOneDnn(true));
        Result r = run(DENSENET_LIKE, false, false);
        double err = maxAbsDiff(r.y, reference(DENSENET_LIKE, r.in).y);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                err > 0.1 || Double.isNaN(err),
                "oneDNN computes this convolution right on this CPU (max diff "
                        + err
                        + "): the defect is ISA-dependent");
    }

    @Test
    void withOneDnnOffTheConvolutionAndBothGradientsMatchFloat64() {
        for (Conv conv : new Conv[] {DENSENET_LIKE, FILTERS_NOT_16, GAN_FIRST_LAYER}) {
            assertTrue(OneDnnWorkaround.setOneDnn(false));
            matchesFloat64WithJunkFill(conv, false);
        }
    }

    @Test
    void paddedConvWithOneDnnOnMatchesFloat64() {
        for (Conv conv : PADDED) {
            assertTrue(OneDnnWorkaround.setOneDnn(true));
            matchesFloat64WithJunkFill(conv, true);
        }
    }

    /**
     * With a channels-last input ({@link ChannelsLast}) oneDNN takes other kernels and weight
     * layouts (NHWC); the padded convolutions and the plain ones the models use unpadded (an
     * image's 3 channels, multiples of 16) must still match float64.
     */
    @Test
    void convolutionsOnChannelsLastInputsMatchFloat64() {
        assertTrue(OneDnnWorkaround.setOneDnn(true));
        for (Conv conv : PADDED) {
            matchesFloat64WithJunkFill(conv, true, true);
        }
        for (Conv conv :
                new Conv[] {
                    new Conv(2, 3, 8, 64, 5, 2), // cnn5's conv1
                    new Conv(2, 3, 8, 16, 3, 1), // DenseNet's first convolution
                    new Conv(2, 64, 8, 128, 5, 2),
                    new Conv(2, 32, 9, 16, 3, 1, 2)
                }) {
            assertFalse(OneDnnWorkaround.misfit(new Shape(conv.f, conv.c, conv.k, conv.k), 1));
            matchesFloat64WithJunkFill(conv, false, true);
        }
    }

    @Test
    void channelsLastImagesReadBackInNchwOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = new float[2 * 3 * 4 * 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            NDArray a = ChannelsLast.stored(m, x, new Shape(2, 3, 4, 5));
            assertEquals(new Shape(2, 3, 4, 5), a.getShape());
            assertArrayEquals(x, a.toFloatArray());
            assertEquals(1 * 20 + 2 * 5 + 3, a.getFloat(0, 1, 2, 3));
            // an op on it computes in the logical order too
            assertArrayEquals(
                    m.create(x, new Shape(2, 3, 4, 5)).mul(2).toFloatArray(),
                    a.mul(2).toFloatArray());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ChannelsLast.stored(m, x, new Shape(2, 3, 4, 4)));
        }
    }

    /**
     * Output and both gradients against float64, with c10's junk fill on while DJL computes them.
     */
    private static void matchesFloat64WithJunkFill(Conv conv, boolean padded) {
        matchesFloat64WithJunkFill(conv, padded, false);
    }

    private static void matchesFloat64WithJunkFill(
            Conv conv, boolean padded, boolean channelsLast) {
        assertTrue(OneDnnWorkaround.setJunkFill(true));
        Result got = run(conv, padded, channelsLast);
        OneDnnWorkaround.setJunkFill(false);
        Result want = reference(conv, got.in);
        String what = conv + (channelsLast ? " channels-last" : "");
        assertClose(want.y, got.y, what + " output");
        assertClose(want.dx, got.dx, what + " input gradient");
        assertClose(want.dw, got.dw, what + " weight gradient");
    }

    @Test
    void paddedConvBlockKeepsTheTrueWeightShapeAndOneDnnOn() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(OneDnnWorkaround.setOneDnn(true));
            Block net =
                    new SequentialBlock()
                            .add(new PaddedConv2d(12, 3, 2, 1))
                            .add(new PaddedConv2d(3, 3, 1, 1));
            net.initialize(m, DataType.FLOAT32, new Shape(2, 40, 9, 9));
            assertEquals(
                    new Shape(12, 40, 3, 3),
                    net.getParameters().get("01PaddedConv2d_weight").getArray().getShape());
            assertEquals(
                    new Shape(2, 3, 5, 5),
                    net.getOutputShapes(new Shape[] {new Shape(2, 40, 9, 9)})[0]);
            assertTrue(OneDnnWorkaround.applyFor(net).isEmpty(), "PaddedConv2d needs no switch");
            assertTrue(OneDnnWorkaround.isOneDnnOn());
        }
    }

    private record Inputs(float[] x, float[] w, float[] r) {}

    private record Result(Inputs in, double[] y, double[] dx, double[] dw) {}

    private static Inputs inputs(Conv s) {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = new float[s.n * s.c * s.hw * s.hw];
        float[] w = new float[s.f * s.c * s.k * s.k];
        float[] r = new float[s.n * s.f * s.out() * s.out()];
        for (float[] a : new float[][] {x, w, r}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
        }
        return new Inputs(x, w, r);
    }

    /** y = conv(x, w) and the gradients of Σ y·r through DJL/PyTorch, or through PaddedConv2d. */
    private static Result run(Conv s, boolean padded, boolean channelsLast) {
        Inputs in = inputs(s);
        try (NDManager m = NDManager.newBaseManager()) {
            Shape xs = new Shape(s.n, s.c, s.hw, s.hw);
            NDArray x = channelsLast ? ChannelsLast.stored(m, in.x, xs) : m.create(in.x, xs);
            NDArray w = m.create(in.w, new Shape(s.f, s.c, s.k, s.k));
            NDArray r = m.create(in.r, new Shape(s.n, s.f, s.out(), s.out()));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y =
                        padded
                                ? PaddedConv2d.conv2d(x, w, s.stride, s.pad)
                                : Conv2d.conv2d(
                                                x,
                                                w,
                                                null,
                                                new Shape(s.stride, s.stride),
                                                new Shape(s.pad, s.pad))
                                        .singletonOrThrow();
                gc.backward(y.mul(r).sum());
            }
            return new Result(
                    in,
                    toDouble(y.toFloatArray()),
                    toDouble(x.getGradient().toFloatArray()),
                    toDouble(w.getGradient().toFloatArray()));
        }
    }

    /**
     * The same in float64: y[n,f,i,j] = Σ_{c,a,b} x[n,c,s·i+a−p,s·j+b−p]·w[f,c,a,b], zero outside
     * x.
     */
    private static Result reference(Conv s, Inputs in) {
        int o = s.out();
        double[] y = new double[s.n * s.f * o * o];
        double[] dx = new double[in.x.length];
        double[] dw = new double[in.w.length];
        for (int n = 0; n < s.n; n++) {
            for (int f = 0; f < s.f; f++) {
                for (int i = 0; i < o; i++) {
                    for (int j = 0; j < o; j++) {
                        int yi = ((n * s.f + f) * o + i) * o + j;
                        for (int c = 0; c < s.c; c++) {
                            for (int a = 0; a < s.k; a++) {
                                for (int b = 0; b < s.k; b++) {
                                    int p = s.stride * i + a - s.pad;
                                    int q = s.stride * j + b - s.pad;
                                    if (p < 0 || p >= s.hw || q < 0 || q >= s.hw) {
                                        continue;
                                    }
                                    int xi = ((n * s.c + c) * s.hw + p) * s.hw + q;
                                    int wi = ((f * s.c + c) * s.k + a) * s.k + b;
                                    y[yi] += (double) in.x[xi] * in.w[wi];
                                    dx[xi] += (double) in.r[yi] * in.w[wi];
                                    dw[wi] += (double) in.r[yi] * in.x[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Result(in, y, dx, dw);
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + " size");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), what + " [" + i + "]");
        }
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
            if (Double.isNaN(a[i] - b[i])) {
                return Double.NaN;
            }
        }
        return m;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
