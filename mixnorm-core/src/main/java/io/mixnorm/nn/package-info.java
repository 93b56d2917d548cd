/**
 * DJL blocks for mixture-based normalization: {@link io.mixnorm.nn.MixtureNorm} (Kalayeh &amp;
 * Shah, TPAMI 2019) and {@link io.mixnorm.nn.ModeNorm} (Deecke et al., ICLR 2019), usable like
 * DJL's {@code BatchNorm} inside any {@code SequentialBlock}. {@link io.mixnorm.nn.NormSurgery}
 * puts them in place of selected {@code BatchNorm}s of an existing DJL block tree ({@link
 * io.mixnorm.nn.LayerSelection}: the selection syntax, shared with the lab's {@code --mn-layers}).
 *
 * <p>This package owns the layers' forward transforms, their running state and its serialisation.
 * It depends only on {@code ai.djl:api} (any engine at run time; tests use PyTorch) and on {@code
 * io.mixnorm.gmm} for the mixture fits. It knows nothing of datasets (CIFAR or other), training
 * loops, experiment configuration or a CLI.
 */
package io.mixnorm.nn;
