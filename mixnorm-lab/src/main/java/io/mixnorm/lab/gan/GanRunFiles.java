package io.mixnorm.lab.gan;

import io.mixnorm.lab.report.Plots;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GAN run folder's files: config.json, metrics.csv, summary.json, curves.png, each written
 * atomically.
 */
public final class GanRunFiles {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String SUMMARY = "summary.json";
    public static final String PLOT = "curves.png";

    private final Path dir;
    private final GanConfig cfg;

    GanRunFiles(Path dir, GanConfig cfg) {
        this.dir = dir;
        this.cfg = cfg;
    }

    /** True when {@code dir} holds a GAN run (its config.json). */
    public static boolean hasRun(Path dir) {
        return Files.exists(dir.resolve(CONFIG));
    }

    void writeConfig() {
        AtomicFiles.writeString(dir.resolve(CONFIG), cfg.toJson() + "\n");
    }

    void writeResults(GanState st, String status) {
        StringBuilder csv = new StringBuilder(GanMetricsRow.CSV_HEADER).append('\n');
        for (GanMetricsRow r : st.metrics) {
            csv.append(r.toCsv()).append('\n');
        }
        AtomicFiles.writeString(dir.resolve(METRICS), csv.toString());
        GanTrainer.Summary s = summary(st, status, "");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("steps", st.step);
        m.put("total_steps", cfg.steps);
        m.put("norm", cfg.norm);
        m.put("best_score", s.best() == null ? null : s.best().score());
        m.put("best_score_step", s.best() == null ? null : s.best().step());
        m.put("train_seconds", st.trainSeconds);
        m.put("seed", cfg.seed);
        AtomicFiles.writeString(dir.resolve(SUMMARY), Json.GSON.toJson(m) + "\n");
        writePlot(st.metrics);
    }

    GanTrainer.Summary summary(GanState st, String scoreLabel) {
        return summary(st, st.step >= cfg.steps ? "finished" : "interrupted", scoreLabel);
    }

    private GanTrainer.Summary summary(GanState st, String status, String scoreLabel) {
        GanMetricsRow best = null;
        for (GanMetricsRow r : st.metrics) {
            if (!Double.isNaN(r.score()) && (best == null || r.score() < best.score())) {
                best = r;
            }
        }
        GanMetricsRow last = st.metrics.isEmpty() ? null : st.metrics.get(st.metrics.size() - 1);
        return new GanTrainer.Summary(status, st.step, cfg.steps, last, best, scoreLabel);
    }

    private void writePlot(List<GanMetricsRow> rows) {
        double[] steps = rows.stream().mapToDouble(GanMetricsRow::step).toArray();
        List<GanMetricsRow> scored = rows.stream().filter(r -> !Double.isNaN(r.score())).toList();
        String title = "DCGAN " + cfg.norm + " (seed " + cfg.seed + ")";
        Plots.write(
                dir.resolve(PLOT),
                List.of(
                        new Plots.Panel(
                                "Losses — " + title,
                                "steps",
                                "BCE",
                                List.of(
                                        new Plots.Series(
                                                "discriminator",
                                                steps,
                                                rows.stream()
                                                        .mapToDouble(GanMetricsRow::dLoss)
                                                        .toArray()),
                                        new Plots.Series(
                                                "generator",
                                                steps,
                                                rows.stream()
                                                        .mapToDouble(GanMetricsRow::gLoss)
                                                        .toArray()))),
                        new Plots.Panel(
                                "Score — " + title,
                                "steps",
                                "Fréchet distance (lower is better)",
                                List.of(
                                        new Plots.Series(
                                                "score",
                                                scored.stream()
                                                        .mapToDouble(GanMetricsRow::step)
                                                        .toArray(),
                                                scored.stream()
                                                        .mapToDouble(GanMetricsRow::score)
                                                        .toArray())))));
    }
}
