package io.mixnorm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import io.mixnorm.engine.OneDnnWorkaround;

/**
 * Checks this machine's PyTorch for the oneDNN convolution defect ({@link OneDnnWorkaround}):
 * each convolution, with the gradients of Σ y·r, is computed with oneDNN and with ATen's own
 * kernels on the same inputs, and the largest differences are printed relative to the largest
 * value. ATen's path is the one {@code OneDnnWorkaroundTest} checks against float64.
 *
 * <pre>bench/conv-check.sh                 # the built-in shapes (DenseNet, DCGAN, cnn5, Inception-like)
 * bench/conv-check.sh N C HW F K PAD    # one shape of your own (stride 1)</pre>
 */
public final class ConvCheck {
    private ConvCheck() {}

    private static final int[][] SHAPES = {
        // N, C, HW, F, K, PAD; a comment says where the shape comes from
        {64, 40, 32, 12, 3, 1}, // DenseNet-40 block 1, layer 3
        {64, 172, 16, 12, 3, 1}, // DenseNet-40 block 2, layer 2
        {64, 16, 32, 12, 3, 1}, // filters not a multiple of 16 (DenseNet-40 block 1, layer 1)
        {64, 160, 32, 160, 1, 0}, // DenseNet 1x1 transition
        {64, 100, 1, 512, 4, 3}, // DCGAN generator's first layer (as a padded convolution)
        {128, 3, 32, 64, 3, 1}, // cnn5 conv1
        {128, 64, 16, 128, 3, 1}, // cnn5 conv2
        {128, 128, 8, 256, 3, 1}, // cnn5 conv4
        {64, 48, 16, 64, 5, 2}, // Inception-V3 5x5 branch
        {64, 64, 16, 96, 3, 1}, // Inception-V3 3x3 branch
    };

    public static void main(String[] args) {
        int[][] shapes = args.length == 6 ? new int[][] {java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()} : SHAPES;
        boolean wrongAnywhere = false;
        try (NDManager m = NDManager.newBaseManager()) {
            if (!OneDnnWorkaround.setOneDnn(true)) {
                System.out.println("cannot reach PyTorch's oneDNN switch: not DJL's PyTorch 2.x engine?");
                return;
            }
            System.out.printf("%-28s %12s %12s %12s%n", "N C HW -> F, KxK pad", "output", "input grad", "weight grad");
            for (int[] s : shapes) {
                try (NDManager sm = m.newSubManager()) {
                    Engine.getInstance().setRandomSeed(1);
                    NDArray x = sm.randomNormal(new Shape(s[0], s[1], s[2], s[2]));
                    NDArray w = sm.randomNormal(new Shape(s[3], s[1], s[4], s[4])).mul(0.1f);
                    NDArray[] on = convolve(x, w, s[5], true);
                    NDArray[] off = convolve(x, w, s[5], false);
                    StringBuilder line = new StringBuilder(String.format("%-28s", s[0] + " " + s[1] + " " + s[2] + " -> "
                            + s[3] + ", " + s[4] + "x" + s[4] + " pad " + s[5]));
                    boolean wrong = false;
                    for (int k = 0; k < 3; k++) {
                        double rel = on[k].sub(off[k]).abs().max().getFloat() / (double) off[k].abs().max().getFloat();
                        wrong |= !(rel < 1e-4);
                        line.append(String.format(" %12.2e", rel));
                    }
                    wrongAnywhere |= wrong;
                    System.out.println(line + (wrong ? "   WRONG with oneDNN" : ""));
                }
            }
        } finally {
            OneDnnWorkaround.setOneDnn(true);
        }
        System.out.println(wrongAnywhere ? "oneDNN disagrees with ATen on this machine: keep OneDnnWorkaround."
                : "oneDNN agrees with ATen on every shape checked.");
    }

    /** y = conv(x, w) and the gradients of Σ y·r (r fixed), with oneDNN on or off. */
    private static NDArray[] convolve(NDArray x0, NDArray w0, int pad, boolean oneDnn) {
        OneDnnWorkaround.setOneDnn(oneDnn);
        NDArray x = x0.duplicate();
        NDArray w = w0.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(pad, pad)).singletonOrThrow();
            NDArray r = y.getManager().arange((float) y.size()).reshape(y.getShape()).mul(0.37f).sin();
            gc.backward(y.mul(r).sum());
        }
        return new NDArray[] {y.stopGradient(), x.getGradient().duplicate(), w.getGradient().duplicate()};
    }
}
