// Single convolutions through PaddedConv2d with channels-last inputs and a channels-last upstream
// gradient (a channel slice of a wider array, as a dense concatenation hands it back), against float64:
// the shapes where DenseNet-BC-100's channels-last gradients go wrong inside the network (docs/benchmarks.md,
// "Channels-last inputs"). Errors relative to each array's largest entry.
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastConvCheck.java
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.training.GradientCollector;
import io.mixnorm.engine.*;

public class ChannelsLastConvCheck {
    public static void main(String[] a) {
        int[][] cases = {{48, 12, 3, 32, 2}, {48, 12, 3, 16, 2}, {48, 12, 3, 8, 2}, {276, 48, 1, 16, 2}, {108, 48, 1, 32, 2}, {128, 128, 5, 8, 32}, {64, 128, 5, 16, 32}, {128, 128, 5, 8, 8}, {64, 128, 5, 16, 8}};
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            for (int[] cs : cases) {
                int c = cs[0], f = cs[1], k = cs[2], side = cs[3], batch = cs[4];
                Shape xs = new Shape(batch, c, side, side);
                NDArray x = m.randomNormal(xs);
                NDArray w = m.randomNormal(new Shape(f, c, k, k));
                NDArray r = m.randomNormal(new Shape(batch, f, side, side));
                double[][] ref = grad(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), r.toType(DataType.FLOAT64, true), false, k);
                for (boolean cl : new boolean[] {false, true}) {
                    NDArray xi = cl ? ChannelsLast.stored(m, x.toFloatArray(), xs) : x;
                    NDArray ri = r;
                    if (cl) { // r as the channel slice of a wider channels-last array, as a dense concat's gradient
                        Shape rs = r.getShape();
                        NDArray wide = ChannelsLast.stored(m, m.randomNormal(new Shape(rs.get(0), 100 + rs.get(1), rs.get(2), rs.get(3))).toFloatArray(), new Shape(rs.get(0), 100 + rs.get(1), rs.get(2), rs.get(3)));
                        NDArray rcl = ChannelsLast.stored(m, r.toFloatArray(), rs);
                        ri = wide.concat(rcl, 1).get(new ai.djl.ndarray.index.NDIndex().addAllDim().addSliceDim(100 + rs.get(1), 100 + 2 * rs.get(1)));
                    }
                    double[][] g = grad(xi, w, ri, true, k);
                    System.out.printf("%d->%d k%d side " + side + " batch " + batch + " %s: y %.2e  dW %.2e  dX %.2e%n", c, f, k, cl ? "CL  " : "NCHW", err(ref[0], g[0]), err(ref[1], g[1]), err(ref[2], g[2]));
                }
            }
        }
    }
    static double err(double[] w, double[] g) { double s = 1e-12, d = 0; for (double v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
    static double[][] grad(NDArray x, NDArray w, NDArray r, boolean padded, int k) {
        NDArray wv = w.duplicate();
        NDArray xv = x.duplicate();
        wv.setRequiresGradient(true);
        xv.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            y = padded ? PaddedConv2d.conv2d(xv, wv, 1, k / 2) : ai.djl.nn.convolutional.Conv2d.conv2d(xv, wv, null, new Shape(1, 1), new Shape(k / 2, k / 2)).head();
            gc.backward(y.mul(r).sum());
        }
        return new double[][] {y.toType(DataType.FLOAT64, true).toDoubleArray(), wv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray(), xv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray()};
    }
}
