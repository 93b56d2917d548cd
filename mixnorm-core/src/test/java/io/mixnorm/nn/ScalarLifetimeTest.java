package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Regression: NaN gradients in the lab's Cnn5 with MixtureNorm at every norm position. DJL's {@code
 * pow/maximum/mul/div(Number)} wrap the number in a temporary NDArray over a Java direct buffer and
 * close it at once, while autograd keeps that tensor for the backward pass; when the buffer had
 * been freed and its memory reused before {@code backward} (GC between forward and backward, more
 * likely the deeper the stack), {@code (V+ε)^-1/2}'s gradient read garbage. These tests free and
 * overwrite many such buffers between forward and backward and require the gradient to be finite
 * and equal to the one of an immediate backward.
 */
class ScalarLifetimeTest {

    /** Allocates, frees and garbage-collects many direct-buffer scalars holding NaN. */
    private static void churn(NDManager mgr) {
        for (int round = 0; round < 5; round++) {
            try (NDManager tmp = mgr.newSubManager()) {
                for (int i = 0; i < 4000; i++) {
                    tmp.create(new float[] {Float.NaN}).close();
                }
            }
            System.gc();
            try (NDManager tmp = mgr.newSubManager()) {
                for (int i = 0; i < 4000; i++) {
                    tmp.create(new float[] {Float.NaN});
                }
                System.gc();
            }
        }
    }

    private static float[] gradient(
            NDManager mgr, NDArray x0, Function<NDArray, NDArray> f, boolean churn) {
        try (NDManager sub = mgr.newSubManager()) {
            NDArray x = x0.duplicate();
            x.attach(sub);
            x.setRequiresGradient(true);
            NDArray w = sub.randomNormal(0, 1, x.getShape(), x.getDataType());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = f.apply(x).mul(w).sum();
                if (churn) {
                    churn(sub);
                }
                gc.backward(loss);
            }
            return x.getGradient().toFloatArray();
        }
    }

    private static void check(NDManager mgr, NDArray x, Function<NDArray, NDArray> f) {
        Engine.getInstance().setRandomSeed(7);
        float[] ref = gradient(mgr, x, f, false);
        Engine.getInstance().setRandomSeed(7);
        float[] got = gradient(mgr, x, f, true);
        for (float v : got) {
            assertTrue(Float.isFinite(v), "non-finite gradient");
        }
        assertArrayEquals(ref, got, 0f);
    }

    @Test
    void mixtureNormGradientSurvivesFreedScalarBuffers() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            // MN-like input statistics: second moment ≈ K, one component with tiny mass
            NDArray x =
                    mgr.randomNormal(
                            0,
                            1.7f,
                            new Shape(32, 16, 4, 4),
                            ai.djl.ndarray.types.DataType.FLOAT32);
            long m = 32 * 4 * 4;
            NDArray logits = mgr.randomNormal(new Shape(m, 3)).mul(3f);
            NDArray tau = logits.softmax(1);
            NDArray gamma = mgr.ones(new Shape(16));
            NDArray beta = mgr.zeros(new Shape(16));
            check(
                    mgr,
                    x,
                    xx ->
                            MixtureNorm.transformWithPosteriors(
                                    xx, tau.duplicate(), gamma, beta, 1e-5f));
        }
    }

    @Test
    void modeNormGradientSurvivesFreedScalarBuffers() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            NDArray x = mgr.randomNormal(new Shape(16, 8, 4, 4));
            NDArray w = mgr.randomNormal(new Shape(2, 8));
            NDArray wb = mgr.zeros(new Shape(2));
            NDArray a = mgr.ones(new Shape(8));
            NDArray b = mgr.zeros(new Shape(8));
            check(mgr, x, xx -> ModeNorm.transform(xx, w, wb, a, b, 1e-5f).y);
        }
    }
}
