package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blocks inside a SequentialBlock, saved and loaded through a DJL {@link Model}. */
class ModelSaveLoadTest {

    private static SequentialBlock net() {
        return new SequentialBlock()
                .add(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .optPadding(new Shape(1, 1))
                                .setFilters(6)
                                .build())
                .add(MixtureNorm.builder().optComponents(3).optSeed(42L).optFitSamples(64).build())
                .add(Activation::relu)
                .add(ModeNorm.builder().optComponents(2).optSeed(42L).build());
    }

    @Test
    void modelSaveLoadRestoresInferenceAndResumesTrainingExactly(@TempDir Path dir)
            throws IOException, MalformedModelException {
        Shape shape = new Shape(4, 3, 6, 6);
        try (Model a = Model.newInstance("mn-a");
                Model b = Model.newInstance("mn-b")) {
            a.setBlock(net());
            a.getBlock().initialize(a.getNDManager(), DataType.FLOAT32, shape);
            ParameterStore psA = new ParameterStore(a.getNDManager(), false);
            NDManager m = a.getNDManager();
            for (int i = 0; i < 3; i++) {
                NDArray x = m.randomNormal(new Shape(4, 3, 6, 6)).add(i);
                a.getBlock().forward(psA, new NDList(x), true);
            }
            a.save(dir, "mn");
            b.setBlock(net());
            b.load(dir, "mn");
            ParameterStore psB = new ParameterStore(b.getNDManager(), false);
            NDArray x = m.randomNormal(shape);
            float[] ya = a.getBlock().forward(psA, new NDList(x), false).head().toFloatArray();
            float[] yb = b.getBlock().forward(psB, new NDList(x), false).head().toFloatArray();
            assertArrayEquals(ya, yb, 0f);
            MixtureNorm mnA = (MixtureNorm) a.getBlock().getChildren().get(1).getValue();
            MixtureNorm mnB = (MixtureNorm) b.getBlock().getChildren().get(1).getValue();
            assertEquals(3, mnB.getTrainingCalls());
            // one more training step on both: identical (same subsample, same warm start)
            float[] ta = a.getBlock().forward(psA, new NDList(x), true).head().toFloatArray();
            float[] tb = b.getBlock().forward(psB, new NDList(x), true).head().toFloatArray();
            assertArrayEquals(ta, tb, 0f);
            assertEquals(mnA.getLastFit(), mnB.getLastFit());
        }
    }
}
