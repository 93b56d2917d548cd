package io.mixnorm.lab.metrics;

import io.mixnorm.lab.UserException;
import java.util.Arrays;

/**
 * An {@code n × d} matrix of float64 features, row-major (row {@code i} is sample {@code i}), with
 * the name of where it came from (a file path, or a label) for error messages.
 *
 * <p>The array is shared, not copied: callers must not modify it after construction.
 */
public final class FeatureMatrix {
    private final int rows;
    private final int cols;
    private final double[] data;
    private final String source;

    /**
     * @param rows number of samples {@code n ≥ 0}
     * @param cols number of features {@code d ≥ 1}
     * @param data row-major values, length {@code n·d} (not copied)
     * @param source where the matrix came from, for messages
     */
    public FeatureMatrix(int rows, int cols, double[] data, String source) {
        if (rows < 0 || cols < 1 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException(
                    "bad shape " + rows + "×" + cols + " for " + data.length + " values");
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.source = source;
    }

    /** Builds a matrix from rows (copied); all rows must have the same length. */
    public static FeatureMatrix of(double[][] rows, String source) {
        int d = rows.length == 0 ? 1 : rows[0].length;
        double[] out = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException(
                        "ragged rows: row "
                                + i
                                + " has "
                                + rows[i].length
                                + " values, expected "
                                + d);
            }
            System.arraycopy(rows[i], 0, out, i * d, d);
        }
        return new FeatureMatrix(rows.length, d, out, source);
    }

    /**
     * @return the number of samples {@code n}
     */
    public int rows() {
        return rows;
    }

    /**
     * @return the number of features {@code d}
     */
    public int cols() {
        return cols;
    }

    /**
     * @return the row-major values (shared, do not modify)
     */
    public double[] data() {
        return data;
    }

    /**
     * @return where the matrix came from
     */
    public String source() {
        return source;
    }

    /**
     * @return element {@code (i, j)}
     */
    public double get(int i, int j) {
        return data[i * cols + j];
    }

    /**
     * @return a copy of row {@code i}
     */
    public double[] row(int i) {
        return Arrays.copyOfRange(data, i * cols, (i + 1) * cols);
    }

    /**
     * Throws a {@link UserException} naming the source, row and column of the first NaN or infinite
     * value.
     */
    public void requireFinite() {
        for (int p = 0; p < data.length; p++) {
            if (!Double.isFinite(data[p])) {
                throw new UserException(
                        source
                                + ": row "
                                + (p / cols)
                                + ", column "
                                + (p % cols)
                                + " is "
                                + data[p]
                                + " (features must be finite)");
            }
        }
    }

    @Override
    public String toString() {
        return source + " (" + rows + "×" + cols + ")";
    }
}
