package io.mixnorm.lab.gan;

import java.util.SplittableRandom;

/**
 * The generator's latent vectors, N(0, 1) each, as pure functions of (seed, purpose, index): a
 * resumed run draws exactly the noise an uninterrupted one draws, with no generator state to save,
 * and the sample grids and scores of every step use the same fixed vectors, so they compare.
 */
public final class Noise {
    /** The noise of one training step. */
    static final long TRAIN = 1;

    /** The 64 vectors of the sample grids. */
    static final long GRID = 2;

    /** The vectors of the score's generated images. */
    static final long SCORE = 3;

    private Noise() {}

    /** {@code n} latent vectors, (n, 100, 1, 1) row-major. */
    public static float[] latent(long seed, long purpose, long index, int n) {
        long s =
                seed * 0x9E3779B97F4A7C15L
                        + purpose * 0xBF58476D1CE4E5B9L
                        + index * 0x94D049BB133111EBL;
        SplittableRandom rnd = new SplittableRandom(s);
        float[] z = new float[n * Dcgan.LATENT];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rnd.nextGaussian();
        }
        return z;
    }
}
