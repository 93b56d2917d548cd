package io.mixnorm.lab.study;

import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The paper's metric over a study's runs. For each learning rate and seed, BN's maximum test
 * accuracy over its whole run is the target; each variant's cost is the step (and the training
 * seconds) of its first evaluation at or above it, or "never". Speed-up = 1 − steps_variant /
 * steps_BN, where steps_BN is the step where BN first reached its own maximum. Only runs that are
 * over (finished or diverged) enter the comparison: a maximum is only known at the end.
 *
 * <p>Beside it, two whole-curve views (spec §8, issue 16) that do not rest on one evaluation: the
 * {@link Rescaling rescaling speed-up} r of each seed pair, and the steps each run's {@link
 * Isotonic isotonic fit} needs to reach fixed {@link #thresholds accuracy thresholds}. All of them
 * use the headline {@code test_accuracy} column (population statistics under the protocol of issue
 * 16).
 */
public final class StudyResults {
    private StudyResults() {}

    /** One run folder of the grid as found on disk. */
    public record Run(
            StudySpec.RunKey key, Path dir, String status, List<MetricsRow> rows, int batchSize) {
        public boolean over() {
            return (status.equals("finished") || status.equals("diverged")) && !rows.isEmpty();
        }
    }

    /**
     * One run measured against its BN baseline (same learning rate and seed). {@code steps} and
     * {@code seconds} are null when the run never reached the target; the speed-ups then too.
     */
    public record Comparison(
            Run run,
            double bnMax,
            long bnSteps,
            double bnSeconds,
            Long steps,
            Double seconds,
            Double speedupIterations,
            Double speedupWallclock,
            double maxAccuracy,
            long maxStep,
            double finalAccuracy,
            Double speedupRescaling,
            List<ThresholdSteps> thresholds) {}

    /**
     * Steps of a run's smoothed curve, and of its baseline's, to one accuracy threshold; null when
     * that curve never reaches it. speed-up = 1 − steps / bnSteps when both do.
     */
    public record ThresholdSteps(double threshold, Double steps, Double bnSteps) {
        public Double speedup() {
            return steps == null || bnSteps == null ? null : 1.0 - steps / bnSteps;
        }
    }

    /** One threshold of a variant at one learning rate, over seeds. */
    public record ThresholdAggregate(double threshold, Stats steps, Stats speedup, int never) {}

    /** A variant at one learning rate, over seeds. */
    public record Aggregate(
            double lr,
            String variant,
            Stats bnMax,
            Stats steps,
            Stats seconds,
            Stats speedupIterations,
            Stats speedupWallclock,
            Stats maxAccuracy,
            Stats finalAccuracy,
            int never,
            int compared,
            Stats speedupRescaling,
            List<ThresholdAggregate> thresholds) {}

    /**
     * Fractions of the lowest final smoothed BN accuracy of a setting that define its thresholds.
     */
    public static final double[] THRESHOLD_FRACTIONS = {0.90, 0.95, 1.00};

    /** Reads every run of the grid (missing ones as status "pending"). */
    public static List<Run> read(StudySpec spec, Path out) {
        List<Run> runs = new ArrayList<>();
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            TrainConfig cfg = RunKind.CLASSIFICATION.config(spec, k, "study");
            TrainingRun.Recorded rec = TrainingRun.recorded(dir);
            String status =
                    rec.status().equals("finished") && !rec.finished(cfg)
                            ? "interrupted"
                            : rec.status();
            List<MetricsRow> rows = List.of();
            Path csv = dir.resolve("metrics.csv");
            if (Files.exists(csv)) {
                try {
                    rows = MetricsRow.readCsv(csv);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            runs.add(new Run(k, dir, status.isEmpty() ? "pending" : status, rows, cfg.batchSize));
        }
        return runs;
    }

    /** Every run that is over and whose BN baseline is over, measured against it. */
    public static List<Comparison> compare(List<Run> runs, String baseline) {
        List<Comparison> out = new ArrayList<>();
        Map<Double, List<Double>> thresholds = new HashMap<>(); // one set per learning rate
        for (Run r : runs) {
            StudySpec.RunKey bnKey = r.key().baseline(baseline);
            Run bn = runs.stream().filter(b -> b.key().equals(bnKey)).findFirst().orElse(null);
            if (bn == null || !bn.over() || !r.over()) {
                continue;
            }
            List<Double> ts =
                    thresholds.computeIfAbsent(r.key().lr(), lr -> thresholds(runs, lr, baseline));
            out.add(compare(r, bn, ts));
        }
        return out;
    }

    /**
     * A learning rate's accuracy thresholds: 90%, 95% and 100% of the lowest final value among its
     * finished baseline runs' isotonic fits, each rounded down to half a point (so every baseline
     * seed reaches all of them, and they read as plain numbers). Fixed across the seeds of the
     * setting, so steps to them are comparable; empty while no baseline run is over.
     */
    public static List<Double> thresholds(List<Run> runs, double lr, String baseline) {
        double lowest = Double.POSITIVE_INFINITY;
        for (Run r : runs) {
            if (r.key().lr() == lr && r.key().variant().equals(baseline) && r.over()) {
                double[] smooth = Isotonic.fit(accuracies(r.rows()));
                if (smooth.length > 0) {
                    lowest = Math.min(lowest, smooth[smooth.length - 1]);
                }
            }
        }
        List<Double> out = new ArrayList<>();
        if (!Double.isFinite(lowest)) {
            return out;
        }
        for (double q : THRESHOLD_FRACTIONS) {
            double t = Math.floor(q * lowest * 200.0 + 1e-9) / 200.0;
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The metric for one run against its baseline run (which may be itself), without thresholds.
     */
    public static Comparison compare(Run r, Run bn) {
        return compare(r, bn, List.of());
    }

    /** All views of one run against its baseline run, with steps to the given thresholds. */
    public static Comparison compare(Run r, Run bn, List<Double> thresholds) {
        MetricsRow bnBest = StepsToTarget.best(bn.rows());
        double target = bnBest.testAccuracy();
        long bnSteps = bnBest.step();
        double bnSeconds = StepsToTarget.trainSecondsAt(bn.rows(), bnSteps, bn.batchSize());
        OptionalLong reach = StepsToTarget.firstStepReaching(r.rows(), target);
        Long steps = reach.isPresent() ? reach.getAsLong() : null;
        Double seconds =
                steps == null ? null : StepsToTarget.trainSecondsAt(r.rows(), steps, r.batchSize());
        MetricsRow best = StepsToTarget.best(r.rows());
        return new Comparison(
                r,
                target,
                bnSteps,
                bnSeconds,
                steps,
                seconds,
                steps == null ? null : StepsToTarget.speedup(steps, bnSteps),
                seconds == null ? null : 1.0 - seconds / bnSeconds,
                best.testAccuracy(),
                best.step(),
                r.rows().get(r.rows().size() - 1).testAccuracy(),
                rescaling(bn.rows(), r.rows()),
                thresholdSteps(r.rows(), bn.rows(), thresholds));
    }

    /**
     * The rescaling speed-up of {@code rows} against {@code bnRows}; null when it cannot be fitted.
     */
    static Double rescaling(List<MetricsRow> bnRows, List<MetricsRow> rows) {
        List<MetricsRow> b = finite(bnRows);
        List<MetricsRow> v = finite(rows);
        OptionalDouble r = Rescaling.fit(steps(b), accuracies(b), steps(v), accuracies(v));
        return r.isPresent() ? r.getAsDouble() : null;
    }

    static List<ThresholdSteps> thresholdSteps(
            List<MetricsRow> rows, List<MetricsRow> bnRows, List<Double> thresholds) {
        List<MetricsRow> v = finite(rows);
        List<MetricsRow> b = finite(bnRows);
        double[] sv = Isotonic.fit(accuracies(v));
        double[] sb = Isotonic.fit(accuracies(b));
        List<ThresholdSteps> out = new ArrayList<>();
        for (double t : thresholds) {
            OptionalDouble a = Isotonic.stepsTo(steps(v), sv, t);
            OptionalDouble c = Isotonic.stepsTo(steps(b), sb, t);
            out.add(
                    new ThresholdSteps(
                            t,
                            a.isPresent() ? a.getAsDouble() : null,
                            c.isPresent() ? c.getAsDouble() : null));
        }
        return out;
    }

    /** Evaluations with a number (a diverged run's last rows may not have one). */
    private static List<MetricsRow> finite(List<MetricsRow> rows) {
        return rows.stream().filter(m -> Double.isFinite(m.testAccuracy())).toList();
    }

    private static double[] steps(List<MetricsRow> rows) {
        return rows.stream().mapToDouble(MetricsRow::step).toArray();
    }

    private static double[] accuracies(List<MetricsRow> rows) {
        return rows.stream().mapToDouble(MetricsRow::testAccuracy).toArray();
    }

    private static List<ThresholdAggregate> thresholdAggregates(List<Comparison> cs) {
        List<ThresholdAggregate> out = new ArrayList<>();
        int n = cs.stream().mapToInt(c -> c.thresholds().size()).min().orElse(0);
        for (int i = 0; i < n; i++) {
            final int k = i;
            List<ThresholdSteps> ts = cs.stream().map(c -> c.thresholds().get(k)).toList();
            out.add(
                    new ThresholdAggregate(
                            ts.get(0).threshold(),
                            Stats.of(
                                    ts.stream()
                                            .map(ThresholdSteps::steps)
                                            .filter(Objects::nonNull)
                                            .toList()),
                            Stats.of(
                                    ts.stream()
                                            .map(ThresholdSteps::speedup)
                                            .filter(Objects::nonNull)
                                            .toList()),
                            (int) ts.stream().filter(t -> t.steps() == null).count()));
        }
        return out;
    }

    /**
     * Per learning rate and variant, over seeds: means and intervals of the comparisons. Steps,
     * seconds and speed-ups are over the seeds that reached BN's maximum; {@code never} counts the
     * rest.
     */
    public static List<Aggregate> aggregate(StudySpec spec, List<Comparison> comps) {
        List<Aggregate> out = new ArrayList<>();
        for (double lr : spec.lrs) {
            for (String v : spec.variantNames()) {
                List<Comparison> cs =
                        comps.stream()
                                .filter(
                                        c ->
                                                c.run().key().lr() == lr
                                                        && c.run().key().variant().equals(v))
                                .toList();
                if (cs.isEmpty()) {
                    continue;
                }
                List<Comparison> reached = cs.stream().filter(c -> c.steps() != null).toList();
                out.add(
                        new Aggregate(
                                lr,
                                v,
                                Stats.of(cs.stream().map(Comparison::bnMax).toList()),
                                Stats.of(reached.stream().map(c -> (double) c.steps()).toList()),
                                Stats.of(reached.stream().map(Comparison::seconds).toList()),
                                Stats.of(
                                        reached.stream()
                                                .map(Comparison::speedupIterations)
                                                .toList()),
                                Stats.of(
                                        reached.stream()
                                                .map(Comparison::speedupWallclock)
                                                .toList()),
                                Stats.of(cs.stream().map(Comparison::maxAccuracy).toList()),
                                Stats.of(cs.stream().map(Comparison::finalAccuracy).toList()),
                                cs.size() - reached.size(),
                                cs.size(),
                                Stats.of(
                                        cs.stream()
                                                .map(Comparison::speedupRescaling)
                                                .filter(Objects::nonNull)
                                                .toList()),
                                thresholdAggregates(cs)));
            }
        }
        return out;
    }
}
