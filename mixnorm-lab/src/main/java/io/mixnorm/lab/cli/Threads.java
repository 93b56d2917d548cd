package io.mixnorm.lab.cli;

/** PyTorch's thread count, read by DJL once when the engine starts. */
final class Threads {
    private Threads() {}

    static void configure(int threads) {
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
