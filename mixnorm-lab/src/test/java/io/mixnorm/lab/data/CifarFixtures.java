package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Tiny CIFAR files in the exact binary formats, for tests anywhere in the project.
 *
 * <p>Low level: {@link #cifar10Bytes}/{@link #cifar100Bytes} build record bytes from chosen labels
 * and pixels, {@link #tarGz(Path, List)} writes any archive (including hostile entries). High
 * level: {@link #writeCifar10}/{@link #writeCifar100} write a complete folder of deterministic
 * random images and return what was written; {@link #tarGzFolder} packs such a folder.
 */
public final class CifarFixtures {
    private CifarFixtures() {}

    /**
     * What a fixture wrote: the path and the expected contents (coarse labels only for CIFAR-100).
     */
    public record Written(
            Path path,
            byte[] trainPixels,
            int[] trainLabels,
            int[] trainCoarse,
            byte[] testPixels,
            int[] testLabels,
            int[] testCoarse) {
        public int trainSize() {
            return trainLabels.length;
        }

        public int testSize() {
            return testLabels.length;
        }
    }

    /** An archive member to write with {@link #tarGz(Path, List)}. */
    public record TarItem(String name, byte[] data, byte type, String linkTarget) {
        public static TarItem file(String name, byte[] data) {
            return new TarItem(name, data, TarConstants.LF_NORMAL, null);
        }

        public static TarItem dir(String name) {
            return new TarItem(
                    name.endsWith("/") ? name : name + "/", null, TarConstants.LF_DIR, null);
        }

        public static TarItem symlink(String name, String target) {
            return new TarItem(name, null, TarConstants.LF_SYMLINK, target);
        }

        public static TarItem hardlink(String name, String target) {
            return new TarItem(name, null, TarConstants.LF_LINK, target);
        }
    }

    /** {@code n} deterministic random images, 3072 bytes each, back to back. */
    public static byte[] randomPixels(int n, long seed) {
        byte[] p = new byte[n * PIXELS];
        new Random(seed).nextBytes(p);
        return p;
    }

    /** {@code n} deterministic random labels in {@code 0..classes-1}. */
    public static int[] randomLabels(int n, int classes, long seed) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = r.nextInt(classes);
        }
        return l;
    }

    /** CIFAR-10 records: for each image, its label byte then its 3072 pixel bytes. */
    public static byte[] cifar10Bytes(int[] labels, byte[] pixels) {
        check(labels.length, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream(labels.length * (PIXELS + 1));
        for (int i = 0; i < labels.length; i++) {
            out.write(labels[i]);
            out.write(pixels, i * PIXELS, PIXELS);
        }
        return out.toByteArray();
    }

    /** CIFAR-100 records: coarse label byte, fine label byte, 3072 pixel bytes. */
    public static byte[] cifar100Bytes(int[] coarse, int[] fine, byte[] pixels) {
        check(fine.length, pixels);
        if (coarse.length != fine.length) {
            throw new IllegalArgumentException("coarse and fine label counts differ");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(fine.length * (PIXELS + 2));
        for (int i = 0; i < fine.length; i++) {
            out.write(coarse[i]);
            out.write(fine[i]);
            out.write(pixels, i * PIXELS, PIXELS);
        }
        return out.toByteArray();
    }

    private static void check(int n, byte[] pixels) {
        if (pixels.length != n * PIXELS) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes for " + n + " images");
        }
    }

    /**
     * Writes a CIFAR-10 folder: {@code data_batch_1.bin..data_batch_K.bin} with the given numbers
     * of records, {@code test_batch.bin} and {@code batches.meta.txt}, random pixels and labels.
     */
    public static Written writeCifar10(Path dir, int[] trainBatchSizes, int testSize, long seed) {
        int trainSize = 0;
        for (int s : trainBatchSizes) {
            trainSize += s;
        }
        byte[] trainPixels = randomPixels(trainSize, seed);
        int[] trainLabels = randomLabels(trainSize, 10, seed);
        byte[] testPixels = randomPixels(testSize, seed + 1);
        int[] testLabels = randomLabels(testSize, 10, seed + 1);
        int at = 0;
        for (int b = 0; b < trainBatchSizes.length; b++) {
            int n = trainBatchSizes[b];
            int[] l = java.util.Arrays.copyOfRange(trainLabels, at, at + n);
            byte[] p = java.util.Arrays.copyOfRange(trainPixels, at * PIXELS, (at + n) * PIXELS);
            write(dir.resolve("data_batch_" + (b + 1) + ".bin"), cifar10Bytes(l, p));
            at += n;
        }
        write(dir.resolve("test_batch.bin"), cifar10Bytes(testLabels, testPixels));
        write(
                dir.resolve("batches.meta.txt"),
                "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
                        .getBytes(StandardCharsets.US_ASCII));
        return new Written(dir, trainPixels, trainLabels, null, testPixels, testLabels, null);
    }

    /**
     * Writes a CIFAR-100 folder: {@code train.bin}, {@code test.bin} and the label name files; fine
     * labels random in 0..99, coarse labels {@code fine / 5}.
     */
    public static Written writeCifar100(Path dir, int trainSize, int testSize, long seed) {
        byte[] trainPixels = randomPixels(trainSize, seed);
        int[] trainFine = randomLabels(trainSize, 100, seed);
        int[] trainCoarse = coarseOf(trainFine);
        byte[] testPixels = randomPixels(testSize, seed + 1);
        int[] testFine = randomLabels(testSize, 100, seed + 1);
        int[] testCoarse = coarseOf(testFine);
        write(dir.resolve("train.bin"), cifar100Bytes(trainCoarse, trainFine, trainPixels));
        write(dir.resolve("test.bin"), cifar100Bytes(testCoarse, testFine, testPixels));
        StringBuilder fine = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            fine.append("fine").append(i).append('\n');
        }
        StringBuilder coarse = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            coarse.append("coarse").append(i).append('\n');
        }
        write(
                dir.resolve("fine_label_names.txt"),
                fine.toString().getBytes(StandardCharsets.US_ASCII));
        write(
                dir.resolve("coarse_label_names.txt"),
                coarse.toString().getBytes(StandardCharsets.US_ASCII));
        return new Written(
                dir, trainPixels, trainFine, trainCoarse, testPixels, testFine, testCoarse);
    }

    private static int[] coarseOf(int[] fine) {
        int[] c = new int[fine.length];
        for (int i = 0; i < fine.length; i++) {
            c[i] = fine[i] / 5;
        }
        return c;
    }

    /** Writes bytes to a file, creating its folder. */
    public static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Packs the regular files of {@code folder} (sorted by name) into a {@code .tar.gz}, under
     * {@code topFolder/} (with its directory entry) or at the root when {@code topFolder} is empty.
     */
    public static Path tarGzFolder(Path folder, Path archive, String topFolder) {
        List<TarItem> items = new ArrayList<>();
        String prefix = topFolder.isEmpty() ? "" : topFolder + "/";
        if (!topFolder.isEmpty()) {
            items.add(TarItem.dir(topFolder));
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.sorted().toList()) {
                if (Files.isRegularFile(p)) {
                    items.add(TarItem.file(prefix + p.getFileName(), Files.readAllBytes(p)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tarGz(archive, items);
    }

    /**
     * Writes a {@code .tar.gz} holding exactly {@code items}, names taken as given (absolute and
     * {@code ..} kept).
     */
    public static Path tarGz(Path archive, List<TarItem> items) {
        try {
            Files.createDirectories(archive.toAbsolutePath().getParent());
            Files.write(archive, tarGzBytes(items));
            return archive;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of a {@code .tar.gz} holding exactly {@code items}. */
    public static byte[] tarGzBytes(List<TarItem> items) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarItem item : items) {
                TarArchiveEntry e = new TarArchiveEntry(item.name(), item.type(), true);
                if (item.linkTarget() != null) {
                    e.setLinkName(item.linkTarget());
                }
                if (item.data() != null) {
                    e.setSize(item.data().length);
                }
                tar.putArchiveEntry(e);
                if (item.data() != null) {
                    tar.write(item.data());
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The real mini CIFAR-10 archive, looked up from the working directory upwards in {@code data/}
     * and then {@code ../shared/data/}; empty if absent (tests then skip).
     */
    public static Optional<Path> miniSet() {
        return MiniSet.locate();
    }

    /**
     * The full CIFAR-10 archive beside the mini one ({@code
     * ../shared/data/cifar-10-binary.tar.gz}), if present.
     */
    public static Optional<Path> fullSet() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate =
                    dir.resolve("shared").resolve("data").resolve(CifarReader.CIFAR10_ARCHIVE);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
