package io.mixnorm.lab.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.mixnorm.engine.Intermediates;

/**
 * A DenseNet layer's wiring: the input, concatenated along channels (axis 1) with the layer's
 * output. Not DJL's {@code ParallelBlock} of identity and layer: see {@link ChannelConcat} for why.
 */
final class DenseConcat extends AbstractBlock {
    private final Block layer;

    DenseConcat(Block layer) {
        this.layer = addChildBlock("layer", layer);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = layer.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray out = x.concat(y, 1);
        Intermediates.release(y, inputs);
        return new NDList(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape in = inputs[0];
        Shape out = layer.getOutputShapes(inputs)[0];
        return new Shape[] {new Shape(in.get(0), in.get(1) + out.get(1), in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        layer.initialize(manager, dataType, inputShapes);
    }
}
