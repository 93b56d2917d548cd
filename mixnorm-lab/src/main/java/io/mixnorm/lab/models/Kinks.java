package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;

/**
 * The convolutional models' nonlinearities: ReLU and 3×3 max pools ({@link #KEEP}, what every model
 * trains with), or smooth stand-ins ({@link #SMOOTH}: softplus and 3×3/2 average pools) for float64
 * checks at training batches.
 *
 * <p>Why the stand-ins: a float32 gradient through ReLU or a max pool is sparse routing, decided by
 * which side of a kink, or which of a window's entries is largest. Wherever an activation lies
 * within float32 rounding of a kink, float32 and float64 route one entry differently and that
 * entry's whole gradient lands elsewhere; the difference then spreads through every weight gradient
 * below it. In cnn5 at batch 32 this happened for five of eight inputs measured, in NCHW exactly as
 * in channels-last (docs/benchmarks.md, "Channels-last inputs"), so a check of the real models
 * against float64 there tests its input's luck. With the smooth stand-ins every layer is
 * differentiable and the same convolutions, norms, concatenations and memory formats agree with
 * float64 to ~1e-5 at any batch.
 */
enum Kinks {
    /** ReLU and max pools: the models as trained. */
    KEEP,
    /** Softplus and average pools: for float64 checks only. */
    SMOOTH;

    /** ReLU, or softplus. */
    Block activation() {
        return this == KEEP ? Activation.reluBlock() : Activation.softPlusBlock();
    }

    /** A 3×3 window, stride 2, padding 1: halves the side (cnn5, DenseNet). Max, or average. */
    Block halvingPool() {
        return pool(2, 1);
    }

    /**
     * A 3×3 window with the given stride and padding (Inception-V3: stride 2, none). Max, or
     * average.
     */
    Block pool(int stride, int padding) {
        Shape k = new Shape(3, 3);
        Shape s = new Shape(stride, stride);
        Shape p = new Shape(padding, padding);
        return this == KEEP ? Pool.maxPool2dBlock(k, s, p) : Pool.avgPool2dBlock(k, s, p);
    }
}
