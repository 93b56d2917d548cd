package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import java.util.SplittableRandom;

/**
 * {@link MixtureNorm.SampleMode#POSITION}: one sample {@code x_i ∈ R^C} per position, one
 * diagonal-covariance mixture over {@code R^C}, posteriors {@code (m, K)}; the matrix-product
 * formulation of {@link MixtureOps}.
 */
final class PositionSamples implements Samples {

    static final PositionSamples INSTANCE = new PositionSamples();

    private PositionSamples() {}

    @Override
    public boolean needsMixture(int k) {
        return k > 1;
    }

    @Override
    public GaussianMixture[] fit(
            GmmFitter fitter,
            double[] sample,
            int rows,
            int c,
            int k,
            GaussianMixture[] warm,
            SplittableRandom rng) {
        GaussianMixture w = warm == null ? null : warm[0];
        return new GaussianMixture[] {fitter.fit(sample, rows, c, k, w, rng).mixture()};
    }

    @Override
    public NDArray posteriors(NDArray rowsD, NDArray sqD, GaussianMixture[] theta) {
        if (theta == null) {
            return rowsD.getManager()
                    .ones(new Shape(rowsD.getShape().get(0), 1), rowsD.getDataType());
        }
        NDArray sq = sqD == null ? rowsD.square() : sqD;
        return MixtureOps.posteriorsFromLogJoint(MixtureOps.positionLogJoint(rowsD, sq, theta[0]));
    }

    @Override
    public MixtureOps.Result statistics(NDArray rows, NDArray sq, NDArray tau) {
        return MixtureOps.positionTransform(rows, sq, tau);
    }

    @Override
    public NDArray normalize(
            NDArray rows,
            NDArray tau,
            NDArray lambda,
            NDArray mean,
            NDArray var,
            NDArray gamma,
            NDArray beta,
            float eps) {
        return MixtureOps.apply(
                rows, tau, lambda, mean, var, gamma, beta, eps, MixtureNorm.LAMBDA_FLOOR);
    }
}
