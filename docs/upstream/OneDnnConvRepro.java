// PyTorch 2.7.1's oneDNN (through DJL 0.36): 3x3 convolutions whose input channels (forward) or
// filters (input gradient) are not multiples of 16, against a float64 reference. Standalone; run
// from the mixnorm repository root after a build (docs/upstream/onednn-conv-repro.sh adds the
// oneDNN version and kernel names):
//   java -cp "mixnorm-lab/target/lib/*" docs/upstream/OneDnnConvRepro.java
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;

public class OneDnnConvRepro {
    public static void main(String[] args) {
        System.out.println("DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getInstance().getVersion()
                + ", threads " + Runtime.getRuntime().availableProcessors());
        // N, C, HW, F: 3x3, stride 1, padding 1, no bias
        check(2, 40, 8, 12); // DenseNet-like: C = 40 and F = 12 not multiples of 16
        check(2, 16, 8, 12); // only F = 12 off: the input gradient (a convolution over the filters)
        check(2, 64, 8, 32); // control: multiples of 16
    }

    static void check(int n, int c, int hw, int f) {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = gauss(rnd, n * c * hw * hw);
        float[] w = gauss(rnd, f * c * 9);
        float[] r = gauss(rnd, n * f * hw * hw);
        double[][] ref = reference(n, c, hw, f, x, w, r);
        System.out.printf("conv %dx%dx%dx%d -> %d filters, 3x3 pad 1 (max |y| %.2f):%n", n, c, hw, hw, f,
                maxAbs(ref[0]));
        for (int rep = 0; rep < 3; rep++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray xa = m.create(x, new Shape(n, c, hw, hw));
                NDArray wa = m.create(w, new Shape(f, c, 3, 3));
                xa.setRequiresGradient(true);
                NDArray y;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    y = Conv2d.conv2d(xa, wa, null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                    gc.backward(y.mul(m.create(r, y.getShape())).sum());
                }
                System.out.printf("  run %d: max |y - float64| %.3g, max |dL/dx - float64| %.3g%n", rep + 1,
                        maxDiff(y.toFloatArray(), ref[0]), maxDiff(xa.getGradient().toFloatArray(), ref[1]));
            }
        }
    }

    /** y[n,f,i,j] = sum over c,a,b of x[n,c,i+a-1,j+b-1] w[f,c,a,b]; dL/dx for L = sum(y r). */
    static double[][] reference(int n, int c, int hw, int f, float[] x, float[] w, float[] r) {
        double[] y = new double[n * f * hw * hw];
        double[] dx = new double[x.length];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < f; o++) {
                for (int i = 0; i < hw; i++) {
                    for (int j = 0; j < hw; j++) {
                        int yi = ((b * f + o) * hw + i) * hw + j;
                        double s = 0;
                        for (int ch = 0; ch < c; ch++) {
                            for (int a = 0; a < 3; a++) {
                                for (int e = 0; e < 3; e++) {
                                    int ii = i + a - 1;
                                    int jj = j + e - 1;
                                    if (ii < 0 || jj < 0 || ii >= hw || jj >= hw) {
                                        continue;
                                    }
                                    int xi = ((b * c + ch) * hw + ii) * hw + jj;
                                    int wi = ((o * c + ch) * 3 + a) * 3 + e;
                                    s += (double) x[xi] * w[wi];
                                    dx[xi] += (double) r[yi] * w[wi];
                                }
                            }
                        }
                        y[yi] = s;
                    }
                }
            }
        }
        return new double[][] {y, dx};
    }

    static float[] gauss(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    static double maxDiff(float[] got, double[] want) {
        double d = 0;
        for (int i = 0; i < got.length; i++) {
            double e = Math.abs(got[i] - want[i]);
            d = Double.isNaN(e) ? Double.NaN : Math.max(d, e);
            if (Double.isNaN(d)) {
                return d;
            }
        }
        return d;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
