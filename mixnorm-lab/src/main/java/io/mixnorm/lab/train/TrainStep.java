package io.mixnorm.lab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.ChannelsLast;

/**
 * One optimizer step on one mini-batch: forward in training mode, cross-entropy, backward, update.
 * Every temporary lives in a sub-manager closed at the end, so native memory stays flat. Shared by
 * the trainer and the benchmark so that both time the same work.
 */
public final class TrainStep {
    private final Block net;
    private final ParameterStore ps;
    private final NDManager root;
    private final UpdateRule opt;
    private final boolean channelsLast;

    /**
     * @param channelsLast whether the batch goes in as a channels-last array ({@link ChannelsLast};
     *     {@code ModelZoo.channelsLast})
     */
    public TrainStep(
            Block net, ParameterStore ps, NDManager root, UpdateRule opt, boolean channelsLast) {
        this.channelsLast = channelsLast;
        this.net = net;
        this.ps = ps;
        this.root = root;
        this.opt = opt;
    }

    /** Loss and number of correct predictions of the batch, before the update. */
    public record Result(float loss, long correct) {}

    /**
     * @param images NCHW floats of {@code n} 3×32×32 images
     * @param onNonFiniteLoss called (before any update) when the loss is NaN/Inf, with the input
     *     batch
     */
    public Result run(
            float[] images,
            int[] labels,
            int n,
            double lr,
            java.util.function.Consumer<NDArray> onNonFiniteLoss) {
        try (NDManager sub = root.newSubManager()) {
            NDArray x = ChannelsLast.images(sub, images, new Shape(n, 3, 32, 32), channelsLast);
            NDArray y = sub.create(labels).toType(DataType.INT32, false);
            NDArray logits;
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = net.forward(ps, new NDList(x), true).singletonOrThrow();
                loss = Losses.crossEntropy(logits, y);
                gc.backward(loss);
            }
            float value = loss.getFloat();
            if (!Float.isFinite(value)) {
                onNonFiniteLoss.accept(x);
            }
            long correct = logits.argMax(1).toType(DataType.INT32, false).eq(y).sum().getLong();
            opt.step(lr);
            return new Result(value, correct);
        }
    }
}
