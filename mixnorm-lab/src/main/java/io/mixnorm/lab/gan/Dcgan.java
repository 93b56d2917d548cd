package io.mixnorm.lab.gan;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.NormalInitializer;
import io.mixnorm.engine.PaddedConv2d;
import io.mixnorm.engine.ReleasingSequentialBlock;
import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.models.NormFactory;
import io.mixnorm.lab.models.NormSpec;
import java.util.List;

/**
 * DCGAN (Radford et al. 2016) for 32×32 images, the GAN of the paper's §8 experiment.
 *
 * <pre>
 * G: z (N,100,1,1) → convT 4×4/1 → 4×4×512   → norm g.norm1 → ReLU     (MN here by default)
 *                  → convT 4×4/2 p1 → 8×8×256  → norm g.norm2 → ReLU
 *                  → convT 4×4/2 p1 → 16×16×128 → norm g.norm3 → ReLU
 *                  → convT 4×4/2 p1 → 32×32×3  → tanh
 * D: x (N,3,32,32) → conv 4×4/2 p1 → 16×16×64 → LeakyReLU 0.2         (no norm on the first layer)
 *                  → conv 4×4/2 p1 → 8×8×128  → BN → LeakyReLU 0.2
 *                  → conv 4×4/2 p1 → 4×4×256  → BN → LeakyReLU 0.2
 *                  → conv 4×4/1   → 1×1×1    → flatten → (N,1) logit
 * </pre>
 *
 * Transposed convolutions are {@link TransposedConv2d} (DJL's PyTorch engine lacks deconvolution).
 * Convolutions have no bias (each is followed by a norm, or is the output, as in the reference
 * PyTorch DCGAN). Conv weights are N(0, 0.02) as in the DCGAN paper; norm scales start at 1. Only
 * the generator's norm layers go through {@link NormFactory}, so {@code --mn-layers} chooses among
 * them; the discriminator always uses BN, so that a score difference comes from the generator.
 */
public final class Dcgan {
    public static final int LATENT = 100;

    /** The paper replaces "a few" generator BN layers; we default to the first (4×4×512). */
    public static final String DEFAULT_MN_LAYERS = "g.norm1";

    private static final int[] G_WIDTHS = {512, 256, 128};
    private static final int[] D_WIDTHS = {64, 128, 256};

    private Dcgan() {}

    /** A generator with the norm layers it got. */
    public record Generator(Block block, List<LayerInfo> norms) {}

    public static Shape generatorInput(long n) {
        return new Shape(n, LATENT, 1, 1);
    }

    public static Shape discriminatorInput(long n) {
        return new Shape(n, 3, 32, 32);
    }

    /**
     * Builds the generator; throws a {@code UserException} listing the valid names for an unknown
     * --mn-layers entry.
     */
    public static Generator generator(NormSpec spec) {
        NormFactory norms = new NormFactory(spec, DEFAULT_MN_LAYERS);
        SequentialBlock g = new ReleasingSequentialBlock();
        for (int i = 0; i < G_WIDTHS.length; i++) {
            g.add(deconv(G_WIDTHS[i], i == 0 ? 1 : 2, i == 0 ? 0 : 1));
            g.add(norms.create("g.norm" + (i + 1), G_WIDTHS[i]));
            g.add(Activation.reluBlock());
        }
        g.add(deconv(3, 2, 1));
        g.add(Activation.tanhBlock());
        norms.checkSelectionUsed();
        g.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        return new Generator(g, norms.layers());
    }

    public static Block discriminator() {
        SequentialBlock d = new ReleasingSequentialBlock();
        for (int i = 0; i < D_WIDTHS.length; i++) {
            d.add(conv(D_WIDTHS[i], 2, 1));
            if (i > 0) {
                // DJL's momentum is the weight of the old running value: 0.9 is PyTorch's 0.1.
                d.add(BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build());
            }
            d.add(Activation.leakyReluBlock(0.2f));
        }
        d.add(conv(1, 1, 0));
        d.add(Blocks.batchFlattenBlock());
        d.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        return d;
    }

    private static Block deconv(int filters, int stride, int pad) {
        return new TransposedConv2d(filters, 4, stride, pad);
    }

    private static Block conv(int filters, int stride, int pad) {
        return new PaddedConv2d(
                filters, 4, stride, pad); // its last layer's single filter: see PaddedConv2d
    }
}
