package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable in-memory set of CIFAR images and labels.
 *
 * <p>Images are CHW uint8, {@value CifarVariant#PIXELS} bytes each (1024 red, 1024 green, 1024
 * blue, row-major 32x32), stored back to back. Public accessors copy; nothing handed out can change
 * the data set.
 */
public final class CifarDataset {
    private final byte[] pixels;
    private final int[] labels;
    private final int numClasses;
    private final String source;

    /**
     * Creates a data set from copies of the given arrays.
     *
     * @param pixels {@code labels.length * 3072} bytes, CHW per image
     * @param labels one label per image, each in {@code 0..numClasses-1}
     * @param numClasses number of classes, at least 1
     * @param source where the data came from (for messages and reports)
     * @throws IllegalArgumentException if the sizes or labels are inconsistent
     */
    public CifarDataset(byte[] pixels, int[] labels, int numClasses, String source) {
        this(pixels.clone(), labels.clone(), numClasses, source, true);
    }

    /** Takes ownership of the arrays (no copy); used by the reader and by {@link #subset}. */
    CifarDataset(byte[] pixels, int[] labels, int numClasses, String source, boolean validate) {
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.labels = Objects.requireNonNull(labels, "labels");
        this.source = Objects.requireNonNull(source, "source");
        this.numClasses = numClasses;
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if ((long) labels.length * PIXELS != pixels.length) {
            throw new IllegalArgumentException(
                    "pixels has "
                            + pixels.length
                            + " bytes, expected "
                            + labels.length
                            + " images * "
                            + PIXELS);
        }
        if (validate) {
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= numClasses) {
                    throw new IllegalArgumentException(
                            "label "
                                    + labels[i]
                                    + " of image "
                                    + i
                                    + " outside 0.."
                                    + (numClasses - 1));
                }
            }
        }
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Number of classes (labels are in {@code 0..numClasses()-1}). */
    public int numClasses() {
        return numClasses;
    }

    /**
     * Where the data came from, e.g. {@code /data/cifar-10-binary.tar.gz [data_batch_1.bin, ...]}.
     */
    public String source() {
        return source;
    }

    /** The label of image {@code i}. */
    public int label(int i) {
        return labels[Objects.checkIndex(i, labels.length)];
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** A copy of all pixels: {@code size() * 3072} bytes, image after image, CHW. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** A copy of the 3072 CHW pixel bytes of image {@code i}. */
    public byte[] image(int i) {
        Objects.checkIndex(i, labels.length);
        return Arrays.copyOfRange(pixels, i * PIXELS, (i + 1) * PIXELS);
    }

    /** Copies the 3072 CHW pixel bytes of image {@code i} into {@code dst} at {@code offset}. */
    public void copyImage(int i, byte[] dst, int offset) {
        Objects.checkIndex(i, labels.length);
        System.arraycopy(pixels, i * PIXELS, dst, offset, PIXELS);
    }

    /**
     * One pixel value, 0..255, of image {@code i}, channel {@code c} (0 red, 1 green, 2 blue), row
     * y, column x.
     */
    public int pixel(int i, int c, int y, int x) {
        Objects.checkIndex(i, labels.length);
        Objects.checkIndex(c, CifarVariant.CHANNELS);
        Objects.checkIndex(y, CifarVariant.SIDE);
        Objects.checkIndex(x, CifarVariant.SIDE);
        return pixels[i * PIXELS + c * CifarVariant.PLANE + y * CifarVariant.SIDE + x] & 0xFF;
    }

    /** Number of images of each class, indexed by label. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * A new data set with the images at the given indices, in that order (repeats allowed).
     *
     * @throws IndexOutOfBoundsException if an index is outside {@code 0..size()-1}
     */
    public CifarDataset subset(int[] indices) {
        byte[] p = new byte[Math.multiplyExact(indices.length, PIXELS)];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = Objects.checkIndex(indices[k], labels.length);
            System.arraycopy(pixels, i * PIXELS, p, k * PIXELS, PIXELS);
            l[k] = labels[i];
        }
        return new CifarDataset(
                p, l, numClasses, source + " (subset of " + indices.length + ")", false);
    }

    /** The first {@code n} images (or all if fewer); handy for quick runs. */
    public CifarDataset head(int n) {
        int m = Math.min(Math.max(n, 0), size());
        int[] idx = new int[m];
        for (int i = 0; i < m; i++) {
            idx[i] = i;
        }
        return subset(idx);
    }

    /** Direct access for the package's hot paths; never exposed. */
    byte[] rawPixels() {
        return pixels;
    }

    int[] rawLabels() {
        return labels;
    }

    @Override
    public String toString() {
        return "CifarDataset[" + size() + " images, " + numClasses + " classes, " + source + "]";
    }
}
