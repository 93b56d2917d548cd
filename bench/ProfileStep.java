// Per-operator times of mixnorm's training step, from libtorch's own profiler (DJL's
// JniUtils.startProfile/stopProfile, a Chrome trace), to set beside torch.profiler's table of the
// same network in plain PyTorch (bench/profile_torch.py). Summarize with bench/trace_ops.py.
//   java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ProfileStep.java MODEL NORM MN_LAYERS BATCH THREADS STEPS TRACE.json [sgd]
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.mixnorm.lab.train.PreparedModel;
import io.mixnorm.lab.train.TrainConfig;
import java.util.SplittableRandom;

public class ProfileStep {
    public static void main(String[] a) {
        TrainConfig cfg = new TrainConfig();
        cfg.model = a[0];
        cfg.norm = a[1];
        cfg.mnLayers = a[2].equals("-") ? "" : a[2];
        cfg.batchSize = Integer.parseInt(a[3]);
        cfg.threads = Integer.parseInt(a[4]);
        int steps = Integer.parseInt(a[5]);
        if (a.length > 7 && a[7].equals("sgd")) {
            cfg.optimizer = "sgd";
            cfg.nesterov = true;
        }
        cfg.validate();
        if (cfg.threads > 0) { // as the CLI does (Threads.configure), before the engine loads
            System.setProperty("ai.djl.pytorch.num_threads", a[4]);
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        int b = cfg.batchSize;
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = new float[b * 3 * 32 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = rnd.nextInt(10);
        }
        try (NDManager root = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(cfg, 10, root);
            for (int i = 0; i < 3; i++) {
                pm.step().run(x, y, b, cfg.lr, z -> {});
            }
            JniUtils.startProfile(false, true, false);
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                pm.step().run(x, y, b, cfg.lr, z -> {});
            }
            double ms = (System.nanoTime() - t0) / 1e6 / steps;
            JniUtils.stopProfile(a[6]);
            System.out.printf("%s %s batch %d: %.1f ms per step while profiling%n", cfg.model, cfg.norm, b, ms);
        }
    }
}
