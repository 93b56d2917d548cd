package io.mixnorm.lab.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.mixnorm.engine.ChannelsLast;
import io.mixnorm.engine.OneDnnWorkaround;
import io.mixnorm.lab.train.PreparedModel;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times {@link TrainStep} — exactly the trainer's step — on synthetic batches, or, in {@link
 * Mode#EVAL}, the evaluation's forward pass (inference mode, no gradient), as {@code Evaluation}
 * runs it every {@code --eval-every} steps.
 */
public final class StepBenchmark {
    private StepBenchmark() {}

    /** What one timed step is. */
    public enum Mode {
        /** Forward in training mode, loss, backward, update: 3 forward passes' FLOPs. */
        TRAIN(3),
        /** Forward in inference mode with the running statistics, no gradient: 1 forward pass. */
        EVAL(1);

        final int passes;

        Mode(int passes) {
            this.passes = passes;
        }

        /** {@code train} or {@code eval}. */
        public String cliName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Timings of one variant; FLOPs count convolutions and FC only, a training step = 3× forward.
     */
    public record Result(
            String variant,
            Mode mode,
            int batchSize,
            double[] stepMs,
            long forwardFlopsPerImage,
            long peakRssBytes) {
        public double median() {
            return percentile(0.5);
        }

        public double percentile(double q) {
            double[] s = stepMs.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) Math.floor(q * (s.length - 1) + 0.5))];
        }

        public Map<String, Object> toJsonMap(double peakGflops) {
            double ips = batchSize / (median() / 1e3);
            double flops = (double) mode.passes * forwardFlopsPerImage;
            double gflops = ips * flops / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", variant);
            m.put("mode", mode.cliName());
            m.put("batch_size", batchSize);
            m.put("images_per_second", ips);
            m.put("step_ms_median", median());
            m.put("step_ms_p90", percentile(0.9));
            m.put("step_ms_min", Arrays.stream(stepMs).min().orElse(Double.NaN));
            m.put("train_flops_per_image", 3.0 * forwardFlopsPerImage);
            m.put("flops_per_image", flops);
            m.put("gflops", gflops);
            m.put("fraction_of_peak", gflops / peakGflops);
            m.put("peak_rss_mb", peakRssBytes / 1048576.0);
            return m;
        }
    }

    /**
     * Measures every config side by side: each is built and warmed up (its peak resident memory
     * recorded meanwhile), then the timed steps go round-robin, one step of each variant per round,
     * so slow drifts of a shared machine hit all variants alike.
     */
    public static List<Result> run(
            List<TrainConfig> configs, NDManager parent, int warmup, int repeats) {
        return run(configs, parent, warmup, repeats, false, Mode.TRAIN);
    }

    /**
     * As {@link #run(List, NDManager, int, int)}; with {@code oneDnnAb} every variant is warmed up
     * and timed twice per round, once with PyTorch's oneDNN convolutions off (ATen's own kernels,
     * what {@link OneDnnWorkaround} falls back to) and once on, the order alternating between
     * rounds, so the workaround's cost is measured side by side. The switch is left as the models
     * set it. {@code mode} picks what a timed step is.
     */
    public static List<Result> run(
            List<TrainConfig> configs,
            NDManager parent,
            int warmup,
            int repeats,
            boolean oneDnnAb,
            Mode mode) {
        boolean oneDnnAfterBuild =
                true; // what the models chose (OneDnnWorkaround.applyFor), restored at the end
        List<NDManager> managers = new ArrayList<>();
        List<Runnable> steps = new ArrayList<>();
        List<PreparedModel> models = new ArrayList<>();
        long[] peaks = new long[configs.size()];
        try {
            for (int v = 0; v < configs.size(); v++) {
                TrainConfig cfg = configs.get(v);
                resetPeakRss();
                NDManager root = parent.newSubManager();
                managers.add(root);
                PreparedModel pm = PreparedModel.of(cfg, 10, root);
                oneDnnAfterBuild &= OneDnnWorkaround.isOneDnnOn();
                models.add(pm);
                Runnable step =
                        mode == Mode.TRAIN ? stepOf(cfg, pm, oneDnnAb) : evalStepOf(cfg, pm, root);
                steps.add(step);
                for (int i = 0; i < warmup; i++) {
                    if (oneDnnAb) {
                        OneDnnWorkaround.setOneDnn(i % 2 == 1);
                    }
                    step.run();
                }
                peaks[v] = peakRss();
            }
            int arms = oneDnnAb ? 2 : 1;
            double[][][] ms = new double[configs.size()][arms][repeats];
            for (int r = 0; r < repeats; r++) {
                for (int v = 0; v < configs.size(); v++) {
                    for (int k = 0; k < arms; k++) {
                        int arm = (k + r) % arms; // arm 0: oneDNN off; alternate which goes first
                        if (oneDnnAb) {
                            OneDnnWorkaround.setOneDnn(arm == 1);
                        }
                        long t0 = System.nanoTime();
                        steps.get(v).run();
                        ms[v][arm][r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            List<Result> results = new ArrayList<>();
            for (int v = 0; v < configs.size(); v++) {
                TrainConfig cfg = configs.get(v);
                String name =
                        cfg.norm
                                + (cfg.norm.equals("bn")
                                        ? ""
                                        : ":"
                                                + (cfg.mnLayers.isEmpty()
                                                        ? "default"
                                                        : cfg.mnLayers));
                for (int arm = 0; arm < arms; arm++) {
                    String label = name + (oneDnnAb ? (arm == 0 ? " aten" : " onednn") : "");
                    results.add(
                            new Result(
                                    label,
                                    mode,
                                    cfg.batchSize,
                                    ms[v][arm],
                                    models.get(v).model().forwardFlopsPerImage(),
                                    peaks[v]));
                }
            }
            return results;
        } finally {
            if (oneDnnAb) {
                OneDnnWorkaround.setOneDnn(oneDnnAfterBuild);
            }
            managers.forEach(NDManager::close);
        }
    }

    /**
     * The trainer's step on a fixed synthetic batch. In an A/B run the oneDNN arm of a model that
     * oneDNN miscomputes (DenseNet) goes non-finite; that run times the kernels only, so it goes
     * on.
     */
    private static Runnable stepOf(TrainConfig cfg, PreparedModel pm, boolean timingOnly) {
        int b = cfg.batchSize;
        SplittableRandom rnd = new SplittableRandom(cfg.seed);
        float[] images = syntheticImages(b, rnd);
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            labels[i] = rnd.nextInt(10);
        }
        return () ->
                pm.step()
                        .run(
                                images,
                                labels,
                                b,
                                cfg.lr,
                                x -> {
                                    if (!timingOnly) {
                                        throw new IllegalStateException(
                                                "benchmark step of "
                                                        + cfg.norm
                                                        + " produced a non-finite loss");
                                    }
                                });
    }

    /**
     * The evaluation's forward on a fixed synthetic batch, as {@code Evaluation} runs it: a
     * sub-manager per batch, inference mode (running statistics), the logits' argmax read back so
     * that the pass has finished when the clock stops.
     */
    private static Runnable evalStepOf(TrainConfig cfg, PreparedModel pm, NDManager root) {
        int b = cfg.batchSize;
        float[] images = syntheticImages(b, new SplittableRandom(cfg.seed));
        Block net = pm.model().block();
        boolean channelsLast = pm.model().channelsLast();
        return () -> {
            try (NDManager sub = root.newSubManager()) {
                NDArray x = ChannelsLast.images(sub, images, new Shape(b, 3, 32, 32), channelsLast);
                NDArray logits =
                        net.forward(pm.parameterStore(), new NDList(x), false).singletonOrThrow();
                logits.argMax(1).toType(DataType.INT32, false).sum().getLong();
            }
        };
    }

    private static float[] syntheticImages(int b, SplittableRandom rnd) {
        float[] images = new float[b * 3 * 32 * 32];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rnd.nextGaussian();
        }
        return images;
    }

    /** GFLOP/s of a 4096×4096 float32 matrix product, best of 5: the practical FP32 peak here. */
    public static double measureMatmulGflops(NDManager parent) {
        int n = 4096;
        double best = 0;
        try (NDManager m = parent.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray c = m.randomNormal(new Shape(n, n));
            for (int i = 0; i < 6; i++) {
                long t0 = System.nanoTime();
                try (NDArray p = a.matMul(c)) {
                    p.getFloat(0, 0);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (i > 0) {
                    best = Math.max(best, 2.0 * n * n * n / s / 1e9);
                }
            }
        }
        return best;
    }

    /** Linux: write 5 to clear_refs resets the peak resident set size (VmHWM). */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (Exception ignored) {
            // not Linux or not permitted: the peak then covers the whole process
        }
    }

    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (Exception ignored) {
            // unknown on this platform
        }
        return -1;
    }
}
