package io.mixnorm.lab.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code --deterministic}: bit-reproducible training across processes on the same machine and
 * library build. The data order, augmentation and initialization are already pure functions of the
 * seed; what can still vary between two processes is how PyTorch splits its CPU reductions
 * (convolutions, sums, matrix products) among threads. Fixing the thread count fixes that split:
 * {@link TrainConfig#threads} when set, else 1 intra-op thread, and 1 inter-op thread.
 *
 * <p>The thread count is set through DJL's engine properties (read when the engine starts) and, for
 * an engine that is already running (tests, the demo's second variant), through {@link
 * JniUtils#setNumThreads}; {@link #close()} restores the previous intra-op count.
 */
public final class Determinism implements AutoCloseable {
    private final int previous;

    private Determinism(int previous) {
        this.previous = previous;
    }

    /** The intra-op thread count a config runs with in deterministic mode. */
    public static int threadsFor(TrainConfig cfg) {
        return cfg.threads > 0 ? cfg.threads : 1;
    }

    /**
     * Applies {@code cfg.deterministic}; a no-op (returning a no-op handle) when it is false. Call
     * before the first NDArray of the run is created.
     */
    public static Determinism apply(TrainConfig cfg) {
        return apply(cfg.deterministic, cfg.threads);
    }

    /** Applies {@code deterministic} with {@code threads} (0: 1 thread), as for any kind of run. */
    public static Determinism apply(boolean deterministic, int threads) {
        if (!deterministic) {
            return new Determinism(-1);
        }
        int n = threads > 0 ? threads : 1;
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engine engine = Engine.getInstance();
        if (!"PyTorch".equals(engine.getEngineName())) {
            return new Determinism(-1);
        }
        int before = JniUtils.getNumThreads();
        if (before != n) {
            JniUtils.setNumThreads(n);
        }
        return new Determinism(before != n ? before : -1);
    }

    @Override
    public void close() {
        if (previous > 0) {
            JniUtils.setNumThreads(previous);
        }
    }
}
