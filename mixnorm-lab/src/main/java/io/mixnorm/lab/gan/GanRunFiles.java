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
        GanMetricsRow best = best(st.metrics, GanMetricsRow::score, false);
        return new GanTrainingRun.Summary(
                status, st.step, cfg.steps, last(st.metrics), best, scoreLabel);
    }

    private List<Plots.Panel> plot(List<GanMetricsRow> rows) {
        String title = "DCGAN " + cfg.norm + " (seed " + cfg.seed + ")";
        return List.of(
                panel(
                        "Losses — " + title,
                        "BCE",
                        rows,
                        List.of("discriminator", "generator"),
                        GanMetricsRow::dLoss,
                        GanMetricsRow::gLoss),
                panel(
                        "Score — " + title,
                        "Fréchet distance (lower is better)",
                        rows.stream().filter(r -> !Double.isNaN(r.score())).toList(),
                        List.of("score"),
                        GanMetricsRow::score));
    }
}
