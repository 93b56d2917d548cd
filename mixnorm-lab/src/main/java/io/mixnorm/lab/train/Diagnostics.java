package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.List;

/** Finds where a NaN/Inf first appears, so a divergence message can name the layer. */
final class Diagnostics {
    private Diagnostics() {}

    /** Names the first non-finite parameter, else the first layer whose output is non-finite. */
    static String firstNonFinite(Block net, ParameterStore ps, NDArray x, List<Parameter> params) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (params.contains(p.getValue()) && !isFinite(p.getValue().getArray())) {
                return "first non-finite parameter: " + p.getKey() + " (" + layerOf(net, p.getKey()) + ")";
            }
        }
        if (!isFinite(x)) {
            return "the input batch itself contains NaN/Inf";
        }
        NDList cur = new NDList(x);
        int i = 0;
        for (Pair<String, Block> child : net.getChildren()) {
            i++;
            cur = child.getValue().forward(ps, cur, false);
            if (!isFinite(cur.singletonOrThrow())) {
                return "first non-finite output: layer " + i + " (" + child.getKey() + ")";
            }
        }
        return "every layer's output is finite in inference mode (the loss or a training-mode norm is to blame)";
    }

    static void requireFiniteParameters(Block net, long step, Path runDir) {
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (!isFinite(p.getValue().getArray())) {
                throw new DivergedException("training diverged by step " + step + ": parameter " + p.getKey()
                        + " (" + layerOf(net, p.getKey()) + ") holds NaN/Inf; the last good checkpoint is kept in "
                        + runDir.resolve("checkpoints"));
            }
        }
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
        try (NDArray nan = a.isNaN(); NDArray inf = a.isInfinite(); NDArray bad = nan.logicalOr(inf); NDArray any = bad.any()) {
            return !any.getBoolean();
        }
    }
}
