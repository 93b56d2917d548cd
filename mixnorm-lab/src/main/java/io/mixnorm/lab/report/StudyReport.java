package io.mixnorm.lab.report;

import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.CsvRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.awt.Color;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Function;

/**
 * A study's report, rebuilt from its run folders every time, every kind's: {@code results.csv} (one
 * row per run), {@code summary.json}, the plots, {@code report.md} and {@code report.html}. The
 * skeleton is the same for every kind; what a kind adds (its columns, tables, headline, plots and
 * figures) is its {@link ReportSection}: {@link ClassificationSection}, {@link GanSection}.
 */
public final class StudyReport {
    static final Color[] PALETTE = {
        new Color(31, 119, 180),
        new Color(214, 39, 40),
        new Color(44, 160, 44),
        new Color(148, 103, 189),
        new Color(255, 127, 14),
        new Color(140, 86, 75),
        new Color(227, 119, 194)
    };

    /**
     * summary.json keeps every key, with null where there is no value (no interval for one seed,
     * "never").
     */
    private static final com.google.gson.Gson WITH_NULLS =
            Json.GSON.newBuilder().serializeNulls().create();

    private StudyReport() {}

    /** What {@link #write} produced: report.md's path and the headline table (Markdown). */
    public record Written(Path report, String headline) {}

    /**
     * Writes every report file of the study folder {@code out}.
     *
     * @param loader reads a run's data (Figure 1 of a classification study)
     */
    public static Written write(
            StudySpec spec,
            Path out,
            List<String> commands,
            Function<TrainConfig, CifarSplits> loader) {
        return write(ReportSection.of(spec, out, loader), commands);
    }

    /** The report files besides report.md, as the reproduce command's last line names them. */
    public static String files(StudySpec spec) {
        return " (and report.html, results.csv, summary.json, "
                + ReportSection.of(spec, null, null).plots()
                + ")";
    }

    private static <R extends CsvRow, X> Written write(
            ReportSection<R, X> section, List<String> commands) {
        StudySpec spec = section.spec;
        Path out = section.out;
        StudyResults<R, X> results = StudyResults.of(spec, out, section.metric());
        StringBuilder csv = new StringBuilder(section.csvHeader()).append('\n');
        for (StudyResults.Run<R> r : results.runs()) {
            csv.append(String.join(",", section.csvFields(r, results.comparison(r)))).append('\n');
        }
        AtomicFiles.writeString(out.resolve("results.csv"), csv.toString());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("study", spec.name);
        if (!spec.kind().lrGrid()) {
            summary.put("kind", spec.kind().name());
        }
        summary.put("quick", spec.quick);
        summary.put("baseline", spec.baseline);
        summary.putAll(section.budget());
        summary.put("interval", Stats.METHOD);
        summary.put("runs_total", results.runs().size());
        summary.put("runs_over", results.over());
        section.summary(summary, results);
        AtomicFiles.writeString(out.resolve("summary.json"), WITH_NULLS.toJson(summary) + "\n");
        String figures = section.figures(results);

        StringBuilder md = new StringBuilder();
        ReportMarkdown.header(md, spec, results.over(), results.runs().size());
        md.append(section.intro(results));
        md.append("\n## Every run\n\n").append(ReportMarkdown.head(section.runsColumns()));
        for (StudyResults.Run<R> r : results.runs()) {
            md.append(section.runRow(r, results.comparison(r)));
        }
        md.append(figures).append("## Settings\n\n").append(section.settings());
        ReportMarkdown.footer(md, commands);
        md.append("## Files\n\n").append(section.filesText());
        Path report = out.resolve("report.md");
        AtomicFiles.writeString(report, md.toString());
        AtomicFiles.writeString(
                out.resolve("report.html"), ReportMarkdown.html(spec.name, md.toString()));
        return new Written(report, section.headline(results.aggregates()));
    }

    /** A CSV number: six significant digits, empty for NaN or none. */
    static String num(Double v) {
        return v == null || Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    /** The steps to the baseline's best: empty without a comparison, "never" when not reached. */
    static String stepsTo(StudyResults.Comparison<?, ?> c) {
        return c == null ? "" : c.steps() == null ? "never" : Long.toString(c.steps());
    }

    /** A run's folder in the study folder: runs/mn/seed-1. */
    static String runDir(StudyResults.Run<?> r) {
        return r.key().dir().toString().replace('\\', '/');
    }

    /** A "steps to" statistic with the seeds that never reached the target, of how many. */
    static Map<String, Object> withNever(Stats s, StudyResults.Aggregate<?, ?> a) {
        Map<String, Object> m = stats(s);
        m.put("never", a.never());
        m.put("seeds", a.compared());
        return m;
    }

    /** mean, ci95 [low, high], n; NaN (no data or no interval) becomes null. */
    static Map<String, Object> stats(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", finite(s.mean()));
        m.put("ci95", Double.isNaN(s.low()) ? null : List.of(s.low(), s.high()));
        m.put("sd", finite(s.sd()));
        m.put("n", s.n());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /**
     * The baseline's best (mean over its seeds) as a grey dashed level in each of {@code panels},
     * drawn to each one's {@code maxX}; nothing while no baseline run is compared.
     */
    static void baselineLevel(
            List<? extends StudyResults.Comparison<?, ?>> baselines,
            DoubleFunction<String> name,
            List<List<Plots.Series>> panels,
            double... maxX) {
        if (baselines.isEmpty()) {
            return;
        }
        double m = Stats.of(baselines.stream().map(c -> c.bnBest()).toList()).mean();
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).add(Plots.level(name.apply(m), maxX[i], m));
        }
    }

    static String timestamp() {
        return ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
    }
}
