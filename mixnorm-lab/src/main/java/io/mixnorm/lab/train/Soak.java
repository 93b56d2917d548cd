package io.mixnorm.lab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A memory soak: the real {@link TrainingRun} (steps, evaluations, checkpoints, run files) on
 * synthetic data for many steps, sampling the process's resident memory, the Java heap, direct
 * buffers and the NDArrays DJL holds every {@code sampleEvery} steps (after a full GC, so the heap
 * figure is the live heap). A leak shows up as resident memory that keeps growing after the
 * warm-up.
 */
public final class Soak {
    private Soak() {}

    /** One sample; memory in MiB. */
    public record Sample(
            long step,
            double seconds,
            double rssMb,
            double rssAnonMb,
            double heapUsedMb,
            double heapCommittedMb,
            double directMb,
            int ndarrays,
            double ndarrayMb) {
        public static final String CSV_HEADER =
                "step,elapsed_seconds,rss_mb,rss_anon_mb,heap_used_mb,heap_committed_mb,direct_mb,ndarrays,ndarray_mb";

        /** Parses a line written by {@link #toCsv()}. */
        public static Sample fromCsv(String line) {
            String[] c = line.split(",");
            if (c.length != 9) {
                throw new IllegalArgumentException("expected 9 columns, got " + c.length);
            }
            return new Sample(
                    Long.parseLong(c[0]),
                    Double.parseDouble(c[1]),
                    Double.parseDouble(c[2]),
                    Double.parseDouble(c[3]),
                    Double.parseDouble(c[4]),
                    Double.parseDouble(c[5]),
                    Double.parseDouble(c[6]),
                    Integer.parseInt(c[7]),
                    Double.parseDouble(c[8]));
        }

        public String toCsv() {
            return String.format(
                    Locale.ROOT,
                    "%d,%.2f,%.1f,%.1f,%.1f,%.1f,%.2f,%d,%.2f",
                    step,
                    seconds,
                    rssMb,
                    rssAnonMb,
                    heapUsedMb,
                    heapCommittedMb,
                    directMb,
                    ndarrays,
                    ndarrayMb);
        }
    }

    /**
     * The verdict. Resident memory peaks right after each evaluation and the allocator hands memory
     * back irregularly, so single samples are noisy: the baseline is the median RSS of the samples
     * just after the warm-up (steps in [10%, 20%] of the run), the end the median of the last 10%
     * of steps; growth is end / baseline - 1. The least-squares slope of RSS after the warm-up (MB
     * per 1000 steps) is reported beside it.
     */
    public record Result(
            List<Sample> samples,
            long warmStep,
            double baselineMb,
            double endMb,
            double slopeMbPer1000,
            double maxRssAfterWarmMb) {
        public double growth() {
            return (endMb - baselineMb) / baselineMb;
        }

        public boolean passed(double limit) {
            return growth() < limit;
        }

        /** Analyzes the samples of a run of {@code steps} steps. */
        public static Result of(List<Sample> samples, long steps) {
            long warm = Math.max(1, steps / 10);
            List<Sample> after = samples.stream().filter(s -> s.step() >= warm).toList();
            if (after.isEmpty()) {
                after = samples;
            }
            long first = after.get(0).step();
            double baseline =
                    median(
                            after.stream()
                                    .filter(s -> s.step() <= Math.max(first, 2 * warm))
                                    .toList());
            double end = median(after.stream().filter(s -> s.step() >= steps - warm).toList());
            if (Double.isNaN(end)) {
                end = after.get(after.size() - 1).rssMb();
            }
            double n = after.size();
            double mx = after.stream().mapToDouble(Sample::step).average().orElse(0);
            double my = after.stream().mapToDouble(Sample::rssMb).average().orElse(0);
            double sxy = 0;
            double sxx = 0;
            for (Sample s : after) {
                sxy += (s.step() - mx) * (s.rssMb() - my);
                sxx += (s.step() - mx) * (s.step() - mx);
            }
            double slope = n > 1 && sxx > 0 ? 1000 * sxy / sxx : 0;
            double max = after.stream().mapToDouble(Sample::rssMb).max().orElse(Double.NaN);
            return new Result(samples, first, baseline, end, slope, max);
        }

        private static double median(List<Sample> xs) {
            double[] v = xs.stream().mapToDouble(Sample::rssMb).sorted().toArray();
            if (v.length == 0) {
                return Double.NaN;
            }
            return v.length % 2 == 1
                    ? v[v.length / 2]
                    : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    /**
     * Trains {@code cfg} (its steps, batch size, norm, eval interval) on a synthetic 10-class task
     * of {@code trainSize} training images and one evaluation batch of test images, in a temporary
     * run folder deleted afterwards.
     */
    public static Result run(
            TrainConfig cfg, int trainSize, int sampleEvery, Consumer<Sample> onSample) {
        CifarSplits data =
                new CifarSplits(
                        synthetic(trainSize, cfg.seed), synthetic(cfg.evalBatchSize, cfg.seed + 1));
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("mixnorm-soak-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary run folder", e);
        }
        try {
            TrainingRun t =
                    new TrainingRun(cfg, data, dir, Progress.silent())
                            .withStepHook(
                                    (step, net, images) -> {
                                        long done = step - 1;
                                        if (done % sampleEvery == 0) {
                                            Sample s =
                                                    sample(
                                                            done,
                                                            (System.nanoTime() - t0) / 1e9,
                                                            net);
                                            samples.add(s);
                                            onSample.accept(s);
                                        }
                                    });
            RunSummary summary = t.run(false);
            Sample end = sample(summary.steps(), (System.nanoTime() - t0) / 1e9, null);
            samples.add(end);
            onSample.accept(end);
        } finally {
            deleteTree(dir);
        }
        return Result.of(samples, samples.get(samples.size() - 1).step());
    }

    /** Memory now; {@code net} (may be null) gives the NDManager whose arrays are counted. */
    static Sample sample(long step, double seconds, Block net) {
        System.gc(); // so that heap_used is the live heap, comparable between samples
        long[] status = procStatus();
        Runtime rt = Runtime.getRuntime();
        double direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                direct = pool.getMemoryUsed() / 1048576.0;
            }
        }
        int arrays = -1;
        double arrayMb = Double.NaN;
        if (net != null && !net.getParameters().isEmpty()) {
            NDManager root = net.getParameters().get(0).getValue().getArray().getManager();
            while (root.getParentManager() != null
                    && root.getParentManager().getParentManager() != null) {
                root = root.getParentManager(); // stop below the engine's system manager
            }
            List<NDArray> all = root.getManagedArrays();
            arrays = all.size();
            long bytes = 0;
            for (NDArray a : all) {
                if (!a.isReleased()) {
                    bytes += a.size() * a.getDataType().getNumOfBytes();
                }
            }
            arrayMb = bytes / 1048576.0;
        }
        return new Sample(
                step,
                seconds,
                status[0] / 1024.0,
                status[1] / 1024.0,
                (rt.totalMemory() - rt.freeMemory()) / 1048576.0,
                rt.totalMemory() / 1048576.0,
                direct,
                arrays,
                arrayMb);
    }

    /** VmRSS and RssAnon in KiB from /proc/self/status (-1 where unavailable). */
    static long[] procStatus() {
        long[] out = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = Long.parseLong(line.replaceAll("\\D+", ""));
                } else if (line.startsWith("RssAnon:")) {
                    out[1] = Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: the columns read -1
        }
        return out;
    }

    /**
     * A learnable 10-class task in CIFAR's layout: class c brightens one of ten horizontal bands.
     */
    static CifarDataset synthetic(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 3072];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(10);
            labels[i] = c;
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 32; y++) {
                    boolean band = y / 3 == c && ch == c % 3;
                    for (int x = 0; x < 32; x++) {
                        pixels[i * 3072 + ch * 1024 + y * 32 + x] =
                                (byte) (90 + rnd.nextInt(60) + (band ? 70 : 0));
                    }
                }
            }
        }
        return new CifarDataset(
                pixels, labels, 10, "synthetic soak data (" + n + " images, seed " + seed + ")");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary folder left behind
        }
    }
}
