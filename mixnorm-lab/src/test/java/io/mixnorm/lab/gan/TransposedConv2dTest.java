package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The block against a direct scatter-form transposed convolution (PyTorch's ConvTranspose2d
 * definition).
 */
class TransposedConv2dTest {
    @Test
    void equalsTheScatterDefinitionWithTheFlippedSwappedKernel() {
        check(2, 3, 3, 4, 2, 1); // DCGAN's upsampling layer
        check(3, 1, 2, 4, 1, 0); // DCGAN's first layer: 1×1 → 4×4
    }

    private static void check(int cin, int side, int cout, int k, int s, int p) {
        try (NDManager m = NDManager.newBaseManager()) {
            TransposedConv2d block = new TransposedConv2d(cout, k, s, p);
            Shape in = new Shape(2, cin, side, side);
            block.initialize(m, DataType.FLOAT32, in);
            Random rnd = new Random(1);
            float[] x = new float[(int) in.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            NDArray y =
                    block.forward(new ParameterStore(m, false), new NDList(m.create(x, in)), false)
                            .singletonOrThrow();
            int out = (side - 1) * s - 2 * p + k;
            assertEquals(new Shape(2, cout, out, out), y.getShape());
            assertEquals(block.getOutputShapes(new Shape[] {in})[0], y.getShape());
            // conv weight (cout, cin, k, k); transposed-conv weight W'[c][o][a][b] =
            // W[o][c][k-1-a][k-1-b]
            float[] w = block.getParameters().values().get(0).getArray().toFloatArray();
            float[] ref = new float[2 * cout * out * out];
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < cin; c++) {
                    for (int i = 0; i < side; i++) {
                        for (int j = 0; j < side; j++) {
                            float v = x[((n * cin + c) * side + i) * side + j];
                            for (int o = 0; o < cout; o++) {
                                for (int a = 0; a < k; a++) {
                                    for (int b = 0; b < k; b++) {
                                        int yi = i * s - p + a;
                                        int yj = j * s - p + b;
                                        if (yi < 0 || yj < 0 || yi >= out || yj >= out) {
                                            continue;
                                        }
                                        float wt =
                                                w[
                                                        ((o * cin + c) * k + (k - 1 - a)) * k
                                                                + (k - 1 - b)];
                                        ref[((n * cout + o) * out + yi) * out + yj] += v * wt;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            float[] got = y.toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], got[i], 1e-4, "element " + i);
            }
        }
    }
}
