package io.mixnorm.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Optional;

/**
 * Hands the C heap's free pages back to the operating system: glibc's {@code malloc_trim(0)},
 * called through JNA.
 *
 * <h2>Why</h2>
 * PyTorch's CPU allocator is plain {@code malloc}/{@code free}. A training step allocates and
 * frees hundreds of tensors of many sizes; glibc keeps freed chunks for reuse and, once a large
 * block has been freed, raises its mmap threshold (up to 32 MiB), so later large tensors also come
 * from its heaps. Over thousands of steps the free space in those heaps fragments and the pages of
 * the free chunks stay resident: a 5,000-step MixtureNorm soak grew its resident memory by 35%
 * while the Java heap and DJL's live arrays stayed constant ({@code docs/reliability.md}). Since
 * glibc 2.8 {@code malloc_trim} releases (with {@code MADV_DONTNEED}) every whole free page of
 * every arena, not only the top of the main heap, so calling it now and then bounds resident memory
 * by the live data plus what was freed since the last call. It does not move or free live memory,
 * so it changes no result.
 *
 * <p>The alternatives, and why not: a fixed {@code MALLOC_MMAP_THRESHOLD_} (environment) maps and
 * page-faults every large tensor afresh on every step, which slowed a cnn5 step by about a third
 * here ({@code docs/benchmarks.md}); {@code MALLOC_ARENA_MAX=2} alone still grew by 14%; and
 * neither can be set by a library inside someone else's JVM.
 *
 * <p>Set the environment variable {@code MIXNORM_MALLOC_TRIM=0} to turn it off. Elsewhere than
 * on glibc (macOS, musl) {@link #trim()} does nothing.
 */
public final class NativeMemory {
    private static Optional<Function> mallocTrim;

    private NativeMemory() {}

    /**
     * Releases the C heap's free pages to the operating system.
     *
     * @return whether glibc reported that it released memory; false when nothing was released,
     *     when {@code MIXNORM_MALLOC_TRIM=0}, or when the C library has no {@code malloc_trim}
     */
    public static boolean trim() {
        if (!enabled()) {
            return false;
        }
        return function().map(f -> f.invokeInt(new Object[] {0L}) != 0).orElse(false);
    }

    /** Whether {@link #trim()} can do anything in this process. */
    public static boolean enabled() {
        return !"0".equals(System.getenv("MIXNORM_MALLOC_TRIM")) && function().isPresent();
    }

    private static synchronized Optional<Function> function() {
        if (mallocTrim == null) {
            try {
                mallocTrim = Optional.of(NativeLibrary.getInstance("c").getFunction("malloc_trim"));
            } catch (UnsatisfiedLinkError | RuntimeException e) { // not glibc
                mallocTrim = Optional.empty();
            }
        }
        return mallocTrim;
    }
}
