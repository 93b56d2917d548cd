package io.mixnorm.lab.study;

import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The paper's metric over a study's runs. For each learning rate and seed, BN's maximum test
 * accuracy over its whole run is the target; each variant's cost is the step (and the training
 * seconds) of its first evaluation at or above it, or "never". Speed-up = 1 − steps_variant /
 * steps_BN, where steps_BN is the step where BN first reached its own maximum. Only runs that are
 * over (finished or diverged) enter the comparison: a maximum is only known at the end.
 */
public final class StudyResults {
    private StudyResults() {}

    /** One run folder of the grid as found on disk. */
    public record Run(StudySpec.RunKey key, Path dir, String status, List<MetricsRow> rows, int batchSize) {
        public boolean over() {
            return (status.equals("finished") || status.equals("diverged")) && !rows.isEmpty();
        }
    }

    /**
     * One run measured against its BN baseline (same learning rate and seed). {@code steps} and
     * {@code seconds} are null when the run never reached the target; the speed-ups then too.
     */
    public record Comparison(Run run, double bnMax, long bnSteps, double bnSeconds, Long steps, Double seconds,
            Double speedupIterations, Double speedupWallclock, double maxAccuracy, long maxStep, double finalAccuracy) {}

    /** A variant at one learning rate, over seeds. */
    public record Aggregate(double lr, String variant, Stats bnMax, Stats steps, Stats seconds, Stats speedupIterations,
            Stats speedupWallclock, Stats maxAccuracy, Stats finalAccuracy, int never, int compared) {}

    /** Reads every run of the grid (missing ones as status "pending"). */
    public static List<Run> read(StudySpec spec, Path out) {
        List<Run> runs = new ArrayList<>();
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            TrainConfig cfg = spec.config(k, "study");
            Trainer.Recorded rec = Trainer.recorded(dir);
            String status = rec.status().equals("finished") && !rec.finished(cfg) ? "interrupted" : rec.status();
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
        for (Run r : runs) {
            Run bn = baselineOf(runs, r.key(), baseline);
            if (bn == null || !bn.over() || !r.over()) {
                continue;
            }
            out.add(compare(r, bn));
        }
        return out;
    }

    /** The metric for one run against its baseline run (which may be itself). */
    public static Comparison compare(Run r, Run bn) {
        MetricsRow bnBest = StepsToTarget.best(bn.rows());
        double target = bnBest.testAccuracy();
        long bnSteps = bnBest.step();
        double bnSeconds = StepsToTarget.trainSecondsAt(bn.rows(), bnSteps, bn.batchSize());
        OptionalLong reach = StepsToTarget.firstStepReaching(r.rows(), target);
        Long steps = reach.isPresent() ? reach.getAsLong() : null;
        Double seconds = steps == null ? null : StepsToTarget.trainSecondsAt(r.rows(), steps, r.batchSize());
        MetricsRow best = StepsToTarget.best(r.rows());
        return new Comparison(r, target, bnSteps, bnSeconds, steps, seconds,
                steps == null ? null : StepsToTarget.speedup(steps, bnSteps),
                seconds == null ? null : 1.0 - seconds / bnSeconds,
                best.testAccuracy(), best.step(), r.rows().get(r.rows().size() - 1).testAccuracy());
    }

    private static Run baselineOf(List<Run> runs, StudySpec.RunKey k, String baseline) {
        for (Run r : runs) {
            if (r.key().lr() == k.lr() && r.key().seed() == k.seed() && r.key().variant().equals(baseline)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Per learning rate and variant, over seeds: means and intervals of the comparisons. Steps,
     * seconds and speed-ups are over the seeds that reached BN's maximum; {@code never} counts the rest.
     */
    public static List<Aggregate> aggregate(StudySpec spec, List<Comparison> comps) {
        List<Aggregate> out = new ArrayList<>();
        for (double lr : spec.lrs) {
            for (String v : spec.variantNames()) {
                List<Comparison> cs = comps.stream().filter(c -> c.run().key().lr() == lr
                        && c.run().key().variant().equals(v)).toList();
                if (cs.isEmpty()) {
                    continue;
                }
                List<Comparison> reached = cs.stream().filter(c -> c.steps() != null).toList();
                out.add(new Aggregate(lr, v,
                        Stats.of(cs.stream().map(Comparison::bnMax).toList()),
                        Stats.of(reached.stream().map(c -> (double) c.steps()).toList()),
                        Stats.of(reached.stream().map(Comparison::seconds).toList()),
                        Stats.of(reached.stream().map(Comparison::speedupIterations).toList()),
                        Stats.of(reached.stream().map(Comparison::speedupWallclock).toList()),
                        Stats.of(cs.stream().map(Comparison::maxAccuracy).toList()),
                        Stats.of(cs.stream().map(Comparison::finalAccuracy).toList()),
                        cs.size() - reached.size(), cs.size()));
            }
        }
        return out;
    }
}
