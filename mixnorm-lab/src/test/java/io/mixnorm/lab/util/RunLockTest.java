package io.mixnorm.lab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process at a time per run folder: within a JVM, across JVMs, and released when the holder
 * dies.
 */
class RunLockTest {
    @TempDir Path tmp;

    /** Holds the claim on args[0] until its stdin closes (or it is killed). */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (RunLock lock = RunLock.tryAcquire(Path.of(args[0]))) {
                System.out.println(lock == null ? "busy" : "held");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the parent
                }
            }
        }
    }

    @Test
    void aClaimIsExclusiveInThisProcessAndFreeAfterClose() {
        Path run = tmp.resolve("runs/bn/seed-1");
        RunLock first = RunLock.tryAcquire(run);
        assertNotNull(first);
        assertNull(RunLock.tryAcquire(run));
        assertNotNull(
                RunLock.tryAcquire(tmp.resolve("runs/bn/seed-2")), "another run is another claim");
        first.close();
        try (RunLock again = RunLock.tryAcquire(run)) {
            assertNotNull(again);
        }
    }

    @Test
    void anotherProcessesClaimIsSeenAndDiesWithIt() throws Exception {
        Path run = tmp.resolve("run");
        Process child =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx64m",
                                "-cp",
                                System.getProperty("java.class.path"),
                                Holder.class.getName(),
                                run.toString())
                        .redirectErrorStream(true)
                        .start();
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held", out.readLine());
            assertNull(RunLock.tryAcquire(run), "the child holds the run");
            child.destroyForcibly(); // no close: the OS must drop the lock of a killed process
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            try (RunLock mine = RunLock.tryAcquire(run)) {
                assertNotNull(mine, "a killed holder leaves the run free");
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aLockFileReplacedBetweenOpenAndLockIsNoClaim() throws Exception {
        // The interleaving: B opens .lock; its holder removes it and another process makes a new
        // one; B locks the removed file. B must not take that for a claim, and tries again.
        Path run = tmp.resolve("run");
        java.nio.file.Files.createDirectories(run);
        Path lockFile = run.resolve(RunLock.FILE);
        java.nio.file.Files.createFile(lockFile);
        java.util.concurrent.atomic.AtomicInteger opens =
                new java.util.concurrent.atomic.AtomicInteger();
        RunLock.betweenOpenAndLock =
                () -> {
                    if (opens.getAndIncrement() == 0) {
                        try {
                            java.nio.file.Files.delete(lockFile);
                            java.nio.file.Files.createFile(lockFile);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                };
        try (RunLock b = RunLock.tryAcquire(run)) {
            assertNotNull(b);
            assertEquals(2, opens.get(), "the first lock was on the removed file: tried again");
            assertNull(RunLock.tryAcquire(run), "B's claim is on the file under the name");
        } finally {
            RunLock.betweenOpenAndLock = () -> {};
        }
    }
}
