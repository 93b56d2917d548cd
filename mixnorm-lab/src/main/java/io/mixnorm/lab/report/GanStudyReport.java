package io.mixnorm.lab.report;

import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.study.GanKind;
import io.mixnorm.lab.study.GanStudyResults;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.util.AtomicFiles;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GAN study's report, rebuilt from its run folders every time: {@code results.csv} (one row per
 * run), {@code summary.json} (per variant: BN's best score and its step, {@code steps_to_bn_best},
 * {@code speedup_iterations}, {@code speedup_wallclock}, best and final scores, each as mean and
 * interval), {@code plots/scores.png} (score vs iterations and vs training seconds), {@code
 * report.md} and {@code report.html}, which embed each run's last sample grid.
 */
public final class GanStudyReport {
    public static final String PLOT = "plots/scores.png";

    private GanStudyReport() {}

    /**
     * Writes every report file into {@code out}; returns report.md's path and the headline table.
     */
    public static StudyReport.Written write(StudySpec spec, Path out, List<String> commands) {
        List<GanStudyResults.Run> runs = GanStudyResults.read(spec, out);
        List<GanStudyResults.Comparison> comps = GanStudyResults.compare(runs, spec.baseline);
        List<GanStudyResults.Aggregate> aggs = GanStudyResults.aggregate(spec, comps);
        AtomicFiles.writeString(out.resolve("results.csv"), resultsCsv(runs, comps));
        FeaturesModel features = FeaturesModel.pinned(out);
        Map<String, Object> summary = summaryJson(spec, runs, aggs);
        if (features != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("path", features.path());
            f.put("step", features.step());
            f.put("deterministic", features.deterministic());
            f.put("command", features.command());
            summary.put("features_model", f);
        }
        StudyReport.writeSummary(out, summary);
        boolean plotted = runs.stream().anyMatch(r -> !r.scored().isEmpty());
        if (plotted) {
            writePlot(out.resolve(PLOT), spec, runs, comps);
        }
        String md = GanReportMarkdown.render(spec, commands, features, runs, comps, aggs, plotted);
        return StudyReport.written(spec, out, md, GanReportMarkdown.headline(spec, aggs));
    }

    static String resultsCsv(
            List<GanStudyResults.Run> runs, List<GanStudyResults.Comparison> comps) {
        StringBuilder sb =
                new StringBuilder(
                        "variant,seed,status,steps,best_score,best_step,final_score,final_step,bn_best_score,bn_best_step,steps_to_bn_best,speedup_iterations,speedup_wallclock,train_seconds,last_samples,run_dir\n");
        for (GanStudyResults.Run r : runs) {
            GanStudyResults.Comparison c = comparisonOf(r, comps);
            GanMetricsRow best = r.best();
            GanMetricsRow fin = r.lastScored();
            GanMetricsRow last = r.rows().isEmpty() ? null : r.rows().get(r.rows().size() - 1);
            sb.append(
                            String.join(
                                    ",",
                                    r.key().variant(),
                                    Long.toString(r.key().seed()),
                                    r.status(),
                                    Long.toString(r.steps()),
                                    best == null ? "" : StudyReport.num(best.score()),
                                    best == null ? "" : Long.toString(best.step()),
                                    fin == null ? "" : StudyReport.num(fin.score()),
                                    fin == null ? "" : Long.toString(fin.step()),
                                    c == null ? "" : StudyReport.num(c.result().bnBestScore()),
                                    c == null ? "" : Long.toString(c.result().bnBestStep()),
                                    c == null
                                            ? ""
                                            : c.steps() == null
                                                    ? "never"
                                                    : Long.toString(c.steps()),
                                    c == null || c.speedupIterations() == null
                                            ? ""
                                            : StudyReport.num(c.speedupIterations()),
                                    c == null || c.speedupWallclock() == null
                                            ? ""
                                            : StudyReport.num(c.speedupWallclock()),
                                    last == null ? "" : StudyReport.num(last.trainSeconds()),
                                    r.lastGrid() == null ? "" : relative(r, r.lastGrid()),
                                    r.key().dir().toString().replace('\\', '/')))
                    .append('\n');
        }
        return sb.toString();
    }

    static GanStudyResults.Comparison comparisonOf(
            GanStudyResults.Run r, List<GanStudyResults.Comparison> comps) {
        return comps.stream().filter(x -> x.run() == r).findFirst().orElse(null);
    }

    /**
     * A file of a run as the report (in the study folder) links it:
     * runs/mn/seed-1/samples/step-002000.png.
     */
    static String relative(GanStudyResults.Run r, Path file) {
        return r.key().dir().resolve(r.dir().relativize(file)).toString().replace('\\', '/');
    }

    static Map<String, Object> summaryJson(
            StudySpec spec, List<GanStudyResults.Run> runs, List<GanStudyResults.Aggregate> aggs) {
        GanConfig first = RunKind.GAN.config(spec, spec.runs().get(0), "study");
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("score", GanKind.scoreLabel(spec));
        budget.put("score_samples", first.scoreSamples);
        budget.put("score_every", first.scoreEvery);
        budget.put("steps", first.steps);
        budget.put("batch_size", first.batchSize);
        budget.put("seeds", spec.seeds);
        Map<String, Object> root =
                StudyReport.summaryRoot(
                        spec,
                        budget,
                        runs.size(),
                        runs.stream().filter(GanStudyResults.Run::over).count());
        Map<String, Object> variants = new LinkedHashMap<>();
        for (GanStudyResults.Aggregate a : aggs) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("bn_best_score", StudyReport.stats(a.bnBestScore()));
            v.put("bn_best_step", StudyReport.stats(a.bnBestStep()));
            v.put("steps_to_bn_best", withNever(StudyReport.stats(a.steps()), a));
            v.put("speedup_iterations", withNever(StudyReport.stats(a.speedupIterations()), a));
            v.put("speedup_wallclock", withNever(StudyReport.stats(a.speedupWallclock()), a));
            v.put("best_score", StudyReport.stats(a.bestScore()));
            v.put("final_score", StudyReport.stats(a.finalScore()));
            variants.put(a.variant(), v);
        }
        root.put("variants", variants);
        return root;
    }

    private static Map<String, Object> withNever(
            Map<String, Object> m, GanStudyResults.Aggregate a) {
        return StudyReport.withNever(m, a.never(), a.compared());
    }

    /**
     * Left: score vs iterations, each variant's mean over seeds as a thick line and every seed as a
     * thin one, with BN's best (mean over seeds) in grey. Right: every seed vs training seconds.
     */
    private static void writePlot(
            Path png,
            StudySpec spec,
            List<GanStudyResults.Run> runs,
            List<GanStudyResults.Comparison> comps) {
        double maxStep = 0;
        double maxSeconds = 0;
        List<Plots.Series> bySteps = new ArrayList<>();
        List<Plots.Series> bySeconds = new ArrayList<>();
        for (int i = 0; i < spec.variants.size(); i++) {
            String v = spec.variantNames().get(i);
            Color color = StudyReport.PALETTE[i % StudyReport.PALETTE.length];
            Color thin = new Color(color.getRed(), color.getGreen(), color.getBlue(), 110);
            List<GanStudyResults.Run> rs =
                    runs.stream()
                            .filter(r -> r.key().variant().equals(v) && !r.scored().isEmpty())
                            .toList();
            for (GanStudyResults.Run r : rs) {
                List<GanMetricsRow> s = r.scored();
                double[] steps = col(s, GanMetricsRow::step);
                double[] secs = col(s, GanMetricsRow::trainSeconds);
                String label = v + " s" + r.key().seed();
                bySteps.add(
                        new Plots.Series(
                                label, steps, col(s, GanMetricsRow::score), thin, false, 1f));
                bySeconds.add(
                        new Plots.Series(
                                label, secs, col(s, GanMetricsRow::score), color, false, 1.5f));
                maxStep = Math.max(maxStep, steps[steps.length - 1]);
                maxSeconds = Math.max(maxSeconds, secs[secs.length - 1]);
            }
            double[][] mean = GanStudyResults.meanCurve(rs);
            if (rs.size() > 1 && mean[0].length > 0) {
                bySteps.add(
                        new Plots.Series(
                                v + " mean of " + rs.size() + " seeds",
                                mean[0],
                                mean[1],
                                color,
                                false,
                                3f));
            }
        }
        List<Double> bnBest =
                comps.stream()
                        .filter(c -> c.run().key().variant().equals(spec.baseline))
                        .map(c -> c.result().bnBestScore())
                        .toList();
        if (!bnBest.isEmpty()) {
            double m = Stats.of(bnBest).mean();
            String name = String.format(java.util.Locale.ROOT, "BN best %.2f (mean)", m);
            bySteps.add(Plots.level(name, maxStep, m));
            bySeconds.add(Plots.level(name, maxSeconds, m));
        }
        String score = GanKind.scoreLabel(spec) + ", lower is better";
        Plots.write(
                png,
                List.of(
                        new Plots.Panel(
                                "Score vs iterations — " + spec.name, "iterations", score, bySteps),
                        new Plots.Panel(
                                "Score vs training time — " + spec.name,
                                "training seconds",
                                score,
                                bySeconds)));
    }

    private static double[] col(
            List<GanMetricsRow> rows, java.util.function.ToDoubleFunction<GanMetricsRow> f) {
        return rows.stream().mapToDouble(f).toArray();
    }
}
