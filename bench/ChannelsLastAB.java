// A/B of channels-last vs NCHW inputs in one process (alternating steps, medians): the forward and
// backward (no update) or the evaluation forward of a zoo model, as measured for docs/benchmarks.md.
//   java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastAB.java MODEL NORM MN_LAYERS|- BATCH train|eval REPEATS
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import io.mixnorm.lab.train.*;
import java.util.*;

public class ChannelsLastAB {
    public static void main(String[] a) {
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        TrainConfig cfg = new TrainConfig();
        cfg.model = a[0]; cfg.norm = a[1]; cfg.mnLayers = a[2].equals("-") ? "" : a[2];
        cfg.batchSize = Integer.parseInt(a[3]);
        boolean train = !a[4].equals("eval");
        int reps = Integer.parseInt(a[5]);
        cfg.validate();
        int b = cfg.batchSize;
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = new float[b * 3 * 1024];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        int[] y = new int[b];
        for (int i = 0; i < b; i++) y[i] = rnd.nextInt(10);
        try (NDManager root = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(cfg, 10, root);
            Block net = pm.model().block();
            double[][] ms = new double[2][reps];
            float[] loss = new float[2];
            for (int r = -2; r < reps; r++) {
                for (int arm = 0; arm < 2; arm++) {
                    int k = (arm + Math.max(r, 0)) % 2;
                    long t0 = System.nanoTime();
                    try (NDManager sub = root.newSubManager()) {
                        NDArray in = k == 0 ? sub.create(x, new Shape(b, 3, 32, 32))
                                : io.mixnorm.engine.ChannelsLast.stored(sub, x, new Shape(b, 3, 32, 32));
                        if (train) {
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray logits = net.forward(pm.parameterStore(), new NDList(in), true).singletonOrThrow();
                                NDArray l = Losses.crossEntropy(logits, sub.create(y));
                                gc.backward(l);
                                loss[k] = l.getFloat();
                            }
                            for (var p : pm.trainable()) p.getArray().getGradient().muli(0);
                        } else {
                            NDArray logits = net.forward(pm.parameterStore(), new NDList(in), false).singletonOrThrow();
                            loss[k] = logits.sum().getFloat();
                        }
                    }
                    if (r >= 0) ms[k][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            for (int k = 0; k < 2; k++) { Arrays.sort(ms[k]); }
            System.out.printf("%s %s %s batch %d: NCHW %.1f ms, channels-last %.1f ms, ratio %.3f; loss/sum %.6f vs %.6f%n",
                cfg.model, cfg.norm + ":" + cfg.mnLayers, train ? "train(fwd+bwd, no update)" : "eval", b,
                ms[0][reps / 2], ms[1][reps / 2], ms[1][reps / 2] / ms[0][reps / 2], loss[0], loss[1]);
        }
    }
}
