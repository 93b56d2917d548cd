package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.mixnorm.gmm.GaussianMixture;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PreciseStatistics} against float64 Java references: the statistics it writes must be the
 * equal-weight averages of the batches' own statistics, computed here independently of the layers'
 * running updates.
 */
class PreciseStatisticsTest extends NdTestBase {

    private List<NDList> batches(long[] shape, int count, long seed, double offset) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<NDList> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            int n = (int) new Shape(shape).size();
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (offset + (1 + 0.3 * b) * GaussianMixture.gaussian(rng));
            }
            out.add(new NDList(manager.create(v, new Shape(shape))));
        }
        return out;
    }

    /** Per-channel mean and unbiased variance of an (N, C, H, W) array, float64. */
    private static double[][] channelStats(NDArray a) {
        Shape s = a.getShape();
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int hw = (int) (s.size() / n / c);
        double[] v = MixtureNorm.toDoubles(a);
        double[] mean = new double[c];
        double[] var = new double[c];
        for (int d = 0; d < c; d++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < hw; p++) {
                    sum += v[(i * c + d) * hw + p];
                }
            }
            double mu = sum / (n * hw);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < hw; p++) {
                    double e = v[(i * c + d) * hw + p] - mu;
                    ss += e * e;
                }
            }
            mean[d] = mu;
            var[d] = ss / (n * hw - 1);
        }
        return new double[][] {mean, var};
    }

    private static double[] param(Block b, String name) {
        return MixtureNorm.toDoubles(b.getParameters().get(name).getArray());
    }

    private static double maxRelDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
        }
        return m;
    }

    @Test
    void batchNormGetsTheAverageOfItsBatchesStatisticsWhateverItsMomentum() {
        for (float momentum : new float[] {0.9f, 0.5f, 0.99f}) {
            Conv2d conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build();
            BatchNorm bn = BatchNorm.builder().optMomentum(momentum).build();
            SequentialBlock net =
                    new SequentialBlock().add(conv).add(bn).add(Activation.reluBlock());
            Shape in = new Shape(5, 3, 6, 6);
            net.setInitializer(new NormalInitializer(0.5f), ai.djl.nn.Parameter.Type.WEIGHT);
            net.initialize(manager, DataType.FLOAT32, in);
            ParameterStore ps = new ParameterStore(manager, false);
            List<NDList> data = batches(in.getShape(), 4, 3, 2.0);
            // a few training forwards so that the running values are not their initial ones
            for (NDList b : data) {
                net.forward(ps, b, true);
            }
            double[] gamma = param(bn, "gamma");

            PreciseStatistics.Report report = PreciseStatistics.recompute(net, ps, data);

            double[] mean = new double[4];
            double[] var = new double[4];
            for (NDList b : data) {
                double[][] s = channelStats(conv.forward(ps, b, false).singletonOrThrow());
                for (int d = 0; d < 4; d++) {
                    mean[d] += s[0][d] / data.size();
                    var[d] += s[1][d] / data.size();
                }
            }
            assertTrue(
                    maxRelDiff(param(bn, "runningMean"), mean) < 1e-5,
                    "momentum " + momentum + ": " + maxRelDiff(param(bn, "runningMean"), mean));
            assertTrue(
                    maxRelDiff(param(bn, "runningVar"), var) < 1e-5,
                    "momentum " + momentum + ": " + maxRelDiff(param(bn, "runningVar"), var));
            assertArrayEquals(gamma, param(bn, "gamma"), 0.0);
            assertEquals(4, report.batches());
            assertEquals(1, report.layers().size());
            assertEquals("02BatchNorm", report.layers().get(0).path());
            assertEquals(4, report.layers().get(0).channels());
        }
    }

    /** Two-mode data with known modes; MN's precise mixture must find them and average (2)–(5). */
    @Test
    void mixtureNormGetsAPopulationFitAndTheAverageOfItsBatchesStatistics() {
        int c = 2;
        MixtureNorm mn = MixtureNorm.builder().optComponents(2).optSeed(5).build();
        SequentialBlock net = new SequentialBlock().add(mn);
        Shape in = new Shape(400, c);
        net.initialize(manager, DataType.FLOAT32, in);
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom rng = new SplittableRandom(9);
        List<NDList> data = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            double[] v = new double[400 * c];
            for (int i = 0; i < 400; i++) {
                boolean second = rng.nextDouble() < 0.3;
                for (int d = 0; d < c; d++) {
                    v[i * c + d] =
                            (second ? 4.0 + d : -1.0)
                                    + (second ? 0.5 : 1.0) * GaussianMixture.gaussian(rng);
                }
            }
            rows.add(v);
            data.add(new NDList(manager.create(v, in).toType(DataType.FLOAT32, false)));
        }
        for (int step = 0; step < 3; step++) {
            net.forward(ps, data.get(step), true);
        }
        long calls = mn.getTrainingCalls();

        PreciseStatistics.recompute(net, ps, data);

        GaussianMixture theta = mn.getLastFit();
        int hi = theta.mean(0, 0) > theta.mean(1, 0) ? 0 : 1;
        assertEquals(0.3, theta.weight(hi), 0.03);
        assertEquals(4.0, theta.mean(hi, 0), 0.15);
        assertEquals(5.0, theta.mean(hi, 1), 0.15);
        assertEquals(-1.0, theta.mean(1 - hi, 0), 0.15);
        // the equal-weight average of equations (2)–(5) under θ, unbiased variances, in float64
        double[] lambda = new double[2];
        double[] mean = new double[2 * c];
        double[] var = new double[2 * c];
        for (double[] v : rows) {
            float[] f = new float[v.length];
            double[] x = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
                x[i] = f[i];
            }
            double[] tau = Reference.posteriors(x, 400, c, theta);
            for (int j = 0; j < 2; j++) {
                double n = 0;
                double n2 = 0;
                for (int i = 0; i < 400; i++) {
                    n += tau[i * 2 + j];
                }
                for (int i = 0; i < 400; i++) {
                    n2 += (tau[i * 2 + j] / n) * (tau[i * 2 + j] / n);
                }
                lambda[j] += n / 400 / rows.size();
                for (int d = 0; d < c; d++) {
                    double e = 0;
                    for (int i = 0; i < 400; i++) {
                        e += tau[i * 2 + j] / n * x[i * c + d];
                    }
                    double s = 0;
                    for (int i = 0; i < 400; i++) {
                        s += tau[i * 2 + j] / n * (x[i * c + d] - e) * (x[i * c + d] - e);
                    }
                    mean[j * c + d] += e / rows.size();
                    var[j * c + d] += s / (1 - n2) / rows.size();
                }
            }
        }
        assertTrue(maxRelDiff(param(mn, "runningWeights"), lambda) < 1e-4);
        assertTrue(
                maxRelDiff(param(mn, "runningMean"), mean) < 1e-4,
                java.util.Arrays.toString(param(mn, "runningMean"))
                        + " vs "
                        + java.util.Arrays.toString(mean));
        assertTrue(maxRelDiff(param(mn, "runningVar"), var) < 1e-4);
        assertEquals(calls, mn.getTrainingCalls(), "the random stream's counter must not move");
    }

    @Test
    void modeNormGetsTheAverageOfItsBatchesModeStatistics() {
        ModeNorm mo = ModeNorm.builder().optComponents(2).optSeed(3).build();
        SequentialBlock net = new SequentialBlock().add(mo);
        Shape in = new Shape(6, 3, 4, 4);
        net.initialize(manager, DataType.FLOAT32, in);
        ParameterStore ps = new ParameterStore(manager, false);
        List<NDList> data = batches(in.getShape(), 3, 8, 1.0);
        PreciseStatistics.recompute(net, ps, data);
        double[] mean = new double[6];
        double[] sq = new double[6];
        NDArray w = mo.getParameters().get("gateWeight").getArray();
        NDArray wb = mo.getParameters().get("gateBias").getArray();
        NDArray a = mo.getParameters().get("gamma").getArray();
        NDArray b = mo.getParameters().get("beta").getArray();
        for (NDList batch : data) {
            ModeNorm.Result r = ModeNorm.transform(batch.singletonOrThrow(), w, wb, a, b, 1e-5f);
            double[] mu = MixtureNorm.toDoubles(r.mean);
            double[] v = MixtureNorm.toDoubles(r.var);
            for (int i = 0; i < 6; i++) {
                mean[i] += mu[i] / data.size();
                sq[i] += (v[i] + mu[i] * mu[i]) / data.size();
            }
        }
        assertTrue(maxRelDiff(param(mo, "runningMean"), mean) < 1e-5);
        assertTrue(maxRelDiff(param(mo, "runningSqMean"), sq) < 1e-5);
    }

    @Test
    void batchStatisticsForwardNormalizesWithTheBatchAndChangesNoState() {
        BatchNorm bn = BatchNorm.builder().build();
        MixtureNorm mn = MixtureNorm.builder().optComponents(2).build();
        SequentialBlock net =
                new SequentialBlock().add(bn).add(Linear.builder().setUnits(3).build()).add(mn);
        Shape in = new Shape(64, 3);
        net.initialize(manager, DataType.FLOAT32, in);
        ParameterStore ps = new ParameterStore(manager, false);
        List<NDList> data = batches(in.getShape(), 3, 4, 3.0);
        for (NDList b : data) {
            net.forward(ps, b, true);
        }
        double[] rm = param(bn, "runningMean");
        double[] mixMean = param(mn, "runningMean");
        long calls = mn.getTrainingCalls();
        NDList x = batches(in.getShape(), 1, 77, -2.0).get(0);

        NDArray y = PreciseStatistics.batchStatisticsForward(bn, ps, x).singletonOrThrow();
        PreciseStatistics.batchStatisticsForward(net, ps, x);

        double[][] ref = channelStats(y.reshape(64, 3, 1, 1));
        for (int d = 0; d < 3; d++) {
            assertEquals(0, ref[0][d], 1e-5, "the output is normalized by the batch's own mean");
        }
        assertArrayEquals(rm, param(bn, "runningMean"), 0.0);
        assertArrayEquals(mixMean, param(mn, "runningMean"), 0.0);
        assertEquals(calls, mn.getTrainingCalls());
    }

    @Test
    void snapshotRestoresTheRunningStatistics() {
        BatchNorm bn = BatchNorm.builder().build();
        SequentialBlock net = new SequentialBlock().add(bn);
        Shape in = new Shape(8, 2, 3, 3);
        net.initialize(manager, DataType.FLOAT32, in);
        ParameterStore ps = new ParameterStore(manager, false);
        PreciseStatistics.Snapshot s = PreciseStatistics.snapshot(net);
        double[] before = param(bn, "runningVar");
        net.forward(ps, batches(in.getShape(), 1, 1, 5.0).get(0), true);
        assertTrue(maxRelDiff(param(bn, "runningVar"), before) > 1e-3);
        s.restore();
        assertArrayEquals(before, param(bn, "runningVar"), 0.0);
    }

    @Test
    void badInputIsAClearErrorAndLeavesTheStatisticsAlone() {
        BatchNorm bn = BatchNorm.builder().build();
        SequentialBlock net = new SequentialBlock().add(bn);
        Shape in = new Shape(8, 2, 3, 3);
        net.initialize(manager, DataType.FLOAT32, in);
        ParameterStore ps = new ParameterStore(manager, false);
        double[] before = param(bn, "runningMean");

        IllegalArgumentException none =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> PreciseStatistics.recompute(net, ps, List.of()));
        assertTrue(none.getMessage().contains("no batches"), none.getMessage());

        MixtureNorm mn = MixtureNorm.builder().optComponents(2).build();
        SequentialBlock mnNet = new SequentialBlock().add(mn);
        mnNet.initialize(manager, DataType.FLOAT32, in);
        List<NDList> wrong = new ArrayList<>(batches(in.getShape(), 1, 2, 0));
        wrong.addAll(batches(new long[] {8, 5, 3, 3}, 1, 2, 0));
        IllegalArgumentException shape =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> PreciseStatistics.recompute(mnNet, ps, wrong));
        assertTrue(
                shape.getMessage().contains("batch 2")
                        && shape.getMessage().contains("(8, 5, 3, 3)"),
                shape.getMessage());
        assertEquals(null, mn.population, "the pass is cleared after a failure");

        float[] nan = new float[8 * 2 * 3 * 3];
        java.util.Arrays.fill(nan, Float.NaN);
        double[] mnBefore = param(mn, "runningMean");
        assertThrows(
                NonFiniteInputException.class,
                () ->
                        PreciseStatistics.recompute(
                                mnNet, ps, List.of(new NDList(manager.create(nan, in)))),
                "a diverged network keeps its exception type");
        assertArrayEquals(mnBefore, param(mn, "runningMean"), 0.0);

        IllegalArgumentException noNorm =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                PreciseStatistics.recompute(
                                        new SequentialBlock().add(Activation.reluBlock()),
                                        ps,
                                        batches(in.getShape(), 1, 2, 0)));
        assertTrue(
                noNorm.getMessage().contains("no BatchNorm, MixtureNorm or ModeNorm"),
                noNorm.getMessage());
        assertArrayEquals(before, param(bn, "runningMean"), 0.0);
    }
}
