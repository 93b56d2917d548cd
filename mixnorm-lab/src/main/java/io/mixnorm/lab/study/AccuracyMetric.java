package io.mixnorm.lab.study;

import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Classifier runs' metric: the headline {@code test_accuracy} column (population statistics under
 * the protocol of issue 16), higher is better; every row of a {@code mixnorm train} run's
 * metrics.csv is an evaluation. Beside the paper's metric, two whole-curve views (spec §8, issue
 * 16) that do not rest on one evaluation: the {@link Rescaling rescaling speed-up} r of each seed
 * pair, and the steps each run's {@link Isotonic isotonic fit} needs to reach fixed {@link
 * #thresholds accuracy thresholds}.
 */
public final class AccuracyMetric extends StudyResults.Metric<MetricsRow, AccuracyMetric.Curves> {
    public static final AccuracyMetric INSTANCE = new AccuracyMetric();

    /**
     * Fractions of the lowest final smoothed BN accuracy of a setting that define its thresholds.
     */
    public static final double[] THRESHOLD_FRACTIONS = {0.90, 0.95, 1.00};

    private AccuracyMetric() {
        super(true);
    }

    /**
     * A run's whole-curve views against its baseline: the rescaling speed-up (null when it cannot
     * be fitted) and the steps to each threshold of its learning rate.
     */
    public record Curves(Double speedupRescaling, List<ThresholdSteps> thresholds) {}

    /**
     * Steps of a run's smoothed curve, and of its baseline's, to one accuracy threshold; null when
     * that curve never reaches it. speed-up = 1 − steps / bnSteps when both do.
     */
    public record ThresholdSteps(double threshold, Double steps, Double bnSteps) {
        public Double speedup() {
            return steps == null || bnSteps == null ? null : 1.0 - steps / bnSteps;
        }
    }

    /** A variant's whole-curve views at one learning rate, over seeds. */
    public record CurvesAggregate(Stats speedupRescaling, List<ThresholdAggregate> thresholds) {}

    /** One threshold of a variant at one learning rate, over seeds. */
    public record ThresholdAggregate(double threshold, Stats steps, Stats speedup, int never) {}

    @Override
    public StudyResults.Run<MetricsRow> read(StudySpec spec, StudySpec.RunKey key, Path dir) {
        TrainConfig cfg = RunKind.CLASSIFICATION.config(spec, key, "study");
        TrainingRun.Recorded rec = TrainingRun.recorded(dir);
        String status =
                rec.status().equals("finished") && !rec.finished(cfg)
                        ? "interrupted"
                        : rec.status();
        List<MetricsRow> rows = StudyResults.rows(dir.resolve("metrics.csv"), MetricsRow::parseCsv);
        return new StudyResults.Run<>(
                key, dir, status.isEmpty() ? "pending" : status, rows, cfg.batchSize, this);
    }

    @Override
    public double value(MetricsRow row) {
        return row.testAccuracy();
    }

    /** Every row of a classifier run is an evaluation (a diverged one's may be NaN). */
    @Override
    public boolean scored(MetricsRow row) {
        return true;
    }

    @Override
    public double trainSeconds(StudyResults.Run<MetricsRow> run, MetricsRow row) {
        return StepsToTarget.trainSecondsAt(run.rows(), row.step(), run.batchSize());
    }

    @Override
    public Curves view(
            StudyResults.Run<MetricsRow> run,
            StudyResults.Run<MetricsRow> bn,
            List<StudyResults.Run<MetricsRow>> runs) {
        List<Double> ts = thresholds(runs, run.key().lr(), bn.key().variant());
        return new Curves(
                rescaling(bn.rows(), run.rows()), thresholdSteps(run.rows(), bn.rows(), ts));
    }

    /**
     * A learning rate's accuracy thresholds: 90%, 95% and 100% of the lowest final value among its
     * finished baseline runs' isotonic fits, each rounded down to half a point (so every baseline
     * seed reaches all of them, and they read as plain numbers). Fixed across the seeds of the
     * setting, so steps to them are comparable; empty while no baseline run is over.
     */
    public static List<Double> thresholds(
            List<StudyResults.Run<MetricsRow>> runs, double lr, String baseline) {
        double lowest = Double.POSITIVE_INFINITY;
        for (StudyResults.Run<MetricsRow> r : runs) {
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

    /** A variant's whole-curve views over its comparisons (seeds) at one learning rate. */
    public static CurvesAggregate aggregate(List<StudyResults.Comparison<MetricsRow, Curves>> cs) {
        List<ThresholdAggregate> thresholds = new ArrayList<>();
        int n = cs.stream().mapToInt(c -> c.view().thresholds().size()).min().orElse(0);
        for (int i = 0; i < n; i++) {
            final int k = i;
            List<ThresholdSteps> ts = cs.stream().map(c -> c.view().thresholds().get(k)).toList();
            thresholds.add(
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
        return new CurvesAggregate(
                Stats.of(
                        cs.stream()
                                .map(c -> c.view().speedupRescaling())
                                .filter(Objects::nonNull)
                                .toList()),
                thresholds);
    }
}
