// ReLU's backward with a dense gradient against one with gaps (docs/benchmarks.md, "Where the deep
// models' time goes"): relu of a channels-last (64, 100, 32, 32) array, then either Σ y·r (its
// gradient dense) or Σ cat(y, 12 zero channels)·r (what PaddedConv2d does: the concatenation's
// backward hands relu a 100-of-112-channel slice). Medians of 40; with a trace path, libtorch's
// profiler over the gapped loop (PROF=dense: the dense one), for bench/trace_ops.py TRACE 40.
//   GOMP_SPINCOUNT=20000 java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ReluGappedGradient.java [TRACE.json]
import ai.djl.engine.Engine;
import ai.djl.ndarray.*; import ai.djl.ndarray.types.*; import ai.djl.nn.*; import ai.djl.training.*;
import io.mixnorm.engine.ChannelsLast;
public class ReluGappedGradient {
  public static void main(String[] a) {
    System.setProperty("ai.djl.pytorch.num_threads", "2"); System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    io.mixnorm.engine.NativeMemory.tune();
    int reps = 40;
    try (NDManager m = NDManager.newBaseManager()) {
      Shape s = new Shape(64, 100, 32, 32);
      NDArray x = ChannelsLast.stored(m, m.randomNormal(s).toFloatArray(), s); x.setRequiresGradient(true);
      Shape s2 = new Shape(64, 112, 32, 32);
      NDArray r2 = ChannelsLast.stored(m, m.randomNormal(s2).toFloatArray(), s2);
      NDArray r = ChannelsLast.stored(m, m.randomNormal(s).toFloatArray(), s);
      for (String mode : new String[] {"dense", "gapped", "dense", "gapped"}) {
        if (mode.equals(System.getenv().getOrDefault("PROF", "gapped")) && a.length > 0) ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          try (NDManager sub = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = Activation.relu(x); y.attach(sub);
            NDArray l;
            if (mode.equals("dense")) l = y.mul(r).sum();
            else { NDArray z = m.zeros(new Shape(64, 32, 32, 12)).transpose(0, 3, 1, 2); z.attach(sub); l = y.concat(z, 1).mul(r2).sum(); }
            l.attach(sub); gc.backward(l);
          }
          t[i] = (System.nanoTime() - t0) / 1e6;
        }
        if (mode.equals(System.getenv().getOrDefault("PROF", "gapped")) && a.length > 0) { ai.djl.pytorch.jni.JniUtils.stopProfile(a[0]); a = new String[0]; }
        java.util.Arrays.sort(t); System.out.printf("%s: %.2f ms%n", mode, t[reps / 2]);
      }
    }
  }
}
