package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.OneDnnWorkaround;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.Losses;
import io.mixnorm.lab.train.UpdateRule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Checks every zoo model must pass, on 2 random images so that even Inception-V3 stays fast. */
final class ModelChecks {
    private ModelChecks() {}

    static NormSpec spec(String kind, String layers) {
        return new NormSpec(
                NormKind.parse(kind), layers, 3, NormSpec.MixtureOptions.defaults(), 7L);
    }

    static List<Parameter> trainable(Block block) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Output shape (2, 10) in inference mode; returns the trainable parameter count. */
    static long outputShapeAndParameters(String model) {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelZoo.BuiltModel bm = ModelZoo.build(model, NormSpec.batchNorm(), 10);
            assertEquals(new Shape(1, 3, 32, 32), bm.inputShape());
            bm.block().initialize(m, DataType.FLOAT32, bm.inputShape());
            OneDnnWorkaround.applyFor(bm.block());
            NDArray y = forward(bm.block(), m, m.randomNormal(new Shape(2, 3, 32, 32)), false);
            assertEquals(new Shape(2, 10), y.getShape());
            return trainable(bm.block()).stream()
                    .mapToLong(p -> p.getArray().getShape().size())
                    .sum();
        }
    }

    static NDArray forward(Block block, NDManager m, NDArray x, boolean training) {
        return block.forward(new ParameterStore(m, false), new NDList(x), training)
                .singletonOrThrow();
    }

    /**
     * One training step (forward, backward, SGD-Nesterov update) on 2 random images: the loss is
     * finite and every trainable parameter gets a finite gradient that is not all zero (a branch
     * left out of the graph would show up here). Then a save/load round trip into a freshly built
     * model gives bit-identical inference outputs — for MN that includes the running mixture.
     */
    static void trainStepAndRoundTrip(String model, NormSpec spec) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            ModelZoo.BuiltModel bm = ModelZoo.build(model, spec, 10);
            bm.block().initialize(m, DataType.FLOAT32, bm.inputShape());
            OneDnnWorkaround.applyFor(bm.block());
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            NDArray labels = m.create(new int[] {3, 7});
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = Losses.crossEntropy(forward(bm.block(), m, x, true), labels);
                gc.backward(l);
                loss = l.getFloat();
            }
            assertTrue(Float.isFinite(loss), model + " loss " + loss);
            List<Parameter> params = trainable(bm.block());
            for (Parameter p : params) {
                NDArray g = p.getArray().getGradient();
                String what = model + " " + spec.kind() + " gradient of " + p.getName();
                assertFalse(
                        g.isNaN().any().getBoolean() || g.isInfinite().any().getBoolean(),
                        what + " is not finite");
                assertTrue(g.abs().sum().getFloat() > 0, what + " is all zero");
            }
            new UpdateRule("sgd", 1e-4, 0.9, true, params).step(0.1);
            NDArray before = forward(bm.block(), m, x, false);
            assertFalse(
                    before.isNaN().any().getBoolean(), model + " inference output after one step");

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                bm.block().saveParameters(out);
            }
            ModelZoo.BuiltModel fresh = ModelZoo.build(model, spec, 10);
            fresh.block().initialize(m, DataType.FLOAT32, fresh.inputShape());
            fresh.block()
                    .loadParameters(
                            m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            NDArray after = forward(fresh.block(), m, x, false);
            assertArrayEquals(
                    before.toFloatArray(),
                    after.toFloatArray(),
                    model + " outputs after save/load");
        } catch (java.io.IOException | ai.djl.MalformedModelException e) {
            throw new AssertionError(e);
        }
    }

    static List<String> names(String model) {
        return ModelZoo.build(model, NormSpec.batchNorm(), 10).norms().stream()
                .map(LayerInfo::name)
                .toList();
    }

    /** The names of the layers that got MN for a selection. */
    static Set<String> selected(String model, String layers) {
        Set<String> out = new LinkedHashSet<>();
        for (LayerInfo l : ModelZoo.build(model, spec("mn", layers), 10).norms()) {
            if (l.norm().equals("mn")) {
                out.add(l.name());
            }
        }
        return out;
    }

    /**
     * Surgery picks exactly the requested layers; an unknown name is a user error listing valid
     * names.
     */
    static void surgerySelectsExactly(String model, String defaultLayer, List<String> some) {
        List<String> all = names(model);
        assertEquals(all.size(), new LinkedHashSet<>(all).size(), model + " norm names are unique");
        assertEquals(all.get(0), defaultLayer, "the default MN layer is the first norm layer");
        assertEquals(Set.of(defaultLayer), selected(model, ""));
        assertEquals(Set.copyOf(all.subList(0, 3)), selected(model, "first:3"));
        assertEquals(Set.copyOf(some), selected(model, String.join(",", some)));
        assertEquals(Set.of(all.get(4)), selected(model, "5"));
        assertEquals(Set.copyOf(all), selected(model, "all"));
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> selected(model, some.get(0) + ",block9.layer1.norm"));
        assertTrue(e.getMessage().startsWith("--mn-layers"), e.getMessage());
        assertTrue(e.getMessage().contains("block9.layer1.norm"), e.getMessage());
        assertTrue(
                e.getMessage().contains(String.join(",", all)),
                "lists every valid name: " + e.getMessage());
    }
}
