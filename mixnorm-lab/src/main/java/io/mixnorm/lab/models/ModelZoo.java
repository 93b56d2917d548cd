package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import io.mixnorm.lab.UserException;
import java.util.List;

/** Builds the lab's models by name, every norm layer through one {@link NormFactory}. */
public final class ModelZoo {
    public static final List<String> NAMES = List.of(Cnn5.NAME);

    private ModelZoo() {}

    /** A built (not yet initialized) model with the norm layers it got. */
    public record BuiltModel(String name, Block block, List<LayerInfo> norms, Shape inputShape, long forwardFlopsPerImage) {}

    public static BuiltModel build(String name, NormSpec spec, int numClasses) {
        if (!Cnn5.NAME.equals(name)) {
            throw new UserException("--model: unknown model '" + name + "' (available: " + String.join(", ", NAMES) + ")");
        }
        NormFactory norms = new NormFactory(spec, Cnn5.DEFAULT_MN_LAYERS);
        Block block = Cnn5.build(norms, numClasses);
        norms.checkSelectionUsed();
        // He-normal (fan-in, gain 2) for every weight: the right scale ahead of ReLU.
        block.setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                XavierInitializer.FactorType.IN, 2), Parameter.Type.WEIGHT);
        return new BuiltModel(name, block, norms.layers(), new Shape(1, 3, 32, 32), Cnn5.forwardFlopsPerImage(numClasses));
    }
}
