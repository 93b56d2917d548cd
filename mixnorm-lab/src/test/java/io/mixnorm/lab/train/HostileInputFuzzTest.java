package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarFixtures;
import io.mixnorm.lab.data.CifarReader;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.CifarVariant;
import io.mixnorm.lab.data.DataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs, fuzz style: valid CIFAR archives and folders, config files and checkpoints,
 * mutated a few hundred times each (truncations, byte and bit flips, tar header fields, gzip header
 * and trailer, hostile JSON values, forged checksums). Every mutant must give either a clean
 * one-line {@link UserException}/{@link DataException} naming the file, or a correct result; never
 * a hang, never another exception type. Seeded and deterministic.
 */
class HostileInputFuzzTest {
    private static final long SEED = 0x5EEDF00DL;
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir Path tmp;

    /**
     * Runs one case: a result (checked) or a one-line UserException mentioning {@code mustName}.
     */
    private static <T> void oneCase(
            String what,
            String mustName,
            Supplier<T> action,
            Consumer<T> check,
            List<String> outcomes) {
        assertTimeoutPreemptively(
                LIMIT,
                () -> {
                    T[] result = newArray();
                    String o =
                            outcome(
                                    what,
                                    mustName,
                                    () -> {
                                        result[0] = action.get();
                                        return result[0];
                                    });
                    if (o.equals("ok")) {
                        check.accept(result[0]);
                    }
                    outcomes.add(o);
                },
                what + ": hung");
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] newArray() {
        return (T[]) new Object[1];
    }

    /**
     * "ok", or "error" for a clean one-line UserException naming {@code mustName}; anything else
     * fails.
     */
    private static String outcome(String what, String mustName, Supplier<?> action) {
        try {
            action.get();
            return "ok";
        } catch (UserException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank(), what + ": empty message");
            assertFalse(m.contains("\n") || m.contains("\r"), what + ": not one line: " + m);
            assertTrue(
                    m.contains(mustName), what + ": message does not name " + mustName + ": " + m);
            return "error";
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": escaped " + e, e);
        }
    }

    private static void report(String test, List<String> outcomes) {
        long ok = outcomes.stream().filter("ok"::equals).count();
        System.out.printf(
                "fuzz %s: %d mutants, %d read correctly, %d refused with a clean error%n",
                test, outcomes.size(), ok, outcomes.size() - ok);
    }

    // ------------------------------------------------------------------------------------------
    // CIFAR archives

    @Test
    void cifarArchives() throws IOException {
        Random rnd = new Random(SEED);
        Path src = tmp.resolve("src");
        CifarFixtures.writeCifar10(src, new int[] {3, 2}, 2, 11);
        Path good =
                CifarFixtures.tarGzFolder(src, tmp.resolve("good.tar.gz"), "cifar-10-batches-bin");
        byte[] gz = Files.readAllBytes(good);
        byte[] tar = gunzip(gz);
        CifarSplits expected = CifarReader.read(good, CifarVariant.CIFAR10);
        List<Integer> headers = tarHeaders(tar);
        assertTrue(headers.size() >= 4, "headers " + headers);
        Path target = tmp.resolve("mutant").resolve("cifar-10-binary.tar.gz");
        Path plainTar = tmp.resolve("mutant").resolve("cifar-10-binary.tar");
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 360; i++) {
            int kind = i % 6;
            byte[] mutant;
            Path file = target;
            String what;
            boolean mustFail = false;
            boolean mustEqualIfOk = false;
            switch (kind) {
                case 0 -> {
                    int len = rnd.nextInt(gz.length);
                    mutant = Arrays.copyOf(gz, len);
                    what = "gzip truncated to " + len;
                    mustFail = true;
                }
                case 1 -> {
                    mutant = gz.clone();
                    what =
                            "gzip with flips at"
                                    + flip(mutant, rnd, 1 + rnd.nextInt(4), 0, mutant.length);
                    mustEqualIfOk = true;
                }
                case 2 -> {
                    byte[] t = tar.clone();
                    what =
                            "tar header "
                                    + mutateHeader(
                                            t, headers.get(rnd.nextInt(headers.size())), rnd);
                    mutant = gzip(t);
                }
                case 3 -> {
                    mutant = gz.clone();
                    boolean header = rnd.nextBoolean();
                    what =
                            "gzip "
                                    + (header ? "header" : "trailer")
                                    + " flips at"
                                    + flip(
                                            mutant,
                                            rnd,
                                            1 + rnd.nextInt(2),
                                            header ? 0 : mutant.length - 8,
                                            header ? 10 : mutant.length);
                    mustEqualIfOk = true;
                }
                case 4 -> {
                    int len = rnd.nextInt(tar.length);
                    mutant = gzip(Arrays.copyOf(tar, len));
                    what = "tar truncated to " + len + " then gzipped";
                }
                default -> {
                    mutant = tar.clone();
                    what =
                            "plain tar with flips at"
                                    + flip(mutant, rnd, 1 + rnd.nextInt(3), 0, mutant.length);
                    file = plainTar;
                }
            }
            CifarFixtures.write(file, mutant);
            Path f = file;
            boolean fail = mustFail;
            boolean equal = mustEqualIfOk;
            oneCase(
                    "case " + i + ": " + what,
                    f.toString(),
                    () -> CifarReader.read(f, CifarVariant.CIFAR10),
                    s -> {
                        assertFalse(fail, what + ": must be refused");
                        assertSane(s, what);
                        if (equal) {
                            assertSameSplits(expected, s, what);
                        }
                    },
                    outcomes);
            Files.deleteIfExists(file);
        }
        report("cifarArchives", outcomes);
        assertTrue(outcomes.contains("ok") && outcomes.contains("error"), outcomes.toString());
    }

    // ------------------------------------------------------------------------------------------
    // CIFAR .bin folders, against an independent reference parse of the mutated files

    @Test
    void cifarBinFolders() throws IOException {
        Random rnd = new Random(SEED + 1);
        Path src = tmp.resolve("src");
        CifarFixtures.writeCifar10(src, new int[] {3, 2}, 2, 12);
        List<String> names = List.of("data_batch_1.bin", "data_batch_2.bin", "test_batch.bin");
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            Path dir = tmp.resolve("m" + i);
            Files.createDirectories(dir);
            for (String n : names) {
                Files.copy(src.resolve(n), dir.resolve(n));
            }
            Path victim = dir.resolve(names.get(rnd.nextInt(names.size())));
            byte[] bytes = Files.readAllBytes(victim);
            String what;
            switch (i % 6) {
                case 0 -> {
                    int len = rnd.nextInt(bytes.length + 1);
                    Files.write(victim, Arrays.copyOf(bytes, len));
                    what = victim.getFileName() + " truncated to " + len;
                }
                case 1 -> {
                    what =
                            victim.getFileName()
                                    + " flipped at"
                                    + flip(bytes, rnd, 1 + rnd.nextInt(4), 0, bytes.length);
                    Files.write(victim, bytes);
                }
                case 2 -> {
                    int record = rnd.nextInt(bytes.length / 3073);
                    bytes[record * 3073] = (byte) rnd.nextInt(256);
                    Files.write(victim, bytes);
                    what =
                            victim.getFileName()
                                    + " label of record "
                                    + record
                                    + " = "
                                    + (bytes[record * 3073] & 0xFF);
                }
                case 3 -> {
                    byte[] extra = new byte[1 + rnd.nextInt(4000)];
                    rnd.nextBytes(extra);
                    Files.write(victim, concat(bytes, extra));
                    what = victim.getFileName() + " + " + extra.length + " random bytes";
                }
                case 4 -> {
                    Files.delete(victim);
                    what = victim.getFileName() + " deleted";
                }
                default -> {
                    Files.delete(victim);
                    Files.createDirectory(victim);
                    what = victim.getFileName() + " replaced by a folder";
                }
            }
            CifarSplits reference = referenceParse(dir);
            String w = "case " + i + ": " + what;
            oneCase(
                    w,
                    dir.toString(),
                    () -> CifarReader.read(dir, CifarVariant.CIFAR10),
                    s -> {
                        assertTrue(
                                reference != null,
                                w + ": accepted, but the reference parse refuses it");
                        assertSameSplits(reference, s, w);
                    },
                    outcomes);
            if (outcomes.get(outcomes.size() - 1).equals("error")) {
                assertEquals(null, reference, w + ": refused, but the reference parse accepts it");
            }
        }
        report("cifarBinFolders", outcomes);
        assertTrue(outcomes.contains("ok") && outcomes.contains("error"), outcomes.toString());
    }

    /**
     * CIFAR-10 records of data_batch_N.bin (by N) and test_batch.bin; null when anything is
     * invalid.
     */
    private static CifarSplits referenceParse(Path dir) throws IOException {
        List<Path> train = new ArrayList<>();
        for (String n : List.of("data_batch_1.bin", "data_batch_2.bin")) {
            if (Files.isRegularFile(dir.resolve(n))) {
                train.add(dir.resolve(n));
            }
        }
        Path test = dir.resolve("test_batch.bin");
        if (train.isEmpty() || !Files.isRegularFile(test)) {
            return null;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path p : train) {
            all.write(Files.readAllBytes(p));
            if (!validRecords(Files.readAllBytes(p))) {
                return null;
            }
        }
        byte[] t = Files.readAllBytes(test);
        if (!validRecords(t)) {
            return null;
        }
        return new CifarSplits(records(all.toByteArray()), records(t));
    }

    private static boolean validRecords(byte[] b) {
        if (b.length == 0 || b.length % 3073 != 0) {
            return false;
        }
        for (int r = 0; r < b.length / 3073; r++) {
            if ((b[r * 3073] & 0xFF) >= 10) {
                return false;
            }
        }
        return true;
    }

    private static CifarDataset records(byte[] b) {
        int n = b.length / 3073;
        byte[] px = new byte[n * 3072];
        int[] labels = new int[n];
        for (int r = 0; r < n; r++) {
            labels[r] = b[r * 3073] & 0xFF;
            System.arraycopy(b, r * 3073 + 1, px, r * 3072, 3072);
        }
        return new CifarDataset(px, labels, 10, "reference");
    }

    // ------------------------------------------------------------------------------------------
    // config.json

    private static final String[] HOSTILE_VALUES = {
        "null",
        "[]",
        "{}",
        "\"\"",
        "\"x\"",
        "-1",
        "0",
        "1e400",
        "-1e400",
        "1.5",
        "9223372036854775808",
        "2147483648",
        "true",
        "\"NaN\"",
        "NaN",
        "-Infinity",
        "\"\\u0000\\n\"",
        "[".repeat(5000) + "]".repeat(5000),
        "{\"a\":{\"b\":[1,2,{}]}}",
        "\"" + "a".repeat(100_000) + "\"",
        "\"conv2\"",
        "3",
        "0.1",
        "\"adamw\"",
        "\"cifar100\"",
        "18446744073709551619",
        "4294967304",
        "2.7",
        "1e19",
        "1e999999999"
    };

    @Test
    void configFiles() throws IOException {
        Random rnd = new Random(SEED + 2);
        String base = new TrainConfig().toJson();
        List<String> keys = new ArrayList<>(TrainConfig.fieldNames());
        Path file = tmp.resolve("config.json");
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            byte[] bytes = base.getBytes(StandardCharsets.UTF_8);
            String what;
            switch (i % 8) {
                case 0 -> {
                    int len = rnd.nextInt(bytes.length);
                    bytes = Arrays.copyOf(bytes, len);
                    what = "truncated to " + len;
                }
                case 1 ->
                        what = "flipped at" + flip(bytes, rnd, 1 + rnd.nextInt(3), 0, bytes.length);
                case 2 -> {
                    String palette = "{}[],:\"\\ 0123456789eE+-.nultrfaNI\u0000\u00e9\t\n";
                    int at = rnd.nextInt(base.length());
                    char c = palette.charAt(rnd.nextInt(palette.length()));
                    bytes =
                            (base.substring(0, at) + c + base.substring(at))
                                    .getBytes(StandardCharsets.UTF_8);
                    what = "inserted U+" + Integer.toHexString(c) + " at " + at;
                }
                case 3, 4 -> {
                    String key = keys.get(rnd.nextInt(keys.size()));
                    String value = HOSTILE_VALUES[rnd.nextInt(HOSTILE_VALUES.length)];
                    bytes = replaceValue(base, key, value).getBytes(StandardCharsets.UTF_8);
                    what =
                            key
                                    + " = "
                                    + (value.length() > 40
                                            ? value.substring(0, 40) + "..."
                                            : value);
                }
                case 5 -> {
                    String key = keys.get(rnd.nextInt(keys.size()));
                    bytes =
                            base.replaceFirst("\\s*\"" + key + "\": [^,\\n]*,?", "")
                                    .getBytes(StandardCharsets.UTF_8);
                    what = "without " + key;
                }
                case 6 -> {
                    String[] wholes = {
                        "",
                        "null",
                        "[]",
                        "42",
                        "\"config\"",
                        "{\"bogus\": 1}",
                        "\uFEFF" + base,
                        base + base,
                        base + "}",
                        "{",
                        "{\"lr\": 0.1, \"lr\": 0.2}"
                    };
                    String w = wholes[rnd.nextInt(wholes.length)];
                    bytes = w.getBytes(StandardCharsets.UTF_8);
                    what = "whole file " + (w.length() > 30 ? w.substring(0, 30) + "..." : w);
                }
                default -> {
                    bytes = Arrays.copyOf(bytes, bytes.length);
                    int at = rnd.nextInt(bytes.length);
                    bytes[at] = (byte) (0x80 | rnd.nextInt(128)); // invalid UTF-8
                    what = "non-UTF-8 byte at " + at;
                }
            }
            Files.write(file, bytes);
            String w = "case " + i + ": " + what;
            oneCase(
                    w,
                    file.toString(),
                    () -> TrainConfig.load(file),
                    cfg -> {
                        cfg.validate();
                        Path again = tmp.resolve("again.json");
                        try {
                            Files.writeString(again, cfg.toJson());
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        assertEquals(
                                cfg.toJson(),
                                TrainConfig.load(again).toJson(),
                                w + ": does not round-trip");
                    },
                    outcomes);
        }
        report("configFiles", outcomes);
        assertTrue(outcomes.contains("ok") && outcomes.contains("error"), outcomes.toString());
    }

    /**
     * Integer fields of a config file set to hostile numbers: integers of up to 80 bits (beyond int
     * and long), whole numbers written with exponents (1200e-2), fractions and huge exponents
     * (1e999999999), in every integer field. The value of each is known by construction; a config
     * must load exactly when the value is a whole number in the field's range (the field then holds
     * it exactly, or validation refuses it naming the option), else fail naming the key. Gson's
     * tree reader used to wrap and truncate such values silently.
     */
    @Test
    void configIntegers() throws IOException {
        Random rnd = new Random(SEED + 5);
        List<java.lang.reflect.Field> fields = new ArrayList<>();
        for (java.lang.reflect.Field f : TrainConfig.class.getFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())
                    && (f.getType() == int.class || f.getType() == long.class)) {
                fields.add(f);
            }
        }
        String base = new TrainConfig().toJson();
        Path file = tmp.resolve("config.json");
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            java.lang.reflect.Field field = fields.get(rnd.nextInt(fields.size()));
            java.math.BigInteger m = new java.math.BigInteger(1 + rnd.nextInt(80), rnd);
            m = rnd.nextBoolean() ? m : m.negate();
            String text;
            java.math.BigInteger exact; // null: not a whole number
            switch (i % 5) {
                case 0 -> {
                    text = m.toString();
                    exact = m;
                }
                case 1 -> {
                    int e = rnd.nextInt(25);
                    text = m + (rnd.nextBoolean() ? "e" : "E+") + e;
                    exact = m.multiply(java.math.BigInteger.TEN.pow(e));
                }
                case 2 -> {
                    int k = 1 + rnd.nextInt(5);
                    text = m.multiply(java.math.BigInteger.TEN.pow(k)) + "e-" + k; // 1200e-2 = 12
                    exact = m;
                }
                case 3 -> {
                    text =
                            m
                                    + "."
                                    + rnd.nextInt(10)
                                    + (1 + rnd.nextInt(9)); // a fraction: its last digit is not 0
                    exact = null;
                }
                default -> {
                    int e = 20 + rnd.nextInt(999_999_980);
                    text =
                            (m.signum() == 0 ? "1" : m.toString())
                                    + "e"
                                    + (rnd.nextBoolean() ? e : -e);
                    exact = null; // at least 10^20, or a fraction
                }
            }
            long min = field.getType() == int.class ? Integer.MIN_VALUE : Long.MIN_VALUE;
            long max = field.getType() == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE;
            boolean inRange =
                    exact != null
                            && exact.compareTo(java.math.BigInteger.valueOf(min)) >= 0
                            && exact.compareTo(java.math.BigInteger.valueOf(max)) <= 0;
            Files.writeString(file, replaceValue(base, field.getName(), text));
            String w = "case " + i + ": " + field.getName() + " = " + text;
            String outcome = outcome(w, file.toString(), () -> TrainConfig.load(file));
            if (outcome.equals("ok")) {
                assertTrue(inRange, w + ": loaded a value that is not a whole number in range");
                try {
                    assertEquals(
                            exact.longValue(),
                            ((Number) field.get(TrainConfig.load(file))).longValue(),
                            w);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            } else {
                String msg =
                        org.junit.jupiter.api.Assertions.assertThrows(
                                        UserException.class, () -> TrainConfig.load(file))
                                .getMessage();
                assertTrue(
                        inRange
                                ? msg.startsWith("--config " + file + ": --")
                                : msg.contains(
                                        "key '"
                                                + field.getName()
                                                + "' must be a whole number from "
                                                + min
                                                + " to "
                                                + max),
                        w + ": " + msg);
            }
            outcomes.add(outcome);
        }
        report("configIntegers", outcomes);
        assertTrue(outcomes.contains("ok") && outcomes.contains("error"), outcomes.toString());
    }

    private static String replaceValue(String json, String key, String value) {
        int k = json.indexOf("\"" + key + "\":");
        int start = json.indexOf(':', k) + 1;
        int end = start;
        boolean inString = false;
        for (; end < json.length(); end++) {
            char c = json.charAt(end);
            if (c == '"' && json.charAt(end - 1) != '\\') {
                inString = !inString;
            } else if (!inString && (c == ',' || c == '\n' || c == '}')) {
                break;
            }
        }
        return json.substring(0, start) + " " + value + json.substring(end);
    }

    // ------------------------------------------------------------------------------------------
    // checkpoints

    @Test
    void checkpoints() throws IOException {
        Random rnd = new Random(SEED + 3);
        PrintStream oldErr = System.err;
        System.setErr(
                new PrintStream(
                        OutputStreamNull.INSTANCE,
                        true,
                        StandardCharsets.UTF_8)); // the skip warnings
        ai.djl.engine.Engine.getInstance()
                .setRandomSeed(7); // the checkpoint's bytes, hence each mutant, are fixed
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock block = tinyBlock(m);
            TrainState st = new TrainState();
            st.step = 40;
            st.optimizerSteps = 40;
            st.configJson = new TrainConfig().toJson();
            st.metrics.add(new MetricsRow(20, 0.5, 1e-3, 1.2, 0.4, 1.3, 0.35, 900, 12, 10));
            List<NDArray> opt = List.of(m.randomNormal(new Shape(3, 4)), m.zeros(new Shape(3)));
            Path run = tmp.resolve("run");
            new CheckpointStore(run, 3).save(st, block, opt);
            Path file = new CheckpointStore(run, 3).list().get(0);
            byte[] good = Files.readAllBytes(file);
            float[] goodWeights = weights(block);
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                byte[] mutant;
                String what;
                boolean mustFail = true;
                switch (i % 4) {
                    case 0 -> {
                        int len = rnd.nextInt(good.length);
                        mutant = Arrays.copyOf(good, len);
                        what = "truncated to " + len;
                    }
                    case 1 -> {
                        mutant = good.clone();
                        what =
                                "flipped at"
                                        + flip(mutant, rnd, 1 + rnd.nextInt(3), 0, mutant.length);
                    }
                    case 2 -> {
                        byte[] body = Arrays.copyOf(good, good.length - 32);
                        what =
                                "forged checksum, flipped at"
                                        + flip(body, rnd, 1 + rnd.nextInt(3), 0, body.length);
                        mutant = concat(body, sha256(body));
                        mustFail = false;
                    }
                    default -> {
                        byte[] body = Arrays.copyOf(good, good.length - 32);
                        int at = rnd.nextInt(body.length - 4);
                        int v =
                                new int[] {
                                            -1,
                                            0,
                                            Integer.MAX_VALUE,
                                            Integer.MIN_VALUE,
                                            1 << 30,
                                            rnd.nextInt()
                                        }
                                        [rnd.nextInt(6)];
                        body[at] = (byte) (v >>> 24);
                        body[at + 1] = (byte) (v >>> 16);
                        body[at + 2] = (byte) (v >>> 8);
                        body[at + 3] = (byte) v;
                        mutant = concat(body, sha256(body));
                        what = "forged checksum, int " + v + " written at " + at;
                        mustFail = false;
                    }
                }
                Files.write(file, mutant);
                String w = "case " + i + ": " + what;
                boolean fail = mustFail;
                SequentialBlock fresh = tinyBlock(m);
                oneCase(
                        w,
                        file.getFileName().toString(),
                        () -> new CheckpointStore(run, 3).loadLatest(m, fresh),
                        l -> {
                            assertFalse(fail, w + ": a damaged checkpoint was accepted");
                            assertTrue(l.state() != null, w);
                        },
                        outcomes);
            }
            // Every position of the body, in turn, holds a huge length / count / rank (checksum
            // forged):
            // DJL's decoder then asks for one huge array (an OutOfMemoryError, reported as damage)
            // or fails.
            byte[] goodBody = Arrays.copyOf(good, good.length - 32);
            SequentialBlock victim = tinyBlock(m);
            assertTimeoutPreemptively(
                    Duration.ofSeconds(120),
                    () -> {
                        for (int at = 0; at + 4 <= goodBody.length; at++) {
                            byte[] body = goodBody.clone();
                            body[at] = 0x7f;
                            body[at + 1] = (byte) 0xff;
                            body[at + 2] = (byte) 0xff;
                            body[at + 3] = (byte) 0xff;
                            Files.write(file, concat(body, sha256(body)));
                            outcomes.add(
                                    outcome(
                                            "forged checksum, 2^31-1 at " + at,
                                            file.getFileName().toString(),
                                            () ->
                                                    new CheckpointStore(run, 3)
                                                            .loadLatest(m, victim)));
                        }
                    },
                    "hung");
            Files.write(file, good);
            SequentialBlock fresh = tinyBlock(m);
            CheckpointStore.Loaded l = new CheckpointStore(run, 3).loadLatest(m, fresh);
            assertEquals(40, l.state().step);
            assertArrayEquals(goodWeights, weights(fresh));
            report("checkpoints", outcomes);
            assertTrue(outcomes.contains("error"));
        } finally {
            System.setErr(oldErr);
        }
    }

    private static SequentialBlock tinyBlock(NDManager m) {
        SequentialBlock b =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(3).build())
                        .add(BatchNorm.builder().build());
        b.initialize(m, DataType.FLOAT32, new Shape(2, 4));
        b.forward(new ParameterStore(m, false), new NDList(m.ones(new Shape(2, 4))), true);
        return b;
    }

    private static float[] weights(SequentialBlock b) {
        List<Float> out = new ArrayList<>();
        for (Pair<String, Parameter> p : b.getParameters()) {
            for (float f : p.getValue().getArray().toFloatArray()) {
                out.add(f);
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    // ------------------------------------------------------------------------------------------
    // helpers

    private static void assertSane(CifarSplits s, String what) {
        for (CifarDataset d : List.of(s.train(), s.test())) {
            assertTrue(d.size() > 0, what);
            assertEquals(d.size() * 3072, d.pixels().length, what);
            for (int l : d.labels()) {
                assertTrue(l >= 0 && l < 10, what + ": label " + l);
            }
        }
    }

    private static void assertSameSplits(CifarSplits a, CifarSplits b, String what) {
        assertArrayEquals(a.train().labels(), b.train().labels(), what);
        assertArrayEquals(a.train().pixels(), b.train().pixels(), what);
        assertArrayEquals(a.test().labels(), b.test().labels(), what);
        assertArrayEquals(a.test().pixels(), b.test().pixels(), what);
    }

    /**
     * Flips one random bit in each of {@code n} random positions of [from, to); returns " p1 p2
     * ...".
     */
    private static String flip(byte[] b, Random rnd, int n, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < n; k++) {
            int at = from + rnd.nextInt(Math.max(1, to - from));
            b[at] ^= (byte) (1 << rnd.nextInt(8));
            s.append(' ').append(at);
        }
        return s.toString();
    }

    private static final int[][] TAR_FIELDS = {
        {0, 100},
        {100, 8},
        {108, 8},
        {116, 8},
        {124, 12},
        {136, 12},
        {148, 8},
        {156, 1},
        {157, 100},
        {257, 6},
        {263, 2},
        {345, 155}
    };

    /**
     * Overwrites one field of the tar header at {@code h}; half the time with a correct header
     * checksum.
     */
    private static String mutateHeader(byte[] tar, int h, Random rnd) {
        int[] f = TAR_FIELDS[rnd.nextInt(TAR_FIELDS.length)];
        String[] values = {
            "",
            "77777777777",
            "99999999999",
            "-1",
            "0",
            "../../etc/passwd",
            "/abs/data_batch_1.bin",
            "test_batch.bin",
            "2",
            "5",
            "g",
            "x"
        };
        byte[] v;
        if (rnd.nextBoolean()) {
            v = values[rnd.nextInt(values.length)].getBytes(StandardCharsets.US_ASCII);
        } else {
            v = new byte[f[1]];
            rnd.nextBytes(v);
        }
        Arrays.fill(tar, h + f[0], h + f[0] + f[1], (byte) 0);
        System.arraycopy(v, 0, tar, h + f[0], Math.min(v.length, f[1]));
        boolean fix = rnd.nextBoolean();
        if (fix) {
            Arrays.fill(tar, h + 148, h + 156, (byte) ' ');
            long sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += tar[h + i] & 0xFF;
            }
            byte[] octal = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(octal, 0, tar, h + 148, 6);
            tar[h + 154] = 0;
            tar[h + 155] = ' ';
        }
        return "at "
                + h
                + " field "
                + f[0]
                + "+"
                + f[1]
                + " = "
                + new String(v, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", "?")
                + (fix ? " (checksum fixed)" : "");
    }

    private static List<Integer> tarHeaders(byte[] tar) {
        List<Integer> out = new ArrayList<>();
        int pos = 0;
        while (pos + 512 <= tar.length && tar[pos] != 0) {
            out.add(pos);
            String size =
                    new String(tar, pos + 124, 12, StandardCharsets.US_ASCII)
                            .replaceAll("[^0-7]", "");
            long n = size.isEmpty() ? 0 : Long.parseLong(size, 8);
            pos += 512 + (int) ((n + 511) / 512) * 512;
        }
        return out;
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GzipCompressorInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
