package io.mixnorm.lab.models;

/**
 * DenseNet-BC-100 (k = 12) of Huang et al. 2017 for CIFAR: 3 dense blocks of 16 bottleneck layers
 * (BN-ReLU-conv1×1 to 4k, BN-ReLU-conv3×3 to k), compression 0.5 at the transitions, first conv 2k
 * = 24 channels; ~0.77M parameters for 10 classes (published: 0.8M). See {@link DenseNet} for the
 * layout and the norm layer names.
 */
public final class DenseNetBc100 {
    public static final String NAME = "densenet-bc100";

    /**
     * The first norm layer, before the first bottleneck conv (the paper: MN in a few early BN
     * modules).
     */
    public static final String DEFAULT_MN_LAYERS = "block1.layer1.norm1";

    static final DenseNet.Config CONFIG = new DenseNet.Config(16, 12, true, 0.5, 24);

    private DenseNetBc100() {}
}
