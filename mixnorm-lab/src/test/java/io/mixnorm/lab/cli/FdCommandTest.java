package io.mixnorm.lab.cli;

import static io.mixnorm.lab.cli.CliTest.assertUsageError;
import static io.mixnorm.lab.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.metrics.FeatureMatrix;
import io.mixnorm.lab.metrics.FrechetDistance;
import io.mixnorm.lab.metrics.Npy;
import io.mixnorm.lab.metrics.Wam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mixnorm fd} end to end, in-process. */
class FdCommandTest {
    @TempDir Path tmp;

    private Path features(String name, int n, int d, double shift, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = shift + r.nextDouble() * (1 + i % d);
        }
        Path p = tmp.resolve(name);
        Npy.write(p, new FeatureMatrix(n, d, x, name), Npy.WriteType.FLOAT32);
        return p;
    }

    /** {@code mixnorm fd --a a --b b extra...}. */
    private static CliTest.Outcome fd(Path a, Path b, String... extra) {
        List<String> args =
                new ArrayList<>(List.of("fd", "--a", a.toString(), "--b", b.toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    @Test
    void fdPlainAndJson() {
        Path a = features("a.npy", 40, 5, 0, 1);
        Path b = features("b.npy", 30, 5, 0.5, 2);
        double expected = FrechetDistance.between(Npy.read(a), Npy.read(b));
        CliTest.Outcome o = fd(a, b);
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("fd = "), o.out());
        assertTrue(o.out().contains("n_a=40, n_b=30, dim=5"), o.out());
        assertEquals(
                expected,
                Double.parseDouble(o.out().substring(5, o.out().indexOf(' ', 5))),
                1e-9 * expected);

        o = fd(a, b, "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out()).getAsJsonObject();
        assertEquals("fd", j.get("metric").getAsString());
        assertEquals(expected, j.get("value").getAsDouble(), 0);
        assertEquals(40, j.get("n_a").getAsInt());
        assertEquals(30, j.get("n_b").getAsInt());
        assertEquals(5, j.get("dim").getAsInt());
    }

    @Test
    void wamJson() {
        Path a = features("a.npy", 40, 3, 0, 1);
        Path b = features("b.npy", 30, 3, 2, 2);
        CliTest.Outcome o =
                fd(
                        a,
                        b,
                        "--metric",
                        "wam",
                        "--components",
                        "2",
                        "--seed",
                        "5",
                        "--em-iterations",
                        "10",
                        "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out()).getAsJsonObject();
        assertEquals("wam", j.get("metric").getAsString());
        assertEquals(2, j.get("components").getAsInt());
        assertEquals(5, j.get("seed").getAsLong());
        double expected = Wam.between(Npy.read(a), Npy.read(b), 2, 5, 10).value();
        assertEquals(expected, j.get("value").getAsDouble(), 0);
        o = fd(a, b, "--metric", "wam", "--components", "2");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("wam = ") && o.out().contains("K=2, seed=0"), o.out());
    }

    @Test
    void singularNeedsTheFlag() {
        Path a = features("a.npy", 40, 5, 0, 1);
        Path few = features("few.npy", 5, 5, 0, 2);
        assertUsageError(fd(a, few), "singular");
        CliTest.Outcome o = fd(a, few, "--allow-singular");
        assertEquals(0, o.code(), o.err());
    }

    @Test
    void errorsAreOneLineWithExitCode2() throws IOException {
        Path a = features("a.npy", 40, 5, 0, 1);
        Path wide = features("wide.npy", 40, 6, 0, 2);
        assertUsageError(fd(a, wide), "feature widths differ");
        assertUsageError(fd(a, tmp.resolve("nope.npy")), "nope.npy: no such file");
        Path garbage = tmp.resolve("garbage.npy");
        Files.writeString(garbage, "not numpy at all");
        assertUsageError(fd(garbage, a), "garbage.npy: not a .npy file");
        double[] x = Npy.read(a).data().clone();
        x[3 * 5 + 1] = Double.NaN;
        Path nan = tmp.resolve("nan.npy");
        Npy.write(nan, new FeatureMatrix(40, 5, x, "nan"), Npy.WriteType.FLOAT64);
        assertUsageError(fd(a, nan), "nan.npy: row 3, column 1 is NaN");
        assertUsageError(fd(a, a, "--components", "3"), "--components");
        assertUsageError(fd(a, a, "--metric", "wam", "--allow-singular"), "--allow-singular");
        assertUsageError(fd(a, a, "--metric", "wam", "--components", "0"), "--components");
        assertUsageError(run("fd", "--a", a.toString(), "--metric", "fd"), "--b");
        assertUsageError(fd(a, a, "--metric", "kid"), "--metric");
    }

    @Test
    void helpWorks() {
        CliTest.Outcome o = run("fd", "--help");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("--metric") && o.out().contains("FID"), o.out());
    }
}
