// cnn5 with channels-last inputs: one convolution's weight gradient recomputed from the very input and
// output gradient it gets inside the network (channels-last run), in channels-last, NCHW and float64.
// If these agree while the whole-network check does not, the kernel is right and the network's
// gradient reached the convolution already different (docs/benchmarks.md, "Channels-last inputs").
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastConvProbe.java 32 09Conv2d
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.*;
import ai.djl.training.*;
import ai.djl.util.Pair;
import io.mixnorm.engine.*;
import io.mixnorm.lab.models.*;
import java.util.*;

public class ChannelsLastConvProbe {
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        String target = a.length > 1 ? a[1] : "09Conv2d";
        Shape in = new Shape(batch, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            SequentialBlock net = (SequentialBlock) ModelZoo.build("cnn5", NormSpec.batchNorm(), 10).block();
            net.initialize(m, DataType.FLOAT32, in);
            NDArray r0 = m.randomNormal(new Shape(batch, 10));
            float[] px = m.randomNormal(in).toFloatArray();
            ParameterStore ps = new ParameterStore(m, false);
            // forward to the target conv's input in channels-last
            NDList x = new NDList(ChannelsLast.stored(m, px, in));
            List<Pair<String, Block>> kids = new ArrayList<>(); for (Pair<String, Block> p : net.getChildren()) kids.add(p);
            int t = 0;
            while (!kids.get(t).getKey().equals(target)) { x = kids.get(t).getValue().forward(ps, x, true); t++; }
            NDArray x3 = x.head().stopGradient();
            Block conv = kids.get(t).getValue();
            NDArray w = conv.getParameters().get("weight").getArray();
            NDArray y3 = conv.forward(ps, new NDList(x3), true).head().stopGradient();
            // the gradient reaching the conv's output from the rest of the network (channels-last run)
            NDArray y3l = y3.duplicate();
            y3l.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList z = new NDList(y3l);
                for (int i = t + 1; i < kids.size(); i++) z = kids.get(i).getValue().forward(ps, z, true);
                gc.backward(z.head().mul(r0).sum());
            }
            NDArray g3 = y3l.getGradient().duplicate();
            // the conv's weight gradient from the same (x3, g3): channels-last, NCHW, float64
            double[] ref = dW(x3.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), g3.toType(DataType.FLOAT64, true));
            double[] cl = dW(x3, w, g3);
            double[] nchw = dW(m.create(x3.toFloatArray(), x3.getShape()), w, m.create(g3.toFloatArray(), g3.getShape()));
            System.out.printf("%s batch %d: same inputs, dW error vs float64: channels-last %.2e  NCHW %.2e%n", target, batch, err(ref, cl), err(ref, nchw));
        }
    }
    static double err(double[] w, double[] g) { double s = 1e-12, d = 0; for (double v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
    static double[] dW(NDArray x, NDArray w, NDArray g) {
        NDArray wv = w.duplicate();
        wv.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(x, wv, null, new Shape(1, 1), new Shape(2, 2)).head();
            gc.backward(y.mul(g).sum());
        }
        return wv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray();
    }
}
