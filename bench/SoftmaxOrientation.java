// Microbenchmark of the softmax over K for the two log-joint orientations (same settings as
// bench/LogJointProducts.java):  java ... bench/SoftmaxOrientation.java
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import java.util.*;
import java.util.function.*;

public class SoftmaxOrientation {
    public static void main(String[] a) {
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        long m = 32768, c = 128; int k = 3;
        try (NDManager mg = NDManager.newBaseManager()) {
            NDArray x = mg.randomNormal(new Shape(m, c));
            NDArray sq = x.square();
            NDArray kc = mg.randomNormal(new Shape(k, c)).mul(0.1);
            NDArray lj = x.matMul(kc.transpose());          // (m,K)
            NDArray ljT = kc.matMul(x.transpose());          // (K,m)
            Map<String, Supplier<NDArray>> ops = new LinkedHashMap<>();
            ops.put("old: A sq^T + B x^T (K,m)", () -> kc.matMul(sq.transpose()).addi(kc.matMul(x.transpose())));
            ops.put("new: sq A^T + x B^T (m,K)", () -> sq.matMul(kc.transpose()).addi(x.matMul(kc.transpose())));
            ops.put("old: softmax(0) (K,m) + T copy", () -> ljT.softmax(0).transpose().flatten());
            ops.put("new: softmax(1) (m,K)", () -> lj.softmax(1));
            ops.put("new: elementwise softmax (m,K)", () -> { NDArray e = lj.sub(lj.max(new int[]{1}, true)).exp(); return e.divi(e.sum(new int[]{1}, true)); });
            ops.put("tau (m,K) -> contiguous tauT", () -> lj.transpose().flatten());
            Map<String, List<Double>> t = new LinkedHashMap<>();
            for (int r = 0; r < 14; r++) {
                for (var e : ops.entrySet()) {
                    try (NDManager sub = mg.newSubManager()) {
                        long t0 = System.nanoTime();
                        NDArray o = e.getValue().get();
                        o.getFloat(new long[o.getShape().dimension()]);
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (r >= 2) t.computeIfAbsent(e.getKey(), z -> new ArrayList<>()).add(ms);
                    }
                }
            }
            for (var e : t.entrySet()) { List<Double> v = e.getValue(); Collections.sort(v); System.out.printf("%-40s %7.2f ms (min %.2f)%n", e.getKey(), v.get(v.size()/2), v.get(0)); }
        }
    }
}
