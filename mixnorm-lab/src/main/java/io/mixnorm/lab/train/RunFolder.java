package io.mixnorm.lab.train;

import io.mixnorm.lab.report.Plots;
import io.mixnorm.lab.util.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The files of a run folder, for either kind of run: config.json, metrics.csv, summary.json and
 * curves.png, each rewritten whole and atomically.
 */
public abstract class RunFolder {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String PLOT = "curves.png";

    protected final Path dir;
    private final RunConfig cfg;

    protected RunFolder(Path dir, RunConfig cfg) {
        this.dir = dir;
        this.cfg = cfg;
    }

    /** True when {@code dir} already holds a run (its config.json). */
    public static boolean hasRun(Path dir) {
        return Files.exists(dir.resolve(CONFIG));
    }

    public void writeConfig() {
        AtomicFiles.writeString(dir.resolve(CONFIG), cfg.toJson() + "\n");
    }

    /** metrics.csv ({@code header} and the rows), summary.json and curves.png. */
    protected void writeResults(
            String header,
            List<? extends CsvRow> rows,
            String summaryJson,
            List<Plots.Panel> plot) {
        StringBuilder csv = new StringBuilder(header).append('\n');
        for (CsvRow r : rows) {
            csv.append(r.toCsv()).append('\n');
        }
        AtomicFiles.writeString(dir.resolve(METRICS), csv.toString());
        AtomicFiles.writeString(dir.resolve(SUMMARY), summaryJson + "\n");
        Plots.write(dir.resolve(PLOT), plot);
    }

    /** One value of each row, for a plot. */
    protected static <R> double[] column(List<R> rows, ToDoubleFunction<R> value) {
        return rows.stream().mapToDouble(value).toArray();
    }
}
