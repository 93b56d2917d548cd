package io.mixnorm.nn;

import io.mixnorm.gmm.GaussianMixture;
import java.util.SplittableRandom;

/**
 * Plain-Java float64 implementations of the transforms, written directly from the equations of the
 * specification (no shared code with the layers apart from the mixture value type).
 */
final class Reference {

    private Reference() {}

    /** NCHW (or NC) flat array to row-major (m, C) rows in (n, h, w) order. */
    static double[] rows(double[] x, long[] shape) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        double[] r = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < c; d++) {
                for (int p = 0; p < hw; p++) {
                    r[(i * hw + p) * c + d] = x[(i * c + d) * hw + p];
                }
            }
        }
        return r;
    }

    /** Inverse of {@link #rows}. */
    static double[] unrows(double[] r, long[] shape) {
        int n = (int) shape[0];
        int c = (int) shape[1];
        int hw = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
        double[] x = new double[r.length];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < c; d++) {
                for (int p = 0; p < hw; p++) {
                    x[(i * c + d) * hw + p] = r[(i * hw + p) * c + d];
                }
            }
        }
        return x;
    }

    /** Equation (1) directly: posteriors (m×K) of the rows under θ. */
    static double[] posteriors(double[] rows, int m, int c, GaussianMixture theta) {
        int k = theta.components();
        double[] tau = new double[m * k];
        for (int i = 0; i < m; i++) {
            double[] lp = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                double s = Math.log(theta.weight(j));
                for (int d = 0; d < c; d++) {
                    double v = theta.variance(j, d);
                    double e = rows[i * c + d] - theta.mean(j, d);
                    s += -0.5 * (e * e / v + Math.log(2 * Math.PI * v));
                }
                lp[j] = s;
                max = Math.max(max, s);
            }
            double z = 0;
            for (int j = 0; j < k; j++) {
                z += Math.exp(lp[j] - max);
            }
            for (int j = 0; j < k; j++) {
                tau[i * k + j] = Math.exp(lp[j] - max) / z;
            }
        }
        return tau;
    }

    /** Equations (2)–(7) given posteriors τ (m×K); returns the output rows. */
    static double[] transform(
            double[] rows,
            int m,
            int c,
            double[] tau,
            int k,
            double[] gamma,
            double[] beta,
            double eps) {
        double[] lambda = new double[k];
        double[] mean = new double[k * c];
        double[] var = new double[k * c];
        for (int j = 0; j < k; j++) {
            double n = 0;
            for (int i = 0; i < m; i++) {
                n += tau[i * k + j];
            }
            lambda[j] = n / m;
            for (int d = 0; d < c; d++) {
                double e = 0;
                for (int i = 0; i < m; i++) {
                    e += tau[i * k + j] / n * rows[i * c + d];
                }
                double v = 0;
                for (int i = 0; i < m; i++) {
                    double diff = rows[i * c + d] - e;
                    v += tau[i * k + j] / n * diff * diff;
                }
                mean[j * c + d] = e;
                var[j * c + d] = v;
            }
        }
        double[] y = new double[m * c];
        for (int i = 0; i < m; i++) {
            for (int d = 0; d < c; d++) {
                double xh = 0;
                for (int j = 0; j < k; j++) {
                    double lam = Math.max(lambda[j], MixtureNorm.LAMBDA_FLOOR);
                    xh +=
                            tau[i * k + j]
                                    / Math.sqrt(lam)
                                    * (rows[i * c + d] - mean[j * c + d])
                                    / Math.sqrt(var[j * c + d] + eps);
                }
                y[i * c + d] = gamma[d] * xh + beta[d];
            }
        }
        return y;
    }

    /**
     * The closed-form gradient of specification §4 for L = Σ δ∘y with τ fixed: returns {dL/dx rows,
     * dL/dγ, dL/dβ}.
     */
    static double[][] closedFormGradient(
            double[] rows,
            int m,
            int c,
            double[] tau,
            int k,
            double[] gamma,
            double[] delta,
            double eps) {
        double[] dx = new double[m * c];
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        double[] lambda = new double[k];
        double[] nk = new double[k];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < m; i++) {
                nk[j] += tau[i * k + j];
            }
            lambda[j] = nk[j] / m;
        }
        for (int d = 0; d < c; d++) {
            double[] xhatTotal = new double[m];
            for (int j = 0; j < k; j++) {
                double e = 0;
                for (int i = 0; i < m; i++) {
                    e += tau[i * k + j] / nk[j] * rows[i * c + d];
                }
                double v = 0;
                for (int i = 0; i < m; i++) {
                    double diff = rows[i * c + d] - e;
                    v += tau[i * k + j] / nk[j] * diff * diff;
                }
                double s = Math.sqrt(v + eps);
                double sumG = 0;
                double sumGx = 0;
                double[] g = new double[m];
                double[] xh = new double[m];
                for (int i = 0; i < m; i++) {
                    double a = tau[i * k + j] / Math.sqrt(lambda[j]);
                    xh[i] = (rows[i * c + d] - e) / s;
                    g[i] = gamma[d] * a * delta[i * c + d];
                    sumG += g[i];
                    sumGx += g[i] * xh[i];
                    xhatTotal[i] += a * xh[i];
                }
                for (int i = 0; i < m; i++) {
                    double v_ = tau[i * k + j] / nk[j];
                    dx[i * c + d] += (g[i] - v_ * sumG - v_ * xh[i] * sumGx) / s;
                }
            }
            for (int i = 0; i < m; i++) {
                dgamma[d] += delta[i * c + d] * xhatTotal[i];
                dbeta[d] += delta[i * c + d];
            }
        }
        return new double[][] {dx, dgamma, dbeta};
    }

    /** Random posteriors (rows sum to one), bounded away from zero. */
    static double[] randomPosteriors(int m, int k, SplittableRandom rng) {
        double[] t = new double[m * k];
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < k; j++) {
                t[i * k + j] = 0.05 + rng.nextDouble();
                s += t[i * k + j];
            }
            for (int j = 0; j < k; j++) {
                t[i * k + j] /= s;
            }
        }
        return t;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " != " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
