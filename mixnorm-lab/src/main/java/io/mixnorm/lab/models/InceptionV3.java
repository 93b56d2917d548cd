package io.mixnorm.lab.models;

import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.mixnorm.engine.ReleasingSequentialBlock;

/**
 * Inception-V3 (Szegedy et al., CVPR 2016) with torchvision's topology — Mixed_5b…Mixed_7c and
 * their channel widths unchanged ({@link InceptionModules}) — and a stem adapted to 32×32 inputs.
 *
 * <p>What changed against torchvision's {@code Inception3}, and why. At 299×299 torchvision's stem
 * shrinks the grid 8.5× (299 → 35) before Mixed_5b; the same stem would leave a 32×32 CIFAR image
 * at 2×2 there, and Mixed_6a/7a's unpadded stride-2 reductions would fail. So the stem keeps the
 * full 32×32 grid, and the Mixed blocks run on 32 / 15 / 7 — close to the 35 / 17 / 8 they were
 * designed for:
 *
 * <ul>
 *   <li>Conv2d_1a_3x3: stride 1 (was 2), padding 1 (was 0);
 *   <li>Conv2d_2a_3x3 and Conv2d_4a_3x3: padding 1 (was 0);
 *   <li>both 3×3/2 max-pools of the stem (after Conv2d_2b and Conv2d_4a) removed.
 * </ul>
 *
 * Parameters are those of torchvision's model without the auxiliary head (kernel shapes are
 * unchanged; only strides and paddings differ): 21,806,058 for 10 classes. Not ported: the
 * auxiliary classifier (its 5×5 pool/conv expects Mixed_6e at 17×17; it is optional in torchvision
 * and the paper's CIFAR use does not state it), and torchvision's truncated-normal initialisation
 * (the lab's He-normal is used for every model). The norm ε is the lab's (1e-5), not torchvision's
 * 1e-3. Dropout 0.5 before the classifier, as torchvision.
 *
 * <p>Cost: ~7.3 GFLOP per image forward (convs and FC, multiply-accumulates ×2) — about
 * torchvision's at 299×299, since the grids are similar; a GPU model, not a 2-core CPU one.
 *
 * <p>Norm layers (94, in forward order): {@code conv2d_1a_3x3.norm}, {@code conv2d_2a_3x3.norm},
 * {@code conv2d_2b_3x3.norm}, {@code conv2d_3b_1x1.norm}, {@code conv2d_4a_3x3.norm}, then {@code
 * mixed_5b.branch1x1.norm} … {@code mixed_7c.branch_pool.norm}.
 */
public final class InceptionV3 {
    public static final String NAME = "inception-v3";

    /**
     * The paper replaces "even a few" BN modules; which is not stated: by default the first, in the
     * stem.
     */
    public static final String DEFAULT_MN_LAYERS = "conv2d_1a_3x3.norm";

    private InceptionV3() {}

    /** The network and its forward FLOPs per 32×32 image. */
    record Built(SequentialBlock block, long forwardFlopsPerImage) {}

    static Built build(NormFactory norms, int numClasses) {
        return build(norms, numClasses, Kinks.KEEP);
    }

    /** With {@link Kinks#SMOOTH}: softplus and 3×3/2 average pools, for float64 checks. */
    static Built build(NormFactory norms, int numClasses, Kinks kinks) {
        InceptionModules m = new InceptionModules(norms, kinks);
        int s = 32;
        SequentialBlock net =
                new ReleasingSequentialBlock()
                        .add(m.basic("conv2d_1a_3x3", 3, 32, 3, 3, 1, 1, 1, s))
                        .add(m.basic("conv2d_2a_3x3", 32, 32, 3, 3, 1, 1, 1, s))
                        .add(m.basic("conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1, s))
                        .add(m.basic("conv2d_3b_1x1", 64, 80, 1, 1, 1, 0, 0, s))
                        .add(m.basic("conv2d_4a_3x3", 80, 192, 3, 3, 1, 1, 1, s))
                        .add(m.inceptionA("mixed_5b", 192, 32, s))
                        .add(m.inceptionA("mixed_5c", 256, 64, s))
                        .add(m.inceptionA("mixed_5d", 288, 64, s))
                        .add(m.inceptionB("mixed_6a", 288, s));
        s = Layers.outSide(s, 3, 2, 0);
        net.add(m.inceptionC("mixed_6b", 768, 128, s))
                .add(m.inceptionC("mixed_6c", 768, 160, s))
                .add(m.inceptionC("mixed_6d", 768, 160, s))
                .add(m.inceptionC("mixed_6e", 768, 192, s))
                .add(m.inceptionD("mixed_7a", 768, s));
        s = Layers.outSide(s, 3, 2, 0);
        net.add(m.inceptionE("mixed_7b", 1280, s))
                .add(m.inceptionE("mixed_7c", 2048, s))
                .add(Pool.globalAvgPool2dBlock())
                .add(Dropout.builder().optRate(0.5f).build())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(numClasses).build());
        return new Built(net, m.flops() + 2L * 2048 * numClasses);
    }

    /**
     * A short network with one Mixed block of each kind (A–E) in Inception-V3's order and widths
     * (one stem convolution to 32 channels, InceptionA with 32 pool features, InceptionC with c7 =
     * 32), no dropout: every kind of layer, grid and memory-format hand-over of the full network at
     * a fraction of its cost, for float64 checks at training batches.
     */
    static SequentialBlock oneBlockOfEachKind(NormFactory norms, int numClasses, Kinks kinks) {
        InceptionModules m = new InceptionModules(norms, kinks);
        int s = 32;
        SequentialBlock net =
                new ReleasingSequentialBlock()
                        .add(m.basic("stem", 3, 32, 3, 3, 1, 1, 1, s))
                        .add(m.inceptionA("mixed_a", 32, 32, s)) // 64 + 64 + 96 + 32 channels
                        .add(m.inceptionB("mixed_b", 256, s)); // 384 + 96 + 256
        s = Layers.outSide(s, 3, 2, 0);
        net.add(m.inceptionC("mixed_c", 736, 32, s)).add(m.inceptionD("mixed_d", 768, s));
        s = Layers.outSide(s, 3, 2, 0);
        return net.add(m.inceptionE("mixed_e", 1280, s))
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(numClasses).build());
    }
}
