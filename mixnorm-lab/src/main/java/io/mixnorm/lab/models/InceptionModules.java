package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import io.mixnorm.engine.ReleasingSequentialBlock;
import java.util.List;

/**
 * The Mixed blocks of torchvision's Inception-V3 (InceptionA–E), with torchvision's channel widths
 * and branch names. Every convolution is a BasicConv2d: conv (no bias) → norm → ReLU; the norm is
 * named {@code <module>.<branch>.norm}, e.g. {@code mixed_5b.branch5x5_1.norm} for torchvision's
 * {@code Mixed_5b.branch5x5_1.bn}, and is created in torchvision's module order. Also counts the
 * convolutions' FLOPs as it builds, from the grid side each one runs on.
 */
final class InceptionModules {
    private final NormFactory norms;
    private final Kinks kinks;
    private long flops;

    InceptionModules(NormFactory norms, Kinks kinks) {
        this.norms = norms;
        this.kinks = kinks;
    }

    long flops() {
        return flops;
    }

    /**
     * Conv (no bias) → norm → ReLU (softplus for {@link Kinks#SMOOTH}); {@code side} is the output
     * side, for the FLOP count.
     */
    Block basic(
            String name, int in, int out, int kh, int kw, int stride, int ph, int pw, int side) {
        flops += Layers.convFlops(in, out, kh, kw, side);
        return new ReleasingSequentialBlock()
                .add(Layers.conv(out, kh, kw, stride, ph, pw))
                .add(norms.create(name + ".norm", out))
                .add(kinks.activation());
    }

    private Block basic1x1(String name, int in, int out, int side) {
        return basic(name, in, out, 1, 1, 1, 0, 0, side);
    }

    /** torchvision's avg_pool2d(kernel 3, stride 1, padding 1), which counts the padding. */
    private static Block avgPool3() {
        return Pool.avgPool2dBlock(new Shape(3, 3), new Shape(1, 1), new Shape(1, 1), false, true);
    }

    private static SequentialBlock seq(Block... blocks) {
        SequentialBlock s = new ReleasingSequentialBlock();
        for (Block b : blocks) {
            s.add(b);
        }
        return s;
    }

    /** InceptionA: output 64 + 64 + 96 + poolFeatures channels, same side. */
    Block inceptionA(String m, int in, int poolFeatures, int side) {
        return Layers.concat(
                List.of(
                        basic1x1(m + ".branch1x1", in, 64, side),
                        seq(
                                basic1x1(m + ".branch5x5_1", in, 48, side),
                                basic(m + ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2, side)),
                        seq(
                                basic1x1(m + ".branch3x3dbl_1", in, 64, side),
                                basic(m + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1, side),
                                basic(m + ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1, side)),
                        seq(avgPool3(), basic1x1(m + ".branch_pool", in, poolFeatures, side))));
    }

    /** InceptionB (grid reduction, stride 2, no padding): output 384 + 96 + in channels. */
    Block inceptionB(String m, int in, int side) {
        int out = Layers.outSide(side, 3, 2, 0);
        return Layers.concat(
                List.of(
                        basic(m + ".branch3x3", in, 384, 3, 3, 2, 0, 0, out),
                        seq(
                                basic1x1(m + ".branch3x3dbl_1", in, 64, side),
                                basic(m + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1, side),
                                basic(m + ".branch3x3dbl_3", 96, 96, 3, 3, 2, 0, 0, out)),
                        kinks.pool(2, 0)));
    }

    /** InceptionC (factorized 7×7 with c7 inner channels): output 768 channels. */
    Block inceptionC(String m, int in, int c7, int side) {
        return Layers.concat(
                List.of(
                        basic1x1(m + ".branch1x1", in, 192, side),
                        seq(
                                basic1x1(m + ".branch7x7_1", in, c7, side),
                                basic(m + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3, side),
                                basic(m + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0, side)),
                        seq(
                                basic1x1(m + ".branch7x7dbl_1", in, c7, side),
                                basic(m + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0, side),
                                basic(m + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3, side),
                                basic(m + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0, side),
                                basic(m + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3, side)),
                        seq(avgPool3(), basic1x1(m + ".branch_pool", in, 192, side))));
    }

    /** InceptionD (grid reduction): output 320 + 192 + in channels. */
    Block inceptionD(String m, int in, int side) {
        int out = Layers.outSide(side, 3, 2, 0);
        return Layers.concat(
                List.of(
                        seq(
                                basic1x1(m + ".branch3x3_1", in, 192, side),
                                basic(m + ".branch3x3_2", 192, 320, 3, 3, 2, 0, 0, out)),
                        seq(
                                basic1x1(m + ".branch7x7x3_1", in, 192, side),
                                basic(m + ".branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3, side),
                                basic(m + ".branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0, side),
                                basic(m + ".branch7x7x3_4", 192, 192, 3, 3, 2, 0, 0, out)),
                        kinks.pool(2, 0)));
    }

    /** InceptionE (expanded filter bank): output 320 + 768 + 768 + 192 = 2048 channels. */
    Block inceptionE(String m, int in, int side) {
        return Layers.concat(
                List.of(
                        basic1x1(m + ".branch1x1", in, 320, side),
                        seq(
                                basic1x1(m + ".branch3x3_1", in, 384, side),
                                Layers.concat(
                                        List.of(
                                                basic(
                                                        m + ".branch3x3_2a",
                                                        384,
                                                        384,
                                                        1,
                                                        3,
                                                        1,
                                                        0,
                                                        1,
                                                        side),
                                                basic(
                                                        m + ".branch3x3_2b",
                                                        384,
                                                        384,
                                                        3,
                                                        1,
                                                        1,
                                                        1,
                                                        0,
                                                        side)))),
                        seq(
                                basic1x1(m + ".branch3x3dbl_1", in, 448, side),
                                basic(m + ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1, side),
                                Layers.concat(
                                        List.of(
                                                basic(
                                                        m + ".branch3x3dbl_3a",
                                                        384,
                                                        384,
                                                        1,
                                                        3,
                                                        1,
                                                        0,
                                                        1,
                                                        side),
                                                basic(
                                                        m + ".branch3x3dbl_3b",
                                                        384,
                                                        384,
                                                        3,
                                                        1,
                                                        1,
                                                        1,
                                                        0,
                                                        side)))),
                        seq(avgPool3(), basic1x1(m + ".branch_pool", in, 192, side))));
    }
}
