package io.mixnorm.lab.gan;

import io.mixnorm.lab.metrics.FeatureMatrix;

/** Maps images to feature vectors, for a Fréchet distance between generated and real images. */
public interface FeatureExtractor extends AutoCloseable {
    /** How the score is labelled in messages and docs, e.g. "FD (mixnorm CIFAR features)". */
    String label();

    /** The feature width {@code d}. */
    int dim();

    /**
     * @param images {@code n} NCHW 3×32×32 images in [-1, 1] (the generator's range)
     * @param source a name for the rows in error messages
     */
    FeatureMatrix features(float[] images, int n, String source);

    @Override
    default void close() {}
}
