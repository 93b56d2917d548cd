package io.mixnorm.lab.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParseException;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.study.StudySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab's one Gson reads integers strictly wherever a JSON file becomes an object: GAN configs,
 * study files (their seeds), checkpoint states. Gson's own adapters wrapped or truncated them when
 * reading from a parsed tree.
 */
class JsonTest {
    @TempDir Path tmp;

    record Ints(int i, long l, Integer boxed, List<Long> list) {}

    @Test
    void wholeNumbersInRangeAreReadAndEverythingElseIsRefusedNamingTheKey() {
        Ints ok =
                Json.GSON.fromJson(
                        "{\"i\": 2147483647, \"l\": -9223372036854775808, \"boxed\": 3e0, "
                                + "\"list\": [1, 2.0, 300e-2]}",
                        Ints.class);
        assertEquals(Integer.MAX_VALUE, ok.i());
        assertEquals(Long.MIN_VALUE, ok.l());
        assertEquals(3, ok.boxed());
        assertEquals(List.of(1L, 2L, 3L), ok.list());
        assertNull(Json.GSON.fromJson("{\"boxed\": null}", Ints.class).boxed());
        for (String[] c :
                new String[][] {
                    {"i", "4294967304"},
                    {"i", "2.7"},
                    {"l", "18446744073709551619"},
                    {"l", "1e400"},
                    {"l", "1e-400"},
                    {"boxed", "-2147483649"},
                    {"list", "[1, 1.5]"},
                    {"i", "\"" + "9".repeat(100_000) + "\""},
                    {"l", "1e999999999"}
                }) {
            JsonParseException e =
                    assertThrows(
                            JsonParseException.class,
                            () ->
                                    Json.GSON.fromJson(
                                            com.google.gson.JsonParser.parseString(
                                                    "{\"" + c[0] + "\": " + c[1] + "}"),
                                            Ints.class),
                            c[0] + " = " + c[1].substring(0, Math.min(20, c[1].length())));
            assertTrue(
                    e.getMessage().startsWith("key '" + c[0])
                            && e.getMessage().contains("must be a whole number"),
                    e.getMessage());
        }
    }

    @Test
    void ganConfigsAndStudyFilesRefuseThemToo() throws IOException {
        Path gan = tmp.resolve("gan.json");
        Files.writeString(gan, "{\"steps\": 18446744073709551619}");
        UserException e = assertThrows(UserException.class, () -> GanConfig.load(gan));
        assertTrue(e.getMessage().contains("key 'steps' must be a whole number"), e.getMessage());
        Files.writeString(gan, "{\"batchSize\": 2.7}");
        e = assertThrows(UserException.class, () -> GanConfig.load(gan));
        assertTrue(
                e.getMessage().contains("key 'batchSize' must be a whole number"), e.getMessage());

        Path study = tmp.resolve("study.json");
        Files.writeString(
                study,
                """
                {"name": "s", "train": {"steps": 6, "evalEvery": 3, "batchSize": 16}, "lrs": [0.001],
                 "seeds": [1, 18446744073709551617], "variants": [{"name": "bn", "norm": "bn"}]}
                """);
        e = assertThrows(UserException.class, () -> StudySpec.load(study));
        assertTrue(
                e.getMessage().contains("key 'seeds[1]' must be a whole number"), e.getMessage());
        Files.writeString(
                study,
                """
                {"name": "s", "train": {"steps": 6.5, "evalEvery": 3, "batchSize": 16}, "lrs": [0.001],
                 "seeds": [1], "variants": [{"name": "bn", "norm": "bn"}]}
                """);
        e = assertThrows(UserException.class, () -> StudySpec.load(study));
        assertTrue(e.getMessage().contains("'steps' must be a whole number"), e.getMessage());
    }
}
