// cnn5 with channels-last inputs: one layer's backward recomputed from the very input and output
// gradient it gets inside the network (channels-last run), in channels-last, NCHW and float64: a
// convolution's weight gradient, or a batch norm's, ReLU's or max-pool's input gradient, by the
// block's name. If these
// agree while the whole-network check (ChannelsLastModelCheck) does not, the kernel is right and
// the gradient reached the layer already different (docs/benchmarks.md, "Channels-last inputs").
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastProbe.java 32 09Conv2d        (or 10BatchNorm, 11LambdaBlock, 12LambdaBlock)
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.*;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.*;
import ai.djl.util.Pair;
import io.mixnorm.engine.*;
import io.mixnorm.lab.models.*;
import java.util.*;

public class ChannelsLastProbe {
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        String target = a.length > 1 ? a[1] : "10BatchNorm";
        Shape in = new Shape(batch, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            SequentialBlock net = (SequentialBlock) ModelZoo.build("cnn5", NormSpec.batchNorm(), 10).block();
            net.initialize(m, DataType.FLOAT32, in);
            NDArray r0 = m.randomNormal(new Shape(batch, 10));
            float[] px = m.randomNormal(in).toFloatArray();
            ParameterStore ps = new ParameterStore(m, false);
            NDList x = new NDList(ChannelsLast.stored(m, px, in));
            List<Pair<String, Block>> kids = new ArrayList<>();
            for (Pair<String, Block> p : net.getChildren()) kids.add(p);
            int t = 0;
            while (!kids.get(t).getKey().equals(target)) { x = kids.get(t).getValue().forward(ps, x, true); t++; }
            NDArray xb = x.head().stopGradient();
            Block bn = kids.get(t).getValue();
            NDArray yb = bn.forward(ps, new NDList(xb), true).head().stopGradient();
            NDArray ybl = yb.duplicate();
            ybl.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList z = new NDList(ybl);
                for (int i = t + 1; i < kids.size(); i++) z = kids.get(i).getValue().forward(ps, z, true);
                gc.backward(z.head().mul(r0).sum());
            }
            NDArray g = ybl.getGradient().duplicate();
            if (target.endsWith("Conv2d")) {
                NDArray w = bn.getParameters().get("weight").getArray();
                double[] ref = dW(xb.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), g.toType(DataType.FLOAT64, true));
                double[] cl = dW(xb, w, g);
                double[] nchw = dW(m.create(xb.toFloatArray(), xb.getShape()), w, m.create(g.toFloatArray(), g.getShape()));
                System.out.printf("%s batch %d: same inputs, weight gradient error vs float64: channels-last %.2e  NCHW %.2e%n", target, batch, err(ref, cl), err(ref, nchw));
            } else if (target.endsWith("LambdaBlock")) { // ReLU or max-pool: the input gradient
                double[] ref = dxOf(bn, ps, xb.toType(DataType.FLOAT64, true), g.toType(DataType.FLOAT64, true));
                double[] cl = dxOf(bn, ps, xb, g);
                double[] nchw = dxOf(bn, ps, m.create(xb.toFloatArray(), xb.getShape()), m.create(g.toFloatArray(), g.getShape()));
                System.out.printf("%s batch %d: same inputs, input gradient error vs float64: channels-last %.2e  NCHW %.2e%n", target, batch, err(ref, cl), err(ref, nchw));
            } else {
                NDArray gamma = bn.getParameters().get("gamma").getArray();
                double[] ref = dx(m, xb.toType(DataType.FLOAT64, true), g.toType(DataType.FLOAT64, true), gamma);
                double[] cl = dx(m, xb, g, gamma);
                double[] nchw = dx(m, m.create(xb.toFloatArray(), xb.getShape()), m.create(g.toFloatArray(), g.getShape()), gamma);
                System.out.printf("%s batch %d: same inputs, input gradient error vs float64: channels-last %.2e  NCHW %.2e%n", target, batch, err(ref, cl), err(ref, nchw));
            }
        }
    }
    static double[] dxOf(Block b, ParameterStore ps, NDArray x, NDArray g) {
        NDArray xv = x.duplicate();
        xv.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(b.forward(ps, new NDList(xv), true).head().mul(g).sum());
        }
        return xv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray();
    }

    static double err(double[] w, double[] g) { double s = 1e-12, d = 0; for (double v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
    static double[] dx(NDManager m, NDArray x, NDArray g, NDArray gamma) {
        BatchNorm bn = BatchNorm.builder().build();
        bn.initialize(m, x.getDataType(), x.getShape());
        bn.getParameters().get("gamma").getArray().set(gamma.toType(x.getDataType(), true).toByteBuffer());
        NDArray xv = x.duplicate();
        xv.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = bn.forward(new ParameterStore(m, false), new NDList(xv), true).singletonOrThrow();
            gc.backward(y.mul(g).sum());
        }
        return xv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray();
    }
    static double[] dW(NDArray x, NDArray w, NDArray g) {
        NDArray wv = w.duplicate();
        wv.setRequiresGradient(true);
        NDArray xv = x.duplicate(); // with its gradient too, as inside the network (both outputs)
        xv.setRequiresGradient(!"0".equals(System.getenv("PROBE_INPUT_GRAD")));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(xv, wv, null, new Shape(1, 1), new Shape(2, 2)).head();
            gc.backward(y.mul(g).sum());
        }
        return wv.getGradient().toType(DataType.FLOAT64, true).toDoubleArray();
    }
}
