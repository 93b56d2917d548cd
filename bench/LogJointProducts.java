// Microbenchmark of the matrix products in MixtureNorm's log joint and statistics at cnn5's conv2
// (m = 32768 rows, C = 128, K = 3, 2 threads), medians of 10 after 2 warm-ups; the numbers quoted in
// docs/benchmarks.md ("MixtureNorm's price") and MixtureOps. Run quiet, with the allocator settings:
//   MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912 \
//   java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" bench/LogJointProducts.java
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import java.util.*;
import java.util.function.*;

public class LogJointProducts {
    public static void main(String[] a) {
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        long m = 32768, c = 128; int k = 3;
        try (NDManager mg = NDManager.newBaseManager()) {
            NDArray x = mg.randomNormal(new Shape(m, c));
            NDArray sq = x.square();
            NDArray tau = mg.randomUniform(0, 1, new Shape(m, k));
            NDArray tauT = tau.transpose();
            NDArray kc = mg.randomNormal(new Shape(k, c));
            NDArray tauT2 = tauT.flatten().reshape(k, m); // contiguous (K,m)
            Map<String, Supplier<NDArray>> ops = new LinkedHashMap<>();
            ops.put("x.sum(0) [read mxC]", () -> x.sum(new int[]{0}));
            ops.put("x.mul(sq) [2R 1W]", () -> x.mul(sq));
            ops.put("x.square() [1R 1W]", () -> x.square());
            ops.put("F1 kc*x^T (K,m)", () -> kc.matMul(x.transpose()));
            ops.put("F3 tauT(view)*x (K,C)", () -> tauT.matMul(x));
            ops.put("F3' tauT(contig)*x", () -> tauT2.matMul(x));
            ops.put("F5 tau*kc (m,C)", () -> tau.matMul(kc));
            NDArray kcT = kc.transpose();
            NDArray kcTc = kc.transpose().flatten().reshape(c, k);
            ops.put("F1a x*kc^T(view) (m,K)", () -> x.matMul(kcT));
            ops.put("F1b x*kcT(contig) (m,K)", () -> x.matMul(kcTc));
            ops.put("F3c x^T*tau (C,K)", () -> x.transpose().matMul(tau));
            NDArray x4 = x.reshape(128, 16, 16, c).transpose(0, 3, 1, 2);
            NDArray w = kc.reshape(k, c, 1, 1);
            ops.put("F1d conv1x1 CL (N,K,H,W)", () -> ai.djl.nn.convolutional.Conv2d.conv2d(x4, w, null).head());
            NDArray tau4 = tau.reshape(128,16,16,k).transpose(0,3,1,2);
            NDArray w2 = kc.transpose().reshape(c, k, 1, 1);
            ops.put("F5d conv1x1 CL tau->C", () -> ai.djl.nn.convolutional.Conv2d.conv2d(tau4, w2, null).head());
            ops.put("F5 as 1x1conv-free: tau(m,K) broadcast", () -> tau.get(":, 0:1").mul(kc.get("0:1")).addi(tau.get(":, 1:2").mul(kc.get("1:2"))).addi(tau.get(":, 2:3").mul(kc.get("2:3"))));
            Map<String, List<Double>> t = new LinkedHashMap<>();
            for (int r = 0; r < 12; r++) {
                for (var e : ops.entrySet()) {
                    try (NDManager sub = mg.newSubManager()) {
                        long t0 = System.nanoTime();
                        NDArray o = e.getValue().get();
                        o.getFloat(0L == 0 ? new long[o.getShape().dimension()] : null);
                        double ms = (System.nanoTime() - t0) / 1e6;
                        o.close();
                        if (r >= 2) t.computeIfAbsent(e.getKey(), z -> new ArrayList<>()).add(ms);
                    }
                }
            }
            for (var e : t.entrySet()) { List<Double> v = e.getValue(); Collections.sort(v); System.out.printf("%-40s %7.2f ms (min %.2f)%n", e.getKey(), v.get(v.size()/2), v.get(0)); }
        }
    }
}
