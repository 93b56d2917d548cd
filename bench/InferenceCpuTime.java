// Thread CPU time of MixtureNorm vs BatchNorm inference (one layer at cnn5's conv2 shape, and the whole cnn5
// forward in evaluation mode), one PyTorch intra-op thread so that all work runs on the calling thread: robust to
// other processes on a shared machine. Run with a build's class path, e.g. to compare two builds alternately:
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
//     -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" bench/InferenceCpuTime.java [reps]
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.mixnorm.lab.train.PreparedModel;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.nn.MixtureNorm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

public class InferenceCpuTime {
    static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(128, 128, 16, 16);
            ParameterStore ps = new ParameterStore(m, false);
            BatchNorm bn = BatchNorm.builder().build();
            MixtureNorm mn = MixtureNorm.builder().optComponents(3).build();
            bn.initialize(m, DataType.FLOAT32, s);
            mn.initialize(m, DataType.FLOAT32, s);
            Block bnNet = net("bn", m);
            Block mnNet = net("mn", m);
            ParameterStore ps2 = new ParameterStore(m, false);
            for (int i = 0; i < 3; i++) { // running statistics from post-ReLU-like data
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = sub.randomNormal(s).maximum(0f);
                    bn.forward(ps, new NDList(x), true);
                    mn.forward(ps, new NDList(x), true);
                    NDArray img = sub.randomNormal(new Shape(128, 3, 32, 32));
                    bnNet.forward(ps2, new NDList(img), true);
                    mnNet.forward(ps2, new NDList(img), true);
                }
            }
            for (int round = 1; round <= 3; round++) {
                double b = time(m, s, reps, x -> bn.forward(ps, new NDList(x), false).singletonOrThrow());
                double k = time(m, s, reps, x -> mn.forward(ps, new NDList(x), false).singletonOrThrow());
                Shape img = new Shape(100, 3, 32, 32);
                double nb = time(m, img, reps, x -> bnNet.forward(ps2, new NDList(x), false).singletonOrThrow());
                double nk = time(m, img, reps, x -> mnNet.forward(ps2, new NDList(x), false).singletonOrThrow());
                System.out.printf("round %d  layer (128,128,16,16): bn %.2f ms  mn %.2f ms  (%.1fx)   "
                        + "cnn5 eval forward, batch 100: bn %.1f ms  mn:conv2 %.1f ms  (%.2fx)%n",
                        round, b, k, k / b, nb, nk, nk / nb);
            }
        }
    }

    static Block net(String norm, NDManager m) {
        TrainConfig c = new TrainConfig();
        c.norm = norm;
        return PreparedModel.of(c, 10, m).model().block();
    }

    interface Fwd {
        NDArray run(NDArray x);
    }

    /** Median thread CPU time in ms of {@code reps} calls, each on a fresh input. */
    static double time(NDManager m, Shape s, int reps, Fwd f) {
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            try (NDManager sub = m.newSubManager()) {
                NDArray x = sub.randomNormal(s).maximum(0f);
                long t0 = CPU.getCurrentThreadCpuTime();
                NDArray y = f.run(x);
                y.getFloat(new long[y.getShape().dimension()]);
                t[r] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
            }
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}
