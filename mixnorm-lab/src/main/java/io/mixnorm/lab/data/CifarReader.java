package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads the CIFAR binary distributions (CIFAR-10 {@code cifar-10-binary.tar.gz}, CIFAR-100 {@code
 * cifar-100-binary.tar.gz}, and the mixnorm mini set) into memory.
 *
 * <p>The source is one of:
 *
 * <ul>
 *   <li>a folder holding the data files, either directly or in exactly one sub-folder (the
 *       archive's top folder, e.g. {@code cifar-10-batches-bin/});
 *   <li>a {@code .tar.gz}/{@code .tgz} (or plain {@code .tar}) archive with that layout, read by
 *       streaming: nothing is ever written to disk;
 *   <li>a folder that holds no data files but exactly one official archive name ({@code
 *       cifar-10-binary.tar.gz}, {@code cifar-10-mini-binary.tar.gz}, {@code
 *       cifar-100-binary.tar.gz}), as left by {@code ./mixnorm download}.
 * </ul>
 *
 * <p>Train is every {@code data_batch_N.bin} in increasing N (CIFAR-10) or {@code train.bin}
 * (CIFAR-100); test is {@code test_batch.bin} or {@code test.bin}. Every problem is reported as a
 * {@link DataException} whose one-line message names the file and what is wrong. Archive members
 * with {@code ..} or absolute paths are refused, as are link entries with a data file's name and
 * members larger than {@link #MAX_MEMBER_BYTES}.
 */
public final class CifarReader {
    /** The largest archive member or data file accepted (the largest official file is 154 MB). */
    public static final long MAX_MEMBER_BYTES = 200_000_000L;

    /** The largest total of member sizes accepted in one archive. */
    public static final long MAX_ARCHIVE_BYTES = 1_000_000_000L;

    /** The most entries accepted in one archive. */
    public static final int MAX_ARCHIVE_ENTRIES = 10_000;

    /** Archive names {@code ./mixnorm download} and the repository use. */
    static final String CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";

    static final String CIFAR10_MINI_ARCHIVE = "cifar-10-mini-binary.tar.gz";
    static final String CIFAR100_ARCHIVE = "cifar-100-binary.tar.gz";

    private static final Pattern CIFAR10_TRAIN = Pattern.compile("data_batch_(\\d{1,6})\\.bin");
    private static final String CIFAR10_TEST = "test_batch.bin";
    private static final String CIFAR100_TRAIN = "train.bin";
    private static final String CIFAR100_TEST = "test.bin";
    private static final int CHUNK_RECORDS = 256;

    private CifarReader() {}

    /**
     * Reads the train and test sets of {@code variant} from {@code source}.
     *
     * @throws DataException if the source is missing, incomplete, malformed or unsafe
     */
    public static CifarSplits read(Path source, CifarVariant variant) {
        if (source == null || variant == null) {
            throw new NullPointerException(source == null ? "source" : "variant");
        }
        if (!Files.exists(source)) {
            throw new DataException(missingMessage(source, variant));
        }
        if (Files.isDirectory(source)) {
            return readFolder(source, variant);
        }
        if (!Files.isRegularFile(source)) {
            throw new DataException(source + ": not a folder nor a regular file");
        }
        return readArchive(source, variant);
    }

    /** Reads the train split only (the test file must still be present and valid). */
    public static CifarDataset readTrain(Path source, CifarVariant variant) {
        return read(source, variant).train();
    }

    /** Reads the test split only (the train files must still be present and valid). */
    public static CifarDataset readTest(Path source, CifarVariant variant) {
        return read(source, variant).test();
    }

    static String missingMessage(Path source, CifarVariant variant) {
        return "CIFAR data not found: "
                + source
                + " does not exist. The embedded mini CIFAR-10 set is "
                + "data/"
                + CIFAR10_MINI_ARCHIVE
                + " in the mixnorm folder; fetch the full set with "
                + "./mixnorm download "
                + variant.datasetName()
                + " --to DIR";
    }

    // ---------------------------------------------------------------------------------------
    // File naming

    /** Which role a file name plays: a train or test file of CIFAR-10 or CIFAR-100, or none. */
    private enum Role {
        C10_TRAIN,
        C10_TEST,
        C100_TRAIN,
        C100_TEST;

        static Role of(String fileName) {
            if (CIFAR10_TRAIN.matcher(fileName).matches()) {
                return C10_TRAIN;
            }
            switch (fileName) {
                case CIFAR10_TEST:
                    return C10_TEST;
                case CIFAR100_TRAIN:
                    return C100_TRAIN;
                case CIFAR100_TEST:
                    return C100_TEST;
                default:
                    return null;
            }
        }

        boolean cifar100() {
            return this == C100_TRAIN || this == C100_TEST;
        }

        boolean train() {
            return this == C10_TRAIN || this == C100_TRAIN;
        }
    }

    private static String expectedFiles(CifarVariant v) {
        return v.isCifar100()
                ? CIFAR100_TRAIN + " and " + CIFAR100_TEST
                : "data_batch_N.bin and " + CIFAR10_TEST;
    }

    private static String datasetTitle(boolean cifar100) {
        return cifar100 ? "CIFAR-100" : "CIFAR-10";
    }

    /** The message when only the other data set's files are present. */
    private static String wrongVariantMessage(
            String where, CifarVariant v, List<String> otherNames) {
        boolean otherIs100 = !v.isCifar100();
        return where
                + " holds "
                + datasetTitle(otherIs100)
                + " files ("
                + String.join(", ", otherNames)
                + ") but "
                + datasetTitle(v.isCifar100())
                + " was asked: use --dataset "
                + (otherIs100 ? "cifar100" : "cifar10");
    }

    private static int batchNumber(String name) {
        Matcher m = CIFAR10_TRAIN.matcher(name);
        if (!m.matches()) {
            throw new IllegalStateException(name);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Orders train file names: data_batch_N by N, then by name. */
    private static final Comparator<String> TRAIN_ORDER =
            (a, b) -> {
                boolean ma = CIFAR10_TRAIN.matcher(a).matches();
                boolean mb = CIFAR10_TRAIN.matcher(b).matches();
                if (ma && mb) {
                    int c = Integer.compare(batchNumber(a), batchNumber(b));
                    if (c != 0) {
                        return c;
                    }
                }
                return a.compareTo(b);
            };

    // ---------------------------------------------------------------------------------------
    // Folders

    private static CifarSplits readFolder(Path dir, CifarVariant v) {
        Map<String, Path> here = dataFiles(dir);
        Path dataDir = dir;
        Map<String, Path> files = here;
        if (here.isEmpty()) {
            List<Path> candidates = new ArrayList<>();
            for (Path sub : listSorted(dir)) {
                if (Files.isDirectory(sub) && !dataFiles(sub).isEmpty()) {
                    candidates.add(sub);
                }
            }
            if (candidates.size() > 1) {
                throw new DataException(
                        dir
                                + ": several sub-folders hold CIFAR files ("
                                + candidates.stream()
                                        .map(p -> p.getFileName().toString())
                                        .collect(Collectors.joining(", "))
                                + "); point to one of them");
            }
            if (candidates.size() == 1) {
                dataDir = candidates.get(0);
                files = dataFiles(dataDir);
            } else {
                Path archive = archiveIn(dir, v);
                if (archive != null) {
                    return readArchive(archive, v);
                }
                throw new DataException(
                        dir
                                + ": no "
                                + datasetTitle(v.isCifar100())
                                + " data found: expected "
                                + expectedFiles(v)
                                + " (directly or in one sub-folder) or "
                                + (v.isCifar100() ? CIFAR100_ARCHIVE : CIFAR10_ARCHIVE));
            }
        }
        List<String> trainNames = new ArrayList<>();
        String testName = null;
        List<String> otherNames = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            Role role = Role.of(e.getKey());
            if (role.cifar100() != v.isCifar100()) {
                otherNames.add(e.getKey());
            } else if (role.train()) {
                trainNames.add(e.getKey());
            } else {
                testName = e.getKey();
            }
        }
        if (trainNames.isEmpty() && testName == null) {
            throw new DataException(wrongVariantMessage(dataDir.toString(), v, otherNames));
        }
        checkComplete(dataDir.toString(), v, trainNames, testName);
        trainNames.sort(TRAIN_ORDER);
        List<Part> trainParts = new ArrayList<>();
        for (String name : trainNames) {
            trainParts.add(readFile(files.get(name), v));
        }
        Part testPart = readFile(files.get(testName), v);
        return new CifarSplits(
                concat(trainParts, v, dataDir + " " + trainNames),
                concat(List.of(testPart), v, dataDir + " [" + testName + "]"));
    }

    private static void checkComplete(
            String where, CifarVariant v, List<String> trainNames, String testName) {
        if (trainNames.isEmpty()) {
            throw new DataException(
                    where
                            + ": no train file ("
                            + (v.isCifar100() ? CIFAR100_TRAIN : "data_batch_N.bin")
                            + ") found beside "
                            + testName);
        }
        if (testName == null) {
            throw new DataException(
                    where
                            + ": no test file ("
                            + (v.isCifar100() ? CIFAR100_TEST : CIFAR10_TEST)
                            + ") found beside "
                            + String.join(", ", trainNames));
        }
    }

    /** Regular files of {@code dir} whose names are CIFAR data file names (either data set). */
    private static Map<String, Path> dataFiles(Path dir) {
        Map<String, Path> out = new TreeMap<>();
        for (Path p : listSorted(dir)) {
            String name = p.getFileName().toString();
            if (Role.of(name) != null && Files.isRegularFile(p)) {
                out.put(name, p);
            }
        }
        return out;
    }

    private static List<Path> listSorted(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException e) {
            throw new DataException(dir + ": cannot list folder: " + oneLine(e), e);
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    private static Path archiveIn(Path dir, CifarVariant v) {
        List<String> names =
                v.isCifar100()
                        ? List.of(CIFAR100_ARCHIVE)
                        : List.of(CIFAR10_ARCHIVE, CIFAR10_MINI_ARCHIVE);
        List<Path> found = new ArrayList<>();
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                found.add(p);
            }
        }
        if (found.size() > 1) {
            throw new DataException(
                    dir
                            + ": holds both "
                            + names.get(0)
                            + " and "
                            + names.get(1)
                            + "; point to the archive you want");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    private static Part readFile(Path file, CifarVariant v) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + oneLine(e), e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(file.toString(), in, size, v);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + oneLine(e), e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Archives

    private static CifarSplits readArchive(Path archive, CifarVariant v) {
        byte[] head = new byte[512];
        int headLen;
        try (InputStream in = Files.newInputStream(archive)) {
            headLen = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new DataException(archive + ": cannot read: " + oneLine(e), e);
        }
        boolean gzip = headLen >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B;
        boolean tar =
                headLen >= 262
                        && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII)
                                .equals("ustar");
        String lower = archive.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!gzip && !tar) {
            if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz") || lower.endsWith(".gz")) {
                throw new DataException(
                        archive + ": not a gzip file (corrupted or not a .tar.gz archive)");
            }
            if (Role.of(archive.getFileName().toString()) != null) {
                throw new DataException(
                        archive
                                + ": is a single data file; give the folder that holds "
                                + "the train and test files, or the .tar.gz archive");
            }
            throw new DataException(
                    archive + ": neither a folder nor a .tar.gz archive of CIFAR binary files");
        }
        ArchiveScan scan = new ArchiveScan(archive, v);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            if (gzip) {
                try (GzipCompressorInputStream gz = new GzipCompressorInputStream(file, true)) {
                    scan.run(gz);
                }
            } else {
                scan.run(file);
            }
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String where =
                    scan.currentMember == null
                            ? archive.toString()
                            : archive + "!" + scan.currentMember;
            throw new DataException(
                    where
                            + ": truncated or corrupted "
                            + (gzip ? "gzip/tar" : "tar")
                            + " data ("
                            + (e instanceof EOFException ? "unexpected end of data" : oneLine(e))
                            + ")",
                    e);
        }
        return scan.result();
    }

    /** One streaming pass over an archive, keeping the parsed data files. */
    private static final class ArchiveScan {
        final Path archive;
        final CifarVariant v;
        final Map<String, String> seen = new TreeMap<>(); // file name -> member path
        final Map<String, Part> parts = new TreeMap<>();
        final List<String> otherNames = new ArrayList<>();
        String currentMember;

        ArchiveScan(Path archive, CifarVariant v) {
            this.archive = archive;
            this.v = v;
        }

        void run(InputStream raw) throws IOException {
            TarArchiveInputStream tar = new TarArchiveInputStream(raw);
            long total = 0;
            int count = 0;
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                currentMember = name;
                if (++count > MAX_ARCHIVE_ENTRIES) {
                    throw new DataException(
                            archive
                                    + ": more than "
                                    + MAX_ARCHIVE_ENTRIES
                                    + " entries; not a CIFAR archive");
                }
                String[] parts = checkedPath(archive.toString(), name);
                String fileName = parts.length == 0 ? "" : parts[parts.length - 1];
                Role role = Role.of(fileName);
                boolean data = role != null && parts.length <= 2;
                if (entry.isSymbolicLink() || entry.isLink()) {
                    if (data) {
                        throw new DataException(
                                archive
                                        + "!"
                                        + name
                                        + ": is a "
                                        + (entry.isSymbolicLink() ? "symbolic" : "hard")
                                        + " link (to "
                                        + entry.getLinkName()
                                        + "); data files must be regular files");
                    }
                    continue;
                }
                if (entry.isDirectory()) {
                    continue;
                }
                long size = entry.getSize();
                if (size > MAX_MEMBER_BYTES) {
                    throw new DataException(
                            archive
                                    + "!"
                                    + name
                                    + ": member of "
                                    + size
                                    + " bytes exceeds the limit of "
                                    + MAX_MEMBER_BYTES
                                    + " bytes");
                }
                total += Math.max(size, 0);
                if (total > MAX_ARCHIVE_BYTES) {
                    throw new DataException(
                            archive
                                    + ": members total more than "
                                    + MAX_ARCHIVE_BYTES
                                    + " bytes; not a CIFAR archive");
                }
                if (!data) {
                    continue; // skipped by the next getNextEntry()
                }
                if (!entry.isFile()) {
                    throw new DataException(archive + "!" + name + ": is not a regular file");
                }
                String previous = seen.put(fileName, name);
                if (previous != null) {
                    throw new DataException(
                            archive
                                    + ": holds "
                                    + fileName
                                    + " twice ("
                                    + previous
                                    + ", "
                                    + name
                                    + ")");
                }
                if (role.cifar100() != v.isCifar100()) {
                    otherNames.add(fileName);
                    continue;
                }
                this.parts.put(fileName, parse(archive + "!" + name, tar, size, v));
            }
            currentMember = null;
            // Read to the end so that the gzip trailer (CRC, length) is checked too.
            raw.transferTo(OutputStream.nullOutputStream());
        }

        CifarSplits result() {
            List<String> trainNames = new ArrayList<>();
            String testName = null;
            for (String n : parts.keySet()) {
                if (Role.of(n).train()) {
                    trainNames.add(n);
                } else {
                    testName = n;
                }
            }
            if (trainNames.isEmpty() && testName == null) {
                if (!otherNames.isEmpty()) {
                    throw new DataException(wrongVariantMessage(archive.toString(), v, otherNames));
                }
                throw new DataException(
                        archive
                                + ": no "
                                + datasetTitle(v.isCifar100())
                                + " data found: expected "
                                + expectedFiles(v)
                                + " at the top of the archive or in its top folder");
            }
            checkComplete(archive.toString(), v, trainNames, testName);
            trainNames.sort(TRAIN_ORDER);
            List<Part> train = new ArrayList<>();
            for (String n : trainNames) {
                train.add(parts.get(n));
            }
            return new CifarSplits(
                    concat(train, v, archive + " " + trainNames),
                    concat(List.of(parts.get(testName)), v, archive + " [" + testName + "]"));
        }
    }

    /**
     * Splits an archive member path into its segments, refusing absolute paths and {@code ..}.
     * Leading {@code ./} segments and empty segments are dropped.
     */
    static String[] checkedPath(String archive, String name) {
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw new DataException(
                    archive + ": member " + name + " has an absolute path; refused");
        }
        List<String> out = new ArrayList<>();
        for (String s : name.split("[/\\\\]")) {
            if (s.equals("..")) {
                throw new DataException(archive + ": member " + name + " has a '..' path; refused");
            }
            if (!s.isEmpty() && !s.equals(".")) {
                out.add(s);
            }
        }
        return out.toArray(new String[0]);
    }

    // ---------------------------------------------------------------------------------------
    // Records

    /** The records of one data file. */
    private record Part(String name, byte[] pixels, int[] labels) {}

    /**
     * Parses {@code size} bytes of records from {@code in}.
     *
     * @param name the file, for messages
     */
    private static Part parse(String name, InputStream in, long size, CifarVariant v)
            throws IOException {
        int rs = v.recordSize();
        if (size <= 0) {
            throw new DataException(name + ": empty file (0 records)");
        }
        if (size > MAX_MEMBER_BYTES) {
            throw new DataException(
                    name
                            + ": "
                            + size
                            + " bytes exceeds the limit of "
                            + MAX_MEMBER_BYTES
                            + " bytes");
        }
        if (size % rs != 0) {
            int otherSize =
                    v.isCifar100()
                            ? CifarVariant.CIFAR10.recordSize()
                            : CifarVariant.CIFAR100_FINE.recordSize();
            String hint =
                    size % otherSize == 0
                            ? " (it is a multiple of "
                                    + otherSize
                                    + ", the "
                                    + datasetTitle(!v.isCifar100())
                                    + " record size: is this "
                                    + datasetTitle(!v.isCifar100())
                                    + " data?)"
                            : " (truncated or not a CIFAR file?)";
            throw new DataException(
                    name
                            + ": size "
                            + size
                            + " bytes is not a multiple of the "
                            + datasetTitle(v.isCifar100())
                            + " record size "
                            + rs
                            + hint);
        }
        int n = (int) (size / rs);
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        byte[] chunk = new byte[CHUNK_RECORDS * rs];
        int done = 0;
        while (done < n) {
            int k = Math.min(CHUNK_RECORDS, n - done);
            int want = k * rs;
            int got;
            try {
                got = in.readNBytes(chunk, 0, want);
            } catch (EOFException e) {
                got = -1;
            }
            if (got != want) {
                throw new DataException(
                        name
                                + ": truncated: data ends inside record "
                                + (done + Math.max(got, 0) / rs)
                                + " of "
                                + n);
            }
            for (int r = 0; r < k; r++) {
                int base = r * rs;
                int record = done + r;
                if (v.isCifar100()) {
                    int coarse = chunk[base] & 0xFF;
                    int fine = chunk[base + 1] & 0xFF;
                    if (coarse >= 20) {
                        throw new DataException(
                                name
                                        + ": record "
                                        + record
                                        + " has coarse label "
                                        + coarse
                                        + ", outside 0..19");
                    }
                    if (fine >= 100) {
                        throw new DataException(
                                name
                                        + ": record "
                                        + record
                                        + " has fine label "
                                        + fine
                                        + ", outside 0..99");
                    }
                } else {
                    int label = chunk[base] & 0xFF;
                    if (label >= 10) {
                        String hint = label < 100 ? " (CIFAR-100 data read as CIFAR-10?)" : "";
                        throw new DataException(
                                name
                                        + ": record "
                                        + record
                                        + " has label "
                                        + label
                                        + ", outside 0..9"
                                        + hint);
                    }
                }
                labels[record] = chunk[base + v.labelOffset()] & 0xFF;
                System.arraycopy(chunk, base + v.labelBytes(), pixels, record * PIXELS, PIXELS);
            }
            done += k;
        }
        return new Part(name, pixels, labels);
    }

    private static CifarDataset concat(List<Part> parts, CifarVariant v, String source) {
        if (parts.size() == 1) {
            Part p = parts.get(0);
            return new CifarDataset(p.pixels(), p.labels(), v.numClasses(), source, false);
        }
        long n = 0;
        for (Part p : parts) {
            n += p.labels().length;
        }
        if (n * PIXELS > Integer.MAX_VALUE - 16) {
            throw new DataException(source + ": too many records (" + n + ") for one data set");
        }
        byte[] pixels = new byte[(int) n * PIXELS];
        int[] labels = new int[(int) n];
        int at = 0;
        for (Part p : parts) {
            System.arraycopy(p.pixels(), 0, pixels, at * PIXELS, p.pixels().length);
            System.arraycopy(p.labels(), 0, labels, at, p.labels().length);
            at += p.labels().length;
        }
        return new CifarDataset(pixels, labels, v.numClasses(), source, false);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.replaceAll("[\\r\\n]+", " ").trim();
    }
}
