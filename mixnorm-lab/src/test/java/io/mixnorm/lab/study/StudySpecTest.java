package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Study grids: the built-ins are valid and follow the paper; bad grids are one-line errors. */
class StudySpecTest {
    static final String VALID =
            """
            {"name": "s", "train": {"steps": 6, "evalEvery": 3, "batchSize": 16},
             "lrs": [0.001], "seeds": [1],
             "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "mnLayers": "conv2", "components": 2}]}
            """;

    static String message(Runnable r) {
        return assertThrows(UserException.class, r::run).getMessage();
    }

    @Test
    void builtInStudiesAreValidAndFollowThePaper() {
        for (String name : Studies.names()) {
            Studies.get(name, false).validate(name);
            Studies.get(name, true).validate(name);
        }
        StudySpec s = Studies.get("cnn5-cifar10", false);
        assertEquals(List.of(0.001, 0.005), s.lrs, "two learning rates, the second 5x the first");
        TrainConfig mn =
                RunKind.CLASSIFICATION.config(s, new StudySpec.RunKey(0.005, "mn", 2), "t");
        assertEquals("mn", mn.norm);
        assertEquals("conv2", mn.mnLayers);
        assertEquals(3, mn.components);
        assertEquals(0.005, mn.lr);
        assertEquals(2, mn.seed);
        assertEquals("constant", mn.lrSchedule);
        StudySpec q = Studies.get("cnn5-cifar10", true);
        assertTrue(q.quick);
        assertEquals(
                "",
                RunKind.CLASSIFICATION.config(q, q.runs().get(0), "t").data,
                "quick runs on the embedded mini set");
        assertEquals(
                List.of("bn", "mn-k2", "mn-k3", "mn-k5"),
                Studies.get("cnn5-cifar10-k", false).variantNames());
        assertEquals(
                "all",
                RunKind.CLASSIFICATION.config(
                                Studies.get("cnn5-cifar10-layers", false),
                                new StudySpec.RunKey(0.001, "mn-all", 1),
                                "t")
                        .mnLayers);
    }

    @Test
    void runOrderFinishesTheFirstSeedFirstAndFoldersAreStable() {
        StudySpec s = Studies.get("cnn5-cifar10", false);
        s.seeds = List.of(1L, 2L);
        List<StudySpec.RunKey> runs = s.runs();
        assertEquals(8, runs.size());
        assertEquals(new StudySpec.RunKey(0.001, "bn", 1), runs.get(0));
        assertEquals(new StudySpec.RunKey(0.005, "mn", 1), runs.get(3));
        assertEquals(Path.of("runs", "lr-0.005", "mn", "seed-2"), runs.get(7).dir());
    }

    @Test
    void aSavedStudyIsAValidConfigAndTheSameGrid() {
        StudySpec s = StudySpec.parse(VALID, "f");
        StudySpec back = StudySpec.parse(s.toJson(), "f");
        assertTrue(s.sameGridAs(back));
        back.seeds = List.of(1L, 2L, 3L);
        assertTrue(s.sameGridAs(back), "more seeds extend the same study");
        back.lrs = List.of(0.002);
        assertFalse(s.sameGridAs(back));
    }

    /** A null in a list was a NullPointerException (a stack trace) when the runs were listed. */
    @Test
    void nullsInTheListsAreOneLineErrors() {
        String m = message(() -> StudySpec.parse(VALID.replace("[1]", "[null]"), "f"));
        assertTrue(m.contains("'seeds' holds a null"), m);
        m = message(() -> StudySpec.parse(VALID.replace("[0.001]", "[0.001, null]"), "f"));
        assertTrue(m.contains("'lrs' holds a null"), m);
        m =
                message(
                        () ->
                                StudySpec.parse(
                                        VALID.replace("\"variants\": [", "\"variants\": [null, "),
                                        "f"));
        assertTrue(m.contains("$.variants[0]") && !m.contains("\n"), m); // Gson's own message
    }

    @Test
    void badGridsAreOneLineErrors() {
        assertTrue(
                message(() -> Studies.get("cnn5-imagenet", false))
                        .contains("unknown study 'cnn5-imagenet'"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace(
                                                        "\"name\": \"bn\", \"norm\": \"bn\"",
                                                        "\"name\": \"b2\", \"norm\": \"bn\""),
                                                "f"))
                        .contains("no baseline"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace("\"seeds\": [1]", "\"seeds\": []"),
                                                "f"))
                        .contains("seed list is empty"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace("\"lrs\": [0.001]", "\"lrs\": []"),
                                                "f"))
                        .contains("'lrs' is empty"));
        assertTrue(
                message(() -> StudySpec.parse(VALID.replace("\"steps\": 6", "\"lr\": 0.1"), "f"))
                        .contains("sets 'lr'"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace(
                                                        "\"components\": 2", "\"components\": 0"),
                                                "f"))
                        .contains("--components"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace(
                                                        "\"name\": \"mn\"", "\"name\": \"bn\""),
                                                "f"))
                        .contains("two variants"));
        assertTrue(
                message(
                                () ->
                                        StudySpec.parse(
                                                VALID.replace(
                                                        "\"norm\": \"bn\"}", "\"norm\": \"mn\"}"),
                                                "f"))
                        .contains("must use norm bn"));
        assertTrue(
                message(() -> StudySpec.parse(VALID.replace("\"seeds\"", "\"seedz\""), "f"))
                        .contains("unknown key 'seedz'"));
        assertTrue(
                message(() -> StudySpec.parse("[1, 2]", "f")).contains("expected a JSON object"));
        assertTrue(
                message(() -> StudySpec.parse(VALID.replace("\"steps\": 6", "\"stepz\": 6"), "f"))
                        .contains("unknown key 'stepz'"));
    }
}
