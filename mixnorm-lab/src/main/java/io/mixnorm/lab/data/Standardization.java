package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.CHANNELS;
import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static io.mixnorm.lab.data.CifarVariant.PLANE;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel standardization of uint8 CHW images: {@code x = (p / 255 - mean[c]) / std[c]}.
 *
 * <p>{@link #fit} computes the mean and the population standard deviation (divisor N) of the pixels
 * scaled to [0, 1], per channel, over every pixel of every image, accumulated in float64 (exactly,
 * from a per-channel histogram of the 256 byte values). A channel whose standard deviation is 0 (a
 * constant channel) gets std 1 so that it maps to 0 instead of NaN.
 *
 * <p>Applying uses a precomputed float lookup table per channel; the value for byte {@code p} of
 * channel {@code c} is computed in double and rounded once to float.
 */
public final class Standardization {
    /** The published CIFAR-10 train statistics (mean, population std of the 50,000 images). */
    public static final Standardization CIFAR10_PUBLISHED =
            new Standardization(
                    new float[] {0.49139968f, 0.48215841f, 0.44653091f},
                    new float[] {0.24703223f, 0.24348513f, 0.26158784f});

    private final float[] mean;
    private final float[] std;
    private final float[][] table;

    /**
     * Uses the given statistics (3 values each, in the [0, 1] pixel scale).
     *
     * @throws IllegalArgumentException if a value is not finite or a std is not positive
     */
    public Standardization(float[] mean, float[] std) {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length != CHANNELS || std.length != CHANNELS) {
            throw new IllegalArgumentException("mean and std need " + CHANNELS + " values each");
        }
        for (int c = 0; c < CHANNELS; c++) {
            if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] <= 0f) {
                throw new IllegalArgumentException(
                        "channel "
                                + c
                                + ": mean "
                                + mean[c]
                                + ", std "
                                + std[c]
                                + " (need finite values and std > 0)");
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.table = new float[CHANNELS][256];
        for (int c = 0; c < CHANNELS; c++) {
            for (int p = 0; p < 256; p++) {
                table[c][p] = (float) ((p / 255.0 - this.mean[c]) / this.std[c]);
            }
        }
    }

    /**
     * Fits the per-channel mean and population std of {@code data}'s pixels scaled to [0, 1].
     *
     * @throws IllegalArgumentException if the data set is empty
     */
    public static Standardization fit(CifarDataset data) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("cannot fit a standardization on an empty data set");
        }
        long[][] hist = histogram(data);
        float[] mean = new float[CHANNELS];
        float[] std = new float[CHANNELS];
        double count = (double) data.size() * PLANE;
        for (int c = 0; c < CHANNELS; c++) {
            double sum = 0;
            for (int p = 0; p < 256; p++) {
                sum += hist[c][p] * (p / 255.0);
            }
            double m = sum / count;
            double sq = 0;
            for (int p = 0; p < 256; p++) {
                double d = p / 255.0 - m;
                sq += hist[c][p] * d * d;
            }
            double s = Math.sqrt(sq / count);
            mean[c] = (float) m;
            std[c] = s > 0 ? (float) s : 1f;
            if (!(std[c] > 0f)) { // a std below the float range
                std[c] = 1f;
            }
        }
        return new Standardization(mean, std);
    }

    /** Counts of each byte value per channel over every image of {@code data}. */
    static long[][] histogram(CifarDataset data) {
        byte[] px = data.rawPixels();
        int n = data.size();
        long[][] hist = new long[CHANNELS][256];
        int[] h = new int[256];
        for (int c = 0; c < CHANNELS; c++) {
            Arrays.fill(h, 0);
            for (int i = 0; i < n; i++) {
                int base = i * PIXELS + c * PLANE;
                for (int k = base, end = base + PLANE; k < end; k++) {
                    h[px[k] & 0xFF]++;
                }
                if ((i & 0xFFFF) == 0xFFFF) { // int counts cannot overflow before 2^16 images
                    for (int p = 0; p < 256; p++) {
                        hist[c][p] += h[p];
                    }
                    Arrays.fill(h, 0);
                }
            }
            for (int p = 0; p < 256; p++) {
                hist[c][p] += h[p];
            }
        }
        return hist;
    }

    /** A copy of the per-channel means (R, G, B), pixel scale [0, 1]. */
    public float[] mean() {
        return mean.clone();
    }

    /** A copy of the per-channel standard deviations (R, G, B), pixel scale [0, 1]. */
    public float[] std() {
        return std.clone();
    }

    /** The standardized value of byte value {@code p} (0..255) in channel {@code c}. */
    public float value(int c, int p) {
        return table[c][p];
    }

    /** A copy of the 256-entry lookup table of channel {@code c}. */
    public float[] lookupTable(int c) {
        return table[c].clone();
    }

    /** The shared tables, for the package's hot paths only. */
    float[][] tables() {
        return table;
    }

    /** Standardizes one CHW image of 3072 bytes into a new float[3072] (CHW). */
    public float[] apply(byte[] image) {
        if (image.length != PIXELS) {
            throw new IllegalArgumentException(
                    "image has " + image.length + " bytes, expected " + PIXELS);
        }
        float[] out = new float[PIXELS];
        apply(image, 0, out, 0);
        return out;
    }

    /**
     * Standardizes the 3072-byte CHW image at {@code src[srcOffset]} into {@code
     * dst[dstOffset..+3072)}.
     */
    public void apply(byte[] src, int srcOffset, float[] dst, int dstOffset) {
        Objects.checkFromIndexSize(srcOffset, PIXELS, src.length);
        Objects.checkFromIndexSize(dstOffset, PIXELS, dst.length);
        for (int c = 0; c < CHANNELS; c++) {
            float[] t = table[c];
            int s = srcOffset + c * PLANE;
            int d = dstOffset + c * PLANE;
            for (int k = 0; k < PLANE; k++) {
                dst[d + k] = t[src[s + k] & 0xFF];
            }
        }
    }

    /** Standardizes image {@code i} of {@code data} into a new float[3072] (CHW). */
    public float[] apply(CifarDataset data, int i) {
        Objects.checkIndex(i, data.size());
        float[] out = new float[PIXELS];
        apply(data.rawPixels(), i * PIXELS, out, 0);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardization s
                && Arrays.equals(mean, s.mean)
                && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Standardization[mean="
                + Arrays.toString(mean)
                + ", std="
                + Arrays.toString(std)
                + "]";
    }
}
