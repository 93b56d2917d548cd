package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.mixnorm.gmm.GaussianMixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModeNormTest extends NdTestBase {

    /** Images from two "domains": half of them offset and rescaled. */
    private static double[] twoDomains(long[] shape, SplittableRandom rng) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        double[] x = new double[n * c * hw];
        for (int i = 0; i < n; i++) {
            boolean other = i % 2 == 1;
            for (int d = 0; d < c; d++) {
                for (int p = 0; p < hw; p++) {
                    double v = GaussianMixture.gaussian(rng);
                    x[(i * c + d) * hw + p] = other ? 4 + 2 * v + d : v - d;
                }
            }
        }
        return x;
    }

    /** Specification §7 written directly, float64, two-pass variances. */
    private static double[] reference(
            double[] x,
            long[] shape,
            double[] w,
            double[] wb,
            double[] alpha,
            double[] beta,
            double eps,
            double[] runMean,
            double[] runVar) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        int k = wb.length;
        double[][] g = new double[n][k];
        for (int i = 0; i < n; i++) {
            double[] logit = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                logit[j] = wb[j];
                for (int d = 0; d < c; d++) {
                    double phi = 0;
                    for (int p = 0; p < hw; p++) {
                        phi += x[(i * c + d) * hw + p];
                    }
                    logit[j] += w[j * c + d] * phi / hw;
                }
                max = Math.max(max, logit[j]);
            }
            double z = 0;
            for (int j = 0; j < k; j++) {
                z += Math.exp(logit[j] - max);
            }
            for (int j = 0; j < k; j++) {
                g[i][j] = Math.exp(logit[j] - max) / z;
            }
        }
        double[] mu = new double[k * c];
        double[] var = new double[k * c];
        for (int j = 0; j < k; j++) {
            double nk = 0;
            for (int i = 0; i < n; i++) {
                nk += g[i][j] * hw;
            }
            for (int d = 0; d < c; d++) {
                if (runMean != null) {
                    mu[j * c + d] = runMean[j * c + d];
                    var[j * c + d] = runVar[j * c + d];
                    continue;
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        s += g[i][j] * x[(i * c + d) * hw + p];
                    }
                }
                double m = s / nk;
                double q = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        double e = x[(i * c + d) * hw + p] - m;
                        q += g[i][j] * e * e;
                    }
                }
                mu[j * c + d] = m;
                var[j * c + d] = q / nk;
            }
        }
        double[] y = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < c; d++) {
                for (int p = 0; p < hw; p++) {
                    double v = x[(i * c + d) * hw + p];
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += g[i][j] * (v - mu[j * c + d]) / Math.sqrt(var[j * c + d] + eps);
                    }
                    y[(i * c + d) * hw + p] = alpha[d] * s + beta[d];
                }
            }
        }
        return y;
    }

    @Test
    void trainingAndInferenceEqualFloat64Reference() {
        for (long[] shape : new long[][] {{6, 3, 4, 4}, {10, 4}}) {
            int c = (int) shape[1];
            SplittableRandom rng = new SplittableRandom(2);
            ModeNorm mo = ModeNorm.builder().optComponents(3).optSeed(5).optMomentum(0.25f).build();
            mo.initialize(manager, DataType.FLOAT64, new Shape(shape));
            double[] alpha = new double[c];
            double[] beta = new double[c];
            double[] w = new double[3 * c];
            for (int d = 0; d < c; d++) {
                alpha[d] = 0.5 + rng.nextDouble();
                beta[d] = rng.nextDouble() - 0.5;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = 0.6 * GaussianMixture.gaussian(rng);
            }
            double[] wb = {0.1, -0.2, 0.3};
            MixtureNorm.setValues(mo.getParameters().get("gamma").getArray(), alpha);
            MixtureNorm.setValues(mo.getParameters().get("beta").getArray(), beta);
            MixtureNorm.setValues(mo.getParameters().get("gateWeight").getArray(), w);
            MixtureNorm.setValues(mo.getParameters().get("gateBias").getArray(), wb);
            ParameterStore ps = new ParameterStore(manager, false);
            double[] runMean = new double[3 * c];
            double[] runSq = new double[3 * c];
            Arrays.fill(runSq, 1);
            for (int step = 0; step < 3; step++) {
                double[] x = twoDomains(shape, rng);
                double[] y = values(fwd(mo, ps, array(x, shape, DataType.FLOAT64), true));
                double[] ref = reference(x, shape, w, wb, alpha, beta, 1e-5, null, null);
                assertTrue(Reference.maxAbsDiff(ref, y) < 1e-9, "training " + step);
                // running E[x], E[x²] per mode, from the batch statistics of the reference
                double[] stats = batchStats(x, shape, w, wb);
                for (int i = 0; i < runMean.length; i++) {
                    runMean[i] = 0.75 * runMean[i] + 0.25 * stats[i];
                    runSq[i] = 0.75 * runSq[i] + 0.25 * stats[runMean.length + i];
                }
            }
            assertArrayEquals(
                    runMean, values(mo.getParameters().get("runningMean").getArray()), 1e-9);
            double[] x = twoDomains(shape, rng);
            double[] runVar = new double[runMean.length];
            for (int i = 0; i < runVar.length; i++) {
                runVar[i] = Math.max(runSq[i] - runMean[i] * runMean[i], 0);
            }
            double[] ref = reference(x, shape, w, wb, alpha, beta, 1e-5, runMean, runVar);
            double[] y = values(fwd(mo, ps, array(x, shape, DataType.FLOAT64), false));
            assertTrue(Reference.maxAbsDiff(ref, y) < 1e-9, "inference " + Arrays.toString(shape));
        }
    }

    /** Per-mode E[x] and E[x²] of a batch under the gates (K×C each, concatenated). */
    private static double[] batchStats(double[] x, long[] shape, double[] w, double[] wb) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        int k = wb.length;
        double[] out = new double[2 * k * c];
        double[][] g = new double[n][k];
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < k; j++) {
                double l = wb[j];
                for (int d = 0; d < c; d++) {
                    double phi = 0;
                    for (int p = 0; p < hw; p++) {
                        phi += x[(i * c + d) * hw + p];
                    }
                    l += w[j * c + d] * phi / hw;
                }
                g[i][j] = Math.exp(l);
                z += g[i][j];
            }
            for (int j = 0; j < k; j++) {
                g[i][j] /= z;
            }
        }
        for (int j = 0; j < k; j++) {
            double nk = 0;
            for (int i = 0; i < n; i++) {
                nk += g[i][j] * hw;
            }
            for (int d = 0; d < c; d++) {
                double s = 0;
                double s2 = 0;
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        double v = x[(i * c + d) * hw + p];
                        s += g[i][j] * v;
                        s2 += g[i][j] * v * v;
                    }
                }
                out[j * c + d] = s / nk;
                out[k * c + j * c + d] = s2 / nk;
            }
        }
        return out;
    }

    @Test
    void singleModeTrainingEqualsBatchNorm() {
        long[] shape = {6, 3, 4, 4};
        ModeNorm mo = ModeNorm.builder().optComponents(1).build();
        BatchNorm bn = BatchNorm.builder().build();
        mo.initialize(manager, DataType.FLOAT32, new Shape(shape));
        bn.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = array(twoDomains(shape, new SplittableRandom(1)), shape, DataType.FLOAT32);
        assertTrue(
                Reference.maxAbsDiff(values(fwd(bn, ps, x, true)), values(fwd(mo, ps, x, true)))
                        < 2e-5);
    }

    @Test
    void gradientsIncludingGatesMatchFiniteDifferences() {
        long[] shape = {4, 2, 2, 3};
        int c = 2;
        int k = 2;
        SplittableRandom rng = new SplittableRandom(9);
        double[] x = twoDomains(shape, rng);
        double[] w = {0.7, -0.4, -0.3, 0.5};
        double[] wb = {0.1, -0.1};
        double[] alpha = {1.2, 0.8};
        double[] beta = {0.3, -0.2};
        double[] r = new double[x.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = GaussianMixture.gaussian(rng);
        }
        double[][] params = {x, w, wb, alpha, beta};
        long[][] shapes = {shape, {k, c}, {k}, {c}, {c}};
        NDArray[] arrays = new NDArray[5];
        for (int i = 0; i < 5; i++) {
            arrays[i] = array(params[i], shapes[i], DataType.FLOAT64);
        }
        NDArray ra = array(r, shape, DataType.FLOAT64);
        double[][] grads = new double[5][];
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (NDArray a : arrays) {
                a.setRequiresGradient(true);
            }
            NDArray y =
                    ModeNorm.transform(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], 1e-5f)
                            .y;
            gc.backward(y.mul(ra).sum());
            for (int i = 0; i < 5; i++) {
                grads[i] = values(arrays[i].getGradient());
            }
        }
        double h = 1e-6;
        String[] names = {"x", "gateWeight", "gateBias", "alpha", "beta"};
        for (int which = 0; which < 5; which++) {
            double[] fd = new double[params[which].length];
            for (int i = 0; i < fd.length; i++) {
                double[][] plus = params.clone();
                double[][] minus = params.clone();
                plus[which] = params[which].clone();
                minus[which] = params[which].clone();
                plus[which][i] += h;
                minus[which][i] -= h;
                fd[i] = (loss(plus, shapes, r) - loss(minus, shapes, r)) / (2 * h);
            }
            double scale = Math.max(1, Reference.maxAbs(fd));
            assertTrue(
                    Reference.maxAbsDiff(fd, grads[which]) < 1e-6 * scale,
                    names[which]
                            + ": autograd "
                            + Arrays.toString(grads[which])
                            + " vs FD "
                            + Arrays.toString(fd));
        }
        assertTrue(Reference.maxAbs(grads[1]) > 1e-6, "the gates must receive gradient");
    }

    private double loss(double[][] p, long[][] shapes, double[] r) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray[] a = new NDArray[5];
            for (int i = 0; i < 5; i++) {
                a[i] = sub.create(p[i], new Shape(shapes[i]));
            }
            double[] y = ModeNorm.transform(a[0], a[1], a[2], a[3], a[4], 1e-5f).y.toDoubleArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += y[i] * r[i];
            }
            return s;
        }
    }

    @Test
    void gateInitialisationIsSeededAndNearUniform() {
        ModeNorm a = ModeNorm.builder().optComponents(4).optSeed(42L).build();
        ModeNorm b = ModeNorm.builder().optComponents(4).optSeed(42L).build();
        ModeNorm c = ModeNorm.builder().optComponents(4).optSeed(43L).build();
        for (ModeNorm m : new ModeNorm[] {a, b, c}) {
            m.initialize(manager, DataType.FLOAT32, new Shape(2, 16, 3, 3));
        }
        double[] wa = values(a.getParameters().get("gateWeight").getArray());
        double[] wc = values(c.getParameters().get("gateWeight").getArray());
        assertArrayEquals(wa, values(b.getParameters().get("gateWeight").getArray()), 0);
        assertTrue(Reference.maxAbsDiff(wa, wc) > 1e-4);
        for (double v : wa) {
            assertEquals(0.25, v, 0.06);
        }
    }

    @Test
    void inferenceIsPerImageAndSurvivesSaveLoad() throws IOException, MalformedModelException {
        long[] shape = {6, 3, 4, 4};
        ModeNorm mo = ModeNorm.builder().optSeed(3).build();
        mo.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        SplittableRandom rng = new SplittableRandom(6);
        for (int i = 0; i < 3; i++) {
            fwd(mo, ps, array(twoDomains(shape, rng), shape, DataType.FLOAT32), true);
        }
        double[] a = twoDomains(shape, rng);
        double[] b = twoDomains(shape, rng);
        int per = 48;
        System.arraycopy(a, 0, b, 0, per);
        double[] ya = values(fwd(mo, ps, array(a, shape, DataType.FLOAT32), false));
        double[] yb = values(fwd(mo, ps, array(b, shape, DataType.FLOAT32), false));
        for (int i = 0; i < per; i++) {
            assertEquals(ya[i], yb[i], 1e-5);
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        mo.saveParameters(new DataOutputStream(bos));
        ModeNorm copy = ModeNorm.builder().optSeed(99).build();
        copy.initialize(manager, DataType.FLOAT32, new Shape(shape));
        copy.loadParameters(
                manager, new DataInputStream(new ByteArrayInputStream(bos.toByteArray())));
        assertArrayEquals(
                ya,
                values(
                        fwd(
                                copy,
                                new ParameterStore(manager, false),
                                array(a, shape, DataType.FLOAT32),
                                false)),
                0);
        ModeNorm wrong = ModeNorm.builder().optComponents(3).build();
        wrong.initialize(manager, DataType.FLOAT32, new Shape(shape));
        assertThrows(
                MalformedModelException.class,
                () ->
                        wrong.loadParameters(
                                manager,
                                new DataInputStream(new ByteArrayInputStream(bos.toByteArray()))));
    }

    @Test
    void degenerateInputsAreFiniteAndNanThrows() {
        long[] shape = {3, 2, 2, 2};
        ModeNorm mo = ModeNorm.builder().build();
        mo.initialize(manager, DataType.FLOAT32, new Shape(shape));
        ParameterStore ps = new ParameterStore(manager, false);
        double[] constant = new double[24];
        Arrays.fill(constant, 3);
        double[] huge = twoDomains(shape, new SplittableRandom(1));
        for (int i = 0; i < huge.length; i++) {
            huge[i] = 1e6 * huge[i];
        }
        for (double[] x : new double[][] {constant, new double[24], huge}) {
            for (boolean training : new boolean[] {true, false}) {
                for (double v : values(fwd(mo, ps, array(x, shape, DataType.FLOAT32), training))) {
                    assertTrue(Double.isFinite(v));
                }
            }
        }
        ModeNorm one = ModeNorm.builder().build();
        one.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
        for (double v :
                values(
                        fwd(
                                one,
                                ps,
                                array(new double[] {1, 2}, new long[] {1, 2}, DataType.FLOAT32),
                                true))) {
            assertTrue(Double.isFinite(v));
        }
        double[] nan = new double[24];
        nan[7] = Double.NaN;
        for (boolean training : new boolean[] {true, false}) {
            NonFiniteInputException e =
                    assertThrows(
                            NonFiniteInputException.class,
                            () -> fwd(mo, ps, array(nan, shape, DataType.FLOAT32), training));
            assertTrue(e.getMessage().contains("ModeNorm") && e.getMessage().contains("NaN"));
        }
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModeNorm.builder().optComponents(0).build());
        assertTrue(e.getMessage().contains("K >= 1"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> ModeNorm.builder().optMomentum(-0.1f).build());
        ModeNorm mo = ModeNorm.builder().build();
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> mo.initialize(manager, DataType.FLOAT32, new Shape(4, 3, 2)));
        assertTrue(e.getMessage().contains("(N, C, H, W)"), e.getMessage());
        mo.initialize(manager, DataType.FLOAT32, new Shape(4, 3, 2, 2));
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                fwd(
                                        mo,
                                        new ParameterStore(manager, false),
                                        manager.ones(new Shape(4, 2, 2, 2)),
                                        true));
        assertTrue(e.getMessage().contains("C=3"), e.getMessage());
    }
}
