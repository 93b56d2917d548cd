package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The score's feature extractor for a GAN config, as the {@link GanTrainingRun} takes it: a
 * function that opens it under the run's manager. Shared by {@code mixnorm gan} and the GAN study,
 * so that a study run scores exactly as the same {@code gan} command would.
 */
public final class ScoreFeatures {
    private ScoreFeatures() {}

    /**
     * Checks what can be checked before training (the classifier's run folder, the TorchScript
     * path) and returns the opener; null when the config does not score.
     *
     * @param gan the GAN's own data, reused for the classifier's standardization when it is the
     *     same set
     * @param loader reads the classifier's training set otherwise
     */
    public static Function<NDManager, FeatureExtractor> forConfig(
            GanConfig cfg, CifarSplits gan, Function<TrainConfig, CifarSplits> loader) {
        if (!cfg.scoring()) {
            return null;
        }
        if (cfg.features.equals(GanConfig.INCEPTION)) {
            Path file = Path.of(cfg.inception);
            return m -> InceptionFeatures.load(file, m);
        }
        Path dir = Path.of(cfg.featuresModel);
        TrainConfig clf = ClassifierFeatures.runConfig(dir);
        // The classifier sees inputs standardized as in its own training: with its training set's
        // statistics.
        CifarSplits clfData =
                clf.data.equals(cfg.data) && clf.dataset.equals("cifar10")
                        ? gan
                        : loader.apply(clf);
        Standardization std = Standardization.fit(clfData.train());
        return m -> ClassifierFeatures.load(dir, std, m);
    }
}
