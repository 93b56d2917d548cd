package io.mixnorm.lab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.engine.OneDnnWorkaround;
import io.mixnorm.lab.models.ModelZoo;
import java.util.ArrayList;
import java.util.List;

/** A model built from a config, initialized from the config's seed, with its optimizer. */
public record PreparedModel(
        ModelZoo.BuiltModel model,
        List<Parameter> trainable,
        UpdateRule optimizer,
        ParameterStore parameterStore,
        TrainStep step) {

    public static PreparedModel of(TrainConfig cfg, int numClasses, NDManager root) {
        NativeMemory.tune(); // also for a BN-only model and in-process callers (tests)
        Engine.getInstance().setRandomSeed((int) cfg.seed);
        ModelZoo.BuiltModel model = ModelZoo.build(cfg.model, cfg.normSpec(), numClasses);
        model.block().initialize(root, DataType.FLOAT32, model.inputShape());
        OneDnnWorkaround.applyFor(
                model.block()); // a safety net: convs oneDNN miscomputes are PaddedConv2d in the
        // zoo
        List<Parameter> trainable = new ArrayList<>();
        for (Parameter p : model.block().getParameters().values()) {
            if (p.requiresGradient()) {
                trainable.add(p);
            }
        }
        UpdateRule opt =
                new UpdateRule(
                        cfg.optimizer, cfg.weightDecay, cfg.momentum, cfg.nesterov, trainable);
        ParameterStore ps = new ParameterStore(root, false);
        return new PreparedModel(
                model,
                trainable,
                opt,
                ps,
                new TrainStep(model.block(), ps, root, opt, model.channelsLast()));
    }

    public long parameterCount() {
        return trainable.stream().mapToLong(p -> p.getArray().getShape().size()).sum();
    }
}
