package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Loss functions on logits. */
public final class Losses {
    private Losses() {}

    /** Mean softmax cross-entropy of logits (B, classes) against integer labels (B). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(1);
        NDArray logp = logits.logSoftmax(1);
        NDArray onehot =
                labels.toType(DataType.INT64, false)
                        .oneHot((int) classes)
                        .toType(DataType.FLOAT32, false);
        return logp.mul(onehot).sum(new int[] {1}).mean().neg();
    }
}
