package io.mixnorm.lab.gan;

import io.mixnorm.lab.metrics.FeatureMatrix;

/**
 * A tiny feature extractor for tests: the mean of each channel in each 16×16 quadrant (12
 * features).
 */
final class QuadrantFeatures implements FeatureExtractor {
    @Override
    public String label() {
        return "FD (test quadrant means)";
    }

    @Override
    public int dim() {
        return 12;
    }

    @Override
    public FeatureMatrix features(float[] images, int n, String source) {
        double[] out = new double[n * 12];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int q = (y / 16) * 2 + x / 16;
                        out[i * 12 + c * 4 + q] += images[i * 3072 + c * 1024 + y * 32 + x] / 256.0;
                    }
                }
            }
        }
        return new FeatureMatrix(n, 12, out, source);
    }
}
