package io.mixnorm.lab.train;

import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import java.util.SplittableRandom;

/**
 * A small learnable task in CIFAR's exact layout: class c ∈ {0..3} brightens quadrant c of
 * channel c % 3 over a noisy grey background. Chance is 25%; a working trainer gets far above it
 * within a few dozen steps.
 */
public final class SyntheticCifar {
    private SyntheticCifar() {}

    public static CifarSplits make(int train, int test, long seed) {
        return new CifarSplits(dataset(train, seed), dataset(test, seed + 1));
    }

    static CifarDataset dataset(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 3072];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            labels[i] = c;
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int v = 100 + rnd.nextInt(50);
                        boolean inQuadrant = (y < 16) == (c < 2) && (x < 16) == (c % 2 == 0);
                        if (inQuadrant && ch == c % 3) {
                            v += 80;
                        }
                        pixels[i * 3072 + ch * 1024 + y * 32 + x] = (byte) v;
                    }
                }
            }
        }
        return new CifarDataset(pixels, labels, 4, "synthetic(" + n + ", seed " + seed + ")");
    }
}
