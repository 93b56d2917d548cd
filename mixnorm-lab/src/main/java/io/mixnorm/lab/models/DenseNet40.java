package io.mixnorm.lab.models;

/**
 * DenseNet-40 (k = 12) of Huang et al. 2017 for CIFAR: 3 dense blocks of 12 BN-ReLU-conv3×3 layers,
 * first conv 16 channels, no bottleneck, no compression; ~1.02M parameters for 10 classes
 * (published: 1.0M). See {@link DenseNet} for the layout and the norm layer names.
 */
public final class DenseNet40 {
    public static final String NAME = "densenet40";

    /**
     * The paper puts MN in "a few" early BN modules; by default the first one, before the first
     * dense layer's conv.
     */
    public static final String DEFAULT_MN_LAYERS = "block1.layer1.norm";

    static final DenseNet.Config CONFIG = new DenseNet.Config(12, 12, false, 1.0, 16);

    private DenseNet40() {}
}
