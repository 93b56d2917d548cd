package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The options of every training command that say how a run is computed and kept, not what it
 * trains: seed, threads, determinism, checkpoints kept. Each field has the name of the config field
 * it sets ({@link ConfigOptions}); the defaults are the configs' own.
 */
final class RunOptions {
    private static final TrainConfig D = new TrainConfig();

    @Option(
            names = "--seed",
            description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed = D.seed;

    @Option(
            names = "--threads",
            description = "PyTorch threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = D.threads;

    @Option(
            names = "--deterministic",
            negatable = true,
            description =
                    "Bit-reproducible across processes (fixed PyTorch threads: --threads, or 1 when"
                            + " 0) (default: ${DEFAULT-VALUE}).")
    boolean deterministic = D.deterministic;

    @Option(
            names = "--keep-checkpoints",
            description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints = D.keepCheckpoints;
}
