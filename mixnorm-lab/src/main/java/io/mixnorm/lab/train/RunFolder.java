package io.mixnorm.lab.train;

import io.mixnorm.lab.report.Plots;
import io.mixnorm.lab.util.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

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

    /**
     * A panel of curves over the steps of {@code rows}: the series {@code names}, {@code values}.
     */
    @SafeVarargs
    protected static <R extends CsvRow> Plots.Panel panel(
            String title,
            String yTitle,
            List<R> rows,
            List<String> names,
            ToDoubleFunction<R>... values) {
        double[] steps = rows.stream().mapToDouble(CsvRow::step).toArray();
        List<Plots.Series> series = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            double[] y = rows.stream().mapToDouble(values[i]).toArray();
            series.add(new Plots.Series(names.get(i), steps, y));
        }
        return new Plots.Panel(title, "steps", yTitle, series);
    }

    /** The row with the best {@code metric} (the first of equals; NaN never), or null. */
    protected static <R> R best(List<R> rows, ToDoubleFunction<R> metric, boolean higherIsBetter) {
        Comparator<R> order = Comparator.comparingDouble(metric);
        Stream<R> finite = rows.stream().filter(r -> !Double.isNaN(metric.applyAsDouble(r)));
        return (higherIsBetter ? finite.max(order) : finite.min(order)).orElse(null);
    }

    /** The newest row, or null. */
    protected static <R> R last(List<R> rows) {
        return rows.isEmpty() ? null : rows.get(rows.size() - 1);
    }
}
