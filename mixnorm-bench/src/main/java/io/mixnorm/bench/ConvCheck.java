package io.mixnorm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import io.mixnorm.engine.OneDnnWorkaround;
import io.mixnorm.engine.PaddedConv2d;

/**
 * Checks this machine's PyTorch for the oneDNN convolution defect ({@link OneDnnWorkaround}): each
 * convolution, with the gradients of Σ y·r, is computed with oneDNN and with ATen's own kernels on
 * the same inputs, and the largest differences are printed relative to the largest value. ATen's
 * path is the one {@code OneDnnWorkaroundTest} checks against float64. The last column is {@link
 * PaddedConv2d}'s path (oneDNN on, channels padded where the shape needs it) against ATen: the
 * largest of its three differences.
 *
 * <pre>
 * bench/conv-check.sh                        # the built-in shapes (DenseNet, DCGAN, cnn5, Inception-like)
 * bench/conv-check.sh N C HW F K PAD [STRIDE]  # one shape of your own</pre>
 */
public final class ConvCheck {
    private ConvCheck() {}

    private static final int[][] SHAPES = {
        // N, C, HW, F, K, PAD, STRIDE; a comment says where the shape comes from
        {64, 40, 32, 12, 3, 1, 1}, // DenseNet-40 block 1, layer 3
        {64, 172, 16, 12, 3, 1, 1}, // DenseNet-40 block 2, layer 2
        {64, 16, 32, 12, 3, 1, 1}, // filters not a multiple of 16 (DenseNet-40 block 1, layer 1)
        {64, 160, 32, 160, 1, 0, 1}, // DenseNet 1x1 transition
        {64, 100, 1, 512, 4, 3, 1}, // DCGAN generator's first layer (as a padded convolution)
        {
            64, 128, 17, 3, 2, 1, 1
        }, // DCGAN generator's last layer (one phase of the transposed convolution)
        {64, 256, 4, 1, 4, 0, 1}, // DCGAN discriminator's last layer
        {64, 48, 8, 16, 3, 1, 2}, // strided, input channels a multiple of 16 but not of 32
        {128, 3, 32, 64, 3, 1, 1}, // cnn5 conv1
        {128, 64, 16, 128, 3, 1, 1}, // cnn5 conv2
        {128, 128, 8, 256, 3, 1, 1}, // cnn5 conv4
        {64, 48, 16, 64, 5, 2, 1}, // Inception-V3 5x5 branch
        {64, 64, 16, 96, 3, 1, 1}, // Inception-V3 3x3 branch
        {64, 288, 8, 384, 3, 0, 2}, // Inception-V3 Mixed_6a's strided 3x3
    };

    public static void main(String[] args) {
        int[][] shapes = SHAPES;
        if (args.length == 6 || args.length == 7) {
            int[] s = java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
            shapes = new int[][] {args.length == 7 ? s : java.util.Arrays.copyOf(s, 7)};
            shapes[0][6] = Math.max(1, shapes[0][6]);
        }
        boolean wrongAnywhere = false;
        boolean paddedWrong = false;
        try (NDManager m = NDManager.newBaseManager()) {
            if (!OneDnnWorkaround.setOneDnn(true)) {
                System.out.println(
                        "cannot reach PyTorch's oneDNN switch: not DJL's PyTorch 2.x engine?");
                return;
            }
            System.out.printf(
                    "%-34s %12s %12s %12s %12s%n",
                    "N C HW -> F, KxK pad/stride", "output", "input grad", "weight grad", "padded");
            for (int[] s : shapes) {
                try (NDManager sm = m.newSubManager()) {
                    Engine.getInstance().setRandomSeed(1);
                    NDArray x = sm.randomNormal(new Shape(s[0], s[1], s[2], s[2]));
                    NDArray w = sm.randomNormal(new Shape(s[3], s[1], s[4], s[4])).mul(0.1f);
                    NDArray[] on = convolve(x, w, s[5], s[6], true, false);
                    NDArray[] off = convolve(x, w, s[5], s[6], false, false);
                    NDArray[] padded = convolve(x, w, s[5], s[6], true, true);
                    StringBuilder line =
                            new StringBuilder(
                                    String.format(
                                            "%-34s",
                                            s[0] + " " + s[1] + " " + s[2] + " -> " + s[3] + ", "
                                                    + s[4] + "x" + s[4] + " pad " + s[5] + "/"
                                                    + s[6]));
                    boolean wrong = false;
                    double paddedRel = 0;
                    for (int k = 0; k < 3; k++) {
                        double rel = relDiff(on[k], off[k]);
                        wrong |= !(rel < 1e-4);
                        line.append(String.format(" %12.2e", rel));
                        double p = relDiff(padded[k], off[k]);
                        paddedRel =
                                Double.isNaN(p) || Double.isNaN(paddedRel)
                                        ? Double.NaN
                                        : Math.max(paddedRel, p);
                    }
                    line.append(String.format(" %12.2e", paddedRel));
                    wrongAnywhere |= wrong;
                    paddedWrong |= !(paddedRel < 1e-4);
                    System.out.println(
                            line
                                    + (wrong ? "   WRONG with oneDNN" : "")
                                    + (paddedRel < 1e-4 ? "" : "   PADDED WRONG"));
                }
            }
        } finally {
            OneDnnWorkaround.setOneDnn(true);
        }
        System.out.println(
                wrongAnywhere
                        ? "oneDNN disagrees with ATen on this machine: keep OneDnnWorkaround and"
                                + " PaddedConv2d."
                        : "oneDNN agrees with ATen on every shape checked.");
        System.out.println(
                paddedWrong
                        ? "PaddedConv2d disagrees with ATen on some shape: switch oneDNN off"
                                + " (OneDnnWorkaround.apply())."
                        : "PaddedConv2d agrees with ATen on every shape checked.");
    }

    private static double relDiff(NDArray a, NDArray ref) {
        return a.sub(ref).abs().max().getFloat() / (double) ref.abs().max().getFloat();
    }

    /**
     * y = conv(x, w) and the gradients of Σ y·r (r fixed), with oneDNN on or off, plain or padded.
     */
    private static NDArray[] convolve(
            NDArray x0, NDArray w0, int pad, int stride, boolean oneDnn, boolean padded) {
        OneDnnWorkaround.setOneDnn(oneDnn);
        NDArray x = x0.duplicate();
        NDArray w = w0.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            y =
                    padded
                            ? PaddedConv2d.conv2d(x, w, stride, pad)
                            : Conv2d.conv2d(
                                            x,
                                            w,
                                            null,
                                            new Shape(stride, stride),
                                            new Shape(pad, pad))
                                    .singletonOrThrow();
            NDArray r =
                    y.getManager().arange((float) y.size()).reshape(y.getShape()).mul(0.37f).sin();
            gc.backward(y.mul(r).sum());
        }
        return new NDArray[] {
            y.stopGradient(), x.getGradient().duplicate(), w.getGradient().duplicate()
        };
    }
}
