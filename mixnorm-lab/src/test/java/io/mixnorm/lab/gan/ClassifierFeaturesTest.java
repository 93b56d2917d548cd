package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.metrics.FeatureMatrix;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default score's features: the penultimate layer of a classifier from a 'mixnorm train' run
 * folder.
 */
class ClassifierFeaturesTest {
    @TempDir Path tmp;

    @Test
    void penultimateFeaturesOfATrainRun() {
        CifarSplits data = SyntheticCifar.make(32, 16, 3);
        TrainConfig c = new TrainConfig();
        c.steps = 2;
        c.evalEvery = 2;
        c.batchSize = 16;
        c.evalBatchSize = 16;
        c.augment = false;
        c.deterministic = true;
        Path run = tmp.resolve("clf");
        new TrainingRun(c, data, run, Progress.silent()).run(false);
        try (NDManager m = NDManager.newBaseManager();
                ClassifierFeatures f =
                        ClassifierFeatures.load(run, Standardization.fit(data.train()), m)) {
            assertEquals(256, f.dim(), "cnn5's global-average-pooled conv4");
            assertEquals(ClassifierFeatures.LABEL, f.label());
            assertTrue(!f.label().contains("FID"));
            FeatureMatrix fm = f.features(new float[3 * 3072], 3, "zeros");
            assertEquals(3, fm.rows());
            fm.requireFinite();
            UserException e =
                    assertThrows(
                            UserException.class,
                            () -> GanScore.check(256, f.dim(), 1000, f.label()));
            assertTrue(
                    e.getMessage().startsWith("--score-samples 256")
                            && e.getMessage().contains("at least 257"),
                    e.getMessage());
        }
    }

    @Test
    void aFolderWithoutATrainRunSaysHowToMakeOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            UserException e =
                    assertThrows(
                            UserException.class,
                            () ->
                                    ClassifierFeatures.load(
                                            tmp.resolve("none"),
                                            Standardization.CIFAR10_PUBLISHED,
                                            m));
            assertTrue(
                    e.getMessage().startsWith("--features-model ")
                            && e.getMessage().contains("./mixnorm train"),
                    e.getMessage());
        }
    }
}
