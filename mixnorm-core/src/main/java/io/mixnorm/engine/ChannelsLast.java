package io.mixnorm.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Image batches in PyTorch's channels-last memory format: logically {@code (N, C, H, W)} like every
 * other array of a convolutional model, but stored {@code (N, H, W, C)} in memory, which is what
 * {@code x.to(memory_format=torch.channels_last)} gives in Python.
 *
 * <h2>Why</h2>
 *
 * PyTorch picks a convolution's memory format from its input: with a channels-last input, oneDNN
 * convolves in NHWC directly and its output is channels-last too, and batch norm, ReLU, max and
 * average pooling keep the format, so one conversion of the input carries the whole network. With
 * the default (NCHW) format oneDNN instead reorders every activation to and from its blocked layout
 * at every convolution. Measured on the project's 2-core machine (docs/benchmarks.md): cnn5's
 * forward and backward take 20% less time, its evaluation pass 36% less, Inception-V3's step 17–30%
 * less; MixtureNorm's position samples (a transpose to {@code (N·H·W, C)}) become a view instead of
 * a copy. The arithmetic is the same; only the order of some float sums changes.
 *
 * <p>DJL has no memory-format API, so the format is made by hand: the pixels are laid out NHWC in
 * Java and the {@code (N, H, W, C)} array is permuted to {@code (N, C, H, W)} (a view).
 *
 * <p><b>On unless {@code MIXNORM_CHANNELS_LAST=0}.</b> Checked against float64 like NCHW
 * (docs/benchmarks.md, "Channels-last inputs"): with smooth stand-ins for ReLU and max pools the
 * models' gradients agree with float64 to ~1e-5 at training batches in both formats. With the real
 * ReLUs and max pools a whole-network float64 check of cnn5 at batch 32 failed for five of eight
 * inputs, in NCHW exactly as in channels-last: float32 and float64 route one gradient entry
 * differently wherever an activation lies within rounding of a kink. PyTorch's channels-last batch
 * norm sums its N·H·W positions less precisely (~10× NCHW's rounding error, still ~1e-6 relative),
 * which makes such crossings somewhat more frequent; it does not make the gradients wrong. {@code
 * MIXNORM_CHANNELS_LAST=0} gives NCHW arrays, and earlier builds' bits.
 */
public final class ChannelsLast {
    /** The environment variable that turns channels-last inputs off ({@code 0}). */
    public static final String SWITCH = "MIXNORM_CHANNELS_LAST";

    private static final boolean ENABLED = !"0".equals(System.getenv(SWITCH));

    private ChannelsLast() {}

    /**
     * Whether {@link #images} makes channels-last arrays (unless {@code MIXNORM_CHANNELS_LAST=0}).
     */
    public static boolean enabled() {
        return ENABLED;
    }

    /**
     * An image batch for a convolutional model: channels-last when the model takes such inputs
     * ({@code wanted}) and {@link #enabled()}, else a plain NCHW array.
     *
     * @param manager owner of the new array
     * @param nchw the pixels in NCHW order, {@code shape.size()} of them
     * @param shape {@code (N, C, H, W)}
     * @param wanted whether the model takes channels-last inputs
     * @return an array of logical shape {@code shape}
     */
    public static NDArray images(NDManager manager, float[] nchw, Shape shape, boolean wanted) {
        return wanted && ENABLED ? stored(manager, nchw, shape) : manager.create(nchw, shape);
    }

    /**
     * An image batch stored channels-last whatever the switch says (for tests and comparisons).
     *
     * @param manager owner of the new array
     * @param nchw the pixels in NCHW order, {@code shape.size()} of them
     * @param shape {@code (N, C, H, W)}
     * @return an array of logical shape {@code shape}, stored {@code (N, H, W, C)}
     */
    public static NDArray stored(NDManager manager, float[] nchw, Shape shape) {
        if (shape.dimension() != 4 || shape.size() != nchw.length) {
            throw new IllegalArgumentException(
                    "need (N, C, H, W) and as many floats, got " + shape + " and " + nchw.length);
        }
        int n = (int) shape.get(0);
        int c = (int) shape.get(1);
        int hw = (int) (shape.get(2) * shape.get(3));
        float[] nhwc = new float[nchw.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int src = (i * c + ch) * hw;
                int dst = i * hw * c + ch;
                for (int p = 0; p < hw; p++) {
                    nhwc[dst + p * c] = nchw[src + p];
                }
            }
        }
        return manager.create(nhwc, new Shape(n, shape.get(2), shape.get(3), c))
                .transpose(0, 3, 1, 2);
    }
}
