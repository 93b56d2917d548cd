package io.mixnorm.lab.models;

import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import io.mixnorm.nn.MixtureNorm;
import io.mixnorm.nn.ModeNorm;
import io.mixnorm.lab.UserException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Creates and names every normalization layer of a model, so that BN→MN surgery happens in one
 * place. A model calls {@link #create} once per norm position, in order; the factory decides from
 * the {@link NormSpec} which norm that position gets. After the model is built, {@link
 * #checkSelectionUsed()} rejects selections naming layers the model does not have.
 */
public final class NormFactory {
    private final NormSpec spec;
    private final String defaultLayers;
    private final List<LayerInfo> layers = new ArrayList<>();
    private final List<String> selectors;

    /**
     * @param spec what to build
     * @param defaultLayers the model's default selection when the spec names none (the paper's)
     */
    public NormFactory(NormSpec spec, String defaultLayers) {
        this.spec = spec;
        this.defaultLayers = defaultLayers;
        String sel = spec.layers() == null || spec.layers().isBlank() ? defaultLayers : spec.layers();
        this.selectors = new ArrayList<>();
        for (String s : sel.split(",")) {
            if (!s.isBlank()) {
                selectors.add(s.trim().toLowerCase(Locale.ROOT));
            }
        }
        if (spec.components() < 1) {
            throw new UserException("--components: K must be at least 1, got " + spec.components());
        }
    }

    /** Creates the norm layer at the next position. */
    public Block create(String name, int channels) {
        int index = layers.size() + 1;
        NormKind kind = spec.kind() != NormKind.BN && isSelected(name, index) ? spec.kind() : NormKind.BN;
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
                        .optSampleMode(MixtureNorm.SampleMode.valueOf(o.sampleMode().toUpperCase(Locale.ROOT)))
                        .optEmIterations(o.emIterations())
                        .optFitSamples(o.fitSamples())
                        .optInference(MixtureNorm.InferenceMode.valueOf(o.inference().toUpperCase(Locale.ROOT)))
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
                return BatchNorm.builder().optEpsilon(o.epsilon()).optMomentum(1f - o.momentum()).build();
        }
    }

    /** Each layer draws from its own stream, so adding a layer does not change another's choices. */
    private long layerSeed(int index) {
        return spec.seed() * 1_000_003L + index;
    }

    private boolean isSelected(String name, int index) {
        for (String s : selectors) {
            if (s.equals("all") || s.equals(name.toLowerCase(Locale.ROOT)) || s.equals(Integer.toString(index))) {
                return true;
            }
            if (s.startsWith("first:") && index <= parseFirst(s)) {
                return true;
            }
        }
        return false;
    }

    private static int parseFirst(String s) {
        try {
            int n = Integer.parseInt(s.substring("first:".length()));
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new UserException("--mn-layers: '" + s + "' must be first:N with N >= 1");
    }

    /** Throws if a selector matched no layer: the message lists the valid names. */
    public void checkSelectionUsed() {
        if (spec.kind() == NormKind.BN) {
            return;
        }
        Set<String> unknown = new LinkedHashSet<>();
        for (String s : selectors) {
            boolean hit = s.equals("all") || s.startsWith("first:");
            for (LayerInfo l : layers) {
                hit |= s.equals(l.name().toLowerCase(Locale.ROOT)) || s.equals(Integer.toString(l.index()));
            }
            if (!hit) {
                unknown.add(s);
            }
        }
        if (!unknown.isEmpty()) {
            List<String> names = layers.stream().map(LayerInfo::name).toList();
            throw new UserException("--mn-layers: no layer " + String.join(", ", unknown) + " in this model; valid: "
                    + String.join(",", names) + ", indices 1.." + layers.size() + ", first:N or all");
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
