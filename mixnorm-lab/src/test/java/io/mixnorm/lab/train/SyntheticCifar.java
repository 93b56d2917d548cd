package io.mixnorm.lab.train;

import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import java.util.SplittableRandom;

/**
 * A small learnable task in CIFAR's exact layout: class c ∈ {0..3} brightens quadrant c of channel
 * c % 3 over a noisy grey background. Chance is 25%; a working trainer gets far above it within a
 * few dozen steps.
 */
public final class SyntheticCifar {
    private SyntheticCifar() {}

    public static CifarSplits make(int train, int test, long seed) {
        return new CifarSplits(dataset(train, seed), dataset(test, seed + 1));
    }

    /**
     * The task (128 train, 64 test images) written as a CIFAR-10 folder in the official record
     * format.
     */
    public static java.nio.file.Path writeFolder(java.nio.file.Path dir)
            throws java.io.IOException {
        CifarSplits s = make(128, 64, 9);
        java.nio.file.Files.createDirectories(dir);
        writeBin(s.train(), dir.resolve("data_batch_1.bin"));
        writeBin(s.test(), dir.resolve("test_batch.bin"));
        return dir;
    }

    private static void writeBin(CifarDataset d, java.nio.file.Path file)
            throws java.io.IOException {
        byte[] out = new byte[d.size() * 3073];
        for (int i = 0; i < d.size(); i++) {
            out[i * 3073] = (byte) d.label(i);
            System.arraycopy(d.image(i), 0, out, i * 3073 + 1, 3072);
        }
        java.nio.file.Files.write(file, out);
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
