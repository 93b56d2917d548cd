package io.mixnorm.lab.data;

import java.util.Objects;

/** The train and test sets read from one CIFAR source. */
public record CifarSplits(CifarDataset train, CifarDataset test) {
    public CifarSplits {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException(
                    "train has " + train.numClasses() + " classes, test " + test.numClasses());
        }
    }

    /** Number of classes, the same for both splits. */
    public int numClasses() {
        return train.numClasses();
    }
}
