package io.mixnorm.lab.data;

import io.mixnorm.lab.UserException;
import java.util.Locale;

/**
 * Which CIFAR data set and which labels to use.
 *
 * <p>CIFAR-10 records are 1 label byte followed by {@value #PIXELS} pixel bytes; CIFAR-100 records
 * are 1 coarse label byte (0..19), 1 fine label byte (0..99), then {@value #PIXELS} pixel bytes.
 * Pixels are CHW uint8: 1024 red, 1024 green, 1024 blue, each row-major 32x32.
 */
public enum CifarVariant {
    /** CIFAR-10, 10 classes. */
    CIFAR10("cifar10", null, 10, 1, 0),
    /** CIFAR-100 with its 100 fine labels. */
    CIFAR100_FINE("cifar100", "fine", 100, 2, 1),
    /** CIFAR-100 with its 20 coarse labels (super-classes). */
    CIFAR100_COARSE("cifar100", "coarse", 20, 2, 0);

    /** Image side in pixels. */
    public static final int SIDE = 32;

    /** Colour channels. */
    public static final int CHANNELS = 3;

    /** Pixels per channel plane (32 * 32). */
    public static final int PLANE = SIDE * SIDE;

    /** Pixel bytes per image (3 * 32 * 32). */
    public static final int PIXELS = CHANNELS * PLANE;

    private final String dataset;
    private final String labels;
    private final int numClasses;
    private final int labelBytes;
    private final int labelOffset;

    CifarVariant(String dataset, String labels, int numClasses, int labelBytes, int labelOffset) {
        this.dataset = dataset;
        this.labels = labels;
        this.numClasses = numClasses;
        this.labelBytes = labelBytes;
        this.labelOffset = labelOffset;
    }

    /** Number of classes of the chosen labels: 10, 100 (fine) or 20 (coarse). */
    public int numClasses() {
        return numClasses;
    }

    /** Bytes per record: 3073 for CIFAR-10, 3074 for CIFAR-100. */
    public int recordSize() {
        return labelBytes + PIXELS;
    }

    /** Label bytes at the start of each record: 1 for CIFAR-10, 2 for CIFAR-100. */
    public int labelBytes() {
        return labelBytes;
    }

    /** Offset, inside a record, of the label byte this variant uses. */
    public int labelOffset() {
        return labelOffset;
    }

    /** Whether this is one of the CIFAR-100 variants (record format with two label bytes). */
    public boolean isCifar100() {
        return labelBytes == 2;
    }

    /** The CLI data set name: {@code cifar10} or {@code cifar100}. */
    public String datasetName() {
        return dataset;
    }

    /** The CLI label kind: {@code fine} or {@code coarse}; {@code null} for CIFAR-10. */
    public String labelKind() {
        return labels;
    }

    /** A short human name, e.g. {@code cifar100 (coarse labels)}. */
    public String displayName() {
        return labels == null ? dataset : dataset + " (" + labels + " labels)";
    }

    /**
     * Parses the CLI options {@code --dataset cifar10|cifar100} and {@code --labels fine|coarse}.
     * Case and the dashes in {@code cifar-10} are ignored. {@code labels} may be null or blank: it
     * defaults to {@code fine} for CIFAR-100 and must be absent (or {@code fine}) for CIFAR-10.
     *
     * @throws UserException with one line saying what is accepted
     */
    public static CifarVariant parse(String dataset, String labels) {
        String d =
                dataset == null
                        ? ""
                        : dataset.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        String l = labels == null ? "" : labels.trim().toLowerCase(Locale.ROOT);
        switch (d) {
            case "cifar10":
                if (!l.isEmpty() && !l.equals("fine")) {
                    throw new UserException(
                            "--labels "
                                    + labels
                                    + " only applies to cifar100; cifar10 has a single set of 10"
                                    + " labels");
                }
                return CIFAR10;
            case "cifar100":
                if (l.isEmpty() || l.equals("fine")) {
                    return CIFAR100_FINE;
                }
                if (l.equals("coarse")) {
                    return CIFAR100_COARSE;
                }
                throw new UserException(
                        "unknown --labels '" + labels + "': expected fine or coarse");
            default:
                throw new UserException(
                        "unknown --dataset '" + dataset + "': expected cifar10 or cifar100");
        }
    }
}
