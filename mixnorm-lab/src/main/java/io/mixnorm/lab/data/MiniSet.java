package io.mixnorm.lab.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The mini CIFAR-10 set committed with mixnorm: {@code data/cifar-10-mini-binary.tar.gz}, 5,000
 * train and 1,000 test images (500 and 100 per class) of the full set, in its binary format (folder
 * {@code cifar-10-mini-batches-bin/}).
 */
public final class MiniSet {
    /** The archive's file name. */
    public static final String FILE_NAME = CifarReader.CIFAR10_MINI_ARCHIVE;

    /** Its path relative to the mixnorm folder. */
    public static final String RELATIVE_PATH = "data/" + FILE_NAME;

    /** Its SHA-256. */
    public static final String SHA256 =
            "8aeedad713a6ac6750160b90f2e84c6a540aad5060e918f6f2656998bf956f0a";

    /** Train images in the mini set. */
    public static final int TRAIN_SIZE = 5_000;

    /** Test images in the mini set. */
    public static final int TEST_SIZE = 1_000;

    private MiniSet() {}

    /**
     * Looks for the mini archive from {@code start} upwards: in each folder, {@code data/} then
     * {@code ../shared/data/} relative to it.
     */
    public static Optional<Path> locate(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path here = dir.resolve("data").resolve(FILE_NAME);
            if (Files.isRegularFile(here)) {
                return Optional.of(here);
            }
            Path parent = dir.getParent();
            if (parent != null) {
                Path shared = parent.resolve("shared").resolve("data").resolve(FILE_NAME);
                if (Files.isRegularFile(shared)) {
                    return Optional.of(shared);
                }
            }
        }
        return Optional.empty();
    }

    /** Looks for the mini archive from the working directory upwards. */
    public static Optional<Path> locate() {
        return locate(Path.of(""));
    }

    /**
     * Checks the archive's SHA-256 against {@link #SHA256}.
     *
     * @throws DataException if it differs (a corrupted or replaced file)
     */
    public static void verify(Path archive) {
        Checksums.verifySha256(archive, SHA256);
    }
}
