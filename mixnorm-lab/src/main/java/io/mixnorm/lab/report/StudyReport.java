package io.mixnorm.lab.report;

import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StepsToTarget;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.awt.Color;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A study's report, rebuilt from its run folders: {@code results.csv} (one row per run), {@code
 * summary.json} (per learning rate: {@code speedup_rescaling}, {@code thresholds} and {@code
 * steps_to_threshold}, {@code bn_max_test_accuracy}, {@code steps_to_bn_max} per variant, {@code
 * speedup_iterations}, {@code speedup_wallclock}, each as mean and interval), {@code
 * plots/<setting>.png}, {@code figure1.png}, {@code report.md} and {@code report.html}.
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
     * Writes every report file of the study folder {@code out}, as the study's {@link RunKind}
     * reports: a GAN study's is {@link GanStudyReport}'s.
     *
     * @param loader reads a run's data (Figure 1 of a classification study)
     */
    public static Written write(
            StudySpec spec,
            Path out,
            List<String> commands,
            Function<TrainConfig, CifarSplits> loader) {
        return spec.kind() == RunKind.GAN
                ? GanStudyReport.write(spec, out, commands)
                : classification(spec, out, commands, loader);
    }

    /** The report files besides report.md, as the reproduce command's last line names them. */
    public static String files(StudySpec spec) {
        return spec.kind() == RunKind.GAN
                ? " (and report.html, results.csv, summary.json, " + GanStudyReport.PLOT + ")"
                : " (and report.html, results.csv, summary.json, plots/)";
    }

    private static Written classification(
            StudySpec spec,
            Path out,
            List<String> commands,
            Function<TrainConfig, CifarSplits> loader) {
        List<StudyResults.Run> runs = StudyResults.read(spec, out);
        List<StudyResults.Comparison> comps = StudyResults.compare(runs, spec.baseline);
        List<StudyResults.Aggregate> aggs = StudyResults.aggregate(spec, comps);
        AtomicFiles.writeString(out.resolve("results.csv"), resultsCsv(runs, comps));
        writeSummary(out, summaryJson(spec, runs, aggs));
        List<String> plots = new ArrayList<>();
        for (double lr : spec.lrs) {
            String name = StudySpec.settingName(lr);
            List<StudyResults.Run> rs =
                    runs.stream().filter(r -> r.key().lr() == lr && !r.rows().isEmpty()).toList();
            if (!rs.isEmpty()) {
                writeCurves(out.resolve("plots").resolve(name + ".png"), spec, lr, rs, comps);
                plots.add(name);
            }
        }
        String figure = Figure1Section.write(spec, out, runs, loader);
        String md = ReportMarkdown.render(spec, out, commands, runs, comps, aggs, plots, figure);
        return written(spec, out, md, ReportMarkdown.headline(spec, aggs));
    }

    /** Writes report.md and report.html, every kind's. */
    static Written written(StudySpec spec, Path out, String md, String headline) {
        Path report = out.resolve("report.md");
        AtomicFiles.writeString(report, md);
        AtomicFiles.writeString(out.resolve("report.html"), ReportMarkdown.html(spec.name, md));
        return new Written(report, headline);
    }

    /**
     * summary.json's first keys, every kind's: the study, its kind (all but classification), its
     * budget, the kind's {@code setting} keys, the interval and how many runs are over.
     */
    static Map<String, Object> summaryRoot(
            StudySpec spec, Map<String, Object> setting, int total, long over) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("study", spec.name);
        if (!spec.kind().lrGrid()) {
            root.put("kind", spec.kind().name());
        }
        root.put("quick", spec.quick);
        root.put("baseline", spec.baseline);
        root.putAll(setting);
        root.put("interval", Stats.METHOD);
        root.put("runs_total", total);
        root.put("runs_over", over);
        return root;
    }

    /** Writes summary.json, every kind's: every key, null where there is no value. */
    static void writeSummary(Path out, Map<String, Object> summary) {
        AtomicFiles.writeString(out.resolve("summary.json"), WITH_NULLS.toJson(summary) + "\n");
    }

    static String resultsCsv(List<StudyResults.Run> runs, List<StudyResults.Comparison> comps) {
        StringBuilder sb =
                new StringBuilder(
                        "setting,lr,variant,seed,status,steps,bn_max_test_accuracy,bn_steps_to_max,steps_to_bn_max,train_seconds_to_bn_max,speedup_iterations,speedup_wallclock,max_test_accuracy,max_step,final_test_accuracy,train_seconds,images_per_second,run_dir,speedup_rescaling\n");
        for (StudyResults.Run r : runs) {
            StudyResults.Comparison c =
                    comps.stream().filter(x -> x.run() == r).findFirst().orElse(null);
            MetricsRow last = r.rows().isEmpty() ? null : r.rows().get(r.rows().size() - 1);
            sb.append(
                            String.join(
                                    ",",
                                    StudySpec.settingName(r.key().lr()),
                                    num(r.key().lr()),
                                    r.key().variant(),
                                    Long.toString(r.key().seed()),
                                    r.status(),
                                    last == null ? "0" : Long.toString(last.step()),
                                    c == null ? "" : num(c.bnMax()),
                                    c == null ? "" : Long.toString(c.bnSteps()),
                                    c == null
                                            ? ""
                                            : c.steps() == null
                                                    ? "never"
                                                    : Long.toString(c.steps()),
                                    c == null || c.seconds() == null ? "" : num(c.seconds()),
                                    c == null || c.speedupIterations() == null
                                            ? ""
                                            : num(c.speedupIterations()),
                                    c == null || c.speedupWallclock() == null
                                            ? ""
                                            : num(c.speedupWallclock()),
                                    c == null ? "" : num(c.maxAccuracy()),
                                    c == null ? "" : Long.toString(c.maxStep()),
                                    last == null ? "" : num(last.testAccuracy()),
                                    last == null ? "" : num(last.trainSeconds()),
                                    last == null ? "" : num(meanImagesPerSecond(r)),
                                    r.key().dir().toString().replace('\\', '/'),
                                    c == null || c.speedupRescaling() == null
                                            ? ""
                                            : num(c.speedupRescaling())))
                    .append('\n');
        }
        return sb.toString();
    }

    static double meanImagesPerSecond(StudyResults.Run r) {
        MetricsRow last = r.rows().get(r.rows().size() - 1);
        return last.step() * (double) r.batchSize() / last.trainSeconds();
    }

    static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    static Map<String, Object> summaryJson(
            StudySpec spec, List<StudyResults.Run> runs, List<StudyResults.Aggregate> aggs) {
        Map<String, Object> root =
                summaryRoot(
                        spec,
                        Map.of(),
                        runs.size(),
                        runs.stream().filter(StudyResults.Run::over).count());
        List<Map<String, Object>> settings = new ArrayList<>();
        for (double lr : spec.lrs) {
            List<StudyResults.Aggregate> as = aggs.stream().filter(a -> a.lr() == lr).toList();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("setting", StudySpec.settingName(lr));
            s.put("lr", lr);
            s.put("speedup_rescaling", perVariant(as, a -> stats(a.speedupRescaling())));
            s.put(
                    "thresholds",
                    as.isEmpty()
                            ? List.of()
                            : as.get(0).thresholds().stream()
                                    .map(StudyResults.ThresholdAggregate::threshold)
                                    .toList());
            s.put(
                    "steps_to_threshold",
                    perVariant(
                            as,
                            a -> {
                                Map<String, Object> m = new LinkedHashMap<>();
                                for (StudyResults.ThresholdAggregate t : a.thresholds()) {
                                    Map<String, Object> e = new LinkedHashMap<>();
                                    e.put("steps", stats(t.steps()));
                                    e.put("speedup", stats(t.speedup()));
                                    e.put("never", t.never());
                                    m.put(num(t.threshold()), e);
                                }
                                return m;
                            }));
            s.put("bn_max_test_accuracy", as.isEmpty() ? null : stats(as.get(0).bnMax()));
            s.put("steps_to_bn_max", perVariant(as, a -> withNever(stats(a.steps()), a)));
            s.put("train_seconds_to_bn_max", perVariant(as, a -> withNever(stats(a.seconds()), a)));
            s.put(
                    "speedup_iterations",
                    perVariant(as, a -> withNever(stats(a.speedupIterations()), a)));
            s.put(
                    "speedup_wallclock",
                    perVariant(as, a -> withNever(stats(a.speedupWallclock()), a)));
            s.put("max_test_accuracy", perVariant(as, a -> stats(a.maxAccuracy())));
            s.put("final_test_accuracy", perVariant(as, a -> stats(a.finalAccuracy())));
            settings.add(s);
        }
        root.put("settings", settings);
        return root;
    }

    private static Map<String, Object> perVariant(
            List<StudyResults.Aggregate> as,
            Function<StudyResults.Aggregate, Map<String, Object>> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (StudyResults.Aggregate a : as) {
            m.put(a.variant(), f.apply(a));
        }
        return m;
    }

    private static Map<String, Object> withNever(Map<String, Object> m, StudyResults.Aggregate a) {
        return withNever(m, a.never(), a.compared());
    }

    /** A "steps to" statistic with the seeds that never reached the target, of how many. */
    static Map<String, Object> withNever(Map<String, Object> m, int never, int compared) {
        m.put("never", never);
        m.put("seeds", compared);
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

    private static void writeCurves(
            Path png,
            StudySpec spec,
            double lr,
            List<StudyResults.Run> runs,
            List<StudyResults.Comparison> comps) {
        List<String> variants = spec.variantNames();
        List<Plots.Series> acc = new ArrayList<>();
        List<Plots.Series> accTime = new ArrayList<>();
        List<Plots.Series> testLoss = new ArrayList<>();
        List<Plots.Series> trainLoss = new ArrayList<>();
        List<Plots.Series> rescaled = new ArrayList<>();
        long maxStep = 0;
        double maxTime = 0;
        for (StudyResults.Run r : runs) {
            Color color = PALETTE[variants.indexOf(r.key().variant()) % PALETTE.length];
            boolean dashed = spec.seeds.indexOf(r.key().seed()) % 2 == 1;
            String label = r.key().variant() + " s" + r.key().seed();
            double[] steps = col(r.rows(), MetricsRow::step);
            double[] secs = new double[r.rows().size()];
            for (int i = 0; i < secs.length; i++) {
                secs[i] =
                        StepsToTarget.trainSecondsAt(
                                r.rows(), r.rows().get(i).step(), r.batchSize());
            }
            acc.add(
                    new Plots.Series(
                            label, steps, col(r.rows(), MetricsRow::testAccuracy), color, dashed));
            accTime.add(
                    new Plots.Series(
                            label, secs, col(r.rows(), MetricsRow::testAccuracy), color, dashed));
            testLoss.add(
                    new Plots.Series(
                            label, steps, col(r.rows(), MetricsRow::testLoss), color, dashed));
            trainLoss.add(
                    new Plots.Series(
                            label, steps, col(r.rows(), MetricsRow::trainLoss), color, dashed));
            Double rs =
                    comps.stream()
                            .filter(c -> c.run() == r)
                            .map(StudyResults.Comparison::speedupRescaling)
                            .filter(Objects::nonNull)
                            .findFirst()
                            .orElse(null);
            if (r.key().variant().equals(spec.baseline)) {
                rescaled.add(
                        new Plots.Series(
                                label,
                                steps,
                                col(r.rows(), MetricsRow::testAccuracy),
                                color,
                                dashed));
            } else if (rs != null) {
                double[] x = steps.clone();
                for (int i = 0; i < x.length; i++) {
                    x[i] /= 1 - rs;
                }
                rescaled.add(
                        new Plots.Series(
                                String.format(Locale.ROOT, "%s (r %+.1f%%)", label, 100 * rs),
                                x,
                                col(r.rows(), MetricsRow::testAccuracy),
                                color,
                                dashed));
            }
            maxStep = Math.max(maxStep, (long) steps[steps.length - 1]);
            maxTime = Math.max(maxTime, secs[secs.length - 1]);
        }
        List<Double> bnMax =
                comps.stream()
                        .filter(
                                c ->
                                        c.run().key().lr() == lr
                                                && c.run().key().variant().equals(spec.baseline))
                        .map(StudyResults.Comparison::bnMax)
                        .toList();
        if (!bnMax.isEmpty()) {
            double m = Stats.of(bnMax).mean();
            String name = String.format(Locale.ROOT, "BN max %.2f%% (mean)", 100 * m);
            acc.add(Plots.level(name, maxStep, m));
            accTime.add(Plots.level(name, maxTime, m));
        }
        String t = spec.name + ", " + StudySpec.settingName(lr);
        List<Plots.Panel> panels =
                new ArrayList<>(
                        List.of(
                                new Plots.Panel(
                                        "Test accuracy vs steps — " + t,
                                        "steps",
                                        "test accuracy",
                                        acc),
                                new Plots.Panel(
                                        "Test accuracy vs training time — " + t,
                                        "training seconds",
                                        "test accuracy",
                                        accTime),
                                new Plots.Panel(
                                        "Test loss — " + t, "steps", "cross-entropy", testLoss),
                                new Plots.Panel(
                                        "Training loss — " + t,
                                        "steps",
                                        "cross-entropy",
                                        trainLoss)));
        if (rescaled.stream().anyMatch(x -> x.name().contains("(r "))) {
            // The rescaling speed-up's picture: if r describes the difference, the curves fall on
            // BN's.
            panels.add(
                    new Plots.Panel(
                            "Variants at step/(1 − r), r fitted per seed — " + t,
                            "BN-equivalent steps",
                            "test accuracy",
                            rescaled));
        }
        Plots.write(png, panels);
    }

    static double[] col(List<MetricsRow> rows, ToDoubleFunction<MetricsRow> f) {
        return rows.stream().mapToDouble(f).toArray();
    }

    static String timestamp() {
        return ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
    }
}
