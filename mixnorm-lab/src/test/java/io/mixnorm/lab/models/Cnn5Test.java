package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.lab.UserException;
import java.util.List;
import org.junit.jupiter.api.Test;

class Cnn5Test {

    /** By hand: conv weights k·k·in·out (no bias), BN γ and β per channel, FC weights and bias. */
    static long expectedParameters(int classes) {
        int[] widths = {64, 128, 128, 256};
        long n = 0;
        int in = 3;
        for (int w : widths) {
            n += 5L * 5 * in * w + 2L * w;
            in = w;
        }
        return n + 256L * classes + classes;
    }

    @Test
    void outputShapeAndParameterCount() {
        assertEquals(1_442_122L, expectedParameters(10));
        try (NDManager m = NDManager.newBaseManager()) {
            ModelZoo.BuiltModel model = ModelZoo.build("cnn5", NormSpec.batchNorm(), 10);
            model.block().initialize(m, DataType.FLOAT32, model.inputShape());
            NDArray x = m.randomNormal(new Shape(3, 3, 32, 32));
            NDArray y =
                    model.block()
                            .forward(new ParameterStore(m, false), new NDList(x), false)
                            .singletonOrThrow();
            assertEquals(new Shape(3, 10), y.getShape());
            long trainable = 0;
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    trainable += p.getValue().getArray().getShape().size();
                }
            }
            assertEquals(expectedParameters(10), trainable);
        }
    }

    @Test
    void hundredClassesChangeOnlyTheHead() {
        assertEquals(expectedParameters(10) + 90L * 257, expectedParameters(100));
    }

    @Test
    void normLayersAreNamedConv1ToConv4() {
        ModelZoo.BuiltModel model = ModelZoo.build("cnn5", NormSpec.batchNorm(), 10);
        assertEquals(
                List.of("conv1", "conv2", "conv3", "conv4"),
                model.norms().stream().map(LayerInfo::name).toList());
        assertEquals(
                List.of(64, 128, 128, 256),
                model.norms().stream().map(LayerInfo::channels).toList());
        assertTrue(model.norms().stream().allMatch(l -> l.norm().equals("bn")));
    }

    @Test
    void flopsPerImageMatchAHandCount() {
        long convs =
                2L
                        * (32 * 32 * 64 * 3 * 25
                                + 16 * 16 * 128 * 64 * 25
                                + 8 * 8 * 128 * 128 * 25
                                + 4 * 4 * 256 * 128 * 25);
        assertEquals(convs + 2L * 256 * 10, Cnn5.forwardFlopsPerImage(10));
    }

    @Test
    void unknownModelIsAUserError() {
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> ModelZoo.build("resnet9", NormSpec.batchNorm(), 10));
        assertTrue(e.getMessage().contains("--model"), e.getMessage());
        assertTrue(e.getMessage().contains("cnn5"), e.getMessage());
    }
}
