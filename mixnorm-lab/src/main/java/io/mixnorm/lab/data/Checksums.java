package io.mixnorm.lab.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** MD5 and SHA-256 of files, and their verification against expected hex digests. */
public final class Checksums {
    private Checksums() {}

    /** The lower-case hex MD5 of a file. */
    public static String md5Hex(Path file) {
        return digestHex(file, "MD5");
    }

    /** The lower-case hex SHA-256 of a file. */
    public static String sha256Hex(Path file) {
        return digestHex(file, "SHA-256");
    }

    /** The lower-case hex MD5 of bytes. */
    public static String md5Hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest("MD5").digest(bytes));
    }

    /** The lower-case hex SHA-256 of bytes. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(bytes));
    }

    /**
     * The lower-case hex digest of a file.
     *
     * @param algorithm a {@link MessageDigest} name, e.g. {@code MD5} or {@code SHA-256}
     * @throws DataException if the file cannot be read
     */
    public static String digestHex(Path file, String algorithm) {
        MessageDigest md = digest(algorithm);
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new DataException(
                    file + ": cannot read for " + algorithm + ": " + CifarReader.oneLine(e), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Whether two hex digests are equal, ignoring case and surrounding blanks. */
    public static boolean matches(String expectedHex, String actualHex) {
        return normalize(expectedHex).equals(normalize(actualHex));
    }

    /**
     * Checks that {@code file} has the expected digest.
     *
     * @return the actual digest (lower-case hex)
     * @throws DataException naming the file, the algorithm and the expected and actual digests
     */
    public static String verify(Path file, String algorithm, String expectedHex) {
        String actual = digestHex(file, algorithm);
        if (!matches(expectedHex, actual)) {
            throw new DataException(
                    file
                            + ": "
                            + algorithm
                            + " mismatch: expected "
                            + normalize(expectedHex)
                            + ", actual "
                            + actual);
        }
        return actual;
    }

    /** {@link #verify} with MD5. */
    public static String verifyMd5(Path file, String expectedHex) {
        return verify(file, "MD5", expectedHex);
    }

    /** {@link #verify} with SHA-256. */
    public static String verifySha256(Path file, String expectedHex) {
        return verify(file, "SHA-256", expectedHex);
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown digest algorithm " + algorithm, e);
        }
    }

    private static String normalize(String hex) {
        return hex == null ? "" : hex.trim().toLowerCase(Locale.ROOT);
    }
}
