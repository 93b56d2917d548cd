package io.mixnorm.lab.data;

/**
 * A tiny SplitMix64 generator, written out here so that shuffles and augmentations are the same on
 * every JDK and platform (they are part of a run's reproducible state).
 */
final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** The SplitMix64 / MurmurHash3 finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A well-mixed seed derived from a seed, a purpose tag and coordinates. */
    static long derive(long seed, long tag, long a, long b) {
        long h = mix(seed + GOLDEN * (tag + 1));
        h = mix(h ^ (a + GOLDEN));
        return mix(h ^ (b + 2 * GOLDEN));
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** A uniform int in {@code [0, bound)} (Lemire's multiply-shift with rejection; unbiased). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }
}
