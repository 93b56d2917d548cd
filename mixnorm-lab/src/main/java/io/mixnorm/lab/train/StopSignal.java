package io.mixnorm.lab.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A cooperative stop for SIGINT/SIGTERM: the CLI's shutdown hook requests a stop and waits; the
 * trainer sees the request between steps, writes a checkpoint, and reports that it has stopped.
 */
public final class StopSignal {
    private static volatile boolean requested;
    private static final CountDownLatch STOPPED = new CountDownLatch(1);

    private StopSignal() {}

    public static void request() {
        requested = true;
    }

    public static boolean requested() {
        return requested;
    }

    /** Called by whoever owned the work once its files are safely written. */
    public static void stopped() {
        STOPPED.countDown();
    }

    public static boolean awaitStopped(long seconds) {
        try {
            return STOPPED.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
