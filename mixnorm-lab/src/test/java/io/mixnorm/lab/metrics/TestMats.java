package io.mixnorm.lab.metrics;

import java.util.SplittableRandom;

/**
 * Small dense helpers for the metrics tests (deliberately naive, independent of the code under
 * test).
 */
final class TestMats {
    private TestMats() {}

    static double[][] mul(double[][] a, double[][] b) {
        int n = a.length;
        int p = b.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int k = 0; k < p; k++) {
                    s += a[i][k] * b[k][j];
                }
                c[i][j] = s;
            }
        }
        return c;
    }

    static double[][] t(double[][] a) {
        double[][] r = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                r[j][i] = a[i][j];
            }
        }
        return r;
    }

    static double[][] eye(int n) {
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            r[i][i] = 1;
        }
        return r;
    }

    static double[][] randn(SplittableRandom r, int n, int m) {
        double[][] a = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                a[i][j] = gauss(r);
            }
        }
        return a;
    }

    static double gauss(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    static double[][] randomSymmetric(SplittableRandom r, int n) {
        double[][] a = randn(r, n, n);
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = 0.5 * (a[i][j] + a[j][i]);
            }
        }
        return s;
    }

    /** A random SPD matrix G Gᵀ/m + ridge·I. */
    static double[][] randomSpd(SplittableRandom r, int n, double ridge) {
        double[][] g = randn(r, n, n + 3);
        double[][] s = mul(g, t(g));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] /= n + 3;
            }
            s[i][i] += ridge;
        }
        return s;
    }

    /** A random orthogonal matrix (Gram–Schmidt of a Gaussian matrix). */
    static double[][] randomOrthogonal(SplittableRandom r, int n) {
        double[][] q = randn(r, n, n);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += q[i][j] * q[k][j];
                }
                for (int j = 0; j < n; j++) {
                    q[i][j] -= dot * q[k][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[i][j] * q[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < n; j++) {
                q[i][j] /= norm;
            }
        }
        return q;
    }

    /** Q diag(d) Qᵀ. */
    static double[][] withSpectrum(double[][] q, double[] d) {
        int n = d.length;
        double[][] qd = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                qd[i][j] = q[i][j] * d[j];
            }
        }
        return mul(qd, t(q));
    }

    static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    /** Inverse by Gauss–Jordan with partial pivoting. */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(m[i][c]) > Math.abs(m[p][c])) {
                    p = i;
                }
            }
            double[] tmp = m[c];
            m[c] = m[p];
            m[p] = tmp;
            double inv = 1 / m[c][c];
            for (int j = 0; j < 2 * n; j++) {
                m[c][j] *= inv;
            }
            for (int i = 0; i < n; i++) {
                if (i != c) {
                    double f = m[i][c];
                    for (int j = 0; j < 2 * n; j++) {
                        m[i][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, r[i], 0, n);
        }
        return r;
    }

    /**
     * Principal square root of an SPD matrix by the Denman–Beavers iteration (no
     * eigendecomposition).
     */
    static double[][] sqrtDenmanBeavers(double[][] a) {
        int n = a.length;
        double[][] y = a;
        double[][] z = eye(n);
        for (int it = 0; it < 100; it++) {
            double[][] yi = inverse(y);
            double[][] zi = inverse(z);
            double[][] y2 = new double[n][n];
            double[][] z2 = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    y2[i][j] = 0.5 * (y[i][j] + zi[i][j]);
                    z2[i][j] = 0.5 * (z[i][j] + yi[i][j]);
                }
            }
            double delta = maxAbsDiff(y, y2);
            y = y2;
            z = z2;
            if (delta < 1e-15 * maxAbs(y)) {
                break;
            }
        }
        return y;
    }

    static double trace(double[][] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i][i];
        }
        return s;
    }
}
