package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.CHANNELS;
import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static io.mixnorm.lab.data.CifarVariant.PLANE;
import static io.mixnorm.lab.data.CifarVariant.SIDE;

import io.mixnorm.lab.UserException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Mini-batches of standardized, optionally shuffled and augmented CIFAR images.
 *
 * <h2>State and exact resume</h2>
 *
 * The whole state of a stream is {@link State (epoch, position)}: {@code position} counts the
 * examples already delivered in the current epoch. The order of epoch {@code e} is {@link
 * #permutation(long, long, int) permutation(seed, e, n)} (identity without shuffling), a pure
 * function of the seed and the epoch, and the augmentation of the example at position {@code p} of
 * epoch {@code e} is {@link #augmentation(long, long, int) augmentation(seed, e, p)}, a pure
 * function too. So a stream {@link #seek seeked} to another stream's {@link #state()} yields
 * exactly the same batches (same batch size and options assumed). Randomness comes from a
 * SplitMix64 written out in this package, identical on every JDK.
 *
 * <h2>Epochs</h2>
 *
 * With {@code dropLast} an epoch holds {@code floor(n / batchSize)} full batches and the last
 * {@code n mod batchSize} examples of its order are not seen that epoch; without it the last batch
 * of an epoch may be smaller. A repeating stream (training) rolls over to the next epoch
 * automatically and never ends; when an epoch's last batch is delivered its state becomes {@code
 * (epoch + 1, 0)}. A non-repeating stream ({@link #evaluation}) ends after its epoch: {@link
 * #hasNext()} turns false; {@code seek(e, 0)} starts another pass.
 *
 * <h2>Augmentation</h2>
 *
 * As torchvision's {@code RandomCrop(32, padding=4)} followed by {@code RandomHorizontalFlip(0.5)}
 * applied to an already normalized tensor: the standardized image is zero-padded by 4 pixels on
 * each side (so the padding is 0 in the standardized space, i.e. the channel mean, not black), a
 * 32x32 window at offset {@code (dx, dy)}, each uniform in {@code 0..8}, is cut from the 40x40
 * padded image, and the window is mirrored left-right with probability 1/2. Output pixel {@code (c,
 * y, x)} is the standardized source pixel {@code (c, y + dy - 4, x' + dx - 4)} with {@code x' =
 * flip ? 31 - x : x}, or 0 when that falls outside the image. (Padding raw pixels with black before
 * normalizing, as {@code ToTensor, RandomCrop, Normalize} pipelines do, would give {@code
 * -mean/std} there instead.)
 *
 * <p>Batches are NCHW float arrays, a fresh array per batch, filled through a per-channel lookup
 * table. Not thread-safe.
 */
public final class BatchStream implements Iterator<BatchStream.Batch> {
    /** Zero padding on each side before the random crop. */
    public static final int PAD = 4;

    private static final long TAG_PERMUTATION = 1;
    private static final long TAG_AUGMENTATION = 2;

    /**
     * One mini-batch.
     *
     * @param images {@code size * 3 * 32 * 32} standardized floats, NCHW
     * @param labels {@code size} labels
     * @param size number of examples (the batch size, or fewer for a last partial batch)
     * @param epoch the epoch the examples come from
     * @param indexInEpoch the index of this batch in its epoch ({@code position / batchSize} of its
     *     first example)
     */
    public record Batch(float[] images, int[] labels, int size, long epoch, int indexInEpoch) {}

    /** The complete state of a stream: the epoch and the examples already delivered in it. */
    public record State(long epoch, int position) {}

    /** A crop offset in the padded 40x40 image ({@code 0..8} each) and whether to mirror. */
    public record Augmentation(int dx, int dy, boolean flip) {}

    private final CifarDataset data;
    private final byte[] pixels;
    private final int[] labels;
    private final float[][] tables;
    private final Standardization standardization;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean augment;
    private final boolean dropLast;
    private final boolean repeat;
    private final int examplesPerEpoch;

    private long epoch;
    private int position;
    private long permEpoch = -1;
    private int[] perm;

    private BatchStream(Builder b) {
        this.data = b.data;
        this.pixels = b.data.rawPixels();
        this.labels = b.data.rawLabels();
        this.standardization = b.standardization;
        this.tables = b.standardization.tables();
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.augment = b.augment;
        this.dropLast = b.dropLast;
        this.repeat = b.repeat;
        int n = data.size();
        this.examplesPerEpoch = dropLast ? (n / batchSize) * batchSize : n;
        if (repeat && examplesPerEpoch == 0) {
            throw new UserException(
                    n == 0
                            ? "cannot stream batches from an empty data set"
                            : "batch size "
                                    + batchSize
                                    + " is larger than the "
                                    + n
                                    + " examples of "
                                    + data.source()
                                    + " (with drop-last no batch would ever be full)");
        }
    }

    /**
     * A builder with defaults: batch size 128, seed 0, shuffle on, augment off, dropLast off,
     * repeat on.
     */
    public static Builder builder(CifarDataset data, Standardization standardization) {
        return new Builder(data, standardization);
    }

    /** A training stream: shuffled, augmented, full batches only, rolling over epochs forever. */
    public static BatchStream training(
            CifarDataset data, Standardization standardization, int batchSize, long seed) {
        return builder(data, standardization)
                .batchSize(batchSize)
                .seed(seed)
                .shuffle(true)
                .augment(true)
                .dropLast(true)
                .repeat(true)
                .build();
    }

    /**
     * One pass over every example in data set order, without augmentation, the last batch possibly
     * partial: for evaluation.
     */
    public static BatchStream evaluation(
            CifarDataset data, Standardization standardization, int batchSize) {
        return builder(data, standardization)
                .batchSize(batchSize)
                .shuffle(false)
                .augment(false)
                .dropLast(false)
                .repeat(false)
                .build();
    }

    /** Options of a {@link BatchStream}. */
    public static final class Builder {
        private final CifarDataset data;
        private final Standardization standardization;
        private int batchSize = 128;
        private long seed;
        private boolean shuffle = true;
        private boolean augment;
        private boolean dropLast;
        private boolean repeat = true;

        private Builder(CifarDataset data, Standardization standardization) {
            this.data = Objects.requireNonNull(data, "data");
            this.standardization = Objects.requireNonNull(standardization, "standardization");
        }

        /** Examples per batch, at least 1. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new UserException("batch size must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** The seed of the shuffles and augmentations. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether each epoch uses its own random order (else data set order). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Whether to apply the random crop (padding 4) and horizontal flip. */
        public Builder augment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /** Whether to leave out the last partial batch of each epoch. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Whether to roll over to the next epoch forever (else stop after the current epoch). */
        public Builder repeat(boolean repeat) {
            this.repeat = repeat;
            return this;
        }

        /**
         * @throws UserException if a repeating stream could never produce a batch
         */
        public BatchStream build() {
            return new BatchStream(this);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pure functions of the seed

    /**
     * The order of epoch {@code epoch}: a permutation of {@code 0..n-1}, a pure function of its
     * arguments (Fisher-Yates driven by SplitMix64).
     */
    public static int[] permutation(long seed, long epoch, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplitMix64 rng = new SplitMix64(SplitMix64.derive(seed, TAG_PERMUTATION, epoch, n));
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * The augmentation of the example at {@code position} of epoch {@code epoch}, a pure function.
     */
    public static Augmentation augmentation(long seed, long epoch, int position) {
        SplitMix64 rng = new SplitMix64(SplitMix64.derive(seed, TAG_AUGMENTATION, epoch, position));
        int dx = rng.nextInt(2 * PAD + 1);
        int dy = rng.nextInt(2 * PAD + 1);
        boolean flip = rng.nextInt(2) == 1;
        return new Augmentation(dx, dy, flip);
    }

    // -----------------------------------------------------------------------------------------
    // Iteration

    /**
     * Whether {@link #next()} has a batch: always for a repeating stream, else until the epoch
     * ends.
     */
    @Override
    public boolean hasNext() {
        return repeat ? examplesPerEpoch > 0 : position < examplesPerEpoch;
    }

    /** The next batch; advances the state. */
    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException(
                    "the pass over " + data.source() + " is complete (epoch " + epoch + ")");
        }
        int size = Math.min(batchSize, examplesPerEpoch - position);
        int[] order = order(epoch);
        float[] images = new float[size * PIXELS];
        int[] batchLabels = new int[size];
        for (int k = 0; k < size; k++) {
            int pos = position + k;
            int idx = order == null ? pos : order[pos];
            batchLabels[k] = labels[idx];
            if (augment) {
                Augmentation a = augmentation(seed, epoch, pos);
                augmentInto(
                        pixels, idx * PIXELS, tables, a.dx(), a.dy(), a.flip(), images, k * PIXELS);
            } else {
                plainInto(pixels, idx * PIXELS, tables, images, k * PIXELS);
            }
        }
        Batch batch = new Batch(images, batchLabels, size, epoch, position / batchSize);
        position += size;
        normalize();
        return batch;
    }

    /** The data set index of the example at {@code position} of epoch {@code epoch}. */
    public int exampleIndex(long epoch, int position) {
        Objects.checkIndex(position, data.size());
        int[] order = order(epoch);
        return order == null ? position : order[position];
    }

    private int[] order(long e) {
        if (!shuffle) {
            return null;
        }
        if (permEpoch != e || perm == null) {
            perm = permutation(seed, e, data.size());
            permEpoch = e;
        }
        return perm;
    }

    private void normalize() {
        if (repeat && position >= examplesPerEpoch) {
            epoch++;
            position = 0;
        }
    }

    /** Writes the standardized image at {@code src[srcOff]} into {@code dst[dstOff]}, CHW. */
    static void plainInto(byte[] src, int srcOff, float[][] tables, float[] dst, int dstOff) {
        for (int c = 0; c < CHANNELS; c++) {
            float[] t = tables[c];
            int s = srcOff + c * PLANE;
            int d = dstOff + c * PLANE;
            for (int k = 0; k < PLANE; k++) {
                dst[d + k] = t[src[s + k] & 0xFF];
            }
        }
    }

    /**
     * Writes the standardized image at {@code src[srcOff]}, padded with 0 by {@link #PAD}, cropped
     * at {@code (dx, dy)} of the padded image and mirrored if {@code flip}, into {@code
     * dst[dstOff..+3072)}, which must hold zeros (a fresh array).
     */
    static void augmentInto(
            byte[] src,
            int srcOff,
            float[][] tables,
            int dx,
            int dy,
            boolean flip,
            float[] dst,
            int dstOff) {
        int ox = dx - PAD;
        int oy = dy - PAD;
        int y0 = Math.max(0, -oy);
        int y1 = Math.min(SIDE, SIDE - oy);
        for (int c = 0; c < CHANNELS; c++) {
            float[] t = tables[c];
            int plane = srcOff + c * PLANE;
            int out = dstOff + c * PLANE;
            for (int y = y0; y < y1; y++) {
                int srow = plane + (y + oy) * SIDE;
                int drow = out + y * SIDE;
                if (flip) {
                    // out x <- source 31 - x + ox, valid for x in [max(0, ox), min(32, 32 + ox))
                    int x0 = Math.max(0, ox);
                    int x1 = Math.min(SIDE, SIDE + ox);
                    int s = srow + (SIDE - 1) + ox - x0;
                    for (int x = x0; x < x1; x++, s--) {
                        dst[drow + x] = t[src[s] & 0xFF];
                    }
                } else {
                    // out x <- source x + ox, valid for x in [max(0, -ox), min(32, 32 - ox))
                    int x0 = Math.max(0, -ox);
                    int x1 = Math.min(SIDE, SIDE - ox);
                    int s = srow + x0 + ox;
                    for (int x = x0; x < x1; x++, s++) {
                        dst[drow + x] = t[src[s] & 0xFF];
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // State

    /** The current epoch (starting at 0). */
    public long epoch() {
        return epoch;
    }

    /** Examples already delivered in the current epoch. */
    public int position() {
        return position;
    }

    /** The current state, to save with a checkpoint. */
    public State state() {
        return new State(epoch, position);
    }

    /**
     * Moves to a saved state; the next batch starts at {@code position} of {@code epoch}.
     *
     * @throws IllegalArgumentException if the epoch is negative or the position outside {@code
     *     0..examplesPerEpoch()}
     */
    public void seek(long epoch, int position) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (position < 0 || position > examplesPerEpoch) {
            throw new IllegalArgumentException(
                    "position " + position + " outside 0.." + examplesPerEpoch);
        }
        this.epoch = epoch;
        this.position = position;
        normalize();
    }

    /** Same as {@code seek(state.epoch(), state.position())}. */
    public void seek(State state) {
        seek(state.epoch(), state.position());
    }

    // -----------------------------------------------------------------------------------------
    // Configuration

    /**
     * Examples delivered per epoch: {@code n}, or {@code floor(n / batchSize) * batchSize} with
     * dropLast.
     */
    public int examplesPerEpoch() {
        return examplesPerEpoch;
    }

    /** Batches per epoch, counting a last partial batch. */
    public int batchesPerEpoch() {
        return (examplesPerEpoch + batchSize - 1) / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean augment() {
        return augment;
    }

    public boolean dropLast() {
        return dropLast;
    }

    public boolean repeat() {
        return repeat;
    }

    public CifarDataset dataset() {
        return data;
    }

    public Standardization standardization() {
        return standardization;
    }
}
