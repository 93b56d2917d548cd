package io.mixnorm.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * The memory format of a 4-D PyTorch array, for tests: DJL exposes no strides, but libtorch's
 * {@code is_contiguous} is bound in DJL's package-private {@code PyTorchLibrary}. An array is NCHW
 * when it is contiguous and channels-last when its {@code (N, H, W, C)} permutation is.
 */
public final class MemoryFormat {
    private static final Object LIB;
    private static final Method IS_CONTIGUOUS;

    static {
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field f = c.getDeclaredField("LIB");
            f.setAccessible(true);
            LIB = f.get(null);
            IS_CONTIGUOUS = c.getDeclaredMethod("torchIsContiguous", long.class);
            IS_CONTIGUOUS.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private MemoryFormat() {}

    /**
     * A view with gaps (a slice of the channels, as PaddedConv2d's output when it drops its extra
     * filters) is classified by the order of its strides, as PyTorch's {@code
     * suggest_memory_format} does and every consumer of it sees it: by the format of an elementwise
     * copy, which PyTorch lays out in that order.
     *
     * @param a a 4-D array with {@code C > 1} and {@code H·W > 1} (else both formats coincide)
     * @return {@code "NCHW"}, {@code "channels-last"} or {@code "other"}
     */
    public static String of(NDArray a) {
        String dense = ofDense(a);
        return dense.equals("other") ? ofDense(a.mul(1)) : dense;
    }

    private static String ofDense(NDArray a) {
        if (contiguous(a)) {
            return "NCHW";
        }
        return contiguous(a.transpose(0, 2, 3, 1)) ? "channels-last" : "other";
    }

    private static boolean contiguous(NDArray a) {
        try {
            return (boolean) IS_CONTIGUOUS.invoke(LIB, ((PtNDArray) a).getHandle());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
