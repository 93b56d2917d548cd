package io.mixnorm.lab.train;

import java.util.Locale;

/** One evaluation of a run: a row of {@code metrics.csv}. Accuracies are fractions in [0, 1]. */
public record MetricsRow(long step, double epoch, double lr, double trainLoss, double trainAccuracy,
        double testLoss, double testAccuracy, double imagesPerSecond, double elapsedSeconds) {

    public static final String CSV_HEADER =
            "step,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,images_per_second,elapsed_seconds";

    public String toCsv() {
        return String.format(Locale.ROOT, "%d,%.4f,%.6g,%.6f,%.6f,%.6f,%.6f,%.2f,%.2f", step, epoch, lr, trainLoss,
                trainAccuracy, testLoss, testAccuracy, imagesPerSecond, elapsedSeconds);
    }

    public static MetricsRow parseCsv(String line) {
        String[] f = line.split(",");
        if (f.length != 9) {
            throw new IllegalArgumentException("expected 9 fields, got " + f.length + ": " + line);
        }
        return new MetricsRow(Long.parseLong(f[0]), d(f[1]), d(f[2]), d(f[3]), d(f[4]), d(f[5]), d(f[6]), d(f[7]), d(f[8]));
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }
}
