package io.mixnorm.lab.study;

import io.mixnorm.lab.train.CsvRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A study's results, every kind's: its runs as found on disk, each measured against its baseline's
 * run (same learning rate and seed) by the paper's metric, and each variant over seeds. The paper's
 * metric: the baseline's best value of the kind's {@link Metric} over its whole run is the target;
 * a run's cost is the step (and the training seconds) of its first evaluation at least as good, or
 * "never"; speed-up = 1 − steps_variant / steps_BN, with steps_BN the step of the baseline's best.
 * Only runs that are over (finished or diverged, with an evaluation) are compared: a best is only
 * known at the end. Over seeds: means with {@link Stats}' t-interval; steps, seconds and speed-ups
 * average the seeds that reached the target, and {@code never} counts the rest.
 *
 * <p>The kind supplies only the {@link Metric}: how a run folder is read, the column, whether
 * higher is better, and its own view of a run beside the paper's metric: test accuracy with the
 * whole-curve views ({@link AccuracyMetric}), or a GAN's score ({@link ScoreMetric}).
 *
 * @param <R> a row of the kind's {@code metrics.csv}
 * @param <X> the kind's view of a run against its baseline beside the paper's metric
 */
public record StudyResults<R extends CsvRow, X>(
        List<Run<R>> runs, List<Comparison<R, X>> comparisons, List<Aggregate<R, X>> aggregates) {

    /** What a run kind measures: a column of its runs' metrics.csv, higher or lower better. */
    public abstract static class Metric<R extends CsvRow, X> {
        private final boolean higherIsBetter;

        protected Metric(boolean higherIsBetter) {
            this.higherIsBetter = higherIsBetter;
        }

        public final boolean higherIsBetter() {
            return higherIsBetter;
        }

        /** One run folder of the grid as found on disk (a missing one as status "pending"). */
        public abstract Run<R> read(StudySpec spec, StudySpec.RunKey key, Path dir);

        /** The metric's value in a row. */
        public abstract double value(R row);

        /** Whether a row is an evaluation of the metric: by default, one with a value. */
        public boolean scored(R row) {
            return !Double.isNaN(value(row));
        }

        /** The training seconds (evaluations excluded) of {@code run} up to {@code row}. */
        public abstract double trainSeconds(Run<R> run, R row);

        /** The kind's view of {@code run} against {@code bn} among the study's {@code runs}. */
        public abstract X view(Run<R> run, Run<R> bn, List<Run<R>> runs);
    }

    /** One run folder of the grid as found on disk. */
    public record Run<R extends CsvRow>(
            StudySpec.RunKey key,
            Path dir,
            String status,
            List<R> rows,
            int batchSize,
            Metric<R, ?> metric) {
        public boolean over() {
            return (status.equals("finished") || status.equals("diverged")) && !scored().isEmpty();
        }

        /** The rows that are evaluations of the metric. */
        public List<R> scored() {
            return rows.stream().filter(metric::scored).toList();
        }

        /** The best evaluation, the earliest at a tie; null before the first. */
        public R best() {
            R best = null;
            for (R r : scored()) {
                if (best == null || better(r, best)) {
                    best = r;
                }
            }
            return best;
        }

        /** The last evaluation (a run always evaluates its final step), or null. */
        public R lastScored() {
            List<R> s = scored();
            return s.isEmpty() ? null : s.get(s.size() - 1);
        }

        /** The last row, or null. */
        public R last() {
            return rows.isEmpty() ? null : rows.get(rows.size() - 1);
        }

        public long steps() {
            return rows.isEmpty() ? 0 : last().step();
        }

        private boolean better(R a, R b) {
            double x = metric.value(a);
            double y = metric.value(b);
            return metric.higherIsBetter() ? x > y : x < y;
        }

        /** The first evaluation at least as good as {@code target}, or null. */
        private R firstReaching(double target) {
            for (R r : scored()) {
                double v = metric.value(r);
                if (metric.higherIsBetter() ? v >= target : v <= target) {
                    return r;
                }
            }
            return null;
        }
    }

    /**
     * One run measured against its baseline's run (the baseline against itself: speed-up 0). {@code
     * steps} and {@code seconds} are null when the run never reached the target; the speed-ups then
     * too. {@code view} is the kind's own.
     */
    public record Comparison<R extends CsvRow, X>(
            Run<R> run,
            double bnBest,
            long bnSteps,
            double bnSeconds,
            Long steps,
            Double seconds,
            Double speedupIterations,
            Double speedupWallclock,
            double best,
            long bestStep,
            double finalValue,
            X view) {}

    /** A variant at one learning rate (NaN: a study without a grid), over seeds. */
    public record Aggregate<R extends CsvRow, X>(
            double lr,
            String variant,
            List<Comparison<R, X>> comparisons,
            Stats bnBest,
            Stats bnSteps,
            Stats steps,
            Stats seconds,
            Stats speedupIterations,
            Stats speedupWallclock,
            Stats best,
            Stats finalValue,
            int never,
            int compared) {}

    /** Reads the study in {@code out}, compares its runs and aggregates them. */
    public static <R extends CsvRow, X> StudyResults<R, X> of(
            StudySpec spec, Path out, Metric<R, X> metric) {
        List<Run<R>> runs = read(spec, out, metric);
        List<Comparison<R, X>> comps = compare(runs, spec.baseline);
        return new StudyResults<>(runs, comps, aggregate(spec, comps));
    }

    /** Every run of the grid (missing ones as status "pending"). */
    public static <R extends CsvRow> List<Run<R>> read(
            StudySpec spec, Path out, Metric<R, ?> metric) {
        return spec.runs().stream().map(k -> metric.read(spec, k, out.resolve(k.dir()))).toList();
    }

    /** The rows of a run's {@code metrics.csv}; none when it has none yet. */
    public static <R> List<R> rows(Path csv, Function<String, R> parse) {
        try {
            return Files.exists(csv) ? CsvRow.read(csv, parse) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every run that is over and whose baseline's run is over, measured against it. */
    public static <R extends CsvRow, X> List<Comparison<R, X>> compare(
            List<Run<R>> runs, String baseline) {
        List<Comparison<R, X>> out = new ArrayList<>();
        for (Run<R> r : runs) {
            StudySpec.RunKey bnKey = r.key().baseline(baseline);
            Run<R> bn = runs.stream().filter(b -> b.key().equals(bnKey)).findFirst().orElse(null);
            if (bn != null && bn.over() && r.over()) {
                out.add(compare(r, bn, runs));
            }
        }
        return out;
    }

    /** One run against its baseline's run (which may be itself), alone in its study. */
    public static <R extends CsvRow, X> Comparison<R, X> compare(Run<R> r, Run<R> bn) {
        return compare(r, bn, List.of());
    }

    @SuppressWarnings("unchecked") // a run's metric is its kind's, whose view type is X
    private static <R extends CsvRow, X> Comparison<R, X> compare(
            Run<R> r, Run<R> bn, List<Run<R>> runs) {
        Metric<R, X> m = (Metric<R, X>) r.metric();
        R target = bn.best();
        double bnSeconds = m.trainSeconds(bn, target);
        R reached = r.firstReaching(m.value(target));
        Double seconds = reached == null ? null : m.trainSeconds(r, reached);
        R best = r.best();
        return new Comparison<>(
                r,
                m.value(target),
                target.step(),
                bnSeconds,
                reached == null ? null : reached.step(),
                seconds,
                reached == null ? null : 1.0 - reached.step() / (double) target.step(),
                seconds == null ? null : 1.0 - seconds / bnSeconds,
                m.value(best),
                best.step(),
                m.value(r.lastScored()),
                m.view(r, bn, runs));
    }

    /**
     * Per learning rate (one setting without a grid) and variant, in the spec's order, over seeds;
     * those without a comparison are left out.
     */
    public static <R extends CsvRow, X> List<Aggregate<R, X>> aggregate(
            StudySpec spec, List<Comparison<R, X>> comps) {
        List<Aggregate<R, X>> out = new ArrayList<>();
        for (double lr : spec.kind().lrGrid() ? spec.lrs : List.of(Double.NaN)) {
            for (String v : spec.variantNames()) {
                List<Comparison<R, X>> cs =
                        comps.stream()
                                .filter(
                                        c ->
                                                Double.compare(c.run().key().lr(), lr) == 0
                                                        && c.run().key().variant().equals(v))
                                .toList();
                if (!cs.isEmpty()) {
                    out.add(aggregate(lr, v, cs));
                }
            }
        }
        return out;
    }

    private static <R extends CsvRow, X> Aggregate<R, X> aggregate(
            double lr, String variant, List<Comparison<R, X>> cs) {
        List<Comparison<R, X>> reached = cs.stream().filter(c -> c.steps() != null).toList();
        return new Aggregate<>(
                lr,
                variant,
                cs,
                Stats.of(cs.stream().map(Comparison::bnBest).toList()),
                Stats.of(cs.stream().map(c -> (double) c.bnSteps()).toList()),
                Stats.of(reached.stream().map(c -> (double) c.steps()).toList()),
                Stats.of(reached.stream().map(Comparison::seconds).toList()),
                Stats.of(reached.stream().map(Comparison::speedupIterations).toList()),
                Stats.of(reached.stream().map(Comparison::speedupWallclock).toList()),
                Stats.of(cs.stream().map(Comparison::best).toList()),
                Stats.of(cs.stream().map(Comparison::finalValue).toList()),
                cs.size() - reached.size(),
                cs.size());
    }

    /** How many runs are over. */
    public long over() {
        return runs.stream().filter(Run::over).count();
    }

    /** {@code run}'s comparison, or null. */
    public Comparison<R, X> comparison(Run<R> run) {
        return comparisons.stream().filter(c -> c.run() == run).findFirst().orElse(null);
    }
}
