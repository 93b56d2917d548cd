package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.lab.data.BatchStream;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.nn.PreciseStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Test-set loss and accuracy, one pass in fixed order, last partial batch included, with the norm
 * layers' inference statistics chosen by {@link Stats}. Every mode leaves the model exactly as it
 * found it, so how a run is evaluated never changes how it trains.
 */
public final class Evaluation {

    /** Which statistics the norm layers use for the test pass. */
    public enum Stats {
        /** The running averages kept during training (what a saved model uses). */
        RUNNING,
        /**
         * Population statistics re-estimated from P training batches with the weights frozen
         * ({@link PreciseStatistics}), then the running ones put back.
         */
        PRECISE,
        /** Each test batch's own statistics (transductive; depends on the batch). */
        BATCH;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code running}, {@code precise} or {@code batch}. */
        public static Stats parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /**
     * Where precise statistics come from: {@code batches} training batches of {@code batchSize},
     * drawn, augmented like training, from a stream of their own (seeded per evaluation step, so
     * the training stream is untouched and a resumed run draws the same ones).
     */
    public record PreciseSource(
            CifarDataset train, int batchSize, boolean augment, long seed, int batches) {}

    private final Block net;
    private final ParameterStore ps;
    private final NDManager root;
    private final CifarDataset test;
    private final Standardization std;
    private final int batchSize;
    private final PreciseSource precise;
    private final boolean channelsLast;

    /**
     * @param precise where precise statistics are re-estimated from, or {@code null} when only
     *     running (or batch) statistics are asked for
     * @param channelsLast whether test and precise batches go in channels-last ({@code
     *     ModelZoo.BuiltModel.channelsLast()}, as the trainer's steps)
     */
    public Evaluation(
            Block net,
            ParameterStore ps,
            NDManager root,
            CifarDataset test,
            Standardization std,
            int batchSize,
            PreciseSource precise,
            boolean channelsLast) {
        this.channelsLast = channelsLast;
        this.net = net;
        this.ps = ps;
        this.root = root;
        this.test = test;
        this.std = std;
        this.batchSize = batchSize;
        this.precise = precise;
    }

    /** With the running statistics. */
    public EvalResult evaluate() {
        return pass(false);
    }

    /**
     * @param stats which statistics
     * @param step the training step (seeds the precise batches)
     */
    public EvalResult evaluate(Stats stats, long step) {
        switch (stats) {
            case PRECISE:
                return withPreciseStatistics(step);
            case BATCH:
                return pass(true);
            default:
                return pass(false);
        }
    }

    private EvalResult withPreciseStatistics(long step) {
        if (precise == null) {
            throw new IllegalStateException("no source of precise-statistics batches");
        }
        PreciseStatistics.Snapshot running = PreciseStatistics.snapshot(net);
        try (NDManager sub = root.newSubManager()) {
            PreciseStatistics.recompute(
                    net, ps, preciseBatches(precise, std, step, sub, channelsLast));
            return pass(false);
        } finally {
            running.restore();
        }
    }

    /**
     * The training batches precise statistics are re-estimated from at {@code step}, in {@code
     * manager}, channels-last if {@code channelsLast}.
     */
    static List<NDList> preciseBatches(
            PreciseSource source,
            Standardization std,
            long step,
            NDManager manager,
            boolean channelsLast) {
        BatchStream stream =
                BatchStream.builder(source.train(), std)
                        .batchSize(source.batchSize())
                        .seed(source.seed() * 0x9E3779B97F4A7C15L + step)
                        .shuffle(true)
                        .augment(source.augment())
                        .dropLast(true)
                        .repeat(true)
                        .build();
        List<NDList> batches = new ArrayList<>();
        for (int i = 0; i < source.batches(); i++) {
            BatchStream.Batch b = stream.next();
            batches.add(
                    new NDList(
                            ChannelsLast.images(
                                    manager,
                                    b.images(),
                                    new Shape(b.size(), 3, 32, 32),
                                    channelsLast)));
        }
        return batches;
    }

    private EvalResult pass(boolean batchStatistics) {
        BatchStream stream = BatchStream.evaluation(test, std, Math.min(batchSize, test.size()));
        double lossSum = 0;
        long correct = 0;
        int n = 0;
        while (n < test.size()) {
            BatchStream.Batch b = stream.next();
            try (NDManager sub = root.newSubManager()) {
                NDArray x =
                        ChannelsLast.images(
                                sub, b.images(), new Shape(b.size(), 3, 32, 32), channelsLast);
                NDArray y = sub.create(b.labels());
                NDList in = new NDList(x);
                NDArray logits =
                        (batchStatistics
                                        ? PreciseStatistics.batchStatisticsForward(net, ps, in)
                                        : net.forward(ps, in, false))
                                .singletonOrThrow();
                lossSum += Losses.crossEntropy(logits, y).getFloat() * b.size();
                correct += logits.argMax(1).toType(DataType.INT32, false).eq(y).sum().getLong();
            }
            n += b.size();
        }
        return new EvalResult(lossSum / n, correct / (double) n, n);
    }
}
