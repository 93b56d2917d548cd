package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.report.Plots;
import io.mixnorm.lab.study.StepsToTarget;
import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.Trainer;
import io.mixnorm.lab.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm demo}: the main job. Trains cnn5 with batch norm and with MixtureNorm at conv2
 * (K=3) on the embedded mini CIFAR-10, same seed and budget, then plots both test-accuracy curves
 * and prints the steps each needed to reach BN's best accuracy. Re-running continues or skips
 * the finished runs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "BN vs MixtureNorm on the embedded mini CIFAR-10: curves and steps to BN's best accuracy.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "demo");

    @Option(names = "--variants", description = "Norms to compare, BN first (default: ${DEFAULT-VALUE}).")
    String variants = "bn,mn";

    @Option(names = "--steps", description = "Steps per run (default: ${DEFAULT-VALUE}).")
    long steps = 600;

    @Option(names = "--batch-size", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = 64;

    @Option(names = "--eval-every", description = "Evaluate every N steps (default: ${DEFAULT-VALUE}).")
    long evalEvery = 30;

    @Option(names = "--seed", description = "Seed shared by all runs (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--data", description = "Data (default: the embedded mini CIFAR-10).")
    String data = "";

    @Option(names = "--threads", description = "PyTorch threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--quiet", description = "Log lines instead of progress bars.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        List<String> names = List.of(variants.split(","));
        if (!names.get(0).equals("bn")) {
            throw new UserException("--variants: the first variant must be bn, the baseline the others are compared to");
        }
        List<List<MetricsRow>> curves = new ArrayList<>();
        for (String v : names) {
            TrainConfig cfg = new TrainConfig();
            cfg.norm = v;
            cfg.steps = steps;
            cfg.batchSize = batchSize;
            cfg.evalEvery = evalEvery;
            cfg.seed = seed;
            cfg.data = data;
            cfg.threads = threads;
            cfg.validate();
            Path dir = out.resolve(v);
            boolean resume = Trainer.hasRun(dir);
            System.out.println("== " + v + (resume ? " (continuing " + dir + ")" : "") + " ==");
            TrainCommand.run(cfg, dir, resume, quiet);
            curves.add(readMetrics(dir.resolve("metrics.csv")));
        }
        report(names, curves);
        return 0;
    }

    private void report(List<String> names, List<List<MetricsRow>> curves) {
        MetricsRow bnBest = StepsToTarget.best(curves.get(0));
        double target = bnBest.testAccuracy();
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%-10s %9s %9s %22s %9s%n", "norm", "best acc", "final acc",
                "steps to BN best", "speed-up"));
        List<Plots.Series> series = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<MetricsRow> rows = curves.get(i);
            OptionalLong reach = StepsToTarget.firstStepReaching(rows, target);
            String speed = reach.isPresent()
                    ? String.format(Locale.ROOT, "%+.0f%%", 100 * StepsToTarget.speedup(reach.getAsLong(), bnBest.step()))
                    : "-";
            table.append(String.format(Locale.ROOT, "%-10s %8.2f%% %8.2f%% %22s %9s%n", names.get(i),
                    100 * StepsToTarget.best(rows).testAccuracy(), 100 * rows.get(rows.size() - 1).testAccuracy(),
                    reach.isPresent() ? Long.toString(reach.getAsLong()) : "never", i == 0 ? "(baseline)" : speed));
            series.add(new Plots.Series(names.get(i), rows.stream().mapToDouble(MetricsRow::step).toArray(),
                    rows.stream().mapToDouble(MetricsRow::testAccuracy).toArray()));
        }
        series.add(new Plots.Series(String.format(Locale.ROOT, "BN best %.1f%%", 100 * target),
                new double[] {0, steps}, new double[] {target, target}));
        Path png = out.resolve("comparison.png");
        Plots.write(png, List.of(new Plots.Panel("cnn5 on mini CIFAR-10: test accuracy", "steps", "test accuracy", series)));
        String text = String.format(Locale.ROOT, "BN's best test accuracy: %.2f%% at step %d%n%n%s%n"
                + "One seed on a 5,000-image subset: differences of a few points are within seed-to-seed noise.%n"
                + "speed-up = 1 - steps_variant / steps_BN, the paper's metric (it reports 31-47%% on full CIFAR).%n",
                100 * target, bnBest.step(), table);
        AtomicFiles.writeString(out.resolve("comparison.txt"), text);
        System.out.println();
        System.out.print(text);
        System.out.println();
        System.out.println("plot: " + png + "   runs: " + names.stream().map(n -> out.resolve(n).toString()).toList());
    }

    static List<MetricsRow> readMetrics(Path csv) throws IOException {
        List<MetricsRow> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            rows.add(MetricsRow.parseCsv(line));
        }
        return rows;
    }
}
