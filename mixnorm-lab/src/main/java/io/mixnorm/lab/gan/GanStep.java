package io.mixnorm.lab.gan;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

/**
 * One DCGAN iteration, as the reference PyTorch DCGAN does it: one generator forward G(z); a
 * discriminator update on the real batch and on G(z) detached; then a generator update through the
 * updated discriminator on the same G(z), with the non-saturating loss. Losses are BCE on logits:
 *
 * <pre>
 * d_loss = mean softplus(−D(x)) + mean softplus(D(G(z)))      (−log σ(D(x)) − log(1 − σ(D(G(z)))))
 * g_loss = mean softplus(−D(G(z)))                           (−log σ(D(G(z))))
 * </pre>
 *
 * Updates happen outside the gradient recording (in-place updates of recorded leaves are errors);
 * G(z)'s recorded graph survives the discriminator's update, so the generator's backward reuses it.
 * The generator loss also reaches the discriminator's gradients: those are zeroed, not applied.
 */
public final class GanStep {
    private final GanNetworks nets;
    private final NDManager root;

    public GanStep(GanNetworks nets, NDManager root) {
        this.nets = nets;
        this.root = root;
    }

    /** The two losses of one step, each before its update. */
    public record Losses(float d, float g) {
        public boolean finite() {
            return Float.isFinite(d) && Float.isFinite(g);
        }
    }

    /**
     * @param real {@code n} real images, NCHW in [-1, 1]
     * @param z {@code n} latent vectors (n, 100, 1, 1)
     */
    public Losses run(float[] real, float[] z, int n, double lr) {
        Block g = nets.generator();
        Block d = nets.discriminator();
        ParameterStore ps = nets.parameterStore();
        try (NDManager sub = root.newSubManager()) {
            NDArray x = sub.create(real, Dcgan.discriminatorInput(n));
            NDArray latent = sub.create(z, Dcgan.generatorInput(n));
            NDArray fake;
            NDArray dLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                fake = g.forward(ps, new NDList(latent), true).singletonOrThrow();
                NDArray realLogits = d.forward(ps, new NDList(x), true).singletonOrThrow();
                NDArray fakeLogits =
                        d.forward(ps, new NDList(fake.stopGradient()), true).singletonOrThrow();
                dLoss = softplus(realLogits.neg()).mean().add(softplus(fakeLogits).mean());
                gc.backward(dLoss);
            }
            nets.optimizerD().step(lr);
            NDArray gLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray fakeLogits = d.forward(ps, new NDList(fake), true).singletonOrThrow();
                gLoss = softplus(fakeLogits.neg()).mean();
                gc.backward(gLoss);
            }
            nets.optimizerG().step(lr);
            nets.optimizerD().zeroGradients();
            return new Losses(dLoss.getFloat(), gLoss.getFloat());
        }
    }

    /** log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^−|x|). */
    static NDArray softplus(NDArray x) {
        return x.maximum(0f).add(x.abs().neg().exp().add(1f).log());
    }
}
