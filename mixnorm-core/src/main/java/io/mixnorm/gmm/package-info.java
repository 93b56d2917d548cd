/**
 * Diagonal-covariance Gaussian mixture models in plain Java (float64, no DJL): the immutable value
 * type {@link io.mixnorm.gmm.GaussianMixture} and the fitter {@link io.mixnorm.gmm.GmmFitter}
 * (k-means++ seeding, Lloyd steps, warm start, EM in log space with the variance/weight floors and
 * re-seeding of specification §3, and per-channel 1-D fits).
 *
 * <p>This package owns only the statistics of mixtures. It knows nothing of neural networks,
 * tensors, datasets or a CLI; {@code io.mixnorm.nn} uses it inside Mixture Normalization, and other
 * modules may use it for mixture-based metrics.
 */
package io.mixnorm.gmm;
