package io.mixnorm.lab.study;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.gan.GanRunFiles;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * GAN runs' metric: the score (a Fréchet distance) of a {@code mixnorm gan} run's metrics.csv,
 * lower is better; only the rows the trainer scored are evaluations. No view beside the paper's
 * metric (the iterations to the BN generator's best score).
 */
public final class ScoreMetric extends StudyResults.Metric<GanMetricsRow, Void> {
    public static final ScoreMetric INSTANCE = new ScoreMetric();

    private ScoreMetric() {
        super(false);
    }

    /** What a run folder's summary.json says: status ("" when there is no run) and steps done. */
    public record Recorded(String status, long steps) {
        /** Finished with {@code cfg}'s budget (a run finished with a smaller one is continued). */
        public boolean finished(GanConfig cfg) {
            return status.equals("finished") && steps >= cfg.steps;
        }

        public static Recorded of(Path runDir) {
            Path f = runDir.resolve(GanRunFiles.SUMMARY);
            if (!Files.exists(f)) {
                return new Recorded("", 0);
            }
            try {
                JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                return new Recorded(o.get("status").getAsString(), o.get("steps").getAsLong());
            } catch (IOException | RuntimeException e) {
                // a damaged summary: the run's checkpoints decide, so continue it
                return new Recorded("interrupted", 0);
            }
        }
    }

    /**
     * The GAN trainer stops a diverged run with an exception and leaves its summary at "running";
     * the study records the divergence there, so that it reports the run as diverged and does not
     * train it again on the next invocation.
     */
    static void markDiverged(Path runDir, String message) {
        Path f = runDir.resolve(GanRunFiles.SUMMARY);
        JsonObject o = new JsonObject();
        try {
            if (Files.exists(f)) {
                JsonElement e = JsonParser.parseString(Files.readString(f));
                if (e.isJsonObject()) {
                    o = e.getAsJsonObject();
                }
            }
        } catch (IOException | RuntimeException e) {
            // rewrite it with what we know
        }
        o.addProperty("status", "diverged");
        o.addProperty("error", message);
        AtomicFiles.writeString(f, Json.GSON.toJson(o) + "\n");
    }

    @Override
    public StudyResults.Run<GanMetricsRow> read(StudySpec spec, StudySpec.RunKey key, Path dir) {
        GanConfig cfg = RunKind.GAN.config(spec, key, "study '" + spec.name + "'");
        Recorded rec = Recorded.of(dir);
        String status =
                switch (rec.status()) {
                    case "" -> "pending";
                    case "diverged" -> "diverged";
                    default -> rec.finished(cfg) ? "finished" : "interrupted";
                };
        List<GanMetricsRow> rows =
                StudyResults.rows(dir.resolve(GanRunFiles.METRICS), GanMetricsRow::parseCsv);
        return new StudyResults.Run<>(key, dir, status, rows, cfg.batchSize, this);
    }

    @Override
    public double value(GanMetricsRow row) {
        return row.score();
    }

    @Override
    public double trainSeconds(StudyResults.Run<GanMetricsRow> run, GanMetricsRow row) {
        return row.trainSeconds();
    }

    @Override
    public Void view(
            StudyResults.Run<GanMetricsRow> run,
            StudyResults.Run<GanMetricsRow> bn,
            List<StudyResults.Run<GanMetricsRow>> runs) {
        return null;
    }
}
