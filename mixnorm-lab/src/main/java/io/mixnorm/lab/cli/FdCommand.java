package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.metrics.FeatureMatrix;
import io.mixnorm.lab.metrics.FrechetDistance;
import io.mixnorm.lab.metrics.Npy;
import io.mixnorm.lab.metrics.Wam;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mixnorm fd}: Fréchet distance or WaM between two feature sets stored as {@code .npy}. */
@Command(
        name = "fd",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Fréchet distance (or WaM) between two feature sets, each an (n, d) .npy array.",
            "Both values are squared distances. Only features of the standard Inception-v3 pool3 "
                    + "network give an 'FID'; see docs/metrics.md."
        })
public final class FdCommand implements Callable<Integer> {
    /** The metrics. */
    enum Metric {
        fd,
        wam
    }

    @Option(
            names = "--a",
            required = true,
            paramLabel = "A.npy",
            description = "First feature set, shape (n_a, d).")
    Path a;

    @Option(
            names = "--b",
            required = true,
            paramLabel = "B.npy",
            description = "Second feature set, shape (n_b, d).")
    Path b;

    @Option(
            names = "--metric",
            paramLabel = "fd|wam",
            description =
                    "fd: Fréchet distance of Gaussian fits; wam: mixture Wasserstein distance of"
                            + " diagonal GMM fits (default: ${DEFAULT-VALUE}).")
    Metric metric = Metric.fd;

    @Option(
            names = "--components",
            paramLabel = "K",
            description =
                    "wam: mixture components per set (default: " + Wam.DEFAULT_COMPONENTS + ").")
    Integer components;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "wam: seed of the mixture fits (default: 0).")
    Long seed;

    @Option(
            names = "--em-iterations",
            paramLabel = "N",
            description = "wam: EM steps per fit (default: " + Wam.DEFAULT_EM_ITERATIONS + ").")
    Integer emIterations;

    @Option(
            names = "--allow-singular",
            description =
                    "fd: accept n <= d samples (singular covariance; the value is then biased and"
                            + " not comparable with values from enough samples).")
    boolean allowSingular;

    @Option(names = "--json", description = "Print JSON: {metric, value, n_a, n_b, dim, ...}.")
    boolean json;

    @Override
    public Integer call() {
        try {
            return compute();
        } catch (OutOfMemoryError e) {
            throw new UserException(
                    "out of memory (the features are held as float64: 8·n·d bytes per set, plus a"
                            + " few 8·d² matrices); give the JVM more heap, e.g."
                            + " MIXNORM_JAVA_OPTS=-Xmx16g");
        }
    }

    private Integer compute() {
        if (metric == Metric.fd) {
            for (Object[] o :
                    new Object[][] {
                        {"--components", components},
                        {"--seed", seed},
                        {"--em-iterations", emIterations}
                    }) {
                if (o[1] != null) {
                    throw new UserException(o[0] + " applies only to --metric wam");
                }
            }
        } else if (allowSingular) {
            throw new UserException("--allow-singular applies only to --metric fd");
        }
        FeatureMatrix fa = Npy.read(a);
        FeatureMatrix fb = Npy.read(b);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("metric", metric.name());
        double value;
        if (metric == Metric.fd) {
            value = FrechetDistance.between(fa, fb, allowSingular);
        } else {
            int k = components == null ? Wam.DEFAULT_COMPONENTS : components;
            long s = seed == null ? 0 : seed;
            int em = emIterations == null ? Wam.DEFAULT_EM_ITERATIONS : emIterations;
            value = Wam.between(fa, fb, k, s, em).value();
            out.put("components", k);
            out.put("seed", s);
            out.put("em_iterations", em);
        }
        out.put("value", value);
        out.put("n_a", fa.rows());
        out.put("n_b", fb.rows());
        out.put("dim", fa.cols());
        if (json) {
            Map<String, Object> ordered = new LinkedHashMap<>();
            ordered.put("metric", out.get("metric"));
            ordered.put("value", value);
            out.forEach(ordered::putIfAbsent);
            System.out.println(Json.GSON.toJson(ordered));
        } else {
            System.out.printf(
                    Locale.ROOT,
                    "%s = %.10g  (n_a=%d, n_b=%d, dim=%d%s)%n",
                    metric.name(),
                    value,
                    fa.rows(),
                    fb.rows(),
                    fa.cols(),
                    metric == Metric.wam
                            ? ", K=" + out.get("components") + ", seed=" + out.get("seed")
                            : "");
        }
        return 0;
    }
}
