// MixtureNorm's evaluation forward at (100, 128, 16, 16) against BN and against the rows form written
// out by hand ("rows, two mm"), on channels-last input or (NCHW=1) NCHW input, 2 threads, medians of 12.
// Run on the working tree between 9450419 and 9efff17 (the log-joint change only), where "MN eval (current)" was the chunked 1x1-convolution
// path: 14.5 ms (CL) / 18.3 ms (NCHW) vs 7.0 / 9.0 ms for the rows form (docs/benchmarks.md). From 9efff17 on,
// "MN eval (current)" is the rows form itself. Same settings as bench/LogJointProducts.java.
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.nn.MixtureNorm;
import java.util.*;
import java.util.function.*;

public class InferenceRowsForm {
    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(100, 128, 16, 16);
            int c = 128, k = 3; long rows = 100 * 256;
            float[] x = new float[(int) s.size()];
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() + (r.nextBoolean() ? 2 : -1));
            MixtureNorm mn = MixtureNorm.builder().optComponents(3).build();
            mn.initialize(m, DataType.FLOAT32, s);
            BatchNorm bn = BatchNorm.builder().build();
            bn.initialize(m, DataType.FLOAT32, s);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray cl = System.getenv("NCHW") != null ? m.create(x, s) : io.mixnorm.engine.ChannelsLast.stored(m, x, s);
            for (int i = 0; i < 3; i++) { mn.forward(ps, new NDList(cl), true); bn.forward(ps, new NDList(cl), true); }
            GaussianMixture g = mn.getRunningMixture();
            // rows formulation constants
            float[] a = new float[k * c], b = new float[k * c], b0 = new float[k], P = new float[k * c], Q = new float[k * c];
            for (int j = 0; j < k; j++) { double sum = 0; for (int d = 0; d < c; d++) { double v = g.variance(j, d), mu = g.mean(j, d);
                a[j*c+d] = (float)(-0.5/v); b[j*c+d] = (float)(mu/v); sum += mu*mu/v + Math.log(v) + Math.log(2*Math.PI);
                P[j*c+d] = (float)(1/Math.sqrt(Math.max(g.weight(j),1e-3)*(v+1e-5))); Q[j*c+d] = (float)(-mu*P[j*c+d]); }
                b0[j] = (float)(Math.log(g.weight(j)) - 0.5*sum); }
            NDArray A = m.create(a, new Shape(k, c)), B = m.create(b, new Shape(k, c)), B0 = m.create(b0, new Shape(1, k));
            NDArray PQ = NDArrays.concat(new NDList(m.create(P, new Shape(k, c)), m.create(Q, new Shape(k, c))), 1); // (K, 2C)
            NDArray Pm = m.create(P, new Shape(k, c)), Qm = m.create(Q, new Shape(k, c));
            Map<String, Function<NDArray, NDArray>> ops = new LinkedHashMap<>();
            ops.put("BN eval", in -> bn.forward(ps, new NDList(in), false).head());
            ops.put("MN eval (current)", in -> mn.forward(ps, new NDList(in), false).head());
            ops.put("rows, two mm", in -> { NDArray X = in.transpose(0,2,3,1).reshape(rows, c);
                NDArray tau = X.square().matMul(A.transpose()).addi(X.matMul(B.transpose())).addi(B0).softmax(1);
                NDArray y = X.mul(tau.matMul(Pm)).addi(tau.matMul(Qm));
                return y.reshape(100,16,16,c).transpose(0,3,1,2); });
            ops.put("rows, one mm (K,2C)", in -> { NDArray X = in.transpose(0,2,3,1).reshape(rows, c);
                NDArray tau = X.square().matMul(A.transpose()).addi(X.matMul(B.transpose())).addi(B0).softmax(1);
                NDArray pq = tau.matMul(PQ);
                NDArray y = X.mul(pq.get(":, 0:128")).addi(pq.get(":, 128:256"));
                return y.reshape(100,16,16,c).transpose(0,3,1,2); });
            ops.put("rows chunked 8 img", in -> { NDList out = new NDList(); for (int i = 0; i < 100; i += 8) {
                NDArray xc = in.get(i + ":" + Math.min(100, i + 8)); long rr = xc.getShape().get(0) * 256;
                NDArray X = xc.transpose(0,2,3,1).reshape(rr, c);
                NDArray tau = X.square().matMul(A.transpose()).addi(X.matMul(B.transpose())).addi(B0).softmax(1);
                NDArray y = tau.matMul(Pm).muli(X).addi(tau.matMul(Qm));
                out.add(y); }
                return NDArrays.concat(out, 0).reshape(100,16,16,c).transpose(0,3,1,2); });
            Map<String, List<Double>> t = new LinkedHashMap<>();
            for (int rep = 0; rep < 14; rep++) for (var e : ops.entrySet()) try (NDManager sub = m.newSubManager()) {
                cl.attach(sub); long t0 = System.nanoTime(); NDArray y = e.getValue().apply(cl); y.getFloat(0,0,0,0);
                double ms = (System.nanoTime() - t0) / 1e6; cl.attach(m);
                if (rep >= 2) t.computeIfAbsent(e.getKey(), z -> new ArrayList<>()).add(ms); }
            NDArray ref = mn.forward(ps, new NDList(cl), false).head();
            for (var e : ops.entrySet()) { if (e.getKey().startsWith("BN")) continue; NDArray y = e.getValue().apply(cl);
                System.out.printf("%-24s maxdiff vs current %.2e%n", e.getKey(), y.sub(ref).abs().max().getFloat()); }
            for (var e : t.entrySet()) { List<Double> v = e.getValue(); Collections.sort(v); System.out.printf("%-24s %7.2f ms (min %.2f)%n", e.getKey(), v.get(v.size()/2), v.get(0)); }
        }
    }
}
