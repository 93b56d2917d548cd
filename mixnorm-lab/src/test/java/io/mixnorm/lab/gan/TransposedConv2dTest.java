package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block against a direct scatter-form transposed convolution (PyTorch's ConvTranspose2d
 * definition), in float64: the output, and in training mode the gradients of {@code Σ y ⊙ r} with
 * respect to the input and the weight (the phase form frees its intermediates during the forward;
 * the backward must not notice).
 */
class TransposedConv2dTest {
    @Test
    void equalsTheScatterDefinitionWithTheFlippedSwappedKernel() {
        check(2, 3, 3, 4, 2, 1, false); // DCGAN's upsampling layer
        check(3, 1, 2, 4, 1, 0, false); // DCGAN's first layer: 1×1 → 4×4
    }

    @Test
    void gradientsEqualTheScatterDefinitions() {
        check(2, 3, 3, 4, 2, 1, true);
        check(5, 4, 2, 4, 2, 1, true);
        check(3, 1, 2, 4, 1, 0, true);
    }

    private static void check(int cin, int side, int cout, int k, int s, int p, boolean train) {
        try (NDManager m = NDManager.newBaseManager()) {
            TransposedConv2d block = new TransposedConv2d(cout, k, s, p);
            Shape in = new Shape(2, cin, side, side);
            block.initialize(m, DataType.FLOAT32, in);
            Random rnd = new Random(1);
            float[] x = gaussian(rnd, (int) in.size());
            int out = (side - 1) * s - 2 * p + k;
            float[] r = gaussian(rnd, 2 * cout * out * out);
            NDArray weight = block.getParameters().values().get(0).getArray();
            float[] w = weight.toFloatArray();
            NDArray xa = m.create(x, in);
            NDArray y;
            NDArray gx = null;
            NDArray gw = null;
            if (train) {
                xa.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    y =
                            block.forward(new ParameterStore(m, false), new NDList(xa), true)
                                    .singletonOrThrow();
                    System.gc(); // what the forward freed is gone before the backward
                    gc.backward(y.mul(m.create(r, y.getShape())).sum());
                }
                gx = xa.getGradient();
                gw = weight.getGradient();
            } else {
                y =
                        block.forward(new ParameterStore(m, false), new NDList(xa), false)
                                .singletonOrThrow();
            }
            assertEquals(new Shape(2, cout, out, out), y.getShape());
            assertEquals(block.getOutputShapes(new Shape[] {in})[0], y.getShape());
            // conv weight (cout, cin, k, k); transposed-conv weight W'[c][o][a][b] =
            // W[o][c][k-1-a][k-1-b]; y = Σ x·W', so ∂/∂x = Σ r·W' and ∂/∂W = Σ x·r
            double[] ref = new double[2 * cout * out * out];
            double[] refGx = new double[x.length];
            double[] refGw = new double[w.length];
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < cin; c++) {
                    for (int i = 0; i < side; i++) {
                        for (int j = 0; j < side; j++) {
                            int xi = ((n * cin + c) * side + i) * side + j;
                            for (int o = 0; o < cout; o++) {
                                for (int a = 0; a < k; a++) {
                                    for (int b = 0; b < k; b++) {
                                        int yi = i * s - p + a;
                                        int yj = j * s - p + b;
                                        if (yi < 0 || yj < 0 || yi >= out || yj >= out) {
                                            continue;
                                        }
                                        int wi = ((o * cin + c) * k + (k - 1 - a)) * k + k - 1 - b;
                                        int yo = ((n * cout + o) * out + yi) * out + yj;
                                        ref[yo] += (double) x[xi] * w[wi];
                                        refGx[xi] += (double) r[yo] * w[wi];
                                        refGw[wi] += (double) x[xi] * r[yo];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            assertClose(ref, y.toFloatArray(), "output");
            if (train) {
                assertClose(refGx, gx.toFloatArray(), "input gradient");
                assertClose(refGw, gw.toFloatArray(), "weight gradient");
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static void assertClose(double[] ref, float[] got, String what) {
        assertEquals(ref.length, got.length, what + " size");
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], 1e-4 * Math.max(1, Math.abs(ref[i])), what + " " + i);
        }
    }
}
