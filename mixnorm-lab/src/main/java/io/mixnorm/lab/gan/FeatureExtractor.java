package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.lab.metrics.FeatureMatrix;
import java.util.Arrays;

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

    /**
     * One batch of images, NCHW in [-1, 1], on a per-batch manager; returns its (b, …) features.
     */
    interface BatchFeatures {
        NDArray apply(NDManager sub, NDArray images);
    }

    /**
     * Runs {@code perBatch} over the images in batches of {@code batch}, each on its own
     * sub-manager (freed at once), and gathers the flattened rows into one float64 matrix.
     */
    static FeatureMatrix collect(
            NDManager manager,
            float[] images,
            int n,
            int batch,
            String source,
            BatchFeatures perBatch) {
        double[] out = null;
        int d = 0;
        for (int i = 0; i < n; i += batch) {
            int b = Math.min(batch, n - i);
            try (NDManager sub = manager.newSubManager()) {
                NDArray x =
                        sub.create(
                                Arrays.copyOfRange(images, i * 3072, (i + b) * 3072),
                                new Shape(b, 3, 32, 32));
                NDArray f = perBatch.apply(sub, x).reshape(b, -1);
                if (out == null) {
                    d = (int) f.getShape().get(1);
                    out = new double[n * d];
                }
                float[] v = f.toFloatArray();
                for (int k = 0; k < v.length; k++) {
                    out[i * d + k] = v[k];
                }
            }
        }
        return new FeatureMatrix(n, d, out, source);
    }
}
