package io.mixnorm.lab.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.mixnorm.engine.Intermediates;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every branch on the same input and concatenates their outputs along channels (axis 1): an
 * Inception module. A plain block instead of DJL's {@code ParallelBlock}, which ran DenseNet-40
 * about 4× slower (see docs/models.md, also for the known NaN issue of DenseNet training).
 */
final class ChannelConcat extends AbstractBlock {
    private final List<Block> branches = new ArrayList<>();

    ChannelConcat(List<Block> branches) {
        int i = 0;
        for (Block b : branches) {
            this.branches.add(addChildBlock("branch" + ++i, b));
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList outputs = new NDList(branches.size());
        for (Block b : branches) {
            outputs.add(b.forward(ps, inputs, training, params).singletonOrThrow());
        }
        NDArray out = NDArrays.concat(outputs, 1);
        Intermediates.release(outputs, inputs);
        return new NDList(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        long channels = 0;
        Shape first = null;
        for (Block b : branches) {
            Shape s = b.getOutputShapes(inputs)[0];
            first = first == null ? s : first;
            channels += s.get(1);
        }
        return new Shape[] {new Shape(first.get(0), channels, first.get(2), first.get(3))};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block b : branches) {
            b.initialize(manager, dataType, inputShapes);
        }
    }
}
