package io.mixnorm.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.util.Pair;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Switches PyTorch's CPU convolutions from oneDNN to ATen's own kernels, because the oneDNN build
 * inside PyTorch 2.7.1 (oneDNN 3.7.1, as DJL 0.36.0 ships it) computes some convolutions wrongly.
 *
 * <h2>The bug</h2>
 *
 * On this project's machine (AMD EPYC, AVX-512) a 3×3 or 4×4 convolution whose input channel count
 * is not a multiple of 16 (the first layer's 3 channels excepted) returns wrong numbers: a
 * 2×40×12×12 input with 12 filters differs from ATen's own result by 17% of the largest output
 * ({@code bench/conv-check.sh 2 40 12 12 3 1}). The gradients are wrong too, also when the
 * <em>filter</em> count is not a multiple of 16 (the data gradient is a convolution over the
 * filters). The wrong reads go past what was written, so the result also changes from call to call
 * and is sometimes NaN. DenseNet (growth 12: widths 28, 40, 52, …) and the DCGAN generator (latent
 * size 100) are hit; the 5-layer CNN (3, 64, 128, 256 channels) and Inception-V3 (multiples of 16)
 * are not. Measurements and how they were taken: {@code docs/engine-workarounds.md}.
 *
 * <h2>The workaround</h2>
 *
 * {@code at::globalContext().setUserEnabledMkldnn(false)} — PyTorch's {@code
 * torch.backends.mkldnn.enabled = False} — called through JNA, because DJL does not expose it. ATen
 * then runs convolutions with its own im2col + matrix-multiply kernels, which match the float64
 * reference on every shape measured. The cost is measured side by side with {@code mixnorm bench
 * --onednn-ab} ({@code docs/benchmarks.md}): about 3× slower for the 5-layer CNN, which is why the
 * lab switches oneDNN off only for models that need it ({@link #applyFor(Block)}), while {@link
 * #apply()} switches it off unconditionally.
 *
 * <p>Set the environment variable {@code MIXNORM_ONEDNN=1} to keep oneDNN (e.g. when every channel
 * count in your model is a multiple of 16, or after checking your machine with {@code
 * bench/conv-check.sh}).
 */
public final class OneDnnWorkaround {
    private static final String LIBRARY = "libtorch_cpu.so";
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_ENABLED = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private static final String IS_ENABLED = "_ZNK2at7Context17userEnabledMkldnnEv";
    private static final String SET_NNPACK = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private static final String JUNK_FILL = "FLAGS_caffe2_cpu_allocator_do_junk_fill";

    private OneDnnWorkaround() {}

    /**
     * Turns oneDNN off for this process. Starts DJL's PyTorch engine if that has not happened yet.
     * Call it before the first convolution.
     *
     * @return whether oneDNN is now off: false when {@code MIXNORM_ONEDNN=1}, when the PyTorch
     *     engine is not on the classpath, or when its library lacks the symbols (another build)
     */
    public static synchronized boolean apply() {
        return !"1".equals(System.getenv("MIXNORM_ONEDNN")) && setOneDnn(false);
    }

    /**
     * Turns oneDNN off if {@code block} (initialized) holds a convolution of a shape that oneDNN
     * miscomputes, see {@link #misfit(Shape)}, outside a {@link PaddedConv2d} (which pads such
     * shapes itself); otherwise leaves the switch alone: oneDNN is about 3× faster than ATen's own
     * convolution here. Nothing turns it back on except {@link #setOneDnn}.
     *
     * @return a description of the first such convolution (oneDNN is now off, unless {@code
     *     MIXNORM_ONEDNN=1}), or empty when there is none
     */
    public static synchronized Optional<String> applyFor(Block block) {
        Optional<String> found = firstMisfit(block, "");
        found.ifPresent(f -> apply());
        return found;
    }

    private static Optional<String> firstMisfit(Block block, String path) {
        if (block instanceof PaddedConv2d) {
            return Optional.empty();
        }
        int stride = block instanceof Convolution conv ? (int) conv.getStride().get(0) : 1;
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            Parameter param = p.getValue();
            if (param.isInitialized()
                    && param.getType() == Parameter.Type.WEIGHT
                    && misfit(param.getArray().getShape(), stride)) {
                return Optional.of(path + p.getKey() + " " + param.getArray().getShape());
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            Optional<String> found = firstMisfit(child.getValue(), path + child.getKey() + "_");
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a stride-1 convolution weight (filters, input channels, kernel height, kernel width)
     * has a shape that PyTorch 2.7.1's oneDNN gets wrong on the machines measured: a kernel larger
     * than 1×1 with a filter count that is not a multiple of 16, or an input channel count that is
     * not a multiple of 16 other than 3 (an image's first layer, which oneDNN handles separately).
     */
    public static boolean misfit(Shape weight) {
        return misfit(weight, 1);
    }

    /**
     * {@link #misfit(Shape)} for any stride: with a stride above 1 the input gradient is also wrong
     * when the input channel count is an odd multiple of 16 (48, 80, 112, …; measured with 16
     * filters, 3×3, stride 2), so such convolutions need a multiple of 32.
     */
    public static boolean misfit(Shape weight, int stride) {
        if (weight.dimension() != 4 || weight.get(2) * weight.get(3) == 1) {
            return false;
        }
        long filters = weight.get(0);
        long channels = weight.get(1);
        return filters % 16 != 0 || (channels != 3 && channels % channelAlignment(stride) != 0);
    }

    /** The input channel multiple oneDNN needs at this stride (see {@link #misfit(Shape, int)}). */
    static int channelAlignment(int stride) {
        return stride > 1 ? 32 : 16;
    }

    /**
     * Turns oneDNN on or off now, whatever {@link #apply()} did; for side-by-side checks and
     * benchmarks. Programs call {@link #apply()}.
     *
     * @return whether the switch was found and set
     */
    public static synchronized boolean setOneDnn(boolean on) {
        Optional<Switches> sw = switches();
        if (sw.isEmpty()) {
            return false;
        }
        try {
            Pointer context = sw.get().context.invokePointer(new Object[0]);
            sw.get().setOneDnn.invokeVoid(new Object[] {context, on});
            if (!on) {
                // ATen's fallback first tries NNPACK, which this CPU does not support, and warns on
                // every call
                sw.get().setNnpack.invokeVoid(new Object[] {context, false});
            }
            return isOneDnnOn() == on;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether PyTorch may use oneDNN for CPU convolutions right now (true where unknown). */
    public static synchronized boolean isOneDnnOn() {
        Optional<Switches> sw = switches();
        if (sw.isEmpty()) {
            return true;
        }
        try {
            Pointer context = sw.get().context.invokePointer(new Object[0]);
            return (sw.get().isOneDnn.invokeInt(new Object[] {context}) & 0xFF)
                    != 0; // a C++ bool: the low byte
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * c10's junk fill: every new CPU tensor buffer is filled with a NaN pattern, which makes reads
     * of never-written memory visible; for tests.
     */
    static synchronized boolean setJunkFill(boolean on) {
        return loaded("libc10.so")
                .map(
                        lib -> {
                            lib.getGlobalVariableAddress(JUNK_FILL).setByte(0, (byte) (on ? 1 : 0));
                            return true;
                        })
                .orElse(false);
    }

    /** ATen's switches in libtorch_cpu.so, looked up once (the bench flips them every step). */
    private record Switches(
            Function context, Function setOneDnn, Function isOneDnn, Function setNnpack) {}

    private static Optional<Switches> switches;

    private static Optional<Switches> switches() {
        if (switches == null) {
            try {
                switches =
                        loaded(LIBRARY)
                                .map(
                                        t ->
                                                new Switches(
                                                        t.getFunction(GLOBAL_CONTEXT),
                                                        t.getFunction(SET_ENABLED),
                                                        t.getFunction(IS_ENABLED),
                                                        t.getFunction(SET_NNPACK)));
            } catch (UnsatisfiedLinkError e) { // another build without these symbols
                switches = Optional.empty();
            }
        }
        return switches;
    }

    private static Optional<NativeLibrary> loaded(String fileName) {
        try {
            Engine.getEngine("PyTorch"); // loads the native libraries if nothing has yet
            return loadedLibrary(fileName).map(p -> NativeLibrary.getInstance(p.toString()));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    /**
     * The path of a shared library this process has mapped, from {@code /proc/self/maps} (Linux).
     */
    private static Optional<Path> loadedLibrary(String fileName) {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.endsWith("/" + fileName))
                    .findFirst()
                    .map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
