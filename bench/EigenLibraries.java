// Symmetric eigendecomposition at the FD size (d = 2048, docs/metrics.md): mixnorm's SymmetricEigen vs
// commons-math3's EigenDecomposition (already a dependency), alternating, wall-clock and process CPU seconds
// (CPU seconds are robust to other processes on a shared machine; wall-clock shows SymmetricEigen's parallel
// back-transformation). Also checks that both give the same eigenvalues. Run with a build's class path:
//   java -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" bench/EigenLibraries.java [d] [rounds]
import com.sun.management.OperatingSystemMXBean;
import io.mixnorm.lab.metrics.SymmetricEigen;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

public class EigenLibraries {
    static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) {
        int d = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        SplittableRandom rng = new SplittableRandom(1);
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = a[j][i] = rng.nextDouble() - 0.5 + (i == j ? 0.1 * d : 0);
            }
        }
        System.out.printf(Locale.ROOT, "d=%d, %d cores visible, load average %.1f%n", d,
                Runtime.getRuntime().availableProcessors(), OS.getSystemLoadAverage());
        for (int r = 0; r < rounds; r++) {
            long w0 = System.nanoTime(), c0 = OS.getProcessCpuTime();
            double[] ours = SymmetricEigen.of(a).eigenvalues();
            long w1 = System.nanoTime(), c1 = OS.getProcessCpuTime();
            EigenDecomposition cm = new EigenDecomposition(new Array2DRowRealMatrix(a, false));
            double[] theirs = cm.getRealEigenvalues();
            cm.getV();
            long w2 = System.nanoTime(), c2 = OS.getProcessCpuTime();
            Arrays.sort(theirs);
            double diff = 0;
            for (int i = 0; i < d; i++) {
                diff = Math.max(diff, Math.abs(ours[i] - theirs[i]) / Math.abs(ours[d - 1]));
            }
            System.out.printf(Locale.ROOT, "round %d: SymmetricEigen %.1f s wall %.1f s CPU | commons-math3 %.1f s wall "
                    + "%.1f s CPU | max eigenvalue difference %.1e relative%n", r + 1, (w1 - w0) / 1e9, (c1 - c0) / 1e9,
                    (w2 - w1) / 1e9, (c2 - c1) / 1e9, diff);
        }
    }
}
