package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The mixture options of every command that trains a network with MixtureNorm or ModeNorm ({@code
 * train}, {@code gan}, ...): K and MixtureNorm's fit and inference settings. Each field has the
 * name of the config field it sets ({@link ConfigOptions}); the defaults are the configs' own.
 */
final class MixtureNormOptions {
    private static final TrainConfig D = new TrainConfig();

    @Option(
            names = {"--components", "-K"},
            description = "Mixture components / modes K (default: ${DEFAULT-VALUE}).")
    int components = D.components;

    @Option(
            names = "--mn-sample-mode",
            description =
                    "MixtureNorm samples: position (one C-dim sample per pixel) or channel (1-D"
                            + " mixture per channel) (default: ${DEFAULT-VALUE}).")
    String mnSampleMode = D.mnSampleMode;

    @Option(
            names = "--mn-em-iterations",
            description = "EM iterations per mini-batch (default: ${DEFAULT-VALUE}).")
    int mnEmIterations = D.mnEmIterations;

    @Option(
            names = "--mn-fit-samples",
            description = "Rows subsampled for the mixture fit (default: ${DEFAULT-VALUE}).")
    int mnFitSamples = D.mnFitSamples;

    @Option(
            names = "--mn-inference",
            description =
                    "MixtureNorm at inference: running or batch " + "(default: ${DEFAULT-VALUE}).")
    String mnInference = D.mnInference;
}
