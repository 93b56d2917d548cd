package io.mixnorm.engine;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * DJL's {@link SequentialBlock} that frees each child's output once the next child has run ({@link
 * Intermediates}): the same results and gradients, with the memory of a PyTorch {@code
 * nn.Sequential}. With {@link #setReturnIntermediate} on it keeps everything, as DJL's.
 */
public class ReleasingSequentialBlock extends SequentialBlock {
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (isReturnIntermediate()) {
            return super.forwardInternal(ps, inputs, training, params);
        }
        NDList current = inputs;
        for (Block child : getChildren().values()) {
            NDList next = child.forward(ps, current, training, params);
            if (current != inputs) {
                Intermediates.release(current, inputs, next);
            }
            current = next;
        }
        return current;
    }
}
