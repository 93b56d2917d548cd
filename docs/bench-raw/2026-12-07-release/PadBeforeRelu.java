// Zero channels before or after the ReLU (docs/benchmarks.md, "Intermediates freed during the forward"):
// one DenseNet-40 layer, BN -> ReLU -> pad -> conv3x3 ("now") vs BN -> pad -> ReLU -> conv ("padfirst"), forward
// and backward, medians of REPS; MODES=now,padfirst,now,padfirst,now,padfirst for the comparison quoted.
//   MODES=now,padfirst,now,padfirst,now,padfirst java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     docs/bench-raw/2026-12-07-release/PadBeforeRelu.java 30 100 32
import ai.djl.engine.Engine;
import ai.djl.ndarray.*; import ai.djl.ndarray.types.*; import ai.djl.nn.*; import ai.djl.training.*;
import ai.djl.nn.norm.BatchNorm; import ai.djl.nn.convolutional.Conv2d;
import io.mixnorm.engine.ChannelsLast;
public class PadBeforeRelu {
  public static void main(String[] a) {
    System.setProperty("ai.djl.pytorch.num_threads", "2"); System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    io.mixnorm.engine.NativeMemory.tune();
    int reps = Integer.parseInt(a.length > 0 ? a[0] : "30");
    int c = Integer.parseInt(a.length > 1 ? a[1] : "100"); int side = Integer.parseInt(a.length > 2 ? a[2] : "32");
    int cp = (c + 15) / 16 * 16;
    try (NDManager m = NDManager.newBaseManager()) {
      Shape s = new Shape(64, c, side, side);
      NDArray x = ChannelsLast.stored(m, m.randomNormal(s).toFloatArray(), s); x.setRequiresGradient(true);
      NDArray g = m.ones(new Shape(c)); g.setRequiresGradient(true);
      NDArray b = m.zeros(new Shape(c)); b.setRequiresGradient(true);
      NDArray rm = m.zeros(new Shape(c)), rv = m.ones(new Shape(c));
      NDArray w = m.randomNormal(new Shape(12, c, 3, 3)).mul(0.05f); w.setRequiresGradient(true);
      Shape so = new Shape(64, 12, side, side);
      NDArray r = ChannelsLast.stored(m, m.randomNormal(so).toFloatArray(), so);
      for (String mode : System.getenv().getOrDefault("MODES", "now,nopad,now,nopad,now,nopad").split(",")) {
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          try (NDManager sub = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = BatchNorm.batchNorm(x, rm, rv, g, b, 1, 0.1f, 1e-5f, true).singletonOrThrow(); y.attach(sub);
            NDArray z = m.zeros(new Shape(64, side, side, cp - c)).transpose(0, 3, 1, 2); z.attach(sub);
            NDArray wp = w.concat(m.zeros(new Shape(12, cp - c, 3, 3)), 1); wp = wp.concat(m.zeros(new Shape(4, cp, 3, 3)), 0); wp.attach(sub);
            NDArray in;
            if (mode.equals("now")) { in = Activation.relu(y).concat(z, 1); }
            else if (mode.equals("padfirst")) { in = Activation.relu(y.concat(z, 1)); }
            else { in = Activation.relu(y); wp = w.concat(m.zeros(new Shape(4, c, 3, 3)), 0); wp.attach(sub); }
            in.attach(sub);
            NDArray o = Conv2d.conv2d(in, wp, null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow().get(":, 0:12"); o.attach(sub);
            NDArray l = o.mul(r).sum(); l.attach(sub); gc.backward(l);
          }
          t[i] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(t); System.out.printf("%s: %.2f ms%n", mode, t[reps / 2]);
      }
    }
  }
}
