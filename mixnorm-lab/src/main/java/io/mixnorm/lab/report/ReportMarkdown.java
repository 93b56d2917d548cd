package io.mixnorm.lab.report;

import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/** The text of report.md, and its HTML copy. */
final class ReportMarkdown {
    private ReportMarkdown() {}

    static String render(
            StudySpec spec,
            Path out,
            List<String> commands,
            List<StudyResults.Run> runs,
            List<StudyResults.Comparison> comps,
            List<StudyResults.Aggregate> aggs,
            List<String> plots,
            String figure) {
        StringBuilder md = new StringBuilder();
        long over = runs.stream().filter(StudyResults.Run::over).count();
        ReportMarkdown.header(md, spec, over, runs.size());
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
                        + headlineStats(spec)
                        + ").\n\n");
        md.append(rescalingTable(spec, aggs));
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
        md.append(paperTable(spec, aggs));
        md.append("\n## Every run\n\n");
        md.append(
                "| lr | variant | seed | status | steps | BN max | steps to BN max | speed-up (it.)"
                        + " | speed-up (wall) | max acc (step) | final acc | img/s |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (StudyResults.Run r : runs) {
            StudyResults.Comparison c =
                    comps.stream().filter(x -> x.run() == r).findFirst().orElse(null);
            long steps = r.rows().isEmpty() ? 0 : r.rows().get(r.rows().size() - 1).step();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            num(r.key().lr()),
                            r.key().variant(),
                            r.key().seed(),
                            r.status(),
                            steps,
                            c == null ? "" : String.format(Locale.ROOT, "%.2f%%", 100 * c.bnMax()),
                            c == null ? "" : c.steps() == null ? "never" : Long.toString(c.steps()),
                            c == null || c.speedupIterations() == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT, "%+.1f%%", 100 * c.speedupIterations()),
                            c == null || c.speedupWallclock() == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT, "%+.1f%%", 100 * c.speedupWallclock()),
                            c == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f%% (%d)",
                                            100 * c.maxAccuracy(),
                                            c.maxStep()),
                            r.rows().isEmpty()
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f%%",
                                            100 * r.rows().get(r.rows().size() - 1).testAccuracy()),
                            r.rows().isEmpty()
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "%.0f",
                                            StudyReport.meanImagesPerSecond(r)),
                            c == null
                                            || c.speedupRescaling() == null
                                            || r.key().variant().equals(spec.baseline)
                                    ? ""
                                    : String.format(
                                            Locale.ROOT, "%+.1f%%", 100 * c.speedupRescaling())));
        }
        md.append(
                "\n"
                    + "## Curves\n\n"
                    + "Solid lines are the first seed, dashed the second (then alternating); the"
                    + " grey dashed line is BN's maximum (mean over seeds). Panels: test accuracy"
                    + " vs steps, vs training seconds, test loss and training loss (mean over each"
                    + " evaluation interval) vs steps, and the variants' curves drawn at step/(1 −"
                    + " r) with each seed's fitted r: where r describes the difference, they fall"
                    + " on BN's.\n\n");
        for (String p : plots) {
            md.append("### ")
                    .append(p)
                    .append("\n\n![")
                    .append(p)
                    .append("](plots/")
                    .append(p)
                    .append(".png)\n\n");
        }
        md.append("## The paper's picture (Figure 1)\n\n").append(figure).append('\n');
        md.append("## Settings\n\n");
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
                        num(first.weightDecay),
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
        ReportMarkdown.footer(md, commands);
        md.append(
                "## Files\n\n"
                        + "`results.csv` (one row per run), `summary.json` (per setting:"
                        + " `speedup_rescaling`, `thresholds`, `steps_to_threshold`,"
                        + " `bn_max_test_accuracy`, `steps_to_bn_max`, `speedup_iterations`,"
                        + " `speedup_wallclock` per variant, as mean, ci95 and n), `plots/`,"
                        + " `figure1.png`, and per run `runs/<lr>/<variant>/seed-<n>/` with"
                        + " `config.json`, `metrics.csv`, `summary.json`, `curves.png` and"
                        + " checkpoints.\n");
        return md.toString();
    }

    /** The start every study's report.md shares: title, description, how many runs are over. */
    static void header(StringBuilder md, StudySpec spec, long over, int total) {
        md.append("# Study ")
                .append(spec.name)
                .append("\n\n")
                .append(spec.description)
                .append("\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Generated %s from %d of %d runs that are over%s.%n%n",
                        StudyReport.timestamp(),
                        over,
                        total,
                        over < total
                                ? " (the rest are pending or interrupted; re-run the command to"
                                        + " continue)"
                                : ""));
    }

    /**
     * The end of the settings and the sections every study's report.md shares: the commands, how to
     * continue, the machine.
     */
    static void footer(StringBuilder md, List<String> commands) {
        md.append(
                "- the full grid is in `study.json`; each run's exact config is its"
                        + " `config.json`\n\n");
        md.append("## Commands\n\n```bash\n")
                .append(String.join("\n", commands))
                .append("\n```\n\n");
        md.append(
                "Re-running the same command continues an interrupted study (finished runs are"
                        + " skipped) and rebuilds this report; add `--report-only` to rebuild it"
                        + " without training.\n\n");
        md.append("## Machine\n\n").append(machine()).append('\n');
    }

    /**
     * The headline tables: the rescaling speed-up and steps to thresholds, then the paper's metric.
     */
    static String headline(StudySpec spec, List<StudyResults.Aggregate> aggs) {
        return rescalingTable(spec, aggs) + "\n" + paperTable(spec, aggs);
    }

    /** Which statistics the headline test accuracy uses, in words. */
    static String headlineStats(StudySpec spec) {
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
    static String rescalingTable(StudySpec spec, List<StudyResults.Aggregate> aggs) {
        StringBuilder md = new StringBuilder();
        md.append("| lr | variant | rescaling speed-up r | seeds |");
        // The thresholds differ between learning rates (each is a fraction of that rate's BN
        // curves), so the header names the fraction and every cell its threshold.
        int columns = aggs.stream().mapToInt(a -> a.thresholds().size()).max().orElse(0);
        for (int i = 0; i < columns; i++) {
            md.append(
                    i < StudyResults.THRESHOLD_FRACTIONS.length
                            ? String.format(
                                    Locale.ROOT,
                                    " steps to %.0f%% of BN's final (speed-up) |",
                                    100 * StudyResults.THRESHOLD_FRACTIONS[i])
                            : " steps to threshold |");
        }
        md.append("\n|---|---|---|---|").append("---|".repeat(columns)).append('\n');
        for (StudyResults.Aggregate a : aggs) {
            boolean base = a.variant().equals(spec.baseline);
            md.append("| ")
                    .append(num(a.lr()))
                    .append(" | ")
                    .append(a.variant())
                    .append(" | ")
                    .append(base ? "(baseline)" : pctSigned(a.speedupRescaling()))
                    .append(" | ")
                    .append(a.speedupRescaling().n())
                    .append(" |");
            for (StudyResults.ThresholdAggregate t : a.thresholds()) {
                md.append(String.format(Locale.ROOT, " %.1f%%:", 100 * t.threshold()));
                if (t.steps().n() == 0) {
                    md.append(" never ×").append(t.never());
                } else {
                    md.append(' ').append(plain(t.steps(), "%.0f"));
                    if (!base && t.speedup().n() > 0) {
                        md.append(" (").append(pctSigned(t.speedup())).append(')');
                    }
                    if (t.never() > 0) {
                        md.append(", never ×").append(t.never());
                    }
                }
                md.append(" |");
            }
            md.append('\n');
        }
        return md.append(aggs.isEmpty() ? noPairYet(4) : "").toString();
    }

    /** A table's only row while no run can be compared with its baseline yet. */
    static String noPairYet(int columns) {
        return "| – | no finished BN/variant pair yet |" + " |".repeat(columns - 2) + "\n";
    }

    /** The paper-style table: one row per learning rate and variant. */
    static String paperTable(StudySpec spec, List<StudyResults.Aggregate> aggs) {
        StringBuilder md = new StringBuilder();
        md.append(
                "| lr | variant | BN max test acc | steps to BN max | speed-up (iterations) | train"
                        + " s to BN max | speed-up (wall-clock) | max test acc | final test acc |"
                        + " reached |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (StudyResults.Aggregate a : aggs) {
            md.append("| ")
                    .append(num(a.lr()))
                    .append(" | ")
                    .append(a.variant())
                    .append(" | ")
                    .append(pct(a.bnMax()))
                    .append(" | ")
                    .append(plain(a.steps(), "%.0f"))
                    .append(" | ")
                    .append(
                            a.variant().equals(spec.baseline)
                                    ? "(baseline)"
                                    : pctSigned(a.speedupIterations()))
                    .append(" | ")
                    .append(plain(a.seconds(), "%.0f"))
                    .append(" | ")
                    .append(
                            a.variant().equals(spec.baseline)
                                    ? "(baseline)"
                                    : pctSigned(a.speedupWallclock()))
                    .append(" | ")
                    .append(pct(a.maxAccuracy()))
                    .append(" | ")
                    .append(pct(a.finalAccuracy()))
                    .append(" | ")
                    .append(a.compared() - a.never())
                    .append('/')
                    .append(a.compared())
                    .append(" |\n");
        }
        return md.append(aggs.isEmpty() ? ReportMarkdown.noPairYet(11) : "").toString();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's view below is still useful
        }
        long memGb =
                Math.round(
                        ((com.sun.management.OperatingSystemMXBean)
                                                java.lang.management.ManagementFactory
                                                        .getOperatingSystemMXBean())
                                        .getTotalMemorySize()
                                / 1e9);
        return String.format(
                Locale.ROOT,
                "- %s, %d cores visible to the JVM, %d GB memory%n- %s %s (%s), Java %s%n"
                        + "- DJL 0.36.0 with PyTorch 2.7.1 (CPU)%n",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memGb,
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"));
    }

    static String html(String title, String md) {
        Parser parser = Parser.builder().extensions(List.of(TablesExtension.create())).build();
        HtmlRenderer renderer =
                HtmlRenderer.builder().extensions(List.of(TablesExtension.create())).build();
        String body = renderer.render(parser.parse(md));
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                + escape(title)
                + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1200px;margin:2em"
                + " auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid"
                + " #ccc;padding:3px"
                + " 8px;text-align:right}img{max-width:100%}code,pre{background:#f4f4f4}</style></head>\n"
                + "<body>\n"
                + body
                + "</body></html>\n";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String num(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String pct(Stats s) {
        if (s.n() == 0) {
            return "–";
        }
        String m = String.format(Locale.ROOT, "%.2f%%", 100 * s.mean());
        return Double.isNaN(s.low())
                ? m
                : m + String.format(Locale.ROOT, " [%.2f, %.2f]", 100 * s.low(), 100 * s.high());
    }

    static String pctSigned(Stats s) {
        if (s.n() == 0) {
            return "never";
        }
        String m = String.format(Locale.ROOT, "%+.1f%%", 100 * s.mean());
        return Double.isNaN(s.low())
                ? m
                : m + String.format(Locale.ROOT, " [%+.1f, %+.1f]", 100 * s.low(), 100 * s.high());
    }

    static String plain(Stats s, String fmt) {
        if (s.n() == 0) {
            return "never";
        }
        String m = String.format(Locale.ROOT, fmt, s.mean());
        return Double.isNaN(s.low())
                ? m
                : m
                        + " ["
                        + String.format(Locale.ROOT, fmt, s.low())
                        + ", "
                        + String.format(Locale.ROOT, fmt, s.high())
                        + "]";
    }
}
