package io.mixnorm.lab.cli;

import ai.djl.ndarray.NDManager;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.Devices;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.bench.StepBenchmark;
import io.mixnorm.lab.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm bench}: median time of a full training step (forward, backward, update) on
 * synthetic CIFAR-shaped batches, img/s, FLOPs per image and the fraction of the measured FP32
 * matrix-multiply peak. {@code --variants} measures several norm choices side by side in one run.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Benchmark training-step throughput (synthetic data, same process, side by side).")
public final class BenchCommand implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(
            names = "--variants",
            description =
                    "Comma-separated norm variants measured side by side, each bn, mn, modenorm,"
                        + " optionally with layers after a colon: bn,mn:conv2,mn:all (default: just"
                        + " --norm).")
    String variants;

    @Option(
            names = "--mode",
            description =
                    "What a timed step is: train (forward, loss, backward, update) or eval (the"
                            + " evaluation's forward in inference mode, no gradient, at"
                            + " --batch-size: pass the --eval-batch-size you train with, 100 by"
                            + " default) (default: ${DEFAULT-VALUE}).")
    String mode = "train";

    @Option(
            names = "--warmup",
            description = "Untimed warm-up steps per variant (default: ${DEFAULT-VALUE}).")
    int warmup = 5;

    @Option(
            names = "--repeats",
            description = "Timed steps per variant (default: ${DEFAULT-VALUE}).")
    int repeats = 20;

    @Option(
            names = "--peak-gflops",
            description =
                    "The machine's FP32 peak in GFLOP/s; default: measured with a "
                            + "4096² matrix multiply on the same threads.")
    double peakGflops;

    @Option(
            names = "--onednn-ab",
            description =
                    "Time every variant with PyTorch's oneDNN convolutions off (ATen's own kernels)"
                            + " and on, alternating step by step (docs/engine-workarounds.md).")
    boolean oneDnnAb;

    @Option(
            names = "--json",
            description = "Print JSON (images_per_second, step_ms_median, ... per variant).")
    boolean json;

    @Override
    public Integer call() {
        TrainConfig base = new TrainConfig();
        options.applyTo(base, false);
        base.validate();
        StepBenchmark.Mode timed = parseMode(mode);
        if (warmup < 0 || repeats < 1) {
            throw new UserException(
                    "--warmup must be at least 0 and --repeats at least 1, got "
                            + warmup
                            + " and "
                            + repeats);
        }
        Threads.configure(base.threads);
        List<TrainConfig> configs = new ArrayList<>();
        for (String v : (variants == null ? base.norm : variants).split(",")) {
            TrainConfig c = base.copy();
            String[] parts = v.trim().split(":", 2);
            c.norm = parts[0];
            c.mnLayers = parts.length > 1 ? parts[1] : c.norm.equals("bn") ? "" : base.mnLayers;
            c.validate();
            configs.add(c);
        }
        try (NDManager root = NDManager.newBaseManager(Devices.resolve(base.device))) {
            double peak = peakGflops > 0 ? peakGflops : StepBenchmark.measureMatmulGflops(root);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (StepBenchmark.Result r :
                    StepBenchmark.run(configs, root, warmup, repeats, oneDnnAb, timed)) {
                rows.add(r.toJsonMap(peak));
            }
            double bnMs = (double) rows.get(0).get("step_ms_median");
            for (Map<String, Object> row : rows) {
                row.put("step_time_ratio_vs_first", (double) row.get("step_ms_median") / bnMs);
            }
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>(rows.get(0));
                out.put("peak_gflops", peak);
                out.put(
                        "peak_source",
                        peakGflops > 0 ? "--peak-gflops" : "measured sgemm 4096x4096");
                out.put("threads", base.threads);
                out.put("malloc_tuning", NativeMemory.tuning());
                out.put("channels_last", ChannelsLast.enabled());
                out.put("variants", rows);
                System.out.println(Json.GSON.toJson(out));
                return 0;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s, %s step, batch %d, %s threads, FP32 peak %.0f GFLOP/s (%s), malloc %s%n",
                    base.model,
                    timed.cliName(),
                    base.batchSize,
                    base.threads == 0 ? "all" : Integer.toString(base.threads),
                    peak,
                    peakGflops > 0 ? "given" : "measured sgemm 4096x4096",
                    NativeMemory.tuning());
            System.out.printf(
                    Locale.ROOT,
                    "%-20s %10s %10s %10s %9s %9s %9s%n",
                    "variant",
                    "step ms",
                    "p90 ms",
                    "img/s",
                    "GFLOP/s",
                    "of peak",
                    "vs first");
            for (Map<String, Object> r : rows) {
                System.out.printf(
                        Locale.ROOT,
                        "%-20s %10.1f %10.1f %10.1f %9.1f %8.1f%% %9.3f%n",
                        r.get("variant"),
                        r.get("step_ms_median"),
                        r.get("step_ms_p90"),
                        r.get("images_per_second"),
                        r.get("gflops"),
                        100 * (double) r.get("fraction_of_peak"),
                        r.get("step_time_ratio_vs_first"));
            }
            return 0;
        }
    }

    private static StepBenchmark.Mode parseMode(String mode) {
        for (StepBenchmark.Mode m : StepBenchmark.Mode.values()) {
            if (m.cliName().equals(mode)) {
                return m;
            }
        }
        throw new UserException("--mode: train or eval, got '" + mode + "'");
    }
}
