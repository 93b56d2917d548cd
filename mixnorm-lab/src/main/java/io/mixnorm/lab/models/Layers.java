package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import io.mixnorm.engine.PaddedConv2d;
import java.util.List;

/** Small building blocks shared by the deep models. */
final class Layers {
    private Layers() {}

    /**
     * A bias-free convolution: every one in these models is followed, directly or after a
     * concatenation, by a norm layer that subtracts a per-channel mean, which makes a bias
     * redundant.
     */
    static Block conv(int filters, int kh, int kw, int stride, int ph, int pw) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kh, kw))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(ph, pw))
                .setFilters(filters)
                .optBias(false)
                .build();
    }

    /**
     * A bias-free square convolution that pads channel counts PyTorch 2.7.1's oneDNN miscomputes
     * (DenseNet's growth of 12) instead of switching oneDNN off for the whole process.
     */
    static Block paddedConv(int filters, int k, int stride, int pad) {
        return new PaddedConv2d(filters, k, stride, pad);
    }

    /**
     * Runs every branch on the same input and concatenates their outputs along channels (axis 1).
     */
    static Block concat(List<Block> branches) {
        return new ChannelConcat(branches);
    }

    /**
     * Multiply-accumulates ×2 of a k_h×k_w convolution producing an {@code side}×{@code side} map.
     */
    static long convFlops(int in, int out, int kh, int kw, int side) {
        return 2L * side * side * in * out * kh * kw;
    }

    /** Output side of a convolution or pool. */
    static int outSide(int side, int kernel, int stride, int pad) {
        return (side + 2 * pad - kernel) / stride + 1;
    }
}
