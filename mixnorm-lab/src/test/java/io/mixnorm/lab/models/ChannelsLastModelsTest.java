package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.engine.MemoryFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Channels-last inputs pay off only if the format survives the whole network: one layer that hands
 * on NCHW sends every later convolution back to oneDNN's reorders (MixtureNorm's evaluation did,
 * costing cnn5 with MN at conv2 about a quarter of its evaluation speed). For every model the
 * trainer feeds channels-last ({@link ModelZoo#channelsLast}), with BN and with MixtureNorm in
 * every layer, in training and in evaluation, each top-level block's 4-D output must still be
 * stored channels-last.
 */
class ChannelsLastModelsTest {

    @Test
    void everyBlockHandsChannelsLastOn() {
        List<String> checked = new ArrayList<>();
        // PaddedConv2d (DenseNet's convolutions) makes its zero channels in the format the process
        // switch says, so with channels-last switched off (MIXNORM_CHANNELS_LAST=0) only models
        // without it are checked
        for (String name : ModelZoo.NAMES) {
            if (!ModelZoo.channelsLast(name)
                    || (!ChannelsLast.enabled() && name.startsWith("densenet"))) {
                continue;
            }
            for (NormSpec spec : List.of(NormSpec.batchNorm(), ModelChecks.spec("mn", "all"))) {
                checkFormats(name, spec);
            }
            checked.add(name);
        }
        assertEquals(
                ChannelsLast.enabled() ? ModelZoo.NAMES : List.of("cnn5", "inception-v3"), checked);
    }

    private static void checkFormats(String name, NormSpec spec) {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelZoo.BuiltModel bm = ModelZoo.build(name, spec, 10);
            Shape in = new Shape(2, 3, 32, 32);
            bm.block().initialize(m, DataType.FLOAT32, in);
            ParameterStore ps = new ParameterStore(m, false);
            float[] pixels = m.randomNormal(in).toFloatArray();
            for (boolean training : new boolean[] {true, false}) {
                NDList x = new NDList(ChannelsLast.stored(m, pixels, in));
                for (Pair<String, Block> child : bm.block().getChildren()) {
                    x = child.getValue().forward(ps, x, training);
                    NDArray y = x.head();
                    Shape s = y.getShape();
                    if (s.dimension() == 4 && s.get(1) > 1 && s.get(2) * s.get(3) > 1) {
                        assertEquals(
                                "channels-last",
                                MemoryFormat.of(y),
                                name
                                        + " "
                                        + spec.kind()
                                        + (training ? " training" : " evaluation")
                                        + ": output of "
                                        + child.getKey());
                    }
                }
            }
        }
    }
}
