package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.mixnorm.lab.data.BatchStream;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.Standardization;

/** Test-set loss and accuracy in inference mode, one pass in fixed order, last partial batch included. */
public final class Evaluator {
    private final Block net;
    private final ParameterStore ps;
    private final NDManager root;
    private final CifarDataset test;
    private final Standardization std;
    private final int batchSize;

    public Evaluator(Block net, ParameterStore ps, NDManager root, CifarDataset test, Standardization std, int batchSize) {
        this.net = net;
        this.ps = ps;
        this.root = root;
        this.test = test;
        this.std = std;
        this.batchSize = batchSize;
    }

    public EvalResult evaluate() {
        BatchStream stream = BatchStream.evaluation(test, std, Math.min(batchSize, test.size()));
        double lossSum = 0;
        long correct = 0;
        int n = 0;
        while (n < test.size()) {
            BatchStream.Batch b = stream.next();
            try (NDManager sub = root.newSubManager()) {
                NDArray x = sub.create(b.images(), new Shape(b.size(), 3, 32, 32));
                NDArray y = sub.create(b.labels());
                NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
                lossSum += Losses.crossEntropy(logits, y).getFloat() * b.size();
                correct += logits.argMax(1).toType(DataType.INT32, false).eq(y).sum().getLong();
            }
            n += b.size();
        }
        return new EvalResult(lossSum / n, correct / (double) n, n);
    }
}
