package io.mixnorm.lab.util;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An exclusive claim on a run folder, held while one process trains into it, so that several
 * processes can share out one study's runs (the same {@code reproduce} command started N times)
 * without two of them ever writing the same run. The claim is an OS file lock on {@code
 * <run>/.lock}: the OS drops it when the process dies, however it dies, so a crash never leaves a
 * run claimed. The lock file stays behind; it holds only the last claimant's token. Only when a
 * claim is released with nothing but its lock file in the folder (an error before the run wrote
 * anything) does it remove what it created itself: the lock file, and the folders it made for it,
 * never anything that existed before.
 *
 * <p>Because a lock file can be removed, a process may open it, then lock it after its holder has
 * removed it and a third process has made a new one: two locks on two files of one name. So a claim
 * writes a token of its own into the file it locked and reads it back through the name; another
 * token (or no file) means its file is gone, and it tries again.
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
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserException("the run folder " + runDir + " is a file, not a folder");
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            Attempt a = attempt(runDir);
            if (a != Attempt.AGAIN) {
                return a.lock;
            }
        }
        throw new UserException(
                "cannot claim the run folder " + runDir + ": its lock file keeps being replaced");
    }

    /** One try: a claim, {@link #BUSY}, or {@link #AGAIN} when the lock file was replaced. */
    record Attempt(RunLock lock) {
        static final Attempt BUSY = new Attempt(null);
        static final Attempt AGAIN = new Attempt(null);
    }

    /**
     * Locks the file named {@code .lock} and checks, by its file key (device and inode, read with
     * stat: opening and closing the file again would drop this process's POSIX lock), that the name
     * still names the file locked. A holder removes the file before it lets go (see {@link
     * #close}); a process that opened it before the removal and locks it after would otherwise hold
     * a lock on a file nobody else can see, next to the lock of whoever made the new one.
     */
    static Attempt attempt(Path runDir) {
        Path file = runDir.resolve(FILE);
        FileChannel ch = null;
        try {
            List<Path> missing = new ArrayList<>();
            for (Path d = runDir.toAbsolutePath();
                    d != null && !Files.exists(d);
                    d = d.getParent()) {
                missing.add(d);
            }
            Files.createDirectories(runDir);
            boolean created;
            try {
                Files.createFile(file);
                created = true;
            } catch (FileAlreadyExistsException e) {
                created = false;
            }
            Object before = fileKey(file);
            if (before == GONE) {
                return Attempt.AGAIN;
            }
            try {
                ch = FileChannel.open(file, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                return Attempt.AGAIN; // removed between the check and the open
            }
            betweenOpenAndLock.run();
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM
            }
            if (l == null) {
                ch.close();
                return Attempt.BUSY;
            }
            if (before != null && !before.equals(fileKey(file))) {
                // removed and made anew since the check (or the open): not the file under the name
                ch.close();
                return Attempt.AGAIN;
            }
            return new Attempt(new RunLock(ch, file, created, missing));
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

    private static final Object GONE = new Object();

    /** Tests only: runs inside {@link #attempt} between opening the lock file and locking it. */
    static Runnable betweenOpenAndLock = () -> {};

    /**
     * The file key (device, inode) of {@code file}; null where the platform has none, {@link #GONE}
     * when there is no such file.
     */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return GONE;
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
