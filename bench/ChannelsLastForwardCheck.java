// cnn5's forward, block by block, in float32 channels-last, float32 NCHW and float64 (same weights
// and input, training mode): each block's largest error on the scale of its float64 output, the
// number of entries whose sign differs from float64 (ReLU kinks), entries off by more than 1e-3, and
// before each max-pool the windows (positive maximum) whose first largest entry differs from
// float64's (docs/benchmarks.md, "Channels-last inputs": the forward agrees where some gradients
// do not).
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:mixnorm-lab/target/lib/*" \
//     bench/ChannelsLastForwardCheck.java 32
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.*;
import ai.djl.training.*;
import ai.djl.util.Pair;
import io.mixnorm.engine.*;
import io.mixnorm.lab.models.*;
import java.util.*;

public class ChannelsLastForwardCheck {
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        Shape in = new Shape(batch, 3, 32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            Block b32 = ModelZoo.build("cnn5", NormSpec.batchNorm(), 10).block();
            b32.initialize(m, DataType.FLOAT32, in);
            Block b64 = ModelZoo.build("cnn5", NormSpec.batchNorm(), 10).block();
            b64.initialize(m, DataType.FLOAT64, in);
            var p1 = b32.getParameters(); var p2 = b64.getParameters();
            for (int i = 0; i < p1.size(); i++) p2.get(i).getValue().getArray().set(p1.get(i).getValue().getArray().toType(DataType.FLOAT64, true).toDoubleArray());
            float[] px = m.randomNormal(in).toFloatArray();
            NDList xc = new NDList(ChannelsLast.stored(m, px, in));
            NDList xn = new NDList(m.create(px, in));
            NDList xd = new NDList(m.create(px, in).toType(DataType.FLOAT64, true));
            ParameterStore ps = new ParameterStore(m, false);
            for (Pair<String, Block> ch : b32.getChildren()) {
                Block c64 = b64.getChildren().get(ch.getKey());
                boolean pool = ch.getKey().equals("04LambdaBlock") || ch.getKey().equals("08LambdaBlock") || ch.getKey().equals("12LambdaBlock");
                if (pool) {
                    Shape s = xd.head().getShape();
                    double[] d = xd.head().toDoubleArray();
                    double[] c = xc.head().toType(DataType.FLOAT64, true).toDoubleArray();
                    double[] n = xn.head().toType(DataType.FLOAT64, true).toDoubleArray();
                    int H = (int) s.get(2), W = (int) s.get(3); long NC = s.get(0) * s.get(1);
                    int swC = 0, swN = 0, windows = 0;
                    for (long nc = 0; nc < NC; nc++) for (int oh = 0; oh < (H + 1) / 2; oh++) for (int ow = 0; ow < (W + 1) / 2; ow++) {
                        int ad = -1, ac = -1, an = -1; double bd = -1e300, bc = -1e300, bn = -1e300;
                        for (int kh = -1; kh <= 1; kh++) for (int kw = -1; kw <= 1; kw++) {
                            int h = oh * 2 + kh, w = ow * 2 + kw;
                            if (h < 0 || w < 0 || h >= H || w >= W) continue;
                            int idx = (int) (nc * H * W + h * W + w);
                            if (d[idx] > bd) { bd = d[idx]; ad = idx; }
                            if (c[idx] > bc) { bc = c[idx]; ac = idx; }
                            if (n[idx] > bn) { bn = n[idx]; an = idx; }
                        }
                        windows++;
                        if (bd > 0 && ac != ad) swC++;
                        if (bd > 0 && an != ad) swN++;
                    }
                    System.out.printf("max-pool %s: %d windows, argmax differs from float64 (positive max): channels-last %d, NCHW %d%n", ch.getKey(), windows, swC, swN);
                }
                xc = ch.getValue().forward(ps, xc, true);
                xn = ch.getValue().forward(ps, xn, true);
                xd = c64.forward(ps, xd, true);
                double[] d = xd.head().toDoubleArray(), c = xc.head().toType(DataType.FLOAT64, true).toDoubleArray(), n = xn.head().toType(DataType.FLOAT64, true).toDoubleArray();
                int flipC = 0, flipN = 0, bigC = 0, bigN = 0; double scale = 0, errC = 0, errN = 0;
                for (double v : d) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < d.length; i++) {
                    if (Math.signum(d[i]) != Math.signum(c[i]) && (d[i] != 0 || c[i] != 0)) flipC++;
                    if (Math.signum(d[i]) != Math.signum(n[i]) && (d[i] != 0 || n[i] != 0)) flipN++;
                    errC = Math.max(errC, Math.abs(d[i] - c[i])); errN = Math.max(errN, Math.abs(d[i] - n[i]));
                    if (Math.abs(d[i] - c[i]) > 1e-3 * scale) bigC++;
                    if (Math.abs(d[i] - n[i]) > 1e-3 * scale) bigN++;
                }
                System.out.printf("%-16s sign flips CL %d NCHW %d | max err/scale CL %.1e NCHW %.1e | entries off >1e-3: CL %d NCHW %d%n", ch.getKey(), flipC, flipN, errC / scale, errN / scale, bigC, bigN);
            }
        }
    }
}
