// cnn5's backward traced end to end, without copies: at every boundary between two blocks the
// network's own activation gets a zero leaf added (x + 0·x detached, in x's memory format), whose
// gradient is the gradient autograd hands across that boundary in the real run. Channels-last,
// NCHW and float64 runs with the same weights and input; each boundary's gradient error on the
// scale of its float64 largest entry, from the output back to the input, then every parameter's
// (docs/benchmarks.md, "Channels-last inputs"), then each entry that is zero in exactly one of
// float64 and channels-last (a gradient routed elsewhere by a ReLU or max pool) with its activation
// in the three runs. SEED=s draws another input (same weights); BRIEF=1 prints the largest error
// and the routed entries only; HOOKS=0 runs without the zero leaves.
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastTrace.java 32
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.*;
import ai.djl.training.*;
import ai.djl.util.Pair;
import io.mixnorm.engine.*;
import io.mixnorm.lab.models.*;
import java.util.*;

public class ChannelsLastTrace {
    static final boolean HOOKS = !"0".equals(System.getenv("HOOKS"));

    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        String model = a.length > 1 ? a[1] : "cnn5";
        Shape in = new Shape(batch, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            SequentialBlock master = (SequentialBlock) ModelZoo.build(model, NormSpec.batchNorm(), 10).block();
            master.initialize(m, DataType.FLOAT32, in);
            // SEED=s draws another input and output weighting (same weights)
            if (System.getenv("SEED") != null) Engine.getInstance().setRandomSeed(Integer.parseInt(System.getenv("SEED")));
            float[] px = m.randomNormal(in).toFloatArray();
            NDArray r0 = m.randomNormal(new Shape(batch, 10));
            Map<String, double[]> cl = run(m, copy(m, master, model, DataType.FLOAT32, in), ChannelsLast.stored(m, px, in), r0);
            Map<String, double[]> nc = run(m, copy(m, master, model, DataType.FLOAT32, in), m.create(px, in), r0);
            Map<String, double[]> f64 = run(m, copy(m, master, model, DataType.FLOAT64, in), m.create(px, in).toType(DataType.FLOAT64, true), r0.toType(DataType.FLOAT64, true));
            List<String> keys = new ArrayList<>(f64.keySet());
            keys.removeIf(k -> k.startsWith("act "));
            // misrouted max-pool gradients: where exactly one of float64 and channels-last is zero
            for (String k : keys) {
                if (!k.startsWith("grad after ")) continue;
                double[] w = f64.get(k), g = cl.get(k), h = nc.get(k);
                String act = "act " + k.substring("grad after ".length());
                for (int i = 0; i < w.length; i++)
                    if ((w[i] == 0) != (g[i] == 0))
                        System.out.printf("%s: entry %d gradient f64 %.6g CL %.6g NCHW %.6g; activation f64 %.9g CL %.9g NCHW %.9g%n", k, i, w[i], g[i], h[i], f64.get(act)[i], cl.get(act)[i], nc.get(act)[i]);
            }
            double worstCl = 0, worstNc = 0;
            for (String k : keys) { worstCl = Math.max(worstCl, rel(f64.get(k), cl.get(k))); worstNc = Math.max(worstNc, rel(f64.get(k), nc.get(k))); }
            System.out.printf("largest error of any boundary or parameter gradient: CL %.2e NCHW %.2e%n", worstCl, worstNc);
            if ("1".equals(System.getenv("BRIEF"))) return;
            for (String k : keys)
                System.out.printf("%-40s CL %.2e  NCHW %.2e   %s %s%n", k, rel(f64.get(k), cl.get(k)), rel(f64.get(k), nc.get(k)), k.startsWith("grad") ? strides.get("cl:" + k) : "", off(f64.get(k), cl.get(k)));
        }
    }

    static SequentialBlock copy(NDManager m, Block master, String model, DataType t, Shape in) {
        SequentialBlock b = (SequentialBlock) ModelZoo.build(model, NormSpec.batchNorm(), 10).block();
        b.initialize(m, t, in);
        var p1 = master.getParameters(); var p2 = b.getParameters();
        for (int i = 0; i < p1.size(); i++) p2.get(i).getValue().getArray().set(p1.get(i).getValue().getArray().toType(DataType.FLOAT64, true).toType(t, false).toByteBuffer());
        return b;
    }

    static final Map<String, String> strides = new HashMap<>();

    static Map<String, double[]> run(NDManager m, SequentialBlock net, NDArray x0, NDArray r0) {
        ParameterStore ps = new ParameterStore(m, false);
        List<Pair<String, NDArray>> leaves = new ArrayList<>();
        Map<String, double[]> out = new LinkedHashMap<>();
        String tag = x0.getDataType() == DataType.FLOAT64 ? "f64" : fmt(x0).equals("CL") ? "cl" : "nchw";
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList x = new NDList(x0);
            String prev = "input";
            for (Pair<String, Block> ch : net.getChildren()) {
                if (HOOKS && !prev.equals("input")) {
                    NDArray z = x.head().mul(0).stopGradient();
                    z.setRequiresGradient(true);
                    leaves.add(new Pair<>(prev, z));
                    out.put("act " + prev, x.head().toType(DataType.FLOAT64, true).toDoubleArray());
                    x = new NDList(x.head().add(z));
                }
                x = ch.getValue().forward(ps, x, true);
                prev = ch.getKey();
            }
            gc.backward(x.head().mul(r0).sum());
        }
        for (int i = leaves.size() - 1; i >= 0; i--) {
            NDArray g = leaves.get(i).getValue().getGradient();
            out.put("grad after " + leaves.get(i).getKey(), g.toType(DataType.FLOAT64, true).toDoubleArray());
            strides.put(tag + ":grad after " + leaves.get(i).getKey(), g.getShape() + " " + fmt(g) + " (activation " + fmt(leaves.get(i).getValue()) + ")");
        }
        for (Pair<String, Parameter> p : net.getParameters())
            if (p.getValue().requiresGradient()) out.put("param " + p.getKey(), p.getValue().getArray().getGradient().toType(DataType.FLOAT64, true).toDoubleArray());
        return out;
    }

    // the memory format, as the tests' MemoryFormat reads it (libtorch's is_contiguous via reflection)
    static String fmt(NDArray a) {
        if (a.getShape().dimension() != 4) return "";
        return contiguous(a) ? "NCHW" : contiguous(a.transpose(0, 2, 3, 1)) ? "CL" : "other";
    }
    static boolean contiguous(NDArray a) {
        try {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            java.lang.reflect.Field f = c.getDeclaredField("LIB"); f.setAccessible(true);
            java.lang.reflect.Method mm = c.getDeclaredMethod("torchIsContiguous", long.class); mm.setAccessible(true);
            return (boolean) mm.invoke(f.get(null), ((ai.djl.pytorch.engine.PtNDArray) a).getHandle());
        } catch (ReflectiveOperationException e) { throw new IllegalStateException(e); }
    }

    // entries off by more than 1e-3 of the largest: how many, how many of them where float64 is
    // exactly zero (gradient routed to a position that should get none) or the run is (one missed)
    static String off(double[] w, double[] g) {
        double s = 1e-300; for (double v : w) s = Math.max(s, Math.abs(v));
        int n = 0, wz = 0, gz = 0;
        for (int i = 0; i < w.length; i++) if (Math.abs(w[i] - g[i]) > 1e-3 * s) { n++; if (w[i] == 0) wz++; if (g[i] == 0) gz++; }
        return n == 0 ? "" : String.format("[%d of %d off: %d where float64 is 0, %d where this is 0]", n, w.length, wz, gz);
    }

    static double rel(double[] w, double[] g) { double s = 1e-300, d = 0; for (double v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
}
