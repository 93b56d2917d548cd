package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.metrics.FeatureMatrix;
import io.mixnorm.lab.metrics.FrechetDistance;
import io.mixnorm.lab.train.DivergedException;
import java.util.Locale;

/**
 * The run's score: the Fréchet distance between the features of {@code n} generated images (always
 * the same latent vectors, {@link Noise#SCORE}) and of the first {@code n} real test images. The
 * real side is extracted once. Lower is better; values are comparable only with the same extractor
 * and the same {@code n} (FD is biased upwards for small n).
 */
public final class GanScore {
    /** Maps CIFAR bytes to [-1, 1], the generator's range: (p/255 − 0.5) / 0.5. */
    public static final Standardization SYMMETRIC =
            new Standardization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});

    private final FeatureExtractor extractor;
    private final FeatureMatrix real;
    private final int n;
    private final long seed;

    /**
     * @throws UserException when {@code n} does not exceed the feature width (singular covariance)
     *     or the test set has fewer than {@code n} images
     */
    public GanScore(FeatureExtractor extractor, CifarDataset test, int n, long seed) {
        check(n, extractor.dim(), test.size(), extractor.label());
        this.extractor = extractor;
        this.n = n;
        this.seed = seed;
        float[] images = new float[n * 3072];
        for (int i = 0; i < n; i++) {
            System.arraycopy(SYMMETRIC.apply(test, i), 0, images, i * 3072, 3072);
        }
        this.real = extractor.features(images, n, "real test images");
    }

    /**
     * The checks of the constructor, before any image is read: one-line errors naming
     * --score-samples.
     */
    public static void check(int n, int dim, int testSize, String label) {
        if (n <= dim) {
            throw new UserException(
                    String.format(
                            Locale.ROOT,
                            "--score-samples %d: the %s features are %d-wide, so the covariance of"
                                + " %d samples is singular; use at least %d (better 5-10x that)",
                            n,
                            label,
                            dim,
                            n,
                            dim + 1));
        }
        if (n > testSize) {
            throw new UserException(
                    "--score-samples " + n + ": the test set has only " + testSize + " images");
        }
    }

    public double score(GanNetworks nets, NDManager root) {
        float[] fake = Generate.images(nets, root, Noise.latent(seed, Noise.SCORE, 0, n), n, 100);
        for (int i = 0; i < fake.length; i++) {
            if (!Float.isFinite(fake[i])) {
                // finite weights whose images overflow: the run diverged, the input is not bad
                throw new DivergedException(
                        "GAN training diverged: generated image "
                                + i / (fake.length / n)
                                + " of the score holds NaN/Inf");
            }
        }
        FeatureMatrix f = extractor.features(fake, n, "generated images");
        return FrechetDistance.between(f, real);
    }

    public String label() {
        return extractor.label();
    }

    public int samples() {
        return n;
    }
}
