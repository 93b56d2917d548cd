package io.mixnorm.lab.data;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * Downloads the official CIFAR binary archives and checks their MD5.
 *
 * <p>The archive is streamed into a temporary {@code *.part} file in the target folder while its
 * MD5 is computed; on a match it is renamed atomically to its official name, on a mismatch it is
 * deleted and a {@link DataException} gives the expected and actual digests. A file already present
 * with the right MD5 is kept and not downloaded again. The result can be read directly by {@link
 * CifarReader#read} (the archive, or the folder holding it).
 */
public final class CifarDownloader {
    /** SHA-256 of the mini CIFAR-10 archive committed with mixnorm (see {@link MiniSet}). */
    public static final String MINI_SET_SHA256 = MiniSet.SHA256;

    /** The largest download accepted (the official archives are 163 MB and 161 MB). */
    public static final long MAX_DOWNLOAD_BYTES = 1_000_000_000L;

    /** How long the server may take to answer a request (its headers), once connected. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(2);

    /** An official archive: data set name, file name, address and MD5. */
    public record OfficialArchive(String dataset, String fileName, URI uri, String md5) {}

    /** The official CIFAR-10 binary archive. */
    public static final OfficialArchive CIFAR10 =
            new OfficialArchive(
                    "cifar10",
                    CifarReader.CIFAR10_ARCHIVE,
                    URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                    "c32a1d4ab5d03f1284b67883e8d87530");

    /** The official CIFAR-100 binary archive (fine and coarse labels). */
    public static final OfficialArchive CIFAR100 =
            new OfficialArchive(
                    "cifar100",
                    CifarReader.CIFAR100_ARCHIVE,
                    URI.create("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"),
                    "03b5dce01913d631647c71ecec9e9cb8");

    private final HttpClient client;

    /** A downloader with a default client (redirects followed, 30 s connect timeout). */
    public CifarDownloader() {
        this(
                HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(Duration.ofSeconds(30))
                        .build());
    }

    /** A downloader using the given client. */
    public CifarDownloader(HttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The official archive of a variant (both CIFAR-100 variants share one archive). */
    public static OfficialArchive archiveFor(CifarVariant variant) {
        return variant.isCifar100() ? CIFAR100 : CIFAR10;
    }

    /**
     * The official archive of a CLI data set name, {@code cifar10} or {@code cifar100}.
     *
     * @throws UserException for any other name
     */
    public static OfficialArchive archiveFor(String dataset) {
        return archiveFor(CifarVariant.parse(dataset, null));
    }

    /**
     * Downloads the archive of {@code variant} into {@code toDir} with a default client; returns
     * its path.
     */
    public static Path download(CifarVariant variant, Path toDir) {
        return new CifarDownloader().fetch(archiveFor(variant), toDir);
    }

    /**
     * Downloads the archive of {@code cifar10} or {@code cifar100} into {@code toDir}; returns its
     * path.
     */
    public static Path download(String dataset, Path toDir) {
        return new CifarDownloader().fetch(archiveFor(dataset), toDir);
    }

    /**
     * Downloads {@code archive} into {@code toDir} (created if needed) unless a file with the right
     * MD5 is already there.
     *
     * @return the verified archive, {@code toDir/archive.fileName()}
     * @throws DataException on a network failure, an HTTP error or an MD5 mismatch
     */
    public Path fetch(OfficialArchive archive, Path toDir) {
        Path target = toDir.resolve(archive.fileName());
        if (Files.isRegularFile(target)
                && Checksums.matches(archive.md5(), Checksums.md5Hex(target))) {
            return target;
        }
        createFolder(toDir);
        // a server that accepts the connection but never answers is an error, not a hang
        HttpRequest request =
                HttpRequest.newBuilder(archive.uri()).timeout(RESPONSE_TIMEOUT).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DataException(
                    "cannot download "
                            + archive.uri()
                            + ": "
                            + CifarReader.oneLine(e)
                            + " (check the network, or fetch it by hand into "
                            + toDir
                            + ")",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("download of " + archive.uri() + " interrupted", e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new DataException(
                        "cannot download " + archive.uri() + ": HTTP " + response.statusCode());
            }
            return saveVerified(
                    body, toDir, archive.fileName(), archive.md5(), archive.uri().toString());
        } catch (IOException e) {
            throw new DataException(
                    "download of " + archive.uri() + " failed: " + CifarReader.oneLine(e), e);
        }
    }

    /**
     * Streams {@code body} into a temporary file in {@code toDir}, checks its MD5 and renames it
     * atomically to {@code toDir/fileName}. No network involved: {@link #fetch} uses it with the
     * HTTP body, tests with bytes.
     *
     * @param origin where the bytes come from, for messages
     * @return the final file
     * @throws DataException on a read or write failure or an MD5 mismatch (the temporary file is
     *     deleted in every failure)
     */
    public static Path saveVerified(
            InputStream body, Path toDir, String fileName, String expectedMd5, String origin) {
        createFolder(toDir);
        Path target = toDir.resolve(fileName);
        Path tmp;
        try {
            tmp = Files.createTempFile(toDir, fileName + ".", ".part");
        } catch (IOException e) {
            throw new DataException(
                    toDir + ": cannot create a temporary file: " + CifarReader.oneLine(e), e);
        }
        boolean done = false;
        try {
            MessageDigest md5 = Checksums.digest("MD5");
            long total = 0;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = body.read(buf)) > 0) {
                    total += n;
                    if (total > MAX_DOWNLOAD_BYTES) {
                        throw new DataException(
                                origin
                                        + ": more than "
                                        + MAX_DOWNLOAD_BYTES
                                        + " bytes; not a CIFAR archive");
                    }
                    md5.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                ch.force(true); // on disk before the rename makes it the archive
            } catch (IOException e) {
                throw new DataException(
                        "download of "
                                + origin
                                + " into "
                                + tmp
                                + " failed: "
                                + CifarReader.oneLine(e),
                        e);
            }
            String actual = HexFormat.of().formatHex(md5.digest());
            if (!Checksums.matches(expectedMd5, actual)) {
                throw new DataException(
                        origin
                                + ": MD5 mismatch: expected "
                                + expectedMd5.trim().toLowerCase(Locale.ROOT)
                                + ", actual "
                                + actual
                                + " ("
                                + total
                                + " bytes; the download was deleted, try again)");
            }
            try {
                Files.move(
                        tmp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            return target;
        } catch (IOException e) {
            throw new DataException(
                    target
                            + ": cannot move the verified download into place: "
                            + CifarReader.oneLine(e),
                    e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the .part file is harmless
                }
            }
        }
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DataException(dir + ": cannot create folder: " + CifarReader.oneLine(e), e);
        }
    }
}
