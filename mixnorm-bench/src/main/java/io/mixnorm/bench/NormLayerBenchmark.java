package io.mixnorm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.nn.MixtureNorm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One normalization layer at cnn5's conv2 shape (N=128, C=128, 16×16): forward + backward in
 * training mode, and forward in inference mode. {@code bn} is DJL's BatchNorm, {@code mn} our
 * MixtureNorm (K=3), {@code naive} the 5-D broadcast formulation of the same equations that spec §6
 * warns against, kept here only for contrast.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-Xmx4g"})
public class NormLayerBenchmark {
    @Param({"bn", "mn", "naive"})
    public String norm;

    @Param({"128"})
    public int batch;

    @Param({"128"})
    public int channels;

    @Param({"16"})
    public int side;

    private NDManager manager;
    private Block block;
    private ParameterStore ps;
    private NDArray x;

    @Setup(Level.Trial)
    public void setUp() {
        NativeMemory.tune(); // every arm the same allocator, bn included (MixtureNorm would do it)
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(1);
        switch (norm) {
            case "bn" -> block = BatchNorm.builder().build();
            case "mn" -> block = MixtureNorm.builder().optComponents(3).optSeed(1L).build();
            case "naive" -> block = new NaiveMixtureNorm(3, 1L);
            default -> throw new IllegalArgumentException(norm);
        }
        Shape shape = new Shape(batch, channels, side, side);
        block.initialize(manager, DataType.FLOAT32, shape);
        ps = new ParameterStore(manager, false);
        x =
                manager.randomNormal(shape)
                        .maximum(0f); // post-ReLU-like: skewed, multi-modal with the zeros
        for (int i = 0; i < 3; i++) {
            trainingStep(); // a running mixture exists before inference is timed
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public float trainingStep() {
        try (NDManager sub = manager.newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(sub);
            in.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = block.forward(ps, new NDList(in), true).singletonOrThrow();
                NDArray loss = y.mul(y).sum();
                gc.backward(loss);
                return loss.getFloat();
            }
        }
    }

    @Benchmark
    public float inference() {
        try (NDManager sub = manager.newSubManager()) {
            // Intermediates live in the input's manager: the input must be in the per-call one.
            NDArray in = x.duplicate();
            in.attach(sub);
            NDArray y = block.forward(ps, new NDList(in), false).singletonOrThrow();
            return y.getFloat(0, 0, 0, 0);
        }
    }
}
