package io.mixnorm.lab.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.lab.UserException;
import java.util.List;

/** Builds the lab's models by name, every norm layer through one {@link NormFactory}. */
public final class ModelZoo {
    public static final List<String> NAMES =
            List.of(Cnn5.NAME, DenseNet40.NAME, DenseNetBc100.NAME, InceptionV3.NAME);

    private ModelZoo() {}

    /** A built (not yet initialized) model with the norm layers it got. */
    public record BuiltModel(
            String name,
            Block block,
            List<LayerInfo> norms,
            Shape inputShape,
            long forwardFlopsPerImage) {
        /** Whether this model is fed channels-last images ({@link ModelZoo#channelsLast}). */
        public boolean channelsLast() {
            return ModelZoo.channelsLast(name);
        }
    }

    /**
     * The paper's (or our documented) default MN layers of a model, used when the spec names none.
     */
    public static String defaultMnLayers(String name) {
        return switch (name) {
            case Cnn5.NAME -> Cnn5.DEFAULT_MN_LAYERS;
            case DenseNet40.NAME -> DenseNet40.DEFAULT_MN_LAYERS;
            case DenseNetBc100.NAME -> DenseNetBc100.DEFAULT_MN_LAYERS;
            case InceptionV3.NAME -> InceptionV3.DEFAULT_MN_LAYERS;
            default ->
                    throw new UserException(
                            "--model: unknown model '"
                                    + name
                                    + "' (available: "
                                    + String.join(", ", NAMES)
                                    + ")");
        };
    }

    /**
     * Whether the trainer feeds this model channels-last images ({@link ChannelsLast}, unless
     * {@code MIXNORM_CHANNELS_LAST=0}): every zoo model. Each is checked against float64 with such
     * inputs ({@code OneDnnModelsTest}: cnn5 and DenseNet-40 as they are at batch 2, all four with
     * smooth stand-ins for their kinks at training batches) and measured faster so
     * (docs/benchmarks.md, "Channels-last inputs"). A model added to {@link #NAMES} is fed
     * channels-last too, and {@code ChannelsLastModelsTest} checks its format hand-overs at once;
     * its float64 and speed checks have to be added by hand.
     */
    public static boolean channelsLast(String name) {
        return NAMES.contains(name);
    }

    public static BuiltModel build(String name, NormSpec spec, int numClasses) {
        NormFactory norms = new NormFactory(spec, defaultMnLayers(name));
        Block block;
        long flops;
        switch (name) {
            case DenseNet40.NAME -> {
                block = DenseNet.build(DenseNet40.CONFIG, norms, numClasses);
                flops = DenseNet.forwardFlopsPerImage(DenseNet40.CONFIG, numClasses);
            }
            case DenseNetBc100.NAME -> {
                block = DenseNet.build(DenseNetBc100.CONFIG, norms, numClasses);
                flops = DenseNet.forwardFlopsPerImage(DenseNetBc100.CONFIG, numClasses);
            }
            case InceptionV3.NAME -> {
                InceptionV3.Built b = InceptionV3.build(norms, numClasses);
                block = b.block();
                flops = b.forwardFlopsPerImage();
            }
            default -> {
                block = Cnn5.build(norms, numClasses);
                flops = Cnn5.forwardFlopsPerImage(numClasses);
            }
        }
        norms.checkSelectionUsed();
        heNormal(block);
        return new BuiltModel(name, block, norms.layers(), new Shape(1, 3, 32, 32), flops);
    }

    /**
     * He-normal (fan-in, gain 2) for every weight of {@code block}: the right scale ahead of ReLU,
     * and what every zoo model is initialized with.
     *
     * @return {@code block}
     */
    static Block heNormal(Block block) {
        block.setInitializer(
                new XavierInitializer(
                        XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
                Parameter.Type.WEIGHT);
        return block;
    }
}
