package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.data.CifarFixtures.TarItem;
import io.mixnorm.lab.data.CifarFixtures.Written;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir Path tmp;

    // ------------------------------------------------------------------ valid inputs

    private static void assertSplits(Written w, CifarSplits s, boolean coarse) {
        assertArrayEquals(w.trainPixels(), s.train().pixels());
        assertArrayEquals(coarse ? w.trainCoarse() : w.trainLabels(), s.train().labels());
        assertArrayEquals(w.testPixels(), s.test().pixels());
        assertArrayEquals(coarse ? w.testCoarse() : w.testLabels(), s.test().labels());
    }

    @Test
    void cifar10FolderGivesExactlyTheWrittenRecordsInBatchOrder() {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {3, 2}, 4, 7);
        CifarSplits s = CifarReader.read(w.path(), CifarVariant.CIFAR10);
        assertEquals(5, s.train().size());
        assertEquals(4, s.test().size());
        assertEquals(10, s.numClasses());
        assertSplits(w, s, false);
        assertTrue(
                s.train().source().contains("data_batch_1.bin, data_batch_2.bin"),
                s.train().source());
        assertTrue(s.test().source().contains("test_batch.bin"), s.test().source());
    }

    @Test
    void batchesAreOrderedByNumberNotByName() {
        Written w =
                CifarFixtures.writeCifar10(
                        tmp.resolve("c10"), new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 3);
        CifarSplits s = CifarReader.read(w.path(), CifarVariant.CIFAR10);
        assertSplits(w, s, false); // data_batch_2 before data_batch_10
    }

    @Test
    void cifar10FolderOneLevelDown() {
        Written w =
                CifarFixtures.writeCifar10(
                        tmp.resolve("dl/cifar-10-batches-bin"), new int[] {2}, 3, 11);
        CifarSplits s = CifarReader.read(tmp.resolve("dl"), CifarVariant.CIFAR10);
        assertSplits(w, s, false);
    }

    @Test
    void cifar10ArchiveWithTopFolderAndAtRoot() {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {2, 3}, 2, 5);
        Path a =
                CifarFixtures.tarGzFolder(
                        w.path(), tmp.resolve("a.tar.gz"), "cifar-10-batches-bin");
        assertSplits(w, CifarReader.read(a, CifarVariant.CIFAR10), false);
        Path b = CifarFixtures.tarGzFolder(w.path(), tmp.resolve("b.tgz"), "");
        assertSplits(w, CifarReader.read(b, CifarVariant.CIFAR10), false);
        Path c =
                CifarFixtures.tarGzFolder(
                        w.path(), tmp.resolve("c.tar.gz"), "./cifar-10-batches-bin");
        assertSplits(w, CifarReader.read(c, CifarVariant.CIFAR10), false);
    }

    @Test
    void folderHoldingTheDownloadedArchive() {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {2}, 2, 5);
        Path dl = tmp.resolve("downloads");
        CifarFixtures.tarGzFolder(
                w.path(), dl.resolve("cifar-10-binary.tar.gz"), "cifar-10-batches-bin");
        assertSplits(w, CifarReader.read(dl, CifarVariant.CIFAR10), false);
    }

    @Test
    void cifar100FineAndCoarseFromFolderAndArchive() {
        Written w = CifarFixtures.writeCifar100(tmp.resolve("c100"), 6, 3, 9);
        assertSplits(w, CifarReader.read(w.path(), CifarVariant.CIFAR100_FINE), false);
        CifarSplits coarse = CifarReader.read(w.path(), CifarVariant.CIFAR100_COARSE);
        assertSplits(w, coarse, true);
        assertEquals(20, coarse.numClasses());
        Path a =
                CifarFixtures.tarGzFolder(w.path(), tmp.resolve("c100.tar.gz"), "cifar-100-binary");
        assertSplits(w, CifarReader.read(a, CifarVariant.CIFAR100_FINE), false);
        assertSplits(w, CifarReader.read(a, CifarVariant.CIFAR100_COARSE), true);
        assertEquals(100, CifarReader.read(a, CifarVariant.CIFAR100_FINE).numClasses());
    }

    @Test
    void handMadeRecordsKeepLabelsAndChwPixels() {
        byte[] px = new byte[2 * PIXELS];
        px[0] = 1; // image 0, red (0,0)
        px[PIXELS - 1] = (byte) 255; // image 0, blue (31,31)
        px[PIXELS + 1024 + 32 + 2] = 77; // image 1, green (1,2)
        Path dir = tmp.resolve("hand");
        CifarFixtures.write(
                dir.resolve("data_batch_1.bin"), CifarFixtures.cifar10Bytes(new int[] {9, 0}, px));
        CifarFixtures.write(
                dir.resolve("test_batch.bin"),
                CifarFixtures.cifar10Bytes(new int[] {4}, new byte[PIXELS]));
        CifarSplits s = CifarReader.read(dir, CifarVariant.CIFAR10);
        assertEquals(9, s.train().label(0));
        assertEquals(0, s.train().label(1));
        assertEquals(1, s.train().pixel(0, 0, 0, 0));
        assertEquals(255, s.train().pixel(0, 2, 31, 31));
        assertEquals(77, s.train().pixel(1, 1, 1, 2));
        assertEquals(4, s.test().label(0));
    }

    // ------------------------------------------------------------------ broken inputs

    private static DataException fails(Executable e, String... mustContain) {
        DataException ex = assertThrows(DataException.class, e::run);
        String m = ex.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String s : mustContain) {
            assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        }
        return ex;
    }

    interface Executable {
        void run() throws Exception;
    }

    @Test
    void missingPathSaysWhereTheMiniSetIsAndHowToDownload() {
        Path missing = tmp.resolve("nope");
        fails(
                () -> CifarReader.read(missing, CifarVariant.CIFAR10),
                missing.toString(),
                "data/cifar-10-mini-binary.tar.gz",
                "./mixnorm download cifar10 --to DIR");
        fails(
                () -> CifarReader.read(missing, CifarVariant.CIFAR100_FINE),
                "./mixnorm download cifar100 --to DIR");
    }

    @Test
    void emptyFolder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        fails(
                () -> CifarReader.read(dir, CifarVariant.CIFAR10),
                dir.toString(),
                "no CIFAR-10 data found");
    }

    @Test
    void missingTestOrTrainFile() throws IOException {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {1}, 1, 1);
        Files.delete(w.path().resolve("test_batch.bin"));
        fails(
                () -> CifarReader.read(w.path(), CifarVariant.CIFAR10),
                w.path().toString(),
                "no test file (test_batch.bin)");
        Written v = CifarFixtures.writeCifar10(tmp.resolve("c10b"), new int[] {1}, 1, 1);
        Files.delete(v.path().resolve("data_batch_1.bin"));
        fails(() -> CifarReader.read(v.path(), CifarVariant.CIFAR10), "no train file");
    }

    @Test
    void truncatedRecordIsNotAMultipleOfTheRecordSize() throws IOException {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {2, 2}, 1, 1);
        Path f = w.path().resolve("data_batch_2.bin");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 100));
        fails(
                () -> CifarReader.read(w.path(), CifarVariant.CIFAR10),
                f.toString(),
                "not a multiple of the CIFAR-10 record size 3073");
    }

    @Test
    void zeroRecords() throws IOException {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {2}, 1, 1);
        Path f = w.path().resolve("test_batch.bin");
        Files.write(f, new byte[0]);
        fails(() -> CifarReader.read(w.path(), CifarVariant.CIFAR10), f.toString(), "0 records");
    }

    @Test
    void labelOutOfRange() {
        Path dir = tmp.resolve("bad");
        byte[] px = new byte[2 * PIXELS];
        Path f =
                CifarFixtures.write(
                        dir.resolve("data_batch_1.bin"),
                        CifarFixtures.cifar10Bytes(new int[] {3, 10}, px));
        CifarFixtures.write(
                dir.resolve("test_batch.bin"),
                CifarFixtures.cifar10Bytes(new int[] {0}, new byte[PIXELS]));
        fails(
                () -> CifarReader.read(dir, CifarVariant.CIFAR10),
                f.toString(),
                "record 1 has label 10, outside 0..9");

        Path dir100 = tmp.resolve("bad100");
        CifarFixtures.write(
                dir100.resolve("train.bin"),
                CifarFixtures.cifar100Bytes(new int[] {20}, new int[] {3}, new byte[PIXELS]));
        CifarFixtures.write(
                dir100.resolve("test.bin"),
                CifarFixtures.cifar100Bytes(new int[] {0}, new int[] {0}, new byte[PIXELS]));
        fails(
                () -> CifarReader.read(dir100, CifarVariant.CIFAR100_FINE),
                "train.bin",
                "coarse label 20, outside 0..19");
        CifarFixtures.write(
                dir100.resolve("train.bin"),
                CifarFixtures.cifar100Bytes(new int[] {0}, new int[] {100}, new byte[PIXELS]));
        fails(
                () -> CifarReader.read(dir100, CifarVariant.CIFAR100_COARSE),
                "train.bin",
                "fine label 100, outside 0..99");
    }

    @Test
    void cifar100GivenAsCifar10AndViceVersa() {
        Written w = CifarFixtures.writeCifar100(tmp.resolve("c100"), 2, 1, 1);
        fails(
                () -> CifarReader.read(w.path(), CifarVariant.CIFAR10),
                w.path().toString(),
                "CIFAR-100 files",
                "--dataset cifar100");
        Path a =
                CifarFixtures.tarGzFolder(w.path(), tmp.resolve("c100.tar.gz"), "cifar-100-binary");
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "CIFAR-100 files",
                "--dataset cifar100");
        Written v = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {1}, 1, 1);
        fails(
                () -> CifarReader.read(v.path(), CifarVariant.CIFAR100_FINE),
                "CIFAR-10 files",
                "--dataset cifar10");
    }

    @Test
    void cifar100RecordsUnderCifar10NamesAreCaughtBySize() {
        Path dir = tmp.resolve("renamed");
        byte[] c100 =
                CifarFixtures.cifar100Bytes(
                        new int[] {1, 2, 3}, new int[] {5, 10, 15}, new byte[3 * PIXELS]);
        Path f = CifarFixtures.write(dir.resolve("data_batch_1.bin"), c100);
        CifarFixtures.write(
                dir.resolve("test_batch.bin"),
                CifarFixtures.cifar10Bytes(new int[] {0}, new byte[PIXELS]));
        fails(
                () -> CifarReader.read(dir, CifarVariant.CIFAR10),
                f.toString(),
                "multiple of 3074",
                "CIFAR-100");
    }

    @Test
    void gzipGarbage() throws IOException {
        Path a = tmp.resolve("garbage.tar.gz");
        Files.write(a, CifarFixtures.randomPixels(1, 3));
        fails(() -> CifarReader.read(a, CifarVariant.CIFAR10), a.toString(), "not a gzip file");
        Path b = tmp.resolve("gz-header-then-garbage.tar.gz");
        byte[] junk = CifarFixtures.randomPixels(1, 4);
        junk[0] = 0x1f;
        junk[1] = (byte) 0x8b;
        Files.write(b, junk);
        fails(() -> CifarReader.read(b, CifarVariant.CIFAR10), b.toString(), "corrupted");
    }

    @Test
    void truncatedArchive() throws IOException {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {4}, 2, 1);
        Path a =
                CifarFixtures.tarGzFolder(
                        w.path(), tmp.resolve("a.tar.gz"), "cifar-10-batches-bin");
        byte[] bytes = Files.readAllBytes(a);
        Path cut = tmp.resolve("cut.tar.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        fails(() -> CifarReader.read(cut, CifarVariant.CIFAR10), cut.toString(), "truncated");
        Path cutEnd = tmp.resolve("cut-end.tar.gz");
        Files.write(cutEnd, Arrays.copyOf(bytes, bytes.length - 4)); // gzip trailer lost
        fails(() -> CifarReader.read(cutEnd, CifarVariant.CIFAR10), cutEnd.toString());
    }

    @Test
    void corruptedGzipPayload() throws IOException {
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {4}, 2, 1);
        Path a =
                CifarFixtures.tarGzFolder(
                        w.path(), tmp.resolve("a.tar.gz"), "cifar-10-batches-bin");
        byte[] bytes = Files.readAllBytes(a);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(a, bytes);
        fails(() -> CifarReader.read(a, CifarVariant.CIFAR10), a.toString());
    }

    private Path archiveWith(String name, TarItem... extra) {
        byte[] rec = CifarFixtures.cifar10Bytes(new int[] {1}, new byte[PIXELS]);
        List<TarItem> items =
                new java.util.ArrayList<>(
                        List.of(
                                TarItem.file("cifar-10-batches-bin/data_batch_1.bin", rec),
                                TarItem.file("cifar-10-batches-bin/test_batch.bin", rec)));
        items.addAll(List.of(extra));
        return CifarFixtures.tarGz(tmp.resolve(name), items);
    }

    @Test
    void dotDotAndAbsoluteEntriesAreRefused() {
        Path a =
                archiveWith(
                        "dotdot.tar.gz",
                        TarItem.file("cifar-10-batches-bin/../../evil.txt", new byte[] {1}));
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "../../evil.txt",
                "'..'");
        Path b = archiveWith("abs.tar.gz", TarItem.file("/etc/evil.txt", new byte[] {1}));
        fails(
                () -> CifarReader.read(b, CifarVariant.CIFAR10),
                b.toString(),
                "/etc/evil.txt",
                "absolute");
    }

    @Test
    void linkEntriesForDataFilesAreRefused() {
        byte[] rec = CifarFixtures.cifar10Bytes(new int[] {1}, new byte[PIXELS]);
        Path a =
                CifarFixtures.tarGz(
                        tmp.resolve("sym.tar.gz"),
                        List.of(
                                TarItem.file("cifar-10-batches-bin/data_batch_1.bin", rec),
                                TarItem.symlink(
                                        "cifar-10-batches-bin/test_batch.bin", "/etc/passwd")));
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "test_batch.bin",
                "symbolic link");
        Path b =
                CifarFixtures.tarGz(
                        tmp.resolve("hard.tar.gz"),
                        List.of(
                                TarItem.file("cifar-10-batches-bin/data_batch_1.bin", rec),
                                TarItem.hardlink(
                                        "cifar-10-batches-bin/test_batch.bin",
                                        "cifar-10-batches-bin/data_batch_1.bin")));
        fails(
                () -> CifarReader.read(b, CifarVariant.CIFAR10),
                b.toString(),
                "test_batch.bin",
                "hard link");
        // a link that is not a data file is ignored
        Path c =
                archiveWith(
                        "other-link.tar.gz",
                        TarItem.symlink("cifar-10-batches-bin/readme", "batches.meta.txt"));
        assertEquals(1, CifarReader.read(c, CifarVariant.CIFAR10).train().size());
    }

    @Test
    void oversizedMemberIsRefusedFromItsHeader() throws IOException {
        // A header announcing a 300 MB member, followed by little: refused before reading data.
        TarArchiveEntry e = new TarArchiveEntry("cifar-10-batches-bin/data_batch_1.bin");
        e.setSize(300_000_000L);
        byte[] header = new byte[512];
        e.writeEntryHeader(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(header);
            gz.write(new byte[4096]);
        }
        Path a = tmp.resolve("huge.tar.gz");
        Files.write(a, out.toByteArray());
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "data_batch_1.bin",
                "exceeds the limit");
    }

    @Test
    void duplicateMembersAreRefused() {
        byte[] rec = CifarFixtures.cifar10Bytes(new int[] {1}, new byte[PIXELS]);
        Path a = archiveWith("dup.tar.gz", TarItem.file("other/data_batch_1.bin", rec));
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "data_batch_1.bin twice");
    }

    @Test
    void archiveWithoutDataFiles() {
        Path a =
                CifarFixtures.tarGz(
                        tmp.resolve("none.tar.gz"),
                        List.of(TarItem.file("x/readme.txt", new byte[] {1})));
        fails(
                () -> CifarReader.read(a, CifarVariant.CIFAR10),
                a.toString(),
                "no CIFAR-10 data found");
    }

    @Test
    void notAnArchive() throws IOException {
        Path f = tmp.resolve("notes.txt");
        Files.writeString(f, "hello");
        fails(
                () -> CifarReader.read(f, CifarVariant.CIFAR10),
                f.toString(),
                "neither a folder nor a .tar.gz");
        Written w = CifarFixtures.writeCifar10(tmp.resolve("c10"), new int[] {1}, 1, 1);
        Path single = w.path().resolve("data_batch_1.bin");
        fails(
                () -> CifarReader.read(single, CifarVariant.CIFAR10),
                single.toString(),
                "single data file");
    }

    @Test
    void ambiguousSubFolders() {
        CifarFixtures.writeCifar10(tmp.resolve("two/a"), new int[] {1}, 1, 1);
        CifarFixtures.writeCifar10(tmp.resolve("two/b"), new int[] {1}, 1, 1);
        fails(
                () -> CifarReader.read(tmp.resolve("two"), CifarVariant.CIFAR10),
                "several sub-folders",
                "a, b");
    }

    @Test
    void entryPathChecks() {
        assertArrayEquals(new String[] {"a", "b.bin"}, CifarReader.checkedPath("x", "./a//b.bin"));
        assertThrows(DataException.class, () -> CifarReader.checkedPath("x", "a/../b"));
        assertThrows(DataException.class, () -> CifarReader.checkedPath("x", "..\\b"));
        assertThrows(DataException.class, () -> CifarReader.checkedPath("x", "C:/b"));
    }
}
