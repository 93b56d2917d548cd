package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * SGD (momentum, Nesterov), Adam and AdamW with PyTorch's update rules, written out so that the
 * whole state (moment buffers and step count) can be checkpointed and restored exactly — DJL's
 * built-in optimizers keep theirs private.
 *
 * <pre>
 * sgd:   g ← g + wd·w;  b ← μ·b + g;  w ← w − lr·(nesterov ? g + μ·b : b)
 * adam:  g ← g + wd·w;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *        w ← w − lr·(m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
 * adamw: as adam with wd = 0 in g, and w ← w·(1 − lr·wd) first (decoupled decay)
 * </pre>
 *
 * β1 = 0.9, β2 = 0.999 by default (DCGAN uses β1 = 0.5), ε = 1e-8. Gradients are zeroed after each
 * update.
 */
public final class UpdateRule {
    private static final double EPS = 1e-8;

    private final String kind;
    private final double weightDecay;
    private final double momentum;
    private final boolean nesterov;
    private final double beta1;
    private final double beta2;
    private final List<Parameter> params;
    private final List<NDArray[]> state = new ArrayList<>();
    private long t;

    public UpdateRule(
            String kind,
            double weightDecay,
            double momentum,
            boolean nesterov,
            List<Parameter> params) {
        this(kind, weightDecay, momentum, nesterov, 0.9, 0.999, params);
    }

    /** With Adam's betas given (ignored by SGD). */
    public UpdateRule(
            String kind,
            double weightDecay,
            double momentum,
            boolean nesterov,
            double beta1,
            double beta2,
            List<Parameter> params) {
        this.kind = kind;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.params = List.copyOf(params);
        int buffers = kind.equals("sgd") ? 1 : 2;
        for (Parameter p : this.params) {
            NDArray w = p.getArray();
            NDArray[] s = new NDArray[buffers];
            for (int i = 0; i < buffers; i++) {
                s[i] = w.zerosLike();
            }
            state.add(s);
        }
    }

    /**
     * Applies one update with learning rate {@code lr} to every parameter, then zeroes gradients.
     */
    public void step(double lr) {
        t++;
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i).getArray();
            try (NDManager tmp = w.getManager().newSubManager()) {
                NDArray grad = w.getGradient();
                grad.attach(tmp);
                NDArray g = grad.duplicate();
                g.attach(tmp);
                update(w, g, state.get(i), lr, tmp);
                grad.muli(0);
            }
        }
    }

    private void update(NDArray w, NDArray g, NDArray[] s, double lr, NDManager tmp) {
        if (kind.equals("adamw")) {
            w.muli(1 - lr * weightDecay);
        } else if (weightDecay != 0) {
            g.addi(keep(w.mul(weightDecay), tmp));
        }
        if (kind.equals("sgd")) {
            NDArray buf = s[0];
            buf.muli(momentum).addi(g);
            NDArray d = nesterov ? g.addi(keep(buf.mul(momentum), tmp)) : buf;
            w.subi(keep(d.mul(lr), tmp));
            return;
        }
        NDArray m = s[0];
        NDArray v = s[1];
        m.muli(beta1).addi(keep(g.mul(1 - beta1), tmp));
        v.muli(beta2).addi(keep(g.square().muli(1 - beta2), tmp));
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        NDArray denom = keep(keep(v.div(bc2), tmp).sqrt(), tmp).addi(EPS);
        w.subi(keep(m.mul(lr / bc1), tmp).divi(denom));
    }

    private static NDArray keep(NDArray a, NDManager tmp) {
        a.attach(tmp);
        return a;
    }

    /**
     * Zeroes the gradients of this optimizer's parameters without updating them: a GAN's generator
     * loss back-propagates through the discriminator too, and those gradients must not leak into
     * the discriminator's next update.
     */
    public void zeroGradients() {
        for (Parameter p : params) {
            NDArray w = p.getArray();
            try (NDManager tmp = w.getManager().newSubManager()) {
                NDArray grad = w.getGradient();
                grad.attach(tmp);
                grad.muli(0);
            }
        }
    }

    /** The moment buffers, parameter by parameter, for checkpoints. */
    public List<NDArray> stateArrays() {
        List<NDArray> all = new ArrayList<>();
        for (NDArray[] s : state) {
            all.addAll(List.of(s));
        }
        return all;
    }

    public long stepCount() {
        return t;
    }

    /**
     * Restores buffers saved by {@link #stateArrays()} (values copied in place) and the step count.
     */
    public void restore(List<NDArray> arrays, long stepCount) {
        List<NDArray> mine = stateArrays();
        if (arrays.size() != mine.size()) {
            throw new IllegalStateException(
                    "optimizer state has " + arrays.size() + " buffers, expected " + mine.size());
        }
        for (int i = 0; i < mine.size(); i++) {
            if (!mine.get(i).getShape().equals(arrays.get(i).getShape())) {
                throw new IllegalStateException(
                        "optimizer buffer "
                                + i
                                + " has shape "
                                + arrays.get(i).getShape()
                                + ", expected "
                                + mine.get(i).getShape());
            }
            // an indexed copy, not set(Buffer): DJL's torchSet makes PyTorch print a deprecation
            // warning
            mine.get(i).set(new ai.djl.ndarray.index.NDIndex("..."), arrays.get(i));
        }
        this.t = stepCount;
    }
}
