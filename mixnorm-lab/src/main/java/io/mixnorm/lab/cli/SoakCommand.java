package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.Soak;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm soak}: a memory benchmark, not a test. Runs the real trainer on synthetic data for
 * many steps and samples resident memory (VmRSS), the Java heap, direct buffers and DJL's live
 * NDArrays; passes when resident memory grows less than 5% from the end of the warm-up (the first
 * 10% of steps) to the end. Exit code 0 when it passes, 1 when it does not.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Memory soak: train on synthetic data for --steps, sample RSS/heap/native memory,"
                        + " report growth.")
public final class SoakCommand implements Callable<Integer> {
    static final double LIMIT = 0.05;

    @Mixin TrainOptions options;

    @Option(
            names = "--sample-every",
            description = "Sample memory every N steps (default: ${DEFAULT-VALUE}).")
    int sampleEvery = 100;

    @Option(
            names = "--train-size",
            description = "Synthetic training images (default: ${DEFAULT-VALUE}).")
    int trainSize = 2048;

    @Option(
            names = "--out",
            description = "Write the samples to this CSV (rewritten after each sample).")
    Path out;

    @Option(
            names = "--analyze",
            description = "Only analyze the samples of an earlier soak's CSV (no training).")
    Path analyze;

    @Override
    public Integer call() {
        if (analyze != null) {
            return report(Soak.Result.of(readCsv(analyze), lastStep(readCsv(analyze))));
        }
        TrainConfig cfg = new TrainConfig();
        options.applyTo(cfg, false);
        List<String> given = options.given();
        if (!given.contains("steps")) {
            cfg.steps = 5000;
        }
        if (!given.contains("evalEvery")) {
            cfg.evalEvery =
                    Math.max(
                            1,
                            cfg.steps / 20); // two evaluations and checkpoints inside the warm-up
        }
        if (!given.contains("evalBatchSize")) {
            cfg.evalBatchSize = 200;
        }
        cfg.validate();
        if (sampleEvery < 1) {
            throw new UserException("--sample-every: must be at least 1, got " + sampleEvery);
        }
        if (trainSize < cfg.batchSize) {
            throw new UserException(
                    "--train-size " + trainSize + " is smaller than --batch-size " + cfg.batchSize);
        }
        Threads.configure(cfg.threads);
        System.out.printf(
                Locale.ROOT,
                "soak: %s %s%s, batch %d, %d steps, eval+checkpoint every %d, sample every %d%n",
                cfg.model,
                cfg.norm,
                cfg.norm.equals("bn")
                        ? ""
                        : " at " + (cfg.mnLayers.isEmpty() ? "default layers" : cfg.mnLayers),
                cfg.batchSize,
                cfg.steps,
                cfg.evalEvery,
                sampleEvery);
        System.out.println(Soak.Sample.CSV_HEADER);
        List<String> rows = new ArrayList<>();
        Soak.Result r =
                Soak.run(
                        cfg,
                        trainSize,
                        sampleEvery,
                        s -> {
                            System.out.println(s.toCsv());
                            rows.add(s.toCsv());
                            if (out != null) {
                                AtomicFiles.writeString(
                                        out,
                                        Soak.Sample.CSV_HEADER
                                                + "\n"
                                                + String.join("\n", rows)
                                                + "\n");
                            }
                        });
        return report(r);
    }

    private static int report(Soak.Result r) {
        boolean pass = r.passed(LIMIT);
        System.out.printf(
                Locale.ROOT,
                "RSS median just after warm-up (from step %d): %.1f MB; median over the last 10%%: "
                        + "%.1f MB; growth %+.2f%%, limit %.0f%%: %s%n",
                r.warmStep(),
                r.baselineMb(),
                r.endMb(),
                100 * r.growth(),
                100 * LIMIT,
                pass ? "PASS" : "FAIL");
        System.out.printf(
                Locale.ROOT,
                "RSS trend after warm-up %+.2f MB per 1000 steps; peak %.1f MB%n",
                r.slopeMbPer1000(),
                r.maxRssAfterWarmMb());
        List<Soak.Sample> withArrays = r.samples().stream().filter(s -> s.ndarrays() >= 0).toList();
        if (!withArrays.isEmpty()) {
            Soak.Sample a =
                    withArrays.stream()
                            .filter(s -> s.step() >= r.warmStep())
                            .findFirst()
                            .orElse(withArrays.get(0));
            Soak.Sample b = withArrays.get(withArrays.size() - 1);
            System.out.printf(
                    Locale.ROOT,
                    "live Java heap %.1f -> %.1f MB; live NDArrays %d (%.1f MB) -> %d (%.1f MB), "
                            + "steps %d -> %d%n",
                    a.heapUsedMb(),
                    b.heapUsedMb(),
                    a.ndarrays(),
                    a.ndarrayMb(),
                    b.ndarrays(),
                    b.ndarrayMb(),
                    a.step(),
                    b.step());
        }
        return pass ? 0 : 1;
    }

    private static List<Soak.Sample> readCsv(Path file) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException e) {
            throw new UserException("--analyze " + file + ": cannot read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty() || !lines.get(0).equals(Soak.Sample.CSV_HEADER)) {
            throw new UserException(
                    "--analyze "
                            + file
                            + ": not a soak CSV (expected the header "
                            + Soak.Sample.CSV_HEADER
                            + ")");
        }
        List<Soak.Sample> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            try {
                out.add(Soak.Sample.fromCsv(lines.get(i)));
            } catch (IllegalArgumentException e) {
                throw new UserException(
                        "--analyze " + file + ": line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (out.size() < 2) {
            throw new UserException("--analyze " + file + ": fewer than 2 samples");
        }
        return out;
    }

    private static long lastStep(List<Soak.Sample> samples) {
        return samples.get(samples.size() - 1).step();
    }
}
