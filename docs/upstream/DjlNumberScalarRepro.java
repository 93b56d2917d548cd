// DJL 0.36 (PyTorch engine): NDArray ops with a Number argument free the temporary scalar that
// autograd saved for backward. Standalone; run from the mixnorm repository root after a build:
//   java -cp "mixnorm-lab/target/lib/*" docs/upstream/DjlNumberScalarRepro.java
// (any class path with ai.djl:api, ai.djl.pytorch:pytorch-engine and the PyTorch native jars works)
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.function.BiFunction;

public class DjlNumberScalarRepro {
    public static void main(String[] args) {
        System.out.println("DJL " + Engine.getDjlVersion() + ", engine " + Engine.getInstance().getEngineName()
                + " " + Engine.getInstance().getVersion() + ", Java " + System.getProperty("java.version"));
        float[] x0 = {1f, 2f, 4f, 8f};
        // d/dx of sum(op(x, s)) with the scalar s given as a Number (DJL wraps it) and as a 0-d
        // array that PyTorch owns (manager.full): the two must agree, and agree with the formula.
        check("x.pow(-1)", x0, (x, s) -> s == null ? x.pow(-1) : x.pow(s), -1f,
                x -> -1 / (x * x));
        check("x.mul(3)", x0, (x, s) -> s == null ? x.mul(3) : x.mul(s), 3f, x -> 3);
        check("x.div(4)", x0, (x, s) -> s == null ? x.div(4) : x.div(s), 4f, x -> 0.25f);
        check("x.maximum(3)", x0, (x, s) -> s == null ? x.maximum(3) : x.maximum(s), 3f,
                x -> x > 3 ? 1 : 0);
    }

    interface Formula {
        float at(float x);
    }

    static void check(String name, float[] x0, BiFunction<NDArray, NDArray, NDArray> op, float scalar,
            Formula grad) {
        float[] expected = new float[x0.length];
        for (int i = 0; i < x0.length; i++) {
            expected[i] = grad.at(x0[i]);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] calm = gradient(m, x0, x -> op.apply(x, null), false);
            float[] viaNumber = gradient(m, x0, x -> op.apply(x, null), true);
            float[] viaArray = gradient(m, x0, x -> op.apply(x, m.full(new Shape(), scalar)), true);
            System.out.printf("%s: expected %s%n  Number, backward at once:               %s%n"
                    + "  Number, buffers reused before backward: %s  %s%n"
                    + "  0-d array PyTorch owns, same reuse:     %s%n",
                    name, Arrays.toString(expected), Arrays.toString(calm), Arrays.toString(viaNumber),
                    Arrays.equals(viaNumber, expected) ? "ok" : "<- WRONG", Arrays.toString(viaArray));
        }
    }

    /** Forward, then free and reuse many small direct buffers (as a busy program does), then backward. */
    static float[] gradient(NDManager m, float[] x0, java.util.function.Function<NDArray, NDArray> f,
            boolean reuse) {
        try (NDManager sub = m.newSubManager()) {
            NDArray x = sub.create(x0);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = f.apply(x).sum();
                if (reuse) {
                    churn(sub);
                }
                gc.backward(loss);
            }
            return x.getGradient().toFloatArray();
        }
    }

    /** Small direct buffers holding NaN, freed (GC frees the Java buffers) and allocated again. */
    static void churn(NDManager m) {
        for (int round = 0; round < 5; round++) {
            try (NDManager tmp = m.newSubManager()) {
                for (int i = 0; i < 4000; i++) {
                    tmp.create(new float[] {Float.NaN}).close();
                }
            }
            System.gc();
            try (NDManager tmp = m.newSubManager()) {
                for (int i = 0; i < 4000; i++) {
                    tmp.create(new float[] {Float.NaN});
                }
                System.gc();
            }
        }
    }
}
