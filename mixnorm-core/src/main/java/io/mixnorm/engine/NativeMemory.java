package io.mixnorm.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * glibc's allocator, tuned for a tensor library and kept in check: {@link #tune()} sets {@code
 * mallopt} once per process, {@link #trim()} hands free pages back to the operating system ({@code
 * malloc_trim(0)}). Both go through JNA; elsewhere than on glibc (macOS, musl) both do nothing.
 *
 * <h2>Why tune</h2>
 *
 * PyTorch's CPU allocator is plain {@code malloc}/{@code free}, and a training step allocates and
 * frees hundreds of tensors, many of them megabytes. glibc's defaults serve every chunk above its
 * mmap threshold (128 KiB, raised dynamically up to 32 MiB once such a chunk is freed) with a fresh
 * {@code mmap} and give it back with {@code munmap} on {@code free}, and they return the top of a
 * heap to the system whenever more than twice that threshold is free there. Either way the next
 * step page-faults the same memory in again: on the project's 2-core VM a cnn5 step at batch 128
 * (conv1's output alone is 33.5 MB, above the 32 MiB ceiling) ran at less than half the speed it
 * reaches with the allocator told to keep its memory ({@code docs/benchmarks.md}). {@link #tune()}
 * is the environment variables {@code MALLOC_MMAP_THRESHOLD_=4000000000
 * MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912} from inside the process:
 *
 * <ul>
 *   <li>{@code M_MMAP_THRESHOLD} = {@code Integer.MAX_VALUE} (mallopt takes an {@code int}, so 2
 *       GiB rather than 4 GB; no tensor of these models comes near either). The mallopt manual page
 *       documents a ceiling of 32 MiB ({@code DEFAULT_MMAP_THRESHOLD_MAX}) on 64-bit systems, but
 *       glibc 2.36 (Debian 12) accepts the larger value and honours it (measured: a 100 MiB {@code
 *       malloc} then comes from the heap). Where a C library refuses it, {@code M_MMAP_MAX} = 0
 *       takes its place: no mmap for any chunk a heap can hold, the same effect.
 *   <li>{@code M_TRIM_THRESHOLD} = {@code Integer.MAX_VALUE}: the heap's top is never given back by
 *       {@code free} itself.
 *   <li>{@code M_TOP_PAD} = 512 MiB: the main heap grows in large steps (address space; pages
 *       become resident only when touched).
 * </ul>
 *
 * mallopt changes glibc's global parameters, which every arena reads at each call, so it takes
 * effect for all threads whenever it is called; it is called as early as mixnorm can: by the lab's
 * command line before the engine loads, and by every MixtureNorm, ModeNorm and PaddedConv2d built
 * (so a DJL program that only depends on mixnorm-core gets it when it builds its model, before the
 * parameters and activations exist).
 *
 * <p>Kept memory is not lost memory: {@link #trim()}, called by the lab's trainers every 100 steps
 * and after each evaluation, returns every whole free page of every arena ({@code malloc_trim}
 * ignores the trim threshold), so resident memory stays bounded by the live data plus what was
 * freed since the last call, and the page faults the tuning avoids are paid once per trim instead
 * of once per tensor.
 *
 * <p>Switches: {@code MIXNORM_MALLOC_TUNING=0} leaves the allocator at glibc's defaults ({@code 1}
 * or unset: tune). If the environment already sets any of {@code MALLOC_MMAP_THRESHOLD_}, {@code
 * MALLOC_TRIM_THRESHOLD_}, {@code MALLOC_TOP_PAD_}, {@code MALLOC_MMAP_MAX_} or a {@code
 * glibc.malloc} tunable in {@code GLIBC_TUNABLES}, those are the user's choice and {@link #tune()}
 * changes nothing; the same when {@code LD_PRELOAD} puts jemalloc, tcmalloc or mimalloc in glibc's
 * place.
 *
 * <h2>Why trim</h2>
 *
 * A training step frees chunks of many sizes; over thousands of steps the free space in glibc's
 * heaps fragments and the pages of the free chunks stay resident: a 5,000-step MixtureNorm soak
 * grew its resident memory by 35% while the Java heap and DJL's live arrays stayed constant ({@code
 * docs/reliability.md}). Since glibc 2.8 {@code malloc_trim} releases (with {@code MADV_DONTNEED})
 * every whole free page of every arena, not only the top of the main heap. It does not move or free
 * live memory, so it changes no result. {@code MIXNORM_MALLOC_TRIM=0} turns it off. {@code
 * MALLOC_ARENA_MAX=2} alone still grew by 14%.
 */
public final class NativeMemory {
    /** The environment variable that turns {@link #tune()} off ({@code 0}) or on ({@code 1}). */
    public static final String TUNING_SWITCH = "MIXNORM_MALLOC_TUNING";

    // mallopt parameters (glibc's malloc.h)
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int M_MMAP_MAX = -4;
    private static final int TOP_PAD = 512 << 20;

    /** glibc's own names for the settings {@link #tune()} would make: the user's if set. */
    private static final List<String> USER_SETTINGS =
            List.of(
                    "MALLOC_MMAP_THRESHOLD_",
                    "MALLOC_TRIM_THRESHOLD_",
                    "MALLOC_TOP_PAD_",
                    "MALLOC_MMAP_MAX_");

    private static final List<String> USER_TUNABLES =
            List.of(
                    "glibc.malloc.mmap_threshold",
                    "glibc.malloc.trim_threshold",
                    "glibc.malloc.top_pad",
                    "glibc.malloc.mmap_max");

    private static final Map<String, Optional<Function>> LIBC = new ConcurrentHashMap<>();
    private static volatile String tuning; // null until tune() has run

    private NativeMemory() {}

    /**
     * Tunes glibc's allocator for tensors (see the class comment), once per process; later calls
     * return the first call's outcome.
     *
     * @return what was done: {@code "mallopt"} (tuned; {@code "mallopt, mmap_max 0"} where this
     *     glibc refused the large mmap threshold), {@code "off (MIXNORM_MALLOC_TUNING=0)"}, {@code
     *     "environment (NAME)"} (the user's allocator settings stand), or {@code "unavailable"}
     *     (not glibc, or mallopt refused)
     * @throws IllegalArgumentException when {@code MIXNORM_MALLOC_TUNING} is neither 0 nor 1
     */
    public static String tune() {
        String done = tuning;
        return done != null ? done : tune(System.getenv());
    }

    /** {@link #tune()} with the given environment (tests). */
    static synchronized String tune(Map<String, String> env) {
        if (tuning == null) {
            tuning = decide(env).orElseGet(NativeMemory::applyMallopt);
        }
        return tuning;
    }

    /** What {@link #tune()} did, or {@code "not yet"} when it has not run in this process. */
    public static String tuning() {
        String done = tuning;
        return done == null ? "not yet" : done;
    }

    /**
     * Why the environment says not to tune, or empty when it should.
     *
     * @throws IllegalArgumentException on a bad value of {@code MIXNORM_MALLOC_TUNING}
     */
    static Optional<String> decide(Map<String, String> env) {
        String on = env.getOrDefault(TUNING_SWITCH, "").strip();
        if (!on.isEmpty() && !on.equals("0") && !on.equals("1")) {
            throw new IllegalArgumentException(
                    TUNING_SWITCH
                            + " must be 0 (glibc's defaults) or 1 "
                            + "(tuned allocator, the default), not '"
                            + on
                            + "'");
        }
        if (on.equals("0")) {
            return Optional.of("off (" + TUNING_SWITCH + "=0)");
        }
        for (String name : USER_SETTINGS) {
            if (env.containsKey(name)) {
                return Optional.of("environment (" + name + ")");
            }
        }
        String tunables = env.getOrDefault("GLIBC_TUNABLES", "");
        for (String name : USER_TUNABLES) {
            if (tunables.contains(name)) {
                return Optional.of("environment (GLIBC_TUNABLES " + name + ")");
            }
        }
        String preload = env.getOrDefault("LD_PRELOAD", "");
        for (String allocator : List.of("jemalloc", "tcmalloc", "mimalloc")) {
            if (preload.contains(
                    allocator)) { // malloc is not glibc's: its mallopt would tune nothing
                return Optional.of("environment (LD_PRELOAD " + allocator + ")");
            }
        }
        return Optional.empty();
    }

    private static String applyMallopt() {
        Optional<Function> f = libc("mallopt");
        if (f.isEmpty()) {
            return "unavailable";
        }
        Function m = f.get();
        if (!set(m, M_TRIM_THRESHOLD, Integer.MAX_VALUE) || !set(m, M_TOP_PAD, TOP_PAD)) {
            return "unavailable";
        }
        if (set(m, M_MMAP_THRESHOLD, Integer.MAX_VALUE)) {
            return "mallopt";
        }
        // a C library that enforces the documented 32 MiB ceiling: never mmap instead
        return set(m, M_MMAP_MAX, 0) ? "mallopt, mmap_max 0" : "unavailable";
    }

    private static boolean set(Function mallopt, int param, int value) {
        return mallopt.invokeInt(new Object[] {param, value}) == 1;
    }

    /**
     * Releases the C heap's free pages to the operating system.
     *
     * @return whether glibc reported that it released memory; false when nothing was released, when
     *     {@code MIXNORM_MALLOC_TRIM=0}, or when the C library has no {@code malloc_trim}
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

    private static Optional<Function> function() {
        return libc("malloc_trim");
    }

    private static Optional<Function> libc(String name) {
        return LIBC.computeIfAbsent(
                name,
                n -> {
                    try {
                        return Optional.of(NativeLibrary.getInstance("c").getFunction(n));
                    } catch (UnsatisfiedLinkError | RuntimeException e) { // not glibc
                        return Optional.empty();
                    }
                });
    }
}
