package io.mixnorm.lab.gan;

import io.mixnorm.lab.report.Plots;
import io.mixnorm.lab.train.RunFolder;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GAN run folder's files ({@link RunFolder}'s: config.json, metrics.csv, summary.json,
 * curves.png).
 */
public final class GanRunFiles extends RunFolder {
    private final GanConfig cfg;

    GanRunFiles(Path dir, GanConfig cfg) {
        super(dir, cfg);
        this.cfg = cfg;
    }

    void writeResults(GanState st, String status) {
        GanTrainingRun.Summary s = summary(st, status, "");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("steps", st.step);
        m.put("total_steps", cfg.steps);
        m.put("norm", cfg.norm);
        m.put("best_score", s.best() == null ? null : s.best().score());
        m.put("best_score_step", s.best() == null ? null : s.best().step());
        m.put("train_seconds", st.trainSeconds);
        m.put("seed", cfg.seed);
        writeResults(GanMetricsRow.CSV_HEADER, st.metrics, Json.GSON.toJson(m), plot(st.metrics));
    }

    GanTrainingRun.Summary summary(GanState st, String scoreLabel) {
        return summary(st, st.step >= cfg.steps ? "finished" : "interrupted", scoreLabel);
    }

    private GanTrainingRun.Summary summary(GanState st, String status, String scoreLabel) {
        GanMetricsRow best = null;
        for (GanMetricsRow r : st.metrics) {
            if (!Double.isNaN(r.score()) && (best == null || r.score() < best.score())) {
                best = r;
            }
        }
        GanMetricsRow last = st.metrics.isEmpty() ? null : st.metrics.get(st.metrics.size() - 1);
        return new GanTrainingRun.Summary(status, st.step, cfg.steps, last, best, scoreLabel);
    }

    private List<Plots.Panel> plot(List<GanMetricsRow> rows) {
        double[] steps = column(rows, GanMetricsRow::step);
        List<GanMetricsRow> scored = rows.stream().filter(r -> !Double.isNaN(r.score())).toList();
        String title = "DCGAN " + cfg.norm + " (seed " + cfg.seed + ")";
        return List.of(
                new Plots.Panel(
                        "Losses — " + title,
                        "steps",
                        "BCE",
                        List.of(
                                new Plots.Series(
                                        "discriminator", steps, column(rows, GanMetricsRow::dLoss)),
                                new Plots.Series(
                                        "generator", steps, column(rows, GanMetricsRow::gLoss)))),
                new Plots.Panel(
                        "Score — " + title,
                        "steps",
                        "Fréchet distance (lower is better)",
                        List.of(
                                new Plots.Series(
                                        "score",
                                        column(scored, GanMetricsRow::step),
                                        column(scored, GanMetricsRow::score)))));
    }
}
