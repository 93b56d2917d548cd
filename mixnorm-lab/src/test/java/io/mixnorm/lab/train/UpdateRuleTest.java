package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each optimizer against a plain float64 transcription of PyTorch's update rule, on a quadratic.
 */
class UpdateRuleTest {
    private static final double[] C = {1.0, 0.5, 2.0};
    private static final double[] D = {0.3, -1.0, 0.1};
    private static final double[] W0 = {1.0, -2.0, 0.5};

    @ParameterizedTest
    @CsvSource({
        "sgd,0.0,false",
        "sgd,0.01,false",
        "sgd,0.01,true",
        "adam,0.0,false",
        "adam,0.01,false",
        "adamw,0.01,false"
    })
    void matchesFloat64Reference(String kind, double wd, boolean nesterov) {
        double lr = 0.05;
        double momentum = 0.9;
        int steps = 6;
        double[] ref = reference(kind, wd, nesterov, lr, momentum, steps);
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
            NDArray w = m.create(new float[] {(float) W0[0], (float) W0[1], (float) W0[2]});
            w.setRequiresGradient(true);
            p.setArray(w);
            UpdateRule opt = new UpdateRule(kind, wd, momentum, nesterov, List.of(p));
            NDArray c = m.create(new float[] {(float) C[0], (float) C[1], (float) C[2]});
            NDArray d = m.create(new float[] {(float) D[0], (float) D[1], (float) D[2]});
            for (int s = 0; s < steps; s++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = w.square().mul(c).sum().div(2).add(w.mul(d).sum());
                    gc.backward(loss);
                }
                opt.step(lr);
            }
            float[] got = w.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(ref[i], got[i], 1e-5, kind + " coordinate " + i);
            }
            assertEquals(steps, opt.stepCount());
        }
    }

    /** PyTorch's SGD/Adam/AdamW, float64, gradient g = C·w + D. */
    static double[] reference(
            String kind, double wd, boolean nesterov, double lr, double mu, int steps) {
        double[] w = W0.clone();
        double[] b = new double[3];
        double[] mm = new double[3];
        double[] v = new double[3];
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < 3; i++) {
                double g = C[i] * w[i] + D[i];
                if (kind.equals("adamw")) {
                    w[i] *= 1 - lr * wd;
                } else {
                    g += wd * w[i];
                }
                if (kind.equals("sgd")) {
                    b[i] = mu * b[i] + g;
                    w[i] -= lr * (nesterov ? g + mu * b[i] : b[i]);
                } else {
                    mm[i] = 0.9 * mm[i] + 0.1 * g;
                    v[i] = 0.999 * v[i] + 0.001 * g * g;
                    double mhat = mm[i] / (1 - Math.pow(0.9, t));
                    double vhat = v[i] / (1 - Math.pow(0.999, t));
                    w[i] -= lr * mhat / (Math.sqrt(vhat) + 1e-8);
                }
            }
        }
        return w;
    }
}
