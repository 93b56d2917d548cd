package io.mixnorm.lab.report;

import static io.mixnorm.lab.report.ReportMarkdown.pct;
import static io.mixnorm.lab.report.ReportMarkdown.pctSigned;
import static io.mixnorm.lab.report.ReportMarkdown.plain;
import static io.mixnorm.lab.report.ReportMarkdown.row;
import static io.mixnorm.lab.report.ReportMarkdown.signedPct;
import static io.mixnorm.lab.report.StudyReport.num;

import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.AccuracyMetric;
import io.mixnorm.lab.study.AccuracyMetric.Curves;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StepsToTarget;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudyResults.Aggregate;
import io.mixnorm.lab.study.StudyResults.Comparison;
import io.mixnorm.lab.study.StudyResults.Run;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A classification study's part of the report: test accuracy, higher is better. Headline: the
 * rescaling speed-up and steps to thresholds per learning rate and variant, then the paper's steps
 * to BN's maximum; {@code summary.json} per learning rate ({@code speedup_rescaling}, {@code
 * thresholds} and {@code steps_to_threshold}, {@code bn_max_test_accuracy}, {@code steps_to_bn_max}
 * per variant, {@code speedup_iterations}, {@code speedup_wallclock}, each as mean and interval);
 * {@code plots/<setting>.png} and {@code figure1.png}.
 */
final class ClassificationSection extends ReportSection<MetricsRow, Curves> {
    private final Function<TrainConfig, CifarSplits> loader;

    ClassificationSection(StudySpec spec, Path out, Function<TrainConfig, CifarSplits> loader) {
        super(spec, out);
        this.loader = loader;
    }

    @Override
    StudyResults.Metric<MetricsRow, Curves> metric() {
        return AccuracyMetric.INSTANCE;
    }

    @Override
    String plots() {
        return "plots/";
    }

    @Override
    String csvHeader() {
        return "setting,lr,variant,seed,status,steps,bn_max_test_accuracy,bn_steps_to_max,"
                + "steps_to_bn_max,train_seconds_to_bn_max,speedup_iterations,speedup_wallclock,"
                + "max_test_accuracy,max_step,final_test_accuracy,train_seconds,images_per_second,"
                + "run_dir,speedup_rescaling";
    }

    @Override
    List<String> csvFields(Run<MetricsRow> r, Comparison<MetricsRow, Curves> c) {
        MetricsRow last = r.last();
        return List.of(
                StudySpec.settingName(r.key().lr()),
                num(r.key().lr()),
                r.key().variant(),
                Long.toString(r.key().seed()),
                r.status(),
                Long.toString(r.steps()),
                num(c == null ? null : c.bnBest()),
                c == null ? "" : Long.toString(c.bnSteps()),
                StudyReport.stepsTo(c),
                num(c == null ? null : c.seconds()),
                num(c == null ? null : c.speedupIterations()),
                num(c == null ? null : c.speedupWallclock()),
                num(c == null ? null : c.best()),
                c == null ? "" : Long.toString(c.bestStep()),
                num(last == null ? null : last.testAccuracy()),
                num(last == null ? null : last.trainSeconds()),
                num(last == null ? null : imagesPerSecond(r)),
                StudyReport.runDir(r),
                num(c == null ? null : c.view().speedupRescaling()));
    }

    /** A run's mean training throughput. */
    private static double imagesPerSecond(Run<MetricsRow> r) {
        MetricsRow last = r.last();
        return last.step() * (double) r.batchSize() / last.trainSeconds();
    }

    @Override
    void summary(Map<String, Object> root, StudyResults<MetricsRow, Curves> results) {
        List<Map<String, Object>> settings = new ArrayList<>();
        for (double lr : spec.lrs) {
            List<Aggregate<MetricsRow, Curves>> as =
                    results.aggregates().stream().filter(a -> a.lr() == lr).toList();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("setting", StudySpec.settingName(lr));
            s.put("lr", lr);
            s.put(
                    "speedup_rescaling",
                    perVariant(as, a -> StudyReport.stats(curves(a).speedupRescaling())));
            s.put(
                    "thresholds",
                    as.isEmpty()
                            ? List.of()
                            : curves(as.get(0)).thresholds().stream()
                                    .map(AccuracyMetric.ThresholdAggregate::threshold)
                                    .toList());
            s.put(
                    "steps_to_threshold",
                    perVariant(
                            as,
                            a -> {
                                Map<String, Object> m = new LinkedHashMap<>();
                                for (AccuracyMetric.ThresholdAggregate t : curves(a).thresholds()) {
                                    Map<String, Object> e = new LinkedHashMap<>();
                                    e.put("steps", StudyReport.stats(t.steps()));
                                    e.put("speedup", StudyReport.stats(t.speedup()));
                                    e.put("never", t.never());
                                    m.put(num(t.threshold()), e);
                                }
                                return m;
                            }));
            s.put(
                    "bn_max_test_accuracy",
                    as.isEmpty() ? null : StudyReport.stats(as.get(0).bnBest()));
            s.put("steps_to_bn_max", perVariant(as, a -> StudyReport.withNever(a.steps(), a)));
            s.put(
                    "train_seconds_to_bn_max",
                    perVariant(as, a -> StudyReport.withNever(a.seconds(), a)));
            s.put(
                    "speedup_iterations",
                    perVariant(as, a -> StudyReport.withNever(a.speedupIterations(), a)));
            s.put(
                    "speedup_wallclock",
                    perVariant(as, a -> StudyReport.withNever(a.speedupWallclock(), a)));
            s.put("max_test_accuracy", perVariant(as, a -> StudyReport.stats(a.best())));
            s.put("final_test_accuracy", perVariant(as, a -> StudyReport.stats(a.finalValue())));
            settings.add(s);
        }
        root.put("settings", settings);
    }

    private static Map<String, Object> perVariant(
            List<Aggregate<MetricsRow, Curves>> as,
            Function<Aggregate<MetricsRow, Curves>, Map<String, Object>> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Aggregate<MetricsRow, Curves> a : as) {
            m.put(a.variant(), f.apply(a));
        }
        return m;
    }

    private static AccuracyMetric.CurvesAggregate curves(Aggregate<MetricsRow, Curves> a) {
        return AccuracyMetric.aggregate(a.comparisons());
    }

    @Override
    String figures(StudyResults<MetricsRow, Curves> results) {
        StringBuilder md =
                new StringBuilder(
                        "\n"
                            + "## Curves\n\n"
                            + "Solid lines are the first seed, dashed the second (then"
                            + " alternating); the grey dashed line is BN's maximum (mean over"
                            + " seeds). Panels: test accuracy vs steps, vs training seconds, test"
                            + " loss and training loss (mean over each evaluation interval) vs"
                            + " steps, and the variants' curves drawn at step/(1 − r) with each"
                            + " seed's fitted r: where r describes the difference, they fall on"
                            + " BN's.\n\n");
        for (double lr : spec.lrs) {
            String p = StudySpec.settingName(lr);
            List<Run<MetricsRow>> rs =
                    results.runs().stream()
                            .filter(r -> r.key().lr() == lr && !r.rows().isEmpty())
                            .toList();
            if (!rs.isEmpty()) {
                writeCurves(out.resolve("plots").resolve(p + ".png"), lr, rs, results);
                md.append("### ")
                        .append(p)
                        .append("\n\n![")
                        .append(p)
                        .append("](plots/")
                        .append(p)
                        .append(".png)\n\n");
            }
        }
        String figure = Figure1Section.write(spec, out, results.runs(), loader);
        return md.append("## The paper's picture (Figure 1)\n\n")
                .append(figure)
                .append('\n')
                .toString();
    }

    @Override
    String intro(StudyResults<MetricsRow, Curves> results) {
        StringBuilder md = new StringBuilder();
        if (spec.quick) {
            md.append(
                    "**Quick budget** on the embedded 5,000-image mini CIFAR-10: a demonstration of"
                            + " the pipeline, not a result. Differences of a few points are within"
                            + " seed-to-seed noise at this size.\n\n");
        }
        md.append("## Headline: the rescaling speed-up (whole curves)\n\n");
        md.append(
                "For each learning rate and seed, r is the fraction of steps the variant saves: its"
                    + " test-accuracy curve read at (1 − r)·t matches BN's at t, least squares over"
                    + " all of BN's evaluations (the variant's curve interpolated in log-steps;"
                    + " spec §8). r = 0.3 means every accuracy is reached in 30% fewer steps. Steps"
                    + " to thresholds are read off each run's isotonic (monotone least-squares)"
                    + " fit; the thresholds are 90%, 95% and 100% of the lowest final BN value of"
                    + " the setting, rounded down to half a point. Cells are means over seeds with"
                    + " the "
                        + Stats.METHOD
                        + " in brackets; every figure uses the "
                        + "headline test accuracy ("
                        + headlineStats()
                        + ").\n\n");
        md.append(rescalingTable(results.aggregates()));
        md.append("\n## The paper's metric: steps to reach BN's best test accuracy\n\n");
        md.append(
                "For each learning rate and seed, the target is BN's maximum test accuracy over its"
                    + " whole run; a variant's cost is the step of its first evaluation at or above"
                    + " it. speed-up = 1 − steps_variant / steps_BN (the paper reports 31–47% for"
                    + " MN); the wall-clock speed-up uses training seconds (evaluations excluded)"
                    + " on this machine. Cells are means over seeds with the "
                        + Stats.METHOD
                        + " in brackets; steps, seconds and speed-ups average the seeds that"
                        + " reached the target, and *reached* says how many did.\n\n");
        return md.append(paperTable(results.aggregates())).toString();
    }

    /**
     * The headline tables: the rescaling speed-up and steps to thresholds, then the paper's metric.
     */
    @Override
    String headline(List<Aggregate<MetricsRow, Curves>> aggs) {
        return rescalingTable(aggs) + "\n" + paperTable(aggs);
    }

    /** Which statistics the headline test accuracy uses, in words. */
    private String headlineStats() {
        String first =
                RunKind.CLASSIFICATION
                        .config(spec, spec.runs().get(0), "study")
                        .evalStatsList()
                        .get(0)
                        .name()
                        .toLowerCase(Locale.ROOT);
        return switch (first) {
            case "precise" ->
                    "population statistics re-estimated from training batches at each evaluation";
            case "batch" -> "each test batch's own statistics";
            default -> "the running statistics";
        };
    }

    /** r per learning rate and variant, then steps to each threshold and their speed-ups. */
    private String rescalingTable(List<Aggregate<MetricsRow, Curves>> aggs) {
        StringBuilder columns = new StringBuilder("lr | variant | rescaling speed-up r | seeds");
        // The thresholds differ between learning rates (each is a fraction of that rate's BN
        // curves), so the header names the fraction and every cell its threshold.
        int thresholds = aggs.stream().mapToInt(a -> curves(a).thresholds().size()).max().orElse(0);
        for (int i = 0; i < thresholds; i++) {
            columns.append(
                    i < AccuracyMetric.THRESHOLD_FRACTIONS.length
                            ? String.format(
                                    Locale.ROOT,
                                    " | steps to %.0f%% of BN's final (speed-up)",
                                    100 * AccuracyMetric.THRESHOLD_FRACTIONS[i])
                            : " | steps to threshold");
        }
        List<String> rows = new ArrayList<>();
        for (Aggregate<MetricsRow, Curves> a : aggs) {
            AccuracyMetric.CurvesAggregate curves = curves(a);
            boolean base = a.variant().equals(spec.baseline);
            List<Object> cells = new ArrayList<>();
            cells.add(ReportMarkdown.num(a.lr()));
            cells.add(a.variant());
            cells.add(base ? "(baseline)" : pctSigned(curves.speedupRescaling()));
            cells.add(curves.speedupRescaling().n());
            for (AccuracyMetric.ThresholdAggregate t : curves.thresholds()) {
                StringBuilder cell =
                        new StringBuilder(
                                String.format(Locale.ROOT, "%.1f%%:", 100 * t.threshold()));
                if (t.steps().n() == 0) {
                    cell.append(" never ×").append(t.never());
                } else {
                    cell.append(' ').append(plain(t.steps(), "%.0f"));
                    if (!base && t.speedup().n() > 0) {
                        cell.append(" (").append(pctSigned(t.speedup())).append(')');
                    }
                    if (t.never() > 0) {
                        cell.append(", never ×").append(t.never());
                    }
                }
                cells.add(cell);
            }
            rows.add(row(cells.toArray()));
        }
        return ReportMarkdown.table(columns.toString(), rows, 4);
    }

    /** The paper-style table: one row per learning rate and variant. */
    private String paperTable(List<Aggregate<MetricsRow, Curves>> aggs) {
        List<String> rows = new ArrayList<>();
        for (Aggregate<MetricsRow, Curves> a : aggs) {
            boolean base = a.variant().equals(spec.baseline);
            rows.add(
                    row(
                            ReportMarkdown.num(a.lr()),
                            a.variant(),
                            pct(a.bnBest()),
                            plain(a.steps(), "%.0f"),
                            base ? "(baseline)" : pctSigned(a.speedupIterations()),
                            plain(a.seconds(), "%.0f"),
                            base ? "(baseline)" : pctSigned(a.speedupWallclock()),
                            pct(a.best()),
                            pct(a.finalValue()),
                            ReportMarkdown.reached(a)));
        }
        return ReportMarkdown.table(
                "lr | variant | BN max test acc | steps to BN max | speed-up (iterations) | train s"
                        + " to BN max | speed-up (wall-clock) | max test acc | final test acc |"
                        + " reached",
                rows,
                11);
    }

    @Override
    String runsColumns() {
        return "lr | variant | seed | status | steps | BN max | steps to BN max | speed-up (it.) |"
                + " speed-up (wall) | max acc (step) | final acc | img/s";
    }

    @Override
    String runRow(Run<MetricsRow> r, Comparison<MetricsRow, Curves> c) {
        MetricsRow last = r.last();
        return row(
                ReportMarkdown.num(r.key().lr()),
                r.key().variant(),
                r.key().seed(),
                r.status(),
                r.steps(),
                c == null ? "" : String.format(Locale.ROOT, "%.2f%%", 100 * c.bnBest()),
                StudyReport.stepsTo(c),
                signedPct(c == null ? null : c.speedupIterations(), ""),
                signedPct(c == null ? null : c.speedupWallclock(), ""),
                c == null
                        ? ""
                        : String.format(Locale.ROOT, "%.2f%% (%d)", 100 * c.best(), c.bestStep()),
                last == null ? "" : String.format(Locale.ROOT, "%.2f%%", 100 * last.testAccuracy()),
                last == null ? "" : String.format(Locale.ROOT, "%.0f", imagesPerSecond(r)),
                signedPct(
                        c == null || r.key().variant().equals(spec.baseline)
                                ? null
                                : c.view().speedupRescaling(),
                        ""));
    }

    @Override
    String settings() {
        StringBuilder md = new StringBuilder();
        TrainConfig first = RunKind.CLASSIFICATION.config(spec, spec.runs().get(0), "study");
        md.append(
                String.format(
                        Locale.ROOT,
                        "- model %s, dataset %s%s, data `%s`%n",
                        first.model,
                        first.dataset,
                        first.dataset.equals("cifar100") ? " (" + first.labels + " labels)" : "",
                        first.data.isBlank()
                                ? "embedded mini CIFAR-10 (5,000 train / 1,000 test)"
                                : first.data));
        md.append(
                String.format(
                        Locale.ROOT,
                        "- budget: %d steps of batch %d per run, test-set evaluation every %d steps"
                                + " (the resolution of every \"steps to\" figure)%n",
                        first.steps,
                        first.batchSize,
                        first.evalEvery));
        md.append(
                String.format(
                        Locale.ROOT,
                        "- optimizer %s, weight decay %s, %s learning rate; learning rates %s; "
                                + "seeds %s; augmentation %s%n",
                        first.optimizer,
                        ReportMarkdown.num(first.weightDecay),
                        first.lrSchedule,
                        spec.lrs.stream().map(ReportMarkdown::num).toList(),
                        spec.seeds,
                        first.augment ? "random crop (pad 4) + flip" : "off"));
        md.append("- variants:\n");
        for (String v : spec.variantNames()) {
            TrainConfig c =
                    RunKind.CLASSIFICATION.config(
                            spec,
                            new StudySpec.RunKey(spec.lrs.get(0), v, spec.seeds.get(0)),
                            "study");
            md.append("  - `")
                    .append(v)
                    .append("`: ")
                    .append(
                            c.norm.equals("bn")
                                    ? "batch norm everywhere"
                                    : String.format(
                                            Locale.ROOT,
                                            "%s at %s, K=%d%s, bn elsewhere",
                                            c.norm,
                                            c.mnLayers.isBlank()
                                                    ? "the model's default layers"
                                                    : c.mnLayers,
                                            c.components,
                                            c.norm.equals("mn")
                                                    ? String.format(
                                                            Locale.ROOT,
                                                            " (sample mode %s, %d EM iterations, "
                                                                    + "%s statistics at inference)",
                                                            c.mnSampleMode,
                                                            c.mnEmIterations,
                                                            c.mnInference)
                                                    : ""))
                    .append('\n');
        }
        return md.toString();
    }

    @Override
    String filesText() {
        return "`results.csv` (one row per run), `summary.json` (per setting:"
                + " `speedup_rescaling`, `thresholds`, `steps_to_threshold`,"
                + " `bn_max_test_accuracy`, `steps_to_bn_max`, `speedup_iterations`,"
                + " `speedup_wallclock` per variant, as mean, ci95 and n), `plots/`,"
                + " `figure1.png`, and per run `runs/<lr>/<variant>/seed-<n>/` with"
                + " `config.json`, `metrics.csv`, `summary.json`, `curves.png` and"
                + " checkpoints.\n";
    }

    private void writeCurves(
            Path png,
            double lr,
            List<Run<MetricsRow>> runs,
            StudyResults<MetricsRow, Curves> results) {
        List<String> variants = spec.variantNames();
        List<Plots.Series> acc = new ArrayList<>();
        List<Plots.Series> accTime = new ArrayList<>();
        List<Plots.Series> testLoss = new ArrayList<>();
        List<Plots.Series> trainLoss = new ArrayList<>();
        List<Plots.Series> rescaled = new ArrayList<>();
        long maxStep = 0;
        double maxTime = 0;
        for (Run<MetricsRow> r : runs) {
            Color color =
                    StudyReport.PALETTE[
                            variants.indexOf(r.key().variant()) % StudyReport.PALETTE.length];
            boolean dashed = spec.seeds.indexOf(r.key().seed()) % 2 == 1;
            String label = r.key().variant() + " s" + r.key().seed();
            double[] steps = col(r.rows(), MetricsRow::step);
            double[] secs = new double[r.rows().size()];
            for (int i = 0; i < secs.length; i++) {
                secs[i] =
                        StepsToTarget.trainSecondsAt(
                                r.rows(), r.rows().get(i).step(), r.batchSize());
            }
            double[] accuracy = col(r.rows(), MetricsRow::testAccuracy);
            acc.add(new Plots.Series(label, steps, accuracy, color, dashed));
            accTime.add(new Plots.Series(label, secs, accuracy, color, dashed));
            testLoss.add(
                    new Plots.Series(
                            label, steps, col(r.rows(), MetricsRow::testLoss), color, dashed));
            trainLoss.add(
                    new Plots.Series(
                            label, steps, col(r.rows(), MetricsRow::trainLoss), color, dashed));
            Comparison<MetricsRow, Curves> c = results.comparison(r);
            Double rs = c == null ? null : c.view().speedupRescaling();
            if (r.key().variant().equals(spec.baseline)) {
                rescaled.add(new Plots.Series(label, steps, accuracy, color, dashed));
            } else if (rs != null) {
                double[] x = steps.clone();
                for (int i = 0; i < x.length; i++) {
                    x[i] /= 1 - rs;
                }
                rescaled.add(
                        new Plots.Series(
                                String.format(Locale.ROOT, "%s (r %+.1f%%)", label, 100 * rs),
                                x,
                                accuracy,
                                color,
                                dashed));
            }
            maxStep = Math.max(maxStep, (long) steps[steps.length - 1]);
            maxTime = Math.max(maxTime, secs[secs.length - 1]);
        }
        StudyReport.baselineLevel(
                results.comparisons().stream()
                        .filter(
                                c ->
                                        c.run().key().lr() == lr
                                                && c.run().key().variant().equals(spec.baseline))
                        .toList(),
                m -> String.format(Locale.ROOT, "BN max %.2f%% (mean)", 100 * m),
                List.of(acc, accTime),
                maxStep,
                maxTime);
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
}
