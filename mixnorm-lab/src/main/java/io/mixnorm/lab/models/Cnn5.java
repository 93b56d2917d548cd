package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.mixnorm.engine.ReleasingSequentialBlock;

/**
 * The paper's 5-layer CNN for 32×32 inputs (spec §8, as reconstructed by third parties):
 *
 * <pre>
 * conv5×5-64  → norm conv1 → ReLU → maxpool 3×3/2   (32×32 → 16×16)
 * conv5×5-128 → norm conv2 → ReLU → maxpool 3×3/2   (16×16 →  8×8)   MN here by default
 * conv5×5-128 → norm conv3 → ReLU → maxpool 3×3/2   ( 8×8  →  4×4)
 * conv5×5-256 → norm conv4 → ReLU → global average pool
 * fully connected → classes
 * </pre>
 *
 * Convolutions are "same"-padded (2) and have no bias, because every one is followed by a norm
 * layer that subtracts a mean; pools have padding 1 so each halves the side. The conv2 input is
 * therefore (N, 64, 16, 16) and its norm sees (N, 128, 16, 16), the shape the benchmarks use.
 */
public final class Cnn5 {
    public static final String NAME = "cnn5";

    /** The paper replaces the BN of the second convolution. */
    public static final String DEFAULT_MN_LAYERS = "conv2";

    private static final int[] WIDTHS = {64, 128, 128, 256};

    private Cnn5() {}

    public static SequentialBlock build(NormFactory norms, int numClasses) {
        return build(norms, numClasses, Kinks.KEEP);
    }

    /** The network with ReLU and max pools, or with smooth stand-ins for float64 checks. */
    static SequentialBlock build(NormFactory norms, int numClasses, Kinks kinks) {
        SequentialBlock net = new ReleasingSequentialBlock();
        for (int i = 0; i < WIDTHS.length; i++) {
            net.add(
                    Conv2d.builder()
                            .setKernelShape(new Shape(5, 5))
                            .optPadding(new Shape(2, 2))
                            .setFilters(WIDTHS[i])
                            .optBias(false)
                            .build());
            net.add(norms.create("conv" + (i + 1), WIDTHS[i]));
            net.add(kinks.activation());
            if (i < WIDTHS.length - 1) {
                net.add(kinks.halvingPool());
            }
        }
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(numClasses).build());
        return net;
    }

    /** Multiply-accumulates ×2 of one forward pass on one 32×32×3 image (convs and FC only). */
    public static long forwardFlopsPerImage(int numClasses) {
        long flops = 0;
        int side = 32;
        int in = 3;
        for (int w : WIDTHS) {
            flops += 2L * side * side * w * in * 25;
            in = w;
            side = side / 2;
        }
        return flops + 2L * in * numClasses;
    }
}
