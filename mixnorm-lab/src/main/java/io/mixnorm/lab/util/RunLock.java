package io.mixnorm.lab.util;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive claim on a run folder, held while one process trains into it, so that several
 * processes can share out one study's runs (the same {@code reproduce} command started N times)
 * without two of them ever writing the same run. The claim is an OS file lock on
 * {@code <run>/.lock}: the OS drops it when the process dies, however it dies, so a crash never
 * leaves a run claimed. The empty lock file stays behind; it carries no state.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;

    private RunLock(FileChannel channel) {
        this.channel = channel;
    }

    /** The claim on {@code runDir} (created if needed), or null when another process (or this one) holds it. */
    public static RunLock tryAcquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(runDir);
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
            return new RunLock(ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UserException("cannot claim the run folder " + runDir + " (" + file + ": " + e.getMessage() + ")");
        }
    }

    /** The claim on {@code runDir} for a command's {@code option}; a one-line error when another process holds it. */
    public static RunLock claim(Path runDir, String option) {
        RunLock lock = tryAcquire(runDir);
        if (lock == null) {
            throw new UserException(option + " " + runDir + ": another process is training into this run folder; "
                    + "wait for it to stop, or choose another " + option);
        }
        return lock;
    }

    /** Closing the channel releases the lock. */
    @Override
    public void close() {
        closeQuietly(channel);
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
