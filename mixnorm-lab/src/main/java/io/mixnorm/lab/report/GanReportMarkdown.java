package io.mixnorm.lab.report;

import static io.mixnorm.lab.report.ReportMarkdown.pctSigned;
import static io.mixnorm.lab.report.ReportMarkdown.plain;

import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.study.GanKind;
import io.mixnorm.lab.study.GanStudyResults;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudySpec;
import java.util.List;
import java.util.Locale;

/** The text of a GAN study's report.md. */
final class GanReportMarkdown {
    private GanReportMarkdown() {}

    /**
     * @param classifier the score's classifier as the study pinned it, or null (Inception features,
     *     an older study)
     */
    static String render(
            StudySpec spec,
            List<String> commands,
            FeaturesModel classifier,
            List<GanStudyResults.Run> runs,
            List<GanStudyResults.Comparison> comps,
            List<GanStudyResults.Aggregate> aggs,
            boolean plotted) {
        GanConfig first = RunKind.GAN.config(spec, spec.runs().get(0), "study");
        String label = GanKind.scoreLabel(spec);
        StringBuilder md = new StringBuilder();
        long over = runs.stream().filter(GanStudyResults.Run::over).count();
        ReportMarkdown.header(md, spec, over, runs.size());
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
                        label,
                        first.scoreSamples,
                        first.scoreSamples,
                        features(first, classifier),
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
        md.append(headline(spec, aggs));
        md.append("\n## Every run\n\n");
        md.append(
                "| variant | seed | status | iterations | best score (step) | final score (step) |"
                        + " BN best (step) | steps to BN best | speed-up (it.) | speed-up (wall) |"
                        + " train s |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (GanStudyResults.Run r : runs) {
            GanStudyResults.Comparison c = GanStudyReport.comparisonOf(r, comps);
            GanMetricsRow last = r.rows().isEmpty() ? null : r.rows().get(r.rows().size() - 1);
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s |%n",
                            r.key().variant(),
                            r.key().seed(),
                            r.status(),
                            r.steps(),
                            scoreAt(r.best()),
                            scoreAt(r.lastScored()),
                            c == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f (%d)",
                                            c.result().bnBestScore(),
                                            c.result().bnBestStep()),
                            c == null ? "" : c.steps() == null ? "never" : Long.toString(c.steps()),
                            c == null
                                    ? ""
                                    : c.speedupIterations() == null
                                            ? "never"
                                            : String.format(
                                                    Locale.ROOT,
                                                    "%+.1f%%",
                                                    100 * c.speedupIterations()),
                            c == null
                                    ? ""
                                    : c.speedupWallclock() == null
                                            ? "never"
                                            : String.format(
                                                    Locale.ROOT,
                                                    "%+.1f%%",
                                                    100 * c.speedupWallclock()),
                            last == null
                                    ? ""
                                    : String.format(Locale.ROOT, "%.0f", last.trainSeconds())));
        }
        md.append("\n## Score curves\n\n");
        if (plotted) {
            md.append("Left: ")
                    .append(label)
                    .append(
                            " vs iterations, every seed as a thin line and, with more than one"
                                + " seed, each variant's mean over its seeds as a thick one; the"
                                + " grey dashed line is the BN generator's best score (mean over"
                                + " seeds). Right: every seed vs training seconds.\n\n");
            md.append("![score curves](").append(GanStudyReport.PLOT).append(")\n\n");
        } else {
            md.append("Not drawn yet: no run has a score.\n\n");
        }
        md.append("## Samples\n\n");
        md.append(samples(spec, runs));
        md.append("## Settings\n\n");
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
        ReportMarkdown.footer(md, commands);
        md.append(
                "## Files\n\n"
                    + "`results.csv` (one row per run), `summary.json` (per variant:"
                    + " `bn_best_score`, `bn_best_step`, `steps_to_bn_best`, `speedup_iterations`,"
                    + " `speedup_wallclock`, `best_score`, `final_score`, as mean, ci95 and n, with"
                    + " `never`), `"
                        + GanStudyReport.PLOT
                        + "`, and per run `runs/<variant>/seed-<n>/`: an ordinary `mixnorm gan` run"
                        + " folder with `config.json`, `metrics.csv`, `summary.json`, `curves.png`,"
                        + " `samples/` and checkpoints.\n");
        return md.toString();
    }

    /** The headline table: one row per variant. */
    static String headline(StudySpec spec, List<GanStudyResults.Aggregate> aggs) {
        StringBuilder md =
                new StringBuilder(
                        "| variant | BN best score | BN best at step | steps to BN best | speed-up"
                                + " (iterations) | speed-up (wall-clock) | best score | final score"
                                + " | reached |\n"
                                + "|---|---|---|---|---|---|---|---|---|\n");
        for (GanStudyResults.Aggregate a : aggs) {
            boolean base = a.variant().equals(spec.baseline);
            md.append("| ")
                    .append(a.variant())
                    .append(" | ")
                    .append(plain(a.bnBestScore(), "%.2f"))
                    .append(" | ")
                    .append(plain(a.bnBestStep(), "%.0f"))
                    .append(" | ")
                    .append(plain(a.steps(), "%.0f"))
                    .append(" | ")
                    .append(base ? "(baseline)" : pctSigned(a.speedupIterations()))
                    .append(" | ")
                    .append(base ? "(baseline)" : pctSigned(a.speedupWallclock()))
                    .append(" | ")
                    .append(plain(a.bestScore(), "%.2f"))
                    .append(" | ")
                    .append(plain(a.finalScore(), "%.2f"))
                    .append(" | ")
                    .append(a.compared() - a.never())
                    .append('/')
                    .append(a.compared())
                    .append(" |\n");
        }
        return md.append(aggs.isEmpty() ? ReportMarkdown.noPairYet(10) : "").toString();
    }

    /** A table of each run's last sample grid: variants as rows, seeds as columns. */
    private static String samples(StudySpec spec, List<GanStudyResults.Run> runs) {
        if (runs.stream().allMatch(r -> r.lastGrid() == null)) {
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
                GanStudyResults.Run r =
                        runs.stream()
                                .filter(x -> x.key().variant().equals(v) && x.key().seed() == s)
                                .findFirst()
                                .orElseThrow();
                if (r.lastGrid() == null) {
                    md.append(" – |");
                } else {
                    String file = GanStudyReport.relative(r, r.lastGrid());
                    String step =
                            r.lastGrid()
                                    .getFileName()
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

    private static String features(GanConfig c, FeaturesModel classifier) {
        if (c.features.equals(GanConfig.INCEPTION)) {
            return ", on the Inception-v3 pool3 features of `" + c.inception + "`";
        }
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
}
