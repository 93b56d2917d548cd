package io.mixnorm.lab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed write leaves the previous file intact, no temporary file, and a one-line error naming
 * the file.
 */
class AtomicFilesTest {
    @TempDir Path tmp;

    private static void assertOneLineNaming(UserException e, Path file) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("left intact"), e.getMessage());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writerThatFailsHalfwayLeavesThePreviousFileAndNoTempFile() throws IOException {
        Path f = tmp.resolve("summary.json");
        AtomicFiles.writeString(f, "old complete content\n");
        UserException e =
                assertThrows(
                        UserException.class,
                        () ->
                                AtomicFiles.write(
                                        f,
                                        out -> {
                                            out.write(new byte[100_000]); // more than the buffer:
                                            // part of it reaches the
                                            // temporary file
                                            throw new IOException("simulated device error");
                                        }));
        assertOneLineNaming(e, f);
        assertTrue(e.getMessage().contains("simulated device error"), e.getMessage());
        assertEquals("old complete content\n", Files.readString(f));
        assertEquals(List.of("summary.json"), files(), "no temporary file left");
    }

    @Test
    void diskFullIsNamedAsSuch() throws IOException {
        Path f = tmp.resolve("metrics.csv");
        AtomicFiles.writeString(f, "a,b\n1,2\n");
        UserException e =
                assertThrows(
                        UserException.class,
                        () ->
                                AtomicFiles.write(
                                        f,
                                        out -> {
                                            out.write("a,b\n".getBytes(StandardCharsets.UTF_8));
                                            throw new IOException("No space left on device");
                                        }));
        assertOneLineNaming(e, f);
        assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
        assertEquals("a,b\n1,2\n", Files.readString(f));
        assertEquals(List.of("metrics.csv"), files());
    }

    @Test
    void uncheckedFailureInTheWriterAlsoRemovesTheTempFile() throws IOException {
        Path f = tmp.resolve("config.json");
        AtomicFiles.writeString(f, "{}\n");
        assertThrows(
                UncheckedIOException.class,
                () ->
                        AtomicFiles.write(
                                f,
                                out -> {
                                    out.write(1);
                                    throw new UncheckedIOException(new IOException("boom"));
                                }));
        assertEquals("{}\n", Files.readString(f));
        assertEquals(List.of("config.json"), files());
    }

    @Test
    void targetFolderThatIsAFileIsAOneLineError() throws IOException {
        Path notADir = tmp.resolve("checkpoints");
        Files.writeString(notADir, "x");
        Path f = notADir.resolve("step-1.ckpt");
        UserException e =
                assertThrows(UserException.class, () -> AtomicFiles.writeString(f, "data"));
        assertOneLineNaming(e, f);
        assertEquals("x", Files.readString(notADir));
    }

    @Test
    void readOnlyFolderIsAOneLineErrorAndKeepsThePreviousFile() throws IOException {
        assumeFalse(
                "root".equals(System.getProperty("user.name")), "root ignores folder permissions");
        Path dir = tmp.resolve("ro");
        Path f = dir.resolve("summary.json");
        AtomicFiles.writeString(f, "old\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            UserException e =
                    assertThrows(UserException.class, () -> AtomicFiles.writeString(f, "new\n"));
            assertOneLineNaming(e, f);
            assertEquals("old\n", Files.readString(f));
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(1, s.count());
            }
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
