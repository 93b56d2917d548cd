// Microbenchmark of the squares MixtureNorm's statistics need, forward and backward, at cnn5's
// conv2 (m = 32768 rows, C = 128, K = 3, 2 threads): S = τᵀ(X∘X) with X∘X as X.square() (PyTorch's
// pow(X, 2)) against X·stopGradient(X) with S doubled as 2S − stopGradient(S) (MixtureOps.squares
// and sumOfSquares); loss Σ S∘R, backward to X. Alternating, medians of 30 after 3 warm-ups.
// Run quiet, with the allocator settings:
//   MALLOC_MMAP_THRESHOLD_=4000000000 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_TOP_PAD_=536870912 \
//   java -Dai.djl.offline=true -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" bench/SquaresBackward.java
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.training.GradientCollector;
import java.util.*;

public class SquaresBackward {
    public static void main(String[] a) {
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        long m = 32768, c = 128; int k = 3;
        try (NDManager mg = NDManager.newBaseManager()) {
            NDArray x = mg.randomNormal(new Shape(m, c));
            x.setRequiresGradient(true);
            NDArray tauT = mg.randomUniform(0, 1, new Shape(m, k)).transpose();
            NDArray r = mg.randomNormal(new Shape(k, c));
            NDArray two = mg.full(new Shape(), 2f);
            String[] forms = {"square()", "x*stopGradient(x)"};
            Map<String, List<Double>> t = new LinkedHashMap<>();
            double[] check = new double[2];
            for (int rep = 0; rep < 33; rep++) {
                for (int f = 0; f < 2; f++) {
                    try (NDManager sub = mg.newSubManager();
                            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        long t0 = System.nanoTime();
                        NDArray s;
                        if (f == 0) {
                            s = tauT.matMul(x.square());
                        } else {
                            NDArray h = tauT.matMul(x.mul(x.stopGradient()));
                            s = h.mul(two).sub(h.stopGradient());
                        }
                        gc.backward(s.mul(r).sum());
                        NDArray g = x.getGradient();
                        check[f] = g.sum().getFloat();
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (rep >= 3) t.computeIfAbsent(forms[f], z -> new ArrayList<>()).add(ms);
                    }
                }
            }
            for (var e : t.entrySet()) {
                List<Double> v = e.getValue();
                Collections.sort(v);
                System.out.printf("%-22s fwd+bwd %7.2f ms (min %.2f)%n", e.getKey(), v.get(v.size() / 2), v.get(0));
            }
            System.out.printf("gradient sums: %.6g vs %.6g%n", check[0], check[1]);
        }
    }
}
