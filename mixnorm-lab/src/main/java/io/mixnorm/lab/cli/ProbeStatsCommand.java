package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.StatsProbe;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm probe-stats}: where a trained run's running statistics lose accuracy (see {@link
 * StatsProbe}).
 */
@Command(
        name = "probe-stats",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Score a run's checkpoints with running, precise, batch and hybrid norm statistics"
                    + " and measure how far each MixtureNorm's running mixture is from a population"
                    + " re-estimate.")
public final class ProbeStatsCommand implements Callable<Integer> {
    @Option(
            names = "--run",
            required = true,
            paramLabel = "DIR",
            description = "A run folder with checkpoints.")
    Path run;

    @Option(
            names = "--data",
            description = "CIFAR folder or .tar.gz (default: the run's own --data).")
    String data;

    @Option(
            names = "--steps",
            split = ",",
            paramLabel = "N",
            description = "Checkpoint steps to probe (default: all).")
    List<Long> steps;

    @Option(
            names = "--precise-batches",
            description = "Training batches for the re-estimates (default: ${DEFAULT-VALUE}).")
    int batches = 20;

    @Option(
            names = "--test-images",
            description = "Test images scored, the first N (default: ${DEFAULT-VALUE}).")
    int testImages = 10_000;

    @Option(
            names = "--threads",
            description = "PyTorch threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (!TrainingRun.hasRun(run)) {
            throw new UserException("--run " + run + ": not a run folder (no config.json)");
        }
        if (batches < 1 || testImages < 1) {
            throw new UserException("--precise-batches and --test-images must be at least 1");
        }
        Threads.configure(threads);
        TrainConfig cfg = TrainingRun.savedConfig(run);
        if (data != null) {
            cfg.data = data;
        }
        CifarSplits splits = DataLoading.load(cfg);
        StatsProbe probe = new StatsProbe(run, splits, batches, testImages);
        Set<Long> wanted = steps == null ? null : Set.copyOf(steps);
        List<StatsProbe.Row> rows = new ArrayList<>();
        System.out.println(
                "| step | running | precise | batch | precise BN only | precise MN only | frozen"
                    + " EMA | switched fits | MN drift: λ̄/λ, mean |Ē−E|/√V, mean |log V̄/V| per"
                    + " component |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Path ckpt : probe.checkpoints()) {
            long step = Long.parseLong(ckpt.getFileName().toString().replaceAll("\\D", ""));
            if (wanted != null && !wanted.contains(step)) {
                continue;
            }
            StatsProbe.Row r = probe.probe(ckpt);
            rows.add(r);
            String drift =
                    r.drift().stream()
                            .map(
                                    d ->
                                            String.format(
                                                    Locale.ROOT,
                                                    "%s/%d %.3f/%.3f, %.3f, %.3f",
                                                    d.layer(),
                                                    d.component() + 1,
                                                    d.runningWeight(),
                                                    d.preciseWeight(),
                                                    d.meanShiftInSd(),
                                                    d.meanAbsLogVarRatio()))
                            .collect(Collectors.joining("; "));
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d/%d | %s |%n",
                    r.step(),
                    100 * r.running(),
                    100 * r.precise(),
                    100 * r.batch(),
                    100 * r.preciseBnOnly(),
                    100 * r.preciseMnOnly(),
                    100 * r.frozenEma(),
                    r.switched(),
                    r.batches(),
                    drift);
            if (json != null) {
                AtomicFiles.writeString(json, Json.GSON.toJson(rows));
            }
        }
        return 0;
    }
}
