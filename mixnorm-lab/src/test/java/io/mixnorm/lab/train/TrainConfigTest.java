package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    @TempDir Path tmp;

    @Test
    void roundTripsThroughJson() throws IOException {
        TrainConfig c = new TrainConfig();
        c.norm = "mn";
        c.mnLayers = "conv2,conv3";
        c.components = 5;
        c.lr = 5e-3;
        c.steps = 1234;
        c.augment = false;
        Path f = tmp.resolve("config.json");
        Files.writeString(f, c.toJson());
        TrainConfig back = TrainConfig.load(f);
        assertEquals(c.toJson(), back.toJson());
    }

    @Test
    void missingKeysKeepTheirDefaults() throws IOException {
        Path f = tmp.resolve("c.json");
        Files.writeString(f, "{\"lr\": 0.01}");
        TrainConfig c = TrainConfig.load(f);
        assertEquals(0.01, c.lr);
        assertEquals(new TrainConfig().batchSize, c.batchSize);
    }

    @Test
    void unknownKeyWrongTypeAndBadValuesNameTheKey() throws IOException {
        assertMessage("{\"learningRate\": 0.1}", "learningRate");
        assertMessage("{\"batchSize\": \"big\"}", "batchSize");
        assertMessage("{\"lr\": -1}", "--lr");
        assertMessage("{\"components\": 0}", "--components");
        assertMessage("[1, 2]", "JSON object");
        assertMessage("{not json", "not valid JSON");
    }

    /**
     * Integers in a config file are read as the command line reads them: a value out of the field's
     * range, a fraction or a huge exponent is a one-line error naming the file and the key, for
     * every integer field. Gson's tree reader wrapped them: 2^64+3 steps became 3, 4294967304 as
     * the batch size became 8, 2.7 became 2.
     */
    @Test
    void outOfRangeFractionalAndHugeIntegersAreRefusedNamingTheKey() throws Exception {
        Path f = tmp.resolve("c.json");
        Files.writeString(f, "{\"steps\": 18446744073709551619, \"batchSize\": 4294967304}");
        UserException e = assertThrows(UserException.class, () -> TrainConfig.load(f));
        assertEquals(
                "--config "
                        + f
                        + ": key 'steps' must be a whole number from -9223372036854775808 to "
                        + "9223372036854775807, got 18446744073709551619",
                e.getMessage());
        List<String> bad =
                List.of(
                        "18446744073709551619",
                        "9223372036854775808",
                        "-9223372036854775809",
                        "2.7",
                        "-0.5",
                        "1e400",
                        "1e19",
                        "1e-400",
                        "3.0000000001",
                        "\"2.7\"");
        List<String> badForInt = List.of("4294967304", "2147483648", "-2147483649", "1e10");
        int checked = 0;
        for (java.lang.reflect.Field field : TrainConfig.class.getFields()) {
            boolean isInt = field.getType() == int.class;
            if (java.lang.reflect.Modifier.isStatic(field.getModifiers())
                    || !(isInt || field.getType() == long.class)) {
                continue;
            }
            List<String> values = new java.util.ArrayList<>(bad);
            if (isInt) {
                values.addAll(badForInt);
            }
            for (String v : values) {
                Files.writeString(f, "{\"" + field.getName() + "\": " + v + "}");
                UserException err =
                        assertThrows(
                                UserException.class,
                                () -> TrainConfig.load(f),
                                field.getName() + " " + v);
                assertTrue(
                        err.getMessage()
                                .startsWith(
                                        "--config "
                                                + f
                                                + ": key '"
                                                + field.getName()
                                                + "' must be a whole "
                                                + "number from "),
                        err.getMessage());
            }
            for (String v :
                    List.of(
                            "3", "3.0", "3e0", "300e-2",
                            "\"3\"")) { // whole numbers, however written
                Files.writeString(f, "{\"" + field.getName() + "\": " + v + "}");
                assertEquals(
                        3L,
                        ((Number) field.get(TrainConfig.load(f))).longValue(),
                        field.getName() + " " + v);
            }
            checked++;
        }
        assertEquals(12, checked, "every integer field of TrainConfig");
    }

    /**
     * Budgets that never end and mixtures larger than their data are refused with the bound:
     * --epochs 1e300 trained forever, -K 1000 took 48 s for two steps and learned nothing.
     */
    @Test
    void absurdBudgetsAndComponentCountsAreRefusedWithTheBound() {
        assertInvalid(
                c -> c.epochs = 1e300, "--epochs: must be from 0 (unset) to 10000, got 1.0E300");
        assertInvalid(c -> c.epochs = Double.POSITIVE_INFINITY, "--epochs");
        assertInvalid(c -> c.steps = 1_000_000_001L, "--steps: must be from 1 to 1000000000");
        assertInvalid(c -> c.components = 1000, "--components: must be from 1 to 64, got 1000");
        assertInvalid(
                c -> {
                    c.norm = "mn";
                    c.mnFitSamples = 16;
                    c.components = 17;
                },
                "--components: must not exceed --mn-fit-samples (16)");
        TrainConfig ok = new TrainConfig();
        ok.norm = "modenorm";
        ok.components = 64;
        ok.epochs = 10_000;
        ok.steps = 1_000_000_000L;
        ok.validate();
    }

    private static void assertInvalid(
            java.util.function.Consumer<TrainConfig> change, String expected) {
        TrainConfig c = new TrainConfig();
        change.accept(c);
        UserException e = assertThrows(UserException.class, c::validate);
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    private void assertMessage(String json, String expected) throws IOException {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, json);
        UserException e = assertThrows(UserException.class, () -> TrainConfig.load(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void epochsOverrideStepsWithWholeBatches() {
        TrainConfig c = new TrainConfig();
        c.batchSize = 100;
        c.steps = 7;
        assertEquals(7, c.totalSteps(1050));
        c.epochs = 2;
        assertEquals(20, c.totalSteps(1050));
    }

    @Test
    void optionNamesFollowTheFields() {
        assertEquals("--mn-layers", TrainConfig.optionName("mnLayers"));
        assertEquals("--lr", TrainConfig.optionName("lr"));
    }
}
