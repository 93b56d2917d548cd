package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The norm options of every command that trains a network with BN, MixtureNorm or ModeNorm ({@code
 * train}, {@code gan}, ...): which norm at which layers, K, and MixtureNorm's fit and inference
 * settings. Each field has the name of the config field it sets ({@link ConfigOptions}); the
 * defaults are the configs' own.
 */
final class MixtureNormOptions {
    private static final TrainConfig D = new TrainConfig();

    @Option(
            names = "--norm",
            description =
                    "bn, mn (MixtureNorm) or modenorm at the --mn-layers; bn elsewhere, and in a"
                            + " GAN's discriminator (default: ${DEFAULT-VALUE}).")
    String norm = D.norm;

    @Option(
            names = "--mn-layers",
            description =
                    "Layers that get --norm: names (conv2, g.norm1), 1-based indices, first:N or"
                        + " all, comma-separated (default: the model's: conv2 for cnn5, the first"
                        + " norm layer for the deep models, g.norm1 for the GAN's generator;"
                        + " 'summary' lists a classifier's names).")
    String mnLayers = D.mnLayers;

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
