// ReLU and batch norm (training, forward and backward of the sum) on (64, C, 32, 32) through DJL's
// libtorch 2.7.1, medians of 60; the same in plain PyTorch is bench/bn_relu_bench.py
// (docs/benchmarks.md, "Where the deep models' time goes"). CL=1: channels-last input; a trace path
// as second argument: libtorch's profiler over the BN+ReLU loop (bench/trace_ops.py TRACE 60).
//   GOMP_SPINCOUNT=20000 java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/BnReluBench.java C [TRACE.json]
import ai.djl.engine.Engine;
import ai.djl.ndarray.*; import ai.djl.ndarray.types.*; import ai.djl.nn.*; import ai.djl.nn.norm.BatchNorm; import ai.djl.training.*;
public class BnReluBench {
  public static void main(String[] a) {
    System.setProperty("ai.djl.pytorch.num_threads", "2"); System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    io.mixnorm.engine.NativeMemory.tune();
    int c = Integer.parseInt(a[0]); int reps = 60;
    try (NDManager m = NDManager.newBaseManager()) {
      Shape s = new Shape(64, c, 32, 32);
      NDArray x = System.getenv("CL") != null ? io.mixnorm.engine.ChannelsLast.stored(m, m.randomNormal(s).toFloatArray(), s) : m.randomNormal(s);
      double[] t = new double[reps];
      for (int r = 0; r < reps; r++) { long t0 = System.nanoTime(); try (NDManager sub = m.newSubManager()) { NDArray y = Activation.relu(x); y.attach(sub); } t[r] = (System.nanoTime() - t0) / 1e6; }
      java.util.Arrays.sort(t); System.out.printf("relu fwd %.2f ms%n", t[reps / 2]);
      Block bn = BatchNorm.builder().build(); bn.initialize(m, DataType.FLOAT32, s);
      ParameterStore ps = new ParameterStore(m, false);
      x.setRequiresGradient(true);
      for (int r = 0; r < reps; r++) { long t0 = System.nanoTime();
        try (NDManager sub = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = bn.forward(ps, new NDList(x), true).head(); y.attach(sub); NDArray l = y.sum(); l.attach(sub); gc.backward(l); }
        t[r] = (System.nanoTime() - t0) / 1e6; }
      java.util.Arrays.sort(t); System.out.printf("bn fwd+bwd (sum) %.2f ms%n", t[reps / 2]);
      if (a.length > 1) ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
      for (int r = 0; r < reps; r++) { long t0 = System.nanoTime();
        try (NDManager sub = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = Activation.relu(bn.forward(ps, new NDList(x), true).head()); y.attach(sub); NDArray l = y.sum(); l.attach(sub); gc.backward(l); }
        t[r] = (System.nanoTime() - t0) / 1e6; }
      if (a.length > 1) ai.djl.pytorch.jni.JniUtils.stopProfile(a[1]);
      java.util.Arrays.sort(t); System.out.printf("bn+relu fwd+bwd (sum) %.2f ms%n", t[reps / 2]);
    }
  }
}
