package io.mixnorm.lab.gan;

import io.mixnorm.lab.train.CsvRow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One row of a GAN run's {@code metrics.csv}: mean discriminator and generator losses over the
 * steps since the previous row, the score when one was computed at this step (NaN, written empty,
 * otherwise), and the seconds spent in training steps so far (sampling and scoring excluded).
 */
public record GanMetricsRow(
        long step, double dLoss, double gLoss, double score, double trainSeconds)
        implements CsvRow {
    public static final String CSV_HEADER = "step,d_loss,g_loss,score,train_seconds";

    public String toCsv() {
        return String.format(
                Locale.ROOT,
                "%d,%.6f,%.6f,%s,%.2f",
                step,
                dLoss,
                gLoss,
                Double.isNaN(score) ? "" : String.format(Locale.ROOT, "%.6f", score),
                trainSeconds);
    }

    public static List<GanMetricsRow> readCsv(Path csv) throws IOException {
        return CsvRow.read(csv, GanMetricsRow::parseCsv);
    }

    /** Parses a row; an empty score is NaN. */
    public static GanMetricsRow parseCsv(String line) {
        String[] f = line.split(",", -1);
        return new GanMetricsRow(
                Long.parseLong(f[0]),
                Double.parseDouble(f[1]),
                Double.parseDouble(f[2]),
                f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3]),
                Double.parseDouble(f[4]));
    }
}
