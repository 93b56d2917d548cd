package io.mixnorm.lab.study;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.gan.GanRunFiles;
import io.mixnorm.lab.gan.GanSpeedup;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The paper's GAN metric over a study's runs (lower score is better). Per seed, the BN generator's
 * best score over its whole run is the target; each variant's cost is the first scored step at or
 * below it ({@link GanSpeedup}), or "never"; speed-up = 1 − steps_variant / steps_BN, with steps_BN
 * the step of BN's best. Only runs that are over (finished or diverged, with scores) are compared:
 * a best score is only known at the end. Across seeds: means with {@link Stats}' t-interval; steps
 * and speed-ups average the seeds that reached the target, and {@code never} counts the rest.
 */
public final class GanStudyResults {
    private GanStudyResults() {}

    /** What a run folder's summary.json says: status ("" when there is no run) and steps done. */
    public record Recorded(String status, long steps) {
        /** Finished with {@code cfg}'s budget (a run finished with a smaller one is continued). */
        public boolean finished(GanConfig cfg) {
            return status.equals("finished") && steps >= cfg.steps;
        }

        public static Recorded of(Path runDir) {
            Path f = runDir.resolve(GanRunFiles.SUMMARY);
            if (!Files.exists(f)) {
                return new Recorded("", 0);
            }
            try {
                JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                return new Recorded(o.get("status").getAsString(), o.get("steps").getAsLong());
            } catch (IOException | RuntimeException e) {
                // a damaged summary: the run's checkpoints decide, so continue it
                return new Recorded("interrupted", 0);
            }
        }
    }

    /**
     * The GAN trainer stops a diverged run with an exception and leaves its summary at "running";
     * the study records the divergence there, so that it reports the run as diverged and does not
     * train it again on the next invocation.
     */
    static void markDiverged(Path runDir, String message) {
        Path f = runDir.resolve(GanRunFiles.SUMMARY);
        JsonObject o = new JsonObject();
        try {
            if (Files.exists(f)) {
                JsonElement e = JsonParser.parseString(Files.readString(f));
                if (e.isJsonObject()) {
                    o = e.getAsJsonObject();
                }
            }
        } catch (IOException | RuntimeException e) {
            // rewrite it with what we know
        }
        o.addProperty("status", "diverged");
        o.addProperty("error", message);
        AtomicFiles.writeString(f, Json.GSON.toJson(o) + "\n");
    }

    /**
     * One run folder of the grid as found on disk; {@code lastGrid} is its newest sample grid, or
     * null.
     */
    public record Run(
            StudySpec.RunKey key,
            Path dir,
            String status,
            List<GanMetricsRow> rows,
            Path lastGrid) {
        public boolean over() {
            return (status.equals("finished") || status.equals("diverged")) && !scored().isEmpty();
        }

        public List<GanMetricsRow> scored() {
            return rows.stream().filter(r -> !Double.isNaN(r.score())).toList();
        }

        /** The lowest score, the earliest at a tie; null before the first score. */
        public GanMetricsRow best() {
            GanMetricsRow best = null;
            for (GanMetricsRow r : scored()) {
                if (best == null || r.score() < best.score()) {
                    best = r;
                }
            }
            return best;
        }

        /** The last score (the trainer always scores the final step). */
        public GanMetricsRow lastScored() {
            List<GanMetricsRow> s = scored();
            return s.isEmpty() ? null : s.get(s.size() - 1);
        }

        public long steps() {
            return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).step();
        }
    }

    /** One run measured against its seed's BN run (the BN run against itself: speed-up 0). */
    public record Comparison(Run run, GanSpeedup.Result result) {
        /** First step at or below BN's best score; null for "never". */
        public Long steps() {
            return result.mnStep() < 0 ? null : result.mnStep();
        }

        public Double speedupIterations() {
            return steps() == null ? null : result.speedup();
        }

        public Double speedupWallclock() {
            return steps() == null ? null : result.wallClockSpeedup();
        }
    }

    /** A variant over seeds. */
    public record Aggregate(
            String variant,
            Stats bnBestScore,
            Stats bnBestStep,
            Stats steps,
            Stats speedupIterations,
            Stats speedupWallclock,
            Stats bestScore,
            Stats finalScore,
            int never,
            int compared) {}

    /** Reads every run of the grid (missing ones as status "pending"). */
    public static List<Run> read(StudySpec spec, Path out) {
        List<Run> runs = new ArrayList<>();
        for (StudySpec.RunKey k : spec.runs()) {
            Path dir = out.resolve(k.dir());
            GanConfig cfg = RunKind.GAN.config(spec, k, "study '" + spec.name + "'");
            Recorded rec = Recorded.of(dir);
            String status =
                    switch (rec.status()) {
                        case "" -> "pending";
                        case "diverged" -> "diverged";
                        default -> rec.finished(cfg) ? "finished" : "interrupted";
                    };
            List<GanMetricsRow> rows = List.of();
            Path csv = dir.resolve(GanRunFiles.METRICS);
            if (Files.exists(csv)) {
                try {
                    rows = GanMetricsRow.readCsv(csv);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            runs.add(new Run(k, dir, status, rows, lastGrid(dir).orElse(null)));
        }
        return runs;
    }

    /** Every run that is over and whose seed's BN run is over, measured against it. */
    public static List<Comparison> compare(List<Run> runs, String baseline) {
        List<Comparison> out = new ArrayList<>();
        for (Run r : runs) {
            StudySpec.RunKey bnKey = r.key().baseline(baseline);
            Run bn = runs.stream().filter(b -> b.key().equals(bnKey)).findFirst().orElse(null);
            if (bn != null && bn.over() && r.over()) {
                out.add(new Comparison(r, GanSpeedup.of(bn.rows(), r.rows())));
            }
        }
        return out;
    }

    /**
     * Per variant, over seeds, in the spec's variant order; variants without a comparison are left
     * out.
     */
    public static List<Aggregate> aggregate(StudySpec spec, List<Comparison> comps) {
        List<Aggregate> out = new ArrayList<>();
        for (String v : spec.variantNames()) {
            List<Comparison> cs =
                    comps.stream().filter(c -> c.run().key().variant().equals(v)).toList();
            if (cs.isEmpty()) {
                continue;
            }
            List<Comparison> reached = cs.stream().filter(c -> c.steps() != null).toList();
            out.add(
                    new Aggregate(
                            v,
                            Stats.of(cs.stream().map(c -> c.result().bnBestScore()).toList()),
                            Stats.of(
                                    cs.stream()
                                            .map(c -> (double) c.result().bnBestStep())
                                            .toList()),
                            Stats.of(reached.stream().map(c -> (double) c.steps()).toList()),
                            Stats.of(reached.stream().map(Comparison::speedupIterations).toList()),
                            Stats.of(reached.stream().map(Comparison::speedupWallclock).toList()),
                            Stats.of(cs.stream().map(c -> c.run().best().score()).toList()),
                            Stats.of(cs.stream().map(c -> c.run().lastScored().score()).toList()),
                            cs.size() - reached.size(),
                            cs.size()));
        }
        return out;
    }

    /**
     * A variant's mean score curve over its seeds: at the steps every one of its scored runs was
     * scored at (the same steps for runs of one study; a shorter, interrupted run limits the
     * curve).
     */
    public static double[][] meanCurve(List<Run> runs) {
        List<Run> scored = runs.stream().filter(r -> !r.scored().isEmpty()).toList();
        if (scored.isEmpty()) {
            return new double[][] {{}, {}};
        }
        List<Long> common =
                scored.get(0).scored().stream()
                        .map(GanMetricsRow::step)
                        .filter(
                                s ->
                                        scored.stream()
                                                .allMatch(
                                                        r ->
                                                                r.scored().stream()
                                                                        .anyMatch(
                                                                                x ->
                                                                                        x.step()
                                                                                                == s)))
                        .toList();
        double[] x = new double[common.size()];
        double[] y = new double[common.size()];
        for (int i = 0; i < x.length; i++) {
            long s = common.get(i);
            x[i] = s;
            y[i] =
                    scored.stream()
                            .mapToDouble(
                                    r ->
                                            r.scored().stream()
                                                    .filter(q -> q.step() == s)
                                                    .findFirst()
                                                    .orElseThrow()
                                                    .score())
                            .average()
                            .orElseThrow();
        }
        return new double[][] {x, y};
    }

    private static Optional<Path> lastGrid(Path runDir) {
        Path samples = runDir.resolve("samples");
        if (!Files.isDirectory(samples)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(samples)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.png"))
                    .max(
                            Comparator.comparingLong(
                                    p ->
                                            Long.parseLong(
                                                    p.getFileName()
                                                            .toString()
                                                            .replaceAll("\\D", ""))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
