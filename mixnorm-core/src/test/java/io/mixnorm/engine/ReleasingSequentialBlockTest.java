package io.mixnorm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.nn.MixtureNorm;
import io.mixnorm.nn.NormSurgery;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ReleasingSequentialBlock} against DJL's {@link SequentialBlock} with the same children and
 * weights: the same loss and parameter gradients although the intermediates' handles are closed
 * during the forward (and the garbage collector runs before the backward), fewer arrays left on the
 * batch's manager, and the caller's input and the output left open, also around a child that
 * returns its input unchanged. {@code NormSurgery} replaces its BatchNorms as it does DJL's.
 */
class ReleasingSequentialBlockTest {
    private static final Shape INPUT = new Shape(4, 3, 8, 8);

    private static Conv2d conv3x3() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(8)
                .build();
    }

    private static SequentialBlock net(SequentialBlock s) {
        return s.add(list -> new NDList(list.singletonOrThrow())) // new list, the caller's array
                .add(conv3x3())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(list -> list) // returns its input, which the next child consumes
                .add(conv3x3())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /**
     * Loss, then every parameter's gradient (running statistics: their values) in parameter order;
     * plus the arrays left behind.
     */
    private record Run(Map<String, float[]> values, int arraysLeft, boolean inputOpen) {}

    private static Run run(NDManager manager, SequentialBlock block, float[] input, float[] w) {
        Engine.getInstance().setRandomSeed(7);
        block.initialize(manager, DataType.FLOAT32, INPUT);
        ParameterStore ps = new ParameterStore(manager, false);
        Map<String, float[]> values = new LinkedHashMap<>();
        try (NDManager batch = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = batch.create(input, INPUT);
            NDArray out = block.forward(ps, new NDList(x), true).singletonOrThrow();
            int left = batch.getManagedArrays().size();
            assertFalse(out.isReleased());
            NDArray loss = out.mul(batch.create(w, out.getShape())).sum();
            System.gc(); // what a closed handle no longer keeps alive would go now
            gc.backward(loss);
            values.put("loss", loss.toFloatArray());
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray a = p.getValue().getArray();
                // running statistics have no gradient: their updated values must agree instead
                values.put(
                        p.getKey(),
                        p.getValue().requiresGradient()
                                ? a.getGradient().toFloatArray()
                                : a.toFloatArray());
            }
            return new Run(values, left, !x.isReleased());
        }
    }

    @Test
    void sameLossAndGradientsWithFewerArraysLeft() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] input = manager.randomNormal(INPUT).toFloatArray();
            float[] w = manager.randomNormal(new Shape(4, 3)).toFloatArray();
            Run plain = run(manager, net(new SequentialBlock()), input, w);
            Run releasing = run(manager, net(new ReleasingSequentialBlock()), input, w);

            assertEquals(plain.values().keySet(), releasing.values().keySet());
            for (Map.Entry<String, float[]> e : plain.values().entrySet()) {
                float[] a = e.getValue();
                float[] b = releasing.values().get(e.getKey());
                double scale = 1e-30;
                for (float v : a) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5 * scale, e.getKey() + "[" + i + "]");
                }
            }
            assertTrue(plain.inputOpen() && releasing.inputOpen(), "the caller's input is open");
            // DJL keeps every child's output; the releasing block keeps the input and the output
            assertTrue(
                    releasing.arraysLeft() <= plain.arraysLeft() - 8,
                    releasing.arraysLeft() + " arrays left vs " + plain.arraysLeft());
        }
    }

    @Test
    void normSurgeryReplacesItsBatchNorms() {
        SequentialBlock net = net(new ReleasingSequentialBlock());
        List<NormSurgery.Replacement> replaced =
                NormSurgery.replace(
                        net, "all", NormSurgery.mixtureNorm(42L, b -> b.optComponents(2)));
        assertEquals(2, replaced.size());
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, INPUT);
            ParameterStore ps = new ParameterStore(manager, false);
            try (NDManager batch = manager.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = batch.randomNormal(INPUT);
                NDArray out = net.forward(ps, new NDList(x), true).singletonOrThrow();
                gc.backward(out.sum());
                assertEquals(new Shape(4, 3), out.getShape());
                for (float v : out.toFloatArray()) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
        assertEquals(
                2L,
                net.getChildren().values().stream().filter(b -> b instanceof MixtureNorm).count());
    }

    @Test
    void releaseKeepsWhatTheKeepListsHold() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.ones(new Shape(2));
            NDArray b = manager.ones(new Shape(2));
            NDArray c = manager.ones(new Shape(2));
            Intermediates.release(new NDList(a, b, c), new NDList(b), new NDList(c));
            assertTrue(a.isReleased());
            assertFalse(b.isReleased());
            assertFalse(c.isReleased());
        }
    }
}
