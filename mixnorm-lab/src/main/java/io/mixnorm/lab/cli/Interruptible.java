package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.StopSignal;
import java.util.function.Supplier;

/**
 * Runs a command's work with SIGINT/SIGTERM turned into a clean stop: a shutdown hook requests the
 * stop and waits (up to 120 s) until the work has written its files and returned.
 */
final class Interruptible {
    private Interruptible() {}

    static <T> T run(Supplier<T> work) {
        Thread hook =
                new Thread(
                        () -> {
                            StopSignal.request();
                            StopSignal.awaitStopped(120);
                        },
                        "mixnorm-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.get();
        } finally {
            StopSignal.stopped();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting: the hook is running and has just been released
            }
        }
    }
}
