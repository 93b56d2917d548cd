// DJL BatchNorm alone (training mode) on random (N, C, H, W) data: β's and γ's gradients (sums
// over the N·H·W positions of each channel) and the input gradient, in channels-last and NCHW
// float32 against float64, each relative to the array's largest entry. PyTorch's channels-last
// batch norm rounds its sums ~10× more than its NCHW one (docs/benchmarks.md, "Channels-last
// inputs").
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastBnSums.java N C SIDE          (e.g. 32 64 32)
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.*;
import io.mixnorm.engine.*;

public class ChannelsLastBnSums {
    public static void main(String[] a) {
        Shape s = new Shape(Long.parseLong(a[0]), Long.parseLong(a[1]), Long.parseLong(a[2]), Long.parseLong(a[2]));
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            float[] x = m.randomNormal(s).add(0.5f).toFloatArray();
            float[] g = m.randomNormal(s).toFloatArray();
            double[][] ref = run(m, m.create(x, s).toType(DataType.FLOAT64, true), m.create(g, s).toType(DataType.FLOAT64, true));
            double[][] cl = run(m, ChannelsLast.stored(m, x, s), ChannelsLast.stored(m, g, s));
            double[][] nc = run(m, m.create(x, s), m.create(g, s));
            String[] what = {"beta grad", "gamma grad", "input grad"};
            for (int i = 0; i < 3; i++) System.out.printf("%s %s: CL %.2e NCHW %.2e%n", s, what[i], rel(ref[i], cl[i]), rel(ref[i], nc[i]));
        }
    }
    static double[][] run(NDManager m, NDArray x, NDArray g) {
        BatchNorm bn = BatchNorm.builder().build();
        bn.initialize(m, x.getDataType(), x.getShape());
        NDArray xv = x.duplicate(); xv.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(bn.forward(new ParameterStore(m, false), new NDList(xv), true).head().mul(g).sum());
        }
        return new double[][] {
            bn.getParameters().get("beta").getArray().getGradient().toType(DataType.FLOAT64, true).toDoubleArray(),
            bn.getParameters().get("gamma").getArray().getGradient().toType(DataType.FLOAT64, true).toDoubleArray(),
            xv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray()};
    }
    static double rel(double[] w, double[] g) { double s = 1e-300, d = 0; for (double v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
}
