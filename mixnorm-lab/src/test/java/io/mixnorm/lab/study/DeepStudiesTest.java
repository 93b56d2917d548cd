package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deep-model studies: valid, a BN baseline, the DenseNet recipe, and MN layers the model has.
 */
class DeepStudiesTest {
    static final List<String> DEEP =
            List.of("densenet40-cifar10", "densenet-bc100-cifar10", "inception-v3-cifar10");

    /**
     * Every run of the grid builds (without initializing): its --mn-layers select exactly one or
     * more layers.
     */
    static void everyRunBuilds(StudySpec s) {
        for (StudySpec.RunKey k : s.runs()) {
            TrainConfig cfg = RunKind.CLASSIFICATION.config(s, k, "t");
            List<LayerInfo> norms = ModelZoo.build(cfg.model, cfg.normSpec(), 10).norms();
            long mn = norms.stream().filter(l -> l.norm().equals("mn")).count();
            assertEquals(
                    k.variant().equals("bn") ? 0 : k.variant().equals("mn-first3") ? 3 : 1,
                    mn,
                    s.name + " " + k);
        }
    }

    @Test
    void builtInsValidateHaveABnBaselineAndTheDenseNetRecipe() {
        assertTrue(Studies.names().containsAll(DEEP));
        for (String name : DEEP) {
            StudySpec s = Studies.get(name, false);
            s.validate(name);
            Studies.get(name, true).validate(name);
            assertEquals("bn", s.baseline);
            assertEquals("bn", s.variantNames().get(0));
            assertEquals(4, s.variantNames().size());
            TrainConfig c =
                    RunKind.CLASSIFICATION.config(
                            s, new StudySpec.RunKey(0.1, "mn-first1", 1), "t");
            assertEquals("sgd", c.optimizer);
            assertTrue(c.nesterov);
            assertEquals(0.9, c.momentum);
            assertEquals(0.1, c.lr);
            assertEquals("step", c.lrSchedule);
            assertEquals(1e-4, c.weightDecay);
            assertEquals(64, c.batchSize);
            assertEquals(30L * 781, c.totalSteps(50_000), "shortened budget: 30 epochs");
            assertEquals("first:1", c.mnLayers);
            assertEquals(List.of(0.1), s.lrs);
            everyRunBuilds(s);
        }
    }

    @Test
    void fullLengthConfigsAreValidThreeHundredEpochGrids() {
        for (String name : DEEP) {
            StudySpec full = StudySpec.load(Path.of("..", "docs", "studies", name + "-full.json"));
            StudySpec builtIn = Studies.get(name, false);
            assertEquals(builtIn.variants, full.variants, name + ": same variants as the built-in");
            TrainConfig c = RunKind.CLASSIFICATION.config(full, full.runs().get(0), "t");
            assertEquals(300 * 781L, c.totalSteps(50_000));
            assertEquals("gpu", c.device);
            assertEquals(
                    RunKind.CLASSIFICATION.config(builtIn, builtIn.runs().get(0), "t").model,
                    c.model);
        }
    }
}
