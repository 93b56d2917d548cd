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
        for (Parameter p : params) {
            if (!isFinite(p.getArray())) {
                return "first non-finite parameter: " + p.getName();
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
        for (Parameter p : net.getParameters().values()) {
            if (!isFinite(p.getArray())) {
                throw new DivergedException("training diverged by step " + step + ": parameter " + p.getName()
                        + " holds NaN/Inf; the last good checkpoint is kept in " + runDir.resolve("checkpoints"));
            }
        }
    }

    static boolean isFinite(NDArray a) {
        try (NDArray nan = a.isNaN(); NDArray inf = a.isInfinite(); NDArray bad = nan.logicalOr(inf); NDArray any = bad.any()) {
            return !any.getBoolean();
        }
    }
}
