package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.mixnorm.engine.ReleasingSequentialBlock;

/**
 * DenseNet for 32×32 inputs (Huang, Liu, van der Maaten, Weinberger, CVPR 2017, the CIFAR variant
 * with three dense blocks), shared by {@link DenseNet40} and {@link DenseNetBc100}:
 *
 * <pre>
 * conv3×3 (first channels)                                              32×32
 * dense block 1 (L layers) → transition 1 (BN-ReLU-conv1×1-avgpool 2)   32×32 → 16×16
 * dense block 2 (L layers) → transition 2                               16×16 →  8×8
 * dense block 3 (L layers) → BN-ReLU → global average pool → linear
 * </pre>
 *
 * A dense layer is pre-activation, BN-ReLU-conv3×3 to k channels (with a bottleneck:
 * BN-ReLU-conv1×1 to 4k first), and its output is concatenated to its input along channels, so a
 * block of L layers grows the width by L·k. Transitions keep ⌊θ·c⌋ channels (θ = 1, or 0.5 with
 * compression). No dropout (the paper uses none with data augmentation). Convolutions have no bias:
 * in this pre-activation design each conv output reaches a norm layer before anything else. They
 * are {@link io.mixnorm.engine.PaddedConv2d}s: oneDNN miscomputes 12-filter convolutions and widths
 * like 28 or 40, and padding them is 4× cheaper than switching oneDNN off
 * (docs/engine-workarounds.md).
 *
 * <p>Norm layers are named {@code block<b>.layer<l>.norm} (with a bottleneck {@code .norm1} before
 * the 1×1 conv and {@code .norm2} before the 3×3), {@code trans<b>.norm}, and {@code final.norm},
 * in forward order.
 */
final class DenseNet {
    /**
     * @param layersPerBlock L
     * @param growth k
     * @param bottleneck whether each layer starts with BN-ReLU-conv1×1 to 4k channels
     * @param compression θ, the fraction of channels a transition keeps
     * @param firstChannels output channels of the first convolution
     */
    record Config(
            int layersPerBlock,
            int growth,
            boolean bottleneck,
            double compression,
            int firstChannels) {}

    private DenseNet() {}

    static SequentialBlock build(Config c, NormFactory norms, int numClasses) {
        return build(c, norms, numClasses, Kinks.KEEP);
    }

    /** The network with ReLUs, or with softplus for float64 checks (its pools are averages). */
    static SequentialBlock build(Config c, NormFactory norms, int numClasses, Kinks kinks) {
        SequentialBlock net = new ReleasingSequentialBlock();
        net.add(Layers.paddedConv(c.firstChannels(), 3, 1, 1));
        int channels = c.firstChannels();
        for (int b = 1; b <= 3; b++) {
            for (int l = 1; l <= c.layersPerBlock(); l++) {
                net.add(denseLayer(c, norms, "block" + b + ".layer" + l, channels, kinks));
                channels += c.growth();
            }
            if (b < 3) {
                int out = transitionWidth(c, channels);
                net.add(
                        new ReleasingSequentialBlock()
                                .add(norms.create("trans" + b + ".norm", channels))
                                .add(kinks.activation())
                                .add(Layers.paddedConv(out, 1, 1, 0))
                                .add(Pool.avgPool2dBlock(new Shape(2, 2), new Shape(2, 2))));
                channels = out;
            }
        }
        net.add(norms.create("final.norm", channels));
        net.add(kinks.activation());
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(numClasses).build());
        return net;
    }

    /** Input concatenated with the layer's k new channels. */
    private static Block denseLayer(
            Config c, NormFactory norms, String name, int channels, Kinks kinks) {
        SequentialBlock layer = new ReleasingSequentialBlock();
        if (c.bottleneck()) {
            layer.add(norms.create(name + ".norm1", channels))
                    .add(kinks.activation())
                    .add(Layers.paddedConv(4 * c.growth(), 1, 1, 0))
                    .add(norms.create(name + ".norm2", 4 * c.growth()));
        } else {
            layer.add(norms.create(name + ".norm", channels));
        }
        layer.add(kinks.activation()).add(Layers.paddedConv(c.growth(), 3, 1, 1));
        return new DenseConcat(layer);
    }

    private static int transitionWidth(Config c, int channels) {
        return (int) Math.floor(c.compression() * channels);
    }

    /** Multiply-accumulates ×2 of the convolutions and the linear layer for one 32×32 image. */
    static long forwardFlopsPerImage(Config c, int numClasses) {
        int side = 32;
        long flops = Layers.convFlops(3, c.firstChannels(), 3, 3, side);
        int channels = c.firstChannels();
        int k = c.growth();
        for (int b = 1; b <= 3; b++) {
            for (int l = 1; l <= c.layersPerBlock(); l++) {
                flops +=
                        c.bottleneck()
                                ? Layers.convFlops(channels, 4 * k, 1, 1, side)
                                        + Layers.convFlops(4 * k, k, 3, 3, side)
                                : Layers.convFlops(channels, k, 3, 3, side);
                channels += k;
            }
            if (b < 3) {
                int out = transitionWidth(c, channels);
                flops += Layers.convFlops(channels, out, 1, 1, side);
                channels = out;
                side /= 2;
            }
        }
        return flops + 2L * channels * numClasses;
    }
}
