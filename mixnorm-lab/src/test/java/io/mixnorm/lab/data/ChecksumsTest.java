package io.mixnorm.lab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checksums and the download's verify-and-rename step; no test touches the network. */
class ChecksumsTest {
    static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);
    static final String ABC_MD5 = "900150983cd24fb0d6963f7d28e17f72";
    static final String ABC_SHA256 =
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir Path tmp;

    static long files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void knownDigests() throws IOException {
        Path f = Files.write(tmp.resolve("abc.txt"), ABC);
        assertEquals(ABC_MD5, Checksums.md5Hex(f));
        assertEquals(ABC_SHA256, Checksums.sha256Hex(f));
        assertEquals(ABC_MD5, Checksums.md5Hex(ABC));
        assertEquals(ABC_SHA256, Checksums.sha256Hex(ABC));
        assertEquals("d41d8cd98f00b204e9800998ecf8427e", Checksums.md5Hex(new byte[0]));
    }

    @Test
    void verifyAcceptsAnyCaseAndReportsMismatches() throws IOException {
        Path f = Files.write(tmp.resolve("abc.txt"), ABC);
        assertEquals(ABC_MD5, Checksums.verifyMd5(f, ABC_MD5.toUpperCase()));
        assertEquals(ABC_SHA256, Checksums.verifySha256(f, " " + ABC_SHA256 + "\n"));
        String wrong = "0".repeat(32);
        DataException e = assertThrows(DataException.class, () -> Checksums.verifyMd5(f, wrong));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains("actual " + ABC_MD5), e.getMessage());
        assertThrows(DataException.class, () -> Checksums.md5Hex(tmp.resolve("missing")));
    }

    @Test
    void miniSetChecksumIsCheckedAgainstTheConstant() throws IOException {
        assertEquals(MiniSet.SHA256, CifarDownloader.MINI_SET_SHA256);
        Path fake = Files.write(tmp.resolve(MiniSet.FILE_NAME), ABC);
        DataException e = assertThrows(DataException.class, () -> MiniSet.verify(fake));
        assertTrue(e.getMessage().contains(MiniSet.SHA256), e.getMessage());
    }

    @Test
    void saveVerifiedRenamesAGoodDownload() throws IOException {
        Path dir = tmp.resolve("dl");
        Path out =
                CifarDownloader.saveVerified(
                        new ByteArrayInputStream(ABC), dir, "x.tar.gz", ABC_MD5, "test");
        assertEquals(dir.resolve("x.tar.gz"), out);
        assertArrayEquals(ABC, Files.readAllBytes(out));
        assertEquals(1, files(dir)); // no .part left
        // replaces an older file atomically
        Path again =
                CifarDownloader.saveVerified(
                        new ByteArrayInputStream(ABC), dir, "x.tar.gz", ABC_MD5, "test");
        assertEquals(out, again);
        assertEquals(1, files(dir));
    }

    @Test
    void saveVerifiedDeletesABadDownload() throws IOException {
        Path dir = tmp.resolve("dl");
        String expected = "0123456789abcdef0123456789abcdef";
        DataException e =
                assertThrows(
                        DataException.class,
                        () ->
                                CifarDownloader.saveVerified(
                                        new ByteArrayInputStream(ABC),
                                        dir,
                                        "x.tar.gz",
                                        expected,
                                        "https://example.org/x.tar.gz"));
        String m = e.getMessage();
        assertTrue(
                m.contains("https://example.org/x.tar.gz")
                        && m.contains("expected " + expected)
                        && m.contains("actual " + ABC_MD5),
                m);
        assertFalse(m.contains("\n"));
        assertEquals(0, files(dir));
    }

    @Test
    void saveVerifiedCleansUpAfterAFailingStream() throws IOException {
        Path dir = tmp.resolve("dl");
        InputStream failing =
                new InputStream() {
                    int n;

                    @Override
                    public int read() throws IOException {
                        if (n++ > 10) {
                            throw new IOException("connection reset");
                        }
                        return 1;
                    }
                };
        DataException e =
                assertThrows(
                        DataException.class,
                        () ->
                                CifarDownloader.saveVerified(
                                        failing, dir, "x.tar.gz", ABC_MD5, "origin"));
        assertTrue(e.getMessage().contains("connection reset"), e.getMessage());
        assertEquals(0, files(dir));
    }

    @Test
    void fetchKeepsAVerifiedFileWithoutDownloading() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("dl"));
        Path present = Files.write(dir.resolve("x.tar.gz"), ABC);
        // an address that is never contacted: the present file's MD5 matches
        CifarDownloader.OfficialArchive a =
                new CifarDownloader.OfficialArchive(
                        "cifar10", "x.tar.gz", URI.create("http://127.0.0.1:9/never"), ABC_MD5);
        assertEquals(present, new CifarDownloader().fetch(a, dir));
    }

    @Test
    void officialArchives() {
        assertSame(CifarDownloader.CIFAR10, CifarDownloader.archiveFor("cifar10"));
        assertSame(CifarDownloader.CIFAR100, CifarDownloader.archiveFor("CIFAR-100"));
        assertSame(
                CifarDownloader.CIFAR100, CifarDownloader.archiveFor(CifarVariant.CIFAR100_COARSE));
        assertEquals("c32a1d4ab5d03f1284b67883e8d87530", CifarDownloader.CIFAR10.md5());
        assertEquals("03b5dce01913d631647c71ecec9e9cb8", CifarDownloader.CIFAR100.md5());
        assertEquals(
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                CifarDownloader.CIFAR10.uri().toString());
        assertThrows(UserException.class, () -> CifarDownloader.archiveFor("mnist"));
    }
}
