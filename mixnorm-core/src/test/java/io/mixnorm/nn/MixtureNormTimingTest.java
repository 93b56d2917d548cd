package io.mixnorm.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A manual timing harness, not a test: skipped unless {@code -Dmixnorm.timing=true}. It prints
 * forward+backward times of MixtureNorm vs BatchNorm at (128, 128, 16, 16) and of a training step
 * of the 5-layer CNN of specification §8 with MN at conv2 vs BN everywhere. No assertions.
 *
 * <pre>
 * ./mvnw -B -o -pl mixnorm-core test -Dtest=MixtureNormTimingTest -Dmixnorm.timing=true \
 *     [-Dmixnorm.timing.reps=10] [-Dai.djl.pytorch.num_threads=1]
 * </pre>
 *
 * It reports wall time and the CPU time of the calling thread; with one intra-op thread the latter
 * is robust to other processes on a shared machine (PyTorch then runs forward and backward on the
 * calling thread).
 */
@EnabledIfSystemProperty(named = "mixnorm.timing", matches = "true")
class MixtureNormTimingTest {

    private static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();

    @Test
    void printTimings() {
        int reps = Integer.getInteger("mixnorm.timing.reps", 10);
        System.out.println(
                "intra-op threads: "
                        + System.getProperty("ai.djl.pytorch.num_threads", "engine default"));
        for (int round = 0; round < 2; round++) {
            report("layer BN (128,128,16,16)", layer(BatchNorm.builder().build(), reps));
            report("layer MN K=3", layer(MixtureNorm.builder().optSeed(1).build(), reps));
            report("layer MN K=1", layer(MixtureNorm.builder().optComponents(1).build(), reps));
            report("layer ModeNorm K=2", layer(ModeNorm.builder().build(), reps));
        }
        for (int round = 0; round < 3; round++) {
            report("CNN step, BN everywhere", cnnStep(() -> BatchNorm.builder().build(), reps));
            report(
                    "CNN step, MN K=3 at conv2",
                    cnnStep(() -> MixtureNorm.builder().optSeed(1).build(), reps));
        }
    }

    private static void report(String name, double[][] t) {
        System.out.printf(
                "%-30s wall median %7.1f ms (min %7.1f) | cpu median %7.1f ms (min %7.1f)%n",
                name, t[0][t[0].length / 2], t[0][0], t[1][t[1].length / 2], t[1][0]);
    }

    private static double[][] layer(Block block, int reps) {
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray x0 = root.randomNormal(new Shape(128, 128, 16, 16)).maximum(0f);
            block.initialize(root, DataType.FLOAT32, x0.getShape());
            return run(root, block, x0, reps, false);
        }
    }

    private static double[][] cnnStep(Supplier<Block> norm2, int reps) {
        SequentialBlock net = new SequentialBlock();
        net.add(conv(64)).add(BatchNorm.builder().build()).add(Activation::relu).add(pool());
        net.add(conv(128)).add(norm2.get()).add(Activation::relu).add(pool());
        net.add(conv(128)).add(BatchNorm.builder().build()).add(Activation::relu).add(pool());
        net.add(conv(256))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(10).build());
        try (NDManager root = NDManager.newBaseManager()) {
            net.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            net.initialize(root, DataType.FLOAT32, new Shape(128, 3, 32, 32));
            NDArray x0 = root.randomNormal(new Shape(128, 3, 32, 32));
            return run(root, net, x0, reps, true);
        }
    }

    private static double[][] run(NDManager root, Block b, NDArray x0, int reps, boolean net) {
        ParameterStore ps = new ParameterStore(root, false);
        double[] wall = new double[reps];
        double[] cpu = new double[reps];
        for (int i = -2; i < reps; i++) {
            long w0 = System.nanoTime();
            long c0 = BEAN.getCurrentThreadCpuTime();
            try (NDManager m = root.newSubManager()) {
                NDArray x = x0.duplicate();
                x.attach(m);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    if (!net) {
                        x.setRequiresGradient(true);
                    }
                    NDArray y = b.forward(ps, new NDList(x), true).singletonOrThrow();
                    gc.backward(y.mul(y).sum());
                }
            }
            if (i >= 0) {
                wall[i] = (System.nanoTime() - w0) / 1e6;
                cpu[i] = (BEAN.getCurrentThreadCpuTime() - c0) / 1e6;
            }
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        return new double[][] {wall, cpu};
    }

    private static Block conv(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(5, 5))
                .optPadding(new Shape(2, 2))
                .setFilters(filters)
                .build();
    }

    private static Block pool() {
        return Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1));
    }
}
