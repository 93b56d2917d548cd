package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The options of every training command that say what it steps through and how: the data, the
 * steps, the batch size and the learning rate. Each field has the name of the config field it sets
 * ({@link ConfigOptions}). The fields hold {@code train}'s defaults; a command of another kind of
 * run shows and applies its own through {@link ConfigOptions.Defaults}.
 */
final class StepOptions {
    private static final TrainConfig D = new TrainConfig();

    @Option(
            names = "--data",
            description = "CIFAR folder or .tar.gz (default: the embedded mini CIFAR-10).")
    String data = D.data;

    @Option(
            names = "--steps",
            description =
                    "Training steps; a GAN's: one D and one G update each (default:"
                            + " ${DEFAULT-VALUE}).")
    long steps = D.steps;

    @Option(
            names = {"--batch-size", "-b"},
            description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = D.batchSize;

    @Option(
            names = "--lr",
            description =
                    "Learning rate; a GAN's: Adam's, both networks (default: ${DEFAULT-VALUE}).")
    double lr = D.lr;
}
