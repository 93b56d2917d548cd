package io.mixnorm.lab.report;

import static io.mixnorm.lab.report.ReportMarkdown.pctSigned;
import static io.mixnorm.lab.report.ReportMarkdown.plain;
import static io.mixnorm.lab.report.ReportMarkdown.row;
import static io.mixnorm.lab.report.StudyReport.num;

import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.study.GanKind;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.ScoreMetric;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudyResults.Aggregate;
import io.mixnorm.lab.study.StudyResults.Comparison;
import io.mixnorm.lab.study.StudyResults.Run;
import io.mixnorm.lab.study.StudySpec;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * A GAN study's part of the report: the score, lower is better. Headline: iterations to the BN
 * generator's best score per variant; {@code summary.json} per variant (BN's best score and its
 * step, {@code steps_to_bn_best}, {@code speedup_iterations}, {@code speedup_wallclock}, best and
 * final scores, each as mean and interval) and the pinned score classifier; {@code
 * plots/scores.png} (score vs iterations and vs training seconds); report.md embeds each run's last
 * sample grid.
 */
final class GanSection extends ReportSection<GanMetricsRow, Void> {
    static final String PLOT = "plots/scores.png";

    /** The score's classifier as the study pinned it, or null (Inception features, older study). */
    private FeaturesModel classifier;

    private boolean classifierRead;

    GanSection(StudySpec spec, Path out) {
        super(spec, out);
    }

    @Override
    StudyResults.Metric<GanMetricsRow, Void> metric() {
        return ScoreMetric.INSTANCE;
    }

    @Override
    String plots() {
        return PLOT;
    }

    private FeaturesModel classifier() {
        if (!classifierRead) {
            classifier = FeaturesModel.pinned(out);
            classifierRead = true;
        }
        return classifier;
    }

    private GanConfig first() {
        return RunKind.GAN.config(spec, spec.runs().get(0), "study");
    }

    @Override
    String csvHeader() {
        return "variant,seed,status,steps,best_score,best_step,final_score,final_step,"
                + "bn_best_score,bn_best_step,steps_to_bn_best,speedup_iterations,"
                + "speedup_wallclock,train_seconds,last_samples,run_dir";
    }

    @Override
    List<String> csvFields(Run<GanMetricsRow> r, Comparison<GanMetricsRow, Void> c) {
        GanMetricsRow best = r.best();
        GanMetricsRow fin = r.lastScored();
        GanMetricsRow last = r.last();
        Path grid = lastGrid(r.dir());
        return List.of(
                r.key().variant(),
                Long.toString(r.key().seed()),
                r.status(),
                Long.toString(r.steps()),
                num(best == null ? null : best.score()),
                best == null ? "" : Long.toString(best.step()),
                num(fin == null ? null : fin.score()),
                fin == null ? "" : Long.toString(fin.step()),
                num(c == null ? null : c.bnBest()),
                c == null ? "" : Long.toString(c.bnSteps()),
                StudyReport.stepsTo(c),
                num(c == null ? null : c.speedupIterations()),
                num(c == null ? null : c.speedupWallclock()),
                num(last == null ? null : last.trainSeconds()),
                grid == null ? "" : relative(r, grid),
                StudyReport.runDir(r));
    }

    /** summary.json's budget keys: the score and how it is taken, the run budget, the seeds. */
    @Override
    Map<String, Object> budget() {
        GanConfig first = first();
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("score", GanKind.scoreLabel(spec));
        budget.put("score_samples", first.scoreSamples);
        budget.put("score_every", first.scoreEvery);
        budget.put("steps", first.steps);
        budget.put("batch_size", first.batchSize);
        budget.put("seeds", spec.seeds);
        return budget;
    }

    @Override
    void summary(Map<String, Object> root, StudyResults<GanMetricsRow, Void> results) {
        Map<String, Object> variants = new LinkedHashMap<>();
        for (Aggregate<GanMetricsRow, Void> a : results.aggregates()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("bn_best_score", StudyReport.stats(a.bnBest()));
            v.put("bn_best_step", StudyReport.stats(a.bnSteps()));
            v.put("steps_to_bn_best", StudyReport.withNever(a.steps(), a));
            v.put("speedup_iterations", StudyReport.withNever(a.speedupIterations(), a));
            v.put("speedup_wallclock", StudyReport.withNever(a.speedupWallclock(), a));
            v.put("best_score", StudyReport.stats(a.best()));
            v.put("final_score", StudyReport.stats(a.finalValue()));
            variants.put(a.variant(), v);
        }
        root.put("variants", variants);
        FeaturesModel features = classifier();
        if (features != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("path", features.path());
            f.put("step", features.step());
            f.put("deterministic", features.deterministic());
            f.put("command", features.command());
            root.put("features_model", f);
        }
    }

    @Override
    String figures(StudyResults<GanMetricsRow, Void> results) {
        StringBuilder md = new StringBuilder("\n## Score curves\n\n");
        if (results.runs().stream().anyMatch(r -> !r.scored().isEmpty())) {
            writePlot(out.resolve(PLOT), results);
            md.append("Left: ")
                    .append(GanKind.scoreLabel(spec))
                    .append(
                            " vs iterations, every seed as a thin line and, with more than one"
                                + " seed, each variant's mean over its seeds as a thick one; the"
                                + " grey dashed line is the BN generator's best score (mean over"
                                + " seeds). Right: every seed vs training seconds.\n\n");
            md.append("![score curves](").append(PLOT).append(")\n\n");
        } else {
            md.append("Not drawn yet: no run has a score.\n\n");
        }
        return md.append("## Samples\n\n").append(samples(results.runs())).toString();
    }

    @Override
    String intro(StudyResults<GanMetricsRow, Void> results) {
        GanConfig first = first();
        StringBuilder md = new StringBuilder();
        if (spec.quick) {
            md.append("**Quick budget** on ")
                    .append(
                            first.data.isBlank()
                                    ? "the embedded 5,000-image mini CIFAR-10"
                                    : "`" + first.data + "`")
                    .append(
                            ": a demonstration of the pipeline, not a result. Scores on a few"
                                + " hundred samples after a few dozen iterations say nothing about"
                                + " either generator.\n\n");
        }
        md.append(
                String.format(
                        Locale.ROOT,
                        "**Budget**: %d iterations of batch %d per run (one D and one G update"
                            + " each), %d seed%s per variant; scored every %d iterations and at the"
                            + " end. **Score**: %s between %d generated images (always the same"
                            + " latent vectors) and the first %d real test images%s. Lower is"
                            + " better. %s%n%n",
                        first.steps,
                        first.batchSize,
                        spec.seeds.size(),
                        spec.seeds.size() == 1 ? "" : "s",
                        first.scoreEvery,
                        GanKind.scoreLabel(spec),
                        first.scoreSamples,
                        first.scoreSamples,
                        features(first),
                        caveat(first)));
        md.append("## Headline: iterations to reach the BN generator's best score\n\n");
        md.append(
                "For each seed, the target is the BN generator's best (lowest) score over its whole"
                    + " run; a variant's cost is the first scored iteration at which its score is"
                    + " at least as good, or *never*. speed-up = 1 − steps_variant / steps_BN, with"
                    + " steps_BN the iteration of BN's best (the paper reports ~58% fewer"
                    + " iterations for MN); the wall-clock speed-up uses training seconds (sampling"
                    + " and scoring excluded). Cells are means over seeds with the "
                        + Stats.METHOD
                        + " in brackets; steps and speed-ups average the seeds that reached the"
                        + " target, and *reached* says how many did. The resolution of every step"
                        + " figure is the scoring interval ("
                        + first.scoreEvery
                        + ").\n\n");
        return md.append(headline(results.aggregates())).toString();
    }

    /** The headline table: one row per variant. */
    @Override
    String headline(List<Aggregate<GanMetricsRow, Void>> aggs) {
        List<String> rows = new ArrayList<>();
        for (Aggregate<GanMetricsRow, Void> a : aggs) {
            boolean base = a.variant().equals(spec.baseline);
            rows.add(
                    row(
                            a.variant(),
                            plain(a.bnBest(), "%.2f"),
                            plain(a.bnSteps(), "%.0f"),
                            plain(a.steps(), "%.0f"),
                            base ? "(baseline)" : pctSigned(a.speedupIterations()),
                            base ? "(baseline)" : pctSigned(a.speedupWallclock()),
                            plain(a.best(), "%.2f"),
                            plain(a.finalValue(), "%.2f"),
                            ReportMarkdown.reached(a)));
        }
        return ReportMarkdown.table(
                "variant | BN best score | BN best at step | steps to BN best | speed-up"
                    + " (iterations) | speed-up (wall-clock) | best score | final score | reached",
                rows,
                10);
    }

    @Override
    String runsColumns() {
        return "variant | seed | status | iterations | best score (step) | final score (step) | BN"
                + " best (step) | steps to BN best | speed-up (it.) | speed-up (wall) | train s";
    }

    @Override
    String runRow(Run<GanMetricsRow> r, Comparison<GanMetricsRow, Void> c) {
        GanMetricsRow last = r.last();
        return row(
                r.key().variant(),
                r.key().seed(),
                r.status(),
                r.steps(),
                scoreAt(r.best()),
                scoreAt(r.lastScored()),
                c == null ? "" : String.format(Locale.ROOT, "%.2f (%d)", c.bnBest(), c.bnSteps()),
                StudyReport.stepsTo(c),
                c == null ? "" : ReportMarkdown.signedPct(c.speedupIterations(), "never"),
                c == null ? "" : ReportMarkdown.signedPct(c.speedupWallclock(), "never"),
                last == null ? "" : String.format(Locale.ROOT, "%.0f", last.trainSeconds()));
    }

    @Override
    String settings() {
        GanConfig first = first();
        StringBuilder md = new StringBuilder();
        md.append(
                String.format(
                        Locale.ROOT,
                        "- DCGAN (docs/gan.md), data %s%n",
                        first.data.isBlank()
                                ? "embedded mini CIFAR-10 (5,000 train / 1,000 test)"
                                : "`" + first.data + "`"));
        md.append(
                String.format(
                        Locale.ROOT,
                        "- Adam lr %s, β1 %s, β2 %s for both networks; batch %d; seeds %s%n",
                        ReportMarkdown.num(first.lr),
                        ReportMarkdown.num(first.beta1),
                        ReportMarkdown.num(first.beta2),
                        first.batchSize,
                        spec.seeds));
        md.append("- variants (the discriminator is batch-normalized in all):\n");
        for (String v : spec.variantNames()) {
            GanConfig c =
                    RunKind.GAN.config(spec, new StudySpec.RunKey(v, spec.seeds.get(0)), "study");
            md.append("  - `")
                    .append(v)
                    .append("`: ")
                    .append(
                            c.norm.equals("bn")
                                    ? "batch norm at every generator norm layer"
                                    : String.format(
                                            Locale.ROOT,
                                            "%s (K=%d) at %s, batch norm at the other generator"
                                                    + " norm layers",
                                            c.norm,
                                            c.components,
                                            c.mnLayers.isBlank() ? "g.norm1" : c.mnLayers))
                    .append('\n');
        }
        return md.toString();
    }

    @Override
    String filesText() {
        return "`results.csv` (one row per run), `summary.json` (per variant:"
                + " `bn_best_score`, `bn_best_step`, `steps_to_bn_best`, `speedup_iterations`,"
                + " `speedup_wallclock`, `best_score`, `final_score`, as mean, ci95 and n, with"
                + " `never`), `"
                + PLOT
                + "`, and per run `runs/<variant>/seed-<n>/`: an ordinary `mixnorm gan` run"
                + " folder with `config.json`, `metrics.csv`, `summary.json`, `curves.png`,"
                + " `samples/` and checkpoints.\n";
    }

    /** A table of each run's last sample grid: variants as rows, seeds as columns. */
    private String samples(List<Run<GanMetricsRow>> runs) {
        if (runs.stream().allMatch(r -> lastGrid(r.dir()) == null)) {
            return "No sample grid yet.\n\n";
        }
        StringBuilder md =
                new StringBuilder(
                        "Each run's last 8×8 grid (64 fixed latent vectors, the same for every run"
                                + " of a seed, so the grids of one column compare), generator in"
                                + " inference mode.\n\n"
                                + "| variant |");
        for (long s : spec.seeds) {
            md.append(" seed ").append(s).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(spec.seeds.size())).append('\n');
        for (String v : spec.variantNames()) {
            md.append("| ").append(v).append(" |");
            for (long s : spec.seeds) {
                Run<GanMetricsRow> r =
                        runs.stream()
                                .filter(x -> x.key().variant().equals(v) && x.key().seed() == s)
                                .findFirst()
                                .orElseThrow();
                Path grid = lastGrid(r.dir());
                if (grid == null) {
                    md.append(" – |");
                } else {
                    String file = relative(r, grid);
                    String step =
                            grid.getFileName()
                                    .toString()
                                    .replaceAll("\\D", "")
                                    .replaceFirst("^0+(?=\\d)", "");
                    md.append(" ![")
                            .append(v)
                            .append(" seed ")
                            .append(s)
                            .append(", step ")
                            .append(step)
                            .append("](")
                            .append(file)
                            .append(") <br>[step ")
                            .append(step)
                            .append("](")
                            .append(file)
                            .append(") |");
                }
            }
            md.append('\n');
        }
        return md.append('\n').toString();
    }

    private String features(GanConfig c) {
        if (c.features.equals(GanConfig.INCEPTION)) {
            return ", on the Inception-v3 pool3 features of `" + c.inception + "`";
        }
        FeaturesModel classifier = classifier();
        if (classifier == null) {
            return ", on the penultimate features of the classifier in `"
                    + c.featuresModel
                    + "` (its newest checkpoint; "
                    + "how it was trained is not recorded in this study folder)";
        }
        return ", on the penultimate features of the classifier in `"
                + c.featuresModel
                + "` (its step-"
                + classifier.step()
                + " checkpoint), trained by `"
                + classifier.command()
                + "`"
                + (classifier.deterministic()
                        ? ""
                        : " (without --deterministic: a retrain follows the same recipe, seed and"
                                + " data order but is not bit-identical, so its scores differ a"
                                + " little)");
    }

    private static String caveat(GanConfig c) {
        return c.features.equals(GanConfig.INCEPTION)
                ? "FD is biased upwards at small n: compare only with scores on the same n, not"
                        + " with published FIDs."
                : "This is not an FID: it is comparable only between runs scored with the same"
                        + " classifier checkpoint and the same n, such as the runs of this study.";
    }

    private static String scoreAt(GanMetricsRow r) {
        return r == null ? "" : String.format(Locale.ROOT, "%.2f (%d)", r.score(), r.step());
    }

    /**
     * A file of a run as the report (in the study folder) links it:
     * runs/mn/seed-1/samples/step-002000.png.
     */
    private static String relative(Run<GanMetricsRow> r, Path file) {
        return r.key().dir().resolve(r.dir().relativize(file)).toString().replace('\\', '/');
    }

    /** A run's newest sample grid, or null. */
    private static Path lastGrid(Path runDir) {
        Path samples = runDir.resolve("samples");
        if (!Files.isDirectory(samples)) {
            return null;
        }
        try (Stream<Path> s = Files.list(samples)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.png"))
                    .max(
                            Comparator.comparingLong(
                                    p ->
                                            Long.parseLong(
                                                    p.getFileName()
                                                            .toString()
                                                            .replaceAll("\\D", ""))))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Left: score vs iterations, each variant's mean over seeds as a thick line and every seed as a
     * thin one, with BN's best (mean over seeds) in grey. Right: every seed vs training seconds.
     */
    private void writePlot(Path png, StudyResults<GanMetricsRow, Void> results) {
        double maxStep = 0;
        double maxSeconds = 0;
        List<Plots.Series> bySteps = new ArrayList<>();
        List<Plots.Series> bySeconds = new ArrayList<>();
        for (int i = 0; i < spec.variants.size(); i++) {
            String v = spec.variantNames().get(i);
            Color color = StudyReport.PALETTE[i % StudyReport.PALETTE.length];
            Color thin = new Color(color.getRed(), color.getGreen(), color.getBlue(), 110);
            List<Run<GanMetricsRow>> rs =
                    results.runs().stream()
                            .filter(r -> r.key().variant().equals(v) && !r.scored().isEmpty())
                            .toList();
            for (Run<GanMetricsRow> r : rs) {
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
            double[][] mean = meanCurve(rs);
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
        StudyReport.baselineLevel(
                results.comparisons().stream()
                        .filter(c -> c.run().key().variant().equals(spec.baseline))
                        .toList(),
                m -> String.format(Locale.ROOT, "BN best %.2f (mean)", m),
                List.of(bySteps, bySeconds),
                maxStep,
                maxSeconds);
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

    /**
     * A variant's mean score curve over its seeds: at the steps every one of its scored runs was
     * scored at (the same steps for runs of one study; a shorter, interrupted run limits the
     * curve).
     */
    static double[][] meanCurve(List<Run<GanMetricsRow>> runs) {
        List<Map<Long, Double>> scores = new ArrayList<>();
        for (Run<GanMetricsRow> r : runs) {
            Map<Long, Double> byStep = new HashMap<>();
            r.scored().forEach(q -> byStep.putIfAbsent(q.step(), q.score()));
            if (!byStep.isEmpty()) {
                scores.add(byStep);
            }
        }
        if (scores.isEmpty()) {
            return new double[][] {{}, {}};
        }
        List<Long> common =
                runs.stream()
                        .filter(r -> !r.scored().isEmpty())
                        .findFirst()
                        .orElseThrow()
                        .scored()
                        .stream()
                        .map(GanMetricsRow::step)
                        .filter(s -> scores.stream().allMatch(m -> m.containsKey(s)))
                        .toList();
        double[] x = common.stream().mapToDouble(s -> s).toArray();
        double[] y =
                common.stream()
                        .mapToDouble(
                                s ->
                                        scores.stream()
                                                .mapToDouble(m -> m.get(s))
                                                .average()
                                                .orElseThrow())
                        .toArray();
        return new double[][] {x, y};
    }

    private static double[] col(List<GanMetricsRow> rows, ToDoubleFunction<GanMetricsRow> f) {
        return rows.stream().mapToDouble(f).toArray();
    }
}
