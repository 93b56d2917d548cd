package io.mixnorm.lab.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One evaluation of a run: a row of {@code metrics.csv}. Accuracies are fractions in [0, 1]. {@code
 * elapsedSeconds} is wall-clock since the run started, evaluations included; {@code trainSeconds}
 * counts only the training steps (data, forward, backward, update), the clock the studies use for
 * wall-clock speed-ups.
 *
 * <p>{@code testLoss}/{@code testAccuracy} are the headline: the first of the run's {@code
 * --eval-stats}. The same weights scored with each requested kind of norm statistics are in {@code
 * testAccuracyRunning}, {@code testAccuracyPrecise}, {@code testAccuracyBatch}: null (an empty CSV
 * field) when that kind was not requested.
 */
public record MetricsRow(
        long step,
        double epoch,
        double lr,
        double trainLoss,
        double trainAccuracy,
        double testLoss,
        double testAccuracy,
        double imagesPerSecond,
        double elapsedSeconds,
        double trainSeconds,
        Double testAccuracyRunning,
        Double testAccuracyPrecise,
        Double testAccuracyBatch)
        implements CsvRow {

    public static final String CSV_HEADER =
            "step,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,"
                + "images_per_second,elapsed_seconds,train_seconds,test_accuracy_running,test_accuracy_precise,"
                + "test_accuracy_batch";

    /** A row with the headline accuracy only. */
    public MetricsRow(
            long step,
            double epoch,
            double lr,
            double trainLoss,
            double trainAccuracy,
            double testLoss,
            double testAccuracy,
            double imagesPerSecond,
            double elapsedSeconds,
            double trainSeconds) {
        this(
                step,
                epoch,
                lr,
                trainLoss,
                trainAccuracy,
                testLoss,
                testAccuracy,
                imagesPerSecond,
                elapsedSeconds,
                trainSeconds,
                null,
                null,
                null);
    }

    public String toCsv() {
        return String.format(
                Locale.ROOT,
                "%d,%.4f,%.6g,%.6f,%.6f,%.6f,%.6f,%.2f,%.2f,%.2f,%s,%s,%s",
                step,
                epoch,
                lr,
                trainLoss,
                trainAccuracy,
                testLoss,
                testAccuracy,
                imagesPerSecond,
                elapsedSeconds,
                trainSeconds,
                optional(testAccuracyRunning),
                optional(testAccuracyPrecise),
                optional(testAccuracyBatch));
    }

    /**
     * Parses a row; rows written before {@code train_seconds} existed (9 fields) get NaN there,
     * rows before the per-statistics accuracies (10 fields) get null there.
     */
    public static MetricsRow parseCsv(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 9 && f.length != 10 && f.length != 13) {
            throw new IllegalArgumentException("expected 13 fields, got " + f.length + ": " + line);
        }
        return new MetricsRow(
                Long.parseLong(f[0]),
                d(f[1]),
                d(f[2]),
                d(f[3]),
                d(f[4]),
                d(f[5]),
                d(f[6]),
                d(f[7]),
                d(f[8]),
                f.length >= 10 ? d(f[9]) : Double.NaN,
                f.length == 13 ? opt(f[10]) : null,
                f.length == 13 ? opt(f[11]) : null,
                f.length == 13 ? opt(f[12]) : null);
    }

    /** Reads a run's {@code metrics.csv}. */
    public static List<MetricsRow> readCsv(Path csv) throws IOException {
        return CsvRow.read(csv, MetricsRow::parseCsv);
    }

    private static String optional(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static Double opt(String s) {
        return s.isEmpty() ? null : d(s);
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }
}
