package io.mixnorm.lab.models;

import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import io.mixnorm.lab.UserException;
import io.mixnorm.nn.LayerSelection;
import io.mixnorm.nn.MixtureNorm;
import io.mixnorm.nn.ModeNorm;
import io.mixnorm.nn.NormSurgery;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Creates and names every normalization layer of a model, so that BN→MN surgery happens in one
 * place. A model calls {@link #create} once per norm position, in order; the factory decides from
 * the {@link NormSpec} which norm that position gets. After the model is built, {@link
 * #checkSelectionUsed()} rejects selections naming layers the model does not have.
 *
 * <p>The selection syntax, its matching and its "no layer X; valid: ..." error, and the per-layer
 * seed are mixnorm-core's ({@link LayerSelection}, {@link NormSurgery#layerSeed}), shared with
 * {@link NormSurgery}. The lab's models still choose each norm here at build time rather than
 * building BatchNorms and running {@link NormSurgery} on the finished tree, on purpose: surgery
 * keeps the DJL child names, so a MixtureNorm would sit under {@code 02BatchNorm} and its
 * parameters read {@code 02BatchNorm_gamma} in the divergence diagnostics, where today they read
 * {@code 02MixtureNorm_gamma}; the lab's layer names ({@code conv2}, {@code block1.layer3.norm1})
 * and their channel counts, which {@code --mn-layers}, config.json and the reports use, are known
 * at build time but are not DJL paths; and building a BatchNorm only to throw it away buys nothing.
 * Parameter order, seeds and checkpoints are the same either way.
 */
public final class NormFactory {
    private final NormSpec spec;
    private final String defaultLayers;
    private final List<LayerInfo> layers = new ArrayList<>();

    /** Null when every layer is BN (the selection is then never read, as before). */
    private final LayerSelection selection;

    /**
     * @param spec what to build
     * @param defaultLayers the model's default selection when the spec names none (the paper's)
     */
    public NormFactory(NormSpec spec, String defaultLayers) {
        this.spec = spec;
        this.defaultLayers = defaultLayers;
        String sel =
                spec.layers() == null || spec.layers().isBlank() ? defaultLayers : spec.layers();
        if (spec.components() < 1) {
            throw new UserException("--components: K must be at least 1, got " + spec.components());
        }
        try {
            this.selection = spec.kind() == NormKind.BN ? null : LayerSelection.parse(sel);
        } catch (IllegalArgumentException e) {
            throw new UserException("--mn-layers: " + e.getMessage(), e);
        }
    }

    /** Creates the norm layer at the next position. */
    public Block create(String name, int channels) {
        int index = layers.size() + 1;
        NormKind kind =
                selection != null && selection.matches(name, index) ? spec.kind() : NormKind.BN;
        layers.add(new LayerInfo(name, index, kind.cliName(), channels));
        return build(kind, index);
    }

    private Block build(NormKind kind, int index) {
        NormSpec.MixtureOptions o = spec.mn();
        switch (kind) {
            case MN:
                return MixtureNorm.builder()
                        .optComponents(spec.components())
                        .optEpsilon(o.epsilon())
                        .optMomentum(o.momentum())
                        .optSampleMode(
                                MixtureNorm.SampleMode.valueOf(
                                        o.sampleMode().toUpperCase(Locale.ROOT)))
                        .optEmIterations(o.emIterations())
                        .optFitSamples(o.fitSamples())
                        .optInference(
                                MixtureNorm.InferenceMode.valueOf(
                                        o.inference().toUpperCase(Locale.ROOT)))
                        .optSeed(layerSeed(index))
                        .build();
            case MODENORM:
                return ModeNorm.builder()
                        .optComponents(spec.components())
                        .optEpsilon(o.epsilon())
                        .optMomentum(o.momentum())
                        .optSeed(layerSeed(index))
                        .build();
            default:
                // DJL's momentum is the weight of the old running value (MXNet's convention).
                return BatchNorm.builder()
                        .optEpsilon(o.epsilon())
                        .optMomentum(1f - o.momentum())
                        .build();
        }
    }

    /**
     * Each layer draws from its own stream, so adding a layer does not change another's choices.
     */
    private long layerSeed(int index) {
        return NormSurgery.layerSeed(spec.seed(), index);
    }

    /** Throws if a selector matched no layer: the message lists the valid names. */
    public void checkSelectionUsed() {
        if (selection == null) {
            return;
        }
        try {
            selection.requireAllUsed(layers.stream().map(LayerInfo::name).toList(), "layer");
        } catch (IllegalArgumentException e) {
            throw new UserException("--mn-layers: " + e.getMessage(), e);
        }
    }

    public List<LayerInfo> layers() {
        return List.copyOf(layers);
    }

    public NormSpec spec() {
        return spec;
    }

    public String defaultLayers() {
        return defaultLayers;
    }
}
