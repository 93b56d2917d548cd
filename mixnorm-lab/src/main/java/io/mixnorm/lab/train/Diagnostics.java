package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.nn.NonFiniteInputException;
import java.nio.file.Path;
import java.util.List;

/** Finds where a NaN/Inf first appears, so a divergence message can name the layer. */
public final class Diagnostics {
    private Diagnostics() {}

    /** Names the first non-finite parameter, else the first layer whose output is non-finite. */
    static String firstNonFinite(Block net, ParameterStore ps, NDArray x, List<Parameter> params) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (params.contains(p.getValue()) && !isFinite(p.getValue().getArray())) {
                return "first non-finite parameter: "
                        + p.getKey()
                        + " ("
                        + layerOf(net, p.getKey())
                        + ")";
            }
        }
        if (!isFinite(x)) {
            return "the input batch itself contains NaN/Inf";
        }
        NDList cur = new NDList(x);
        int i = 0;
        for (Pair<String, Block> child : net.getChildren()) {
            i++;
            try {
                cur = child.getValue().forward(ps, cur, false);
            } catch (
                    NonFiniteInputException
                            e) { // its input was finite (checked above): its own arithmetic
                // overflowed
                return "first non-finite output: layer " + i + " (" + child.getKey() + ")";
            }
            if (!isFinite(cur.singletonOrThrow())) {
                return "first non-finite output: layer " + i + " (" + child.getKey() + ")";
            }
        }
        return "every layer's output is finite in inference mode (the loss or a training-mode norm"
                + " is to blame)";
    }

    /**
     * Throws a {@link DivergedException} naming the first parameter of {@code net} that holds
     * NaN/Inf: checked before a checkpoint is written (so the newest one stays good) and before a
     * score is computed from the network.
     */
    public static void requireFiniteParameters(Block net, long step, Path runDir) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (!isFinite(p.getValue().getArray())) {
                throw new DivergedException(
                        "training diverged by step "
                                + step
                                + ": parameter "
                                + p.getKey()
                                + " ("
                                + layerOf(net, p.getKey())
                                + ") holds NaN/Inf; "
                                + CheckpointStore.note(runDir));
            }
        }
    }

    /**
     * The divergence a MixtureNorm or ModeNorm layer reports by refusing its non-finite input
     * ({@link NonFiniteInputException}, in a training step or an evaluation), named like a NaN
     * loss: the step, the layer's own message, and where the NaN/Inf first appears on {@code
     * images} (the step's batch) in inference mode.
     *
     * @param when "at step 7" (a training step) or "by step 7" (the evaluation after it)
     */
    static DivergedException nonFiniteInput(
            String when,
            NonFiniteInputException e,
            PreparedModel pm,
            float[] images,
            int n,
            Path runDir) {
        Block net = pm.model().block();
        String where;
        try (NDManager m = NDManager.newBaseManager(pm.trainable().get(0).getArray().getDevice())) {
            where =
                    firstNonFinite(
                            net,
                            pm.parameterStore(),
                            m.create(images, new Shape(n, 3, 32, 32)),
                            pm.trainable());
        }
        return new DivergedException(
                "training diverged "
                        + when
                        + ": "
                        + e.getMessage()
                        + "; "
                        + where
                        + "; "
                        + CheckpointStore.note(runDir));
    }

    /** "layer 5 (05Conv2d)" for a parameter key such as "05Conv2d_weight" of a sequential model. */
    static String layerOf(Block net, String parameterKey) {
        int i = 0;
        for (Pair<String, Block> child : net.getChildren()) {
            i++;
            if (parameterKey.startsWith(child.getKey() + "_")) {
                return "layer " + i + " (" + child.getKey() + ")";
            }
        }
        return "layer unknown";
    }

    static boolean isFinite(NDArray a) {
        try (NDArray nan = a.isNaN();
                NDArray inf = a.isInfinite();
                NDArray bad = nan.logicalOr(inf);
                NDArray any = bad.any()) {
            return !any.getBoolean();
        }
    }
}
