package io.mixnorm.lab.util;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An exclusive claim on a run folder, held while one process trains into it, so that several
 * processes can share out one study's runs (the same {@code reproduce} command started N times)
 * without two of them ever writing the same run. The claim is an OS file lock on {@code
 * <run>/.lock}: the OS drops it when the process dies, however it dies, so a crash never leaves a
 * run claimed. The empty lock file stays behind; it carries no state. Only when a claim is released
 * with nothing but its lock file in the folder (an error before the run wrote anything) does it
 * remove what it created itself: the lock file, and the folders it made for it, never anything that
 * existed before.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final Path file;
    private final boolean createdFile;

    /** The folders this claim created, innermost first. */
    private final List<Path> createdDirs;

    private RunLock(FileChannel channel, Path file, boolean createdFile, List<Path> createdDirs) {
        this.channel = channel;
        this.file = file;
        this.createdFile = createdFile;
        this.createdDirs = createdDirs;
    }

    /**
     * The claim on {@code runDir} (created if needed), or null when another process (or this one)
     * holds it.
     */
    public static RunLock tryAcquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserException("the run folder " + runDir + " is a file, not a folder");
        }
        FileChannel ch = null;
        try {
            List<Path> missing = new ArrayList<>();
            for (Path d = runDir.toAbsolutePath();
                    d != null && !Files.exists(d);
                    d = d.getParent()) {
                missing.add(d);
            }
            Files.createDirectories(runDir);
            boolean fileExisted = Files.exists(file);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM
            }
            if (l == null) {
                ch.close();
                return null;
            }
            return new RunLock(ch, file, !fileExisted, missing);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UserException(
                    "cannot claim the run folder "
                            + runDir
                            + " ("
                            + file
                            + ": "
                            + e.getMessage()
                            + ")");
        }
    }

    /**
     * The claim on {@code runDir} for a command's {@code option}; a one-line error when another
     * process holds it.
     */
    public static RunLock claim(Path runDir, String option) {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserException(
                    option + " " + runDir + " is a file, not a folder; choose another " + option);
        }
        RunLock lock = tryAcquire(runDir);
        if (lock == null) {
            throw new UserException(
                    option
                            + " "
                            + runDir
                            + ": another process is training into this run folder; "
                            + "wait for it to stop, or choose another "
                            + option);
        }
        return lock;
    }

    /**
     * Releases the claim (closing the channel releases the lock). First, while it is still held, a
     * lock file this claim created in a folder that holds nothing else is removed, with the folders
     * this claim created for it: a command that failed before writing anything leaves nothing.
     */
    @Override
    public void close() {
        try {
            if (createdFile && onlyTheLockFileIn(file.getParent())) {
                Files.deleteIfExists(file);
                for (Path d : createdDirs) {
                    Files.deleteIfExists(
                            d); // fails on a folder that is not empty: then it stays, with its
                    // parents
                }
            }
        } catch (IOException e) {
            // tidying is a courtesy; the claim is released below all the same
        } finally {
            closeQuietly(channel);
        }
    }

    private static boolean onlyTheLockFileIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().toString().equals(FILE));
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
