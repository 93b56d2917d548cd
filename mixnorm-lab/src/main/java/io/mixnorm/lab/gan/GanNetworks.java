package io.mixnorm.lab.gan;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.OneDnnWorkaround;
import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.train.UpdateRule;
import java.util.ArrayList;
import java.util.List;

/** Both networks of a run, initialized from the config's seed, each with its own Adam. */
public final class GanNetworks {
    private final Block generator;
    private final Block discriminator;
    private final List<LayerInfo> norms;
    private final UpdateRule optG;
    private final UpdateRule optD;
    private final ParameterStore ps;

    private GanNetworks(
            Block g,
            Block d,
            List<LayerInfo> norms,
            UpdateRule optG,
            UpdateRule optD,
            ParameterStore ps) {
        this.generator = g;
        this.discriminator = d;
        this.norms = norms;
        this.optG = optG;
        this.optD = optD;
        this.ps = ps;
    }

    public static GanNetworks create(GanConfig cfg, NDManager root) {
        Dcgan.Generator gen = Dcgan.generator(cfg.normSpec());
        Block d = Dcgan.discriminator();
        Engine.getInstance().setRandomSeed((int) cfg.seed);
        gen.block().initialize(root, DataType.FLOAT32, Dcgan.generatorInput(2));
        d.initialize(root, DataType.FLOAT32, Dcgan.discriminatorInput(2));
        OneDnnWorkaround.applyFor(
                gen.block()); // a safety net: every DCGAN conv is a PaddedConv2d, so oneDNN
        // stays on
        OneDnnWorkaround.applyFor(d);
        UpdateRule optG =
                new UpdateRule("adam", 0, 0, false, cfg.beta1, cfg.beta2, trainable(gen.block()));
        UpdateRule optD = new UpdateRule("adam", 0, 0, false, cfg.beta1, cfg.beta2, trainable(d));
        return new GanNetworks(
                gen.block(), d, gen.norms(), optG, optD, new ParameterStore(root, false));
    }

    static List<Parameter> trainable(Block b) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : b.getParameters().values()) {
            if (p.requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    public Block generator() {
        return generator;
    }

    public Block discriminator() {
        return discriminator;
    }

    public List<LayerInfo> norms() {
        return norms;
    }

    public UpdateRule optimizerG() {
        return optG;
    }

    public UpdateRule optimizerD() {
        return optD;
    }

    public ParameterStore parameterStore() {
        return ps;
    }

    /** "mn (K=3) at g.norm1, bn elsewhere" or "bn everywhere". */
    public String normDescription(GanConfig cfg) {
        List<String> special =
                norms.stream().filter(l -> !l.norm().equals("bn")).map(LayerInfo::name).toList();
        return special.isEmpty()
                ? "bn everywhere"
                : cfg.norm
                        + " (K="
                        + cfg.components
                        + ") at "
                        + String.join(",", special)
                        + ", bn elsewhere";
    }
}
