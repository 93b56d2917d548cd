// Channels-last vs NCHW vs float64 for one whole model (BN): the output and every parameter's
// gradient of one training-mode forward and backward (seed 11), each array's error relative to its
// largest entry, printed where the channels-last error exceeds 2e-5, and every error on the scale
// of the largest gradient of the same parameter kind (weight, gamma, beta) (docs/benchmarks.md,
// "Channels-last inputs"). The random seed is reset right before the forward, so that dropout
// (Inception-V3) draws the same masks in every run. MODEL is a zoo name, or densenet-bc:L for a
// DenseNet-BC (k = 12, bottlenecks, compression 0.5, first conv 24) with L layers per block, or
// cnn5-avgpool (cnn5 with average instead of max pools), or cnn5-smooth, densenet-smooth:L,
// densenet-bc-smooth:L, inception-smooth, inception-each-smooth (Kinks.SMOOTH: softplus and
// average pools, no kinks; the last one Mixed block of each kind), for bisecting;
// SEED=s draws another input (same weights); it lives in io.mixnorm.lab.models for DenseNet's package-private config, so compile it
// onto the classpath first:
//   CP="mixnorm-lab/target/mixnorm-lab-0.1.0-SNAPSHOT.jar:$(ls mixnorm-lab/target/lib/*.jar | tr '\n' ':')"
//   javac -d /tmp/clcheck -cp "$CP" bench/ChannelsLastModelCheck.java
//   java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "/tmp/clcheck:$CP" \
//     io.mixnorm.lab.models.ChannelsLastModelCheck MODEL [BATCH]      (BATCH defaults to 2)
package io.mixnorm.lab.models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.*;
import ai.djl.training.*;
import ai.djl.util.Pair;
import io.mixnorm.engine.*;
import java.util.*;

public class ChannelsLastModelCheck {
    public static void main(String[] a) {
        String name = a[0];
        Shape input = new Shape(a.length > 1 ? Integer.parseInt(a[1]) : 2, 3, 32, 32);
        Map<String, float[]> cl = run(name, input, false, true);
        Map<String, float[]> f64 = run(name, input, true, false);
        Map<String, float[]> nchw = run(name, input, false, false);
        List<String> worst = new ArrayList<>();
        for (String k : f64.keySet()) {
            double e1 = rel(f64.get(k), cl.get(k)), e2 = rel(f64.get(k), nchw.get(k));
            if (rel(f64.get(k), cl.get(k)) > 2e-5) System.out.printf("%-50s CL %.2e  NCHW %.2e%n", k, e1, e2);
        }
        // the same errors on one scale for all gradients: the largest float64 gradient entry of
        // any parameter of the same kind (name suffix), so that an array whose true values nearly
        // cancel to zero is not judged against its own tiny largest entry
        Map<String, Double> kindScale = new HashMap<>();
        for (String k : f64.keySet()) {
            String kind = k.substring(k.lastIndexOf('_') + 1);
            for (float v : f64.get(k)) kindScale.merge(kind, (double) Math.abs(v), Math::max);
        }
        double g1 = 0, g2 = 0;
        for (String k : f64.keySet()) {
            double scale = kindScale.get(k.substring(k.lastIndexOf('_') + 1));
            g1 = Math.max(g1, absDiff(f64.get(k), cl.get(k)) / scale);
            g2 = Math.max(g2, absDiff(f64.get(k), nchw.get(k)) / scale);
        }
        System.out.printf("%s: max error on the scale of each parameter kind: CL %.2e NCHW %.2e%n", name, g1, g2);
        double m1 = 0, m2 = 0;
        for (String k : f64.keySet()) { m1 = Math.max(m1, rel(f64.get(k), cl.get(k))); m2 = Math.max(m2, rel(f64.get(k), nchw.get(k))); }
        System.out.printf("%s: max over outputs and gradients: CL %.2e NCHW %.2e (%d arrays)%n", name, m1, m2, f64.size());
    }
    static Block build(String name) {
        if (name.equals("cnn5-avgpool")) { // cnn5 with 3×3/2 average pools: no max-pool ties
            ai.djl.nn.SequentialBlock net = new ai.djl.nn.SequentialBlock();
            int[] widths = {64, 128, 128, 256};
            for (int i = 0; i < widths.length; i++) {
                net.add(Layers.conv(widths[i], 5, 5, 1, 2, 2));
                net.add(ai.djl.nn.norm.BatchNorm.builder().build());
                net.add(Activation.reluBlock());
                if (i < widths.length - 1) {
                    net.add(ai.djl.nn.pooling.Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
                }
            }
            net.add(ai.djl.nn.pooling.Pool.globalAvgPool2dBlock());
            net.add(Blocks.batchFlattenBlock());
            net.add(ai.djl.nn.core.Linear.builder().setUnits(10).build());
            return net;
        }
        if (name.equals("cnn5-smooth")) { // softplus and average pools (Kinks.SMOOTH)
            return ModelZoo.heNormal(Cnn5.build(new NormFactory(NormSpec.batchNorm(), "all"), 10, Kinks.SMOOTH));
        }
        if (name.startsWith("densenet-smooth:")) { // a DenseNet (not BC) of L layers per block, softplus
            int layers = Integer.parseInt(name.substring("densenet-smooth:".length()));
            return ModelZoo.heNormal(DenseNet.build(new DenseNet.Config(layers, 12, false, 1.0, 16), new NormFactory(NormSpec.batchNorm(), "all"), 10, Kinks.SMOOTH));
        }
        if (name.startsWith("densenet-bc-smooth:")) { // a DenseNet-BC of L layers per block, softplus
            int layers = Integer.parseInt(name.substring("densenet-bc-smooth:".length()));
            return ModelZoo.heNormal(DenseNet.build(new DenseNet.Config(layers, 12, true, 0.5, 24), new NormFactory(NormSpec.batchNorm(), "all"), 10, Kinks.SMOOTH));
        }
        if (name.equals("inception-smooth")) { // Inception-V3, softplus and 3×3/2 average pools
            return ModelZoo.heNormal(InceptionV3.build(new NormFactory(NormSpec.batchNorm(), "all"), 10, Kinks.SMOOTH).block());
        }
        if (name.equals("inception-each-smooth")) { // one Mixed block of each kind, smooth
            return ModelZoo.heNormal(InceptionV3.oneBlockOfEachKind(new NormFactory(NormSpec.batchNorm(), "all"), 10, Kinks.SMOOTH));
        }
        if (name.startsWith("densenet-bc:")) {
            int layers = Integer.parseInt(name.substring("densenet-bc:".length()));
            return DenseNet.build(
                    new DenseNet.Config(layers, 12, true, 0.5, 24),
                    new NormFactory(NormSpec.batchNorm(), "all"),
                    10);
        }
        return ModelZoo.build(name, NormSpec.batchNorm(), 10).block();
    }

    static double absDiff(float[] w, float[] g) { double d = 0; for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d; }
    static double rel(float[] w, float[] g) { double s = 1e-12, d = 0; for (float v : w) s = Math.max(s, Math.abs(v)); for (int i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i] - g[i])); return d / s; }
    static Map<String, float[]> run(String name, Shape input, boolean f64, boolean channelsLast) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            Block b = build(name);
            b.initialize(m, DataType.FLOAT32, input);
            // SEED=s: another input and output weighting with the same weights
            if (System.getenv("SEED") != null) Engine.getInstance().setRandomSeed(Integer.parseInt(System.getenv("SEED")));
            NDArray x = m.randomNormal(input);
            // PERTURB=eps: the float32 NCHW run's input times (1 + eps·noise), to see how far
            // rounding-sized changes move the gradients (the check's own conditioning)
            double eps = Double.parseDouble(System.getenv().getOrDefault("PERTURB", "0"));
            if (eps > 0 && !f64 && !channelsLast) {
                float[] v = x.toFloatArray(); // Java's generator, so that the engine's draws stay the same
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
                for (int i = 0; i < v.length; i++) v[i] *= (float) (1 + eps * rnd.nextGaussian());
                x = m.create(v, input);
            }
            if (channelsLast) x = ChannelsLast.stored(m, x.toFloatArray(), input);
            NDArray r0 = m.randomNormal(b.getOutputShapes(new Shape[] {input})[0]);
            if (f64) {
                Block b2 = build(name);
                b2.initialize(m, DataType.FLOAT64, input);
                var p1 = b.getParameters(); var p2 = b2.getParameters();
                for (int i = 0; i < p1.size(); i++) p2.get(i).getValue().getArray().set(p1.get(i).getValue().getArray().toType(DataType.FLOAT64, true).toDoubleArray());
                b = b2; x = x.toType(DataType.FLOAT64, true); r0 = r0.toType(DataType.FLOAT64, true);
            }
            NDArray y;
            Engine.getInstance().setRandomSeed(5); // the same dropout masks in every run
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = b.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                gc.backward(y.mul(r0).sum());
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            out.put("output", y.toType(DataType.FLOAT32, true).toFloatArray());
            for (Pair<String, Parameter> p : b.getParameters())
                if (p.getValue().requiresGradient()) out.put(p.getKey(), p.getValue().getArray().getGradient().toType(DataType.FLOAT32, true).toFloatArray());
            return out;
        }
    }
}
