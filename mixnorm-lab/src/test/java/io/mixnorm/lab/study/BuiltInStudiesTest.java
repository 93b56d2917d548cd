package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built-in studies are study files among the resources. Each must parse, validate and write
 * itself back byte for byte; its {@code --quick} variant must equal what the Java builders it
 * replaced produced (the {@code *-quick.json} test resources were written by that code, before it
 * was deleted). Study folders written before the two kinds shared one spec must still read and
 * write their study.json byte for byte.
 */
class BuiltInStudiesTest {
    private static String resource(String path) throws IOException {
        try (InputStream in = BuiltInStudiesTest.class.getResourceAsStream(path)) {
            assertNotNull(in, path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyBuiltInParsesAndRoundTripsAndItsQuickBudgetIsUnchanged() throws IOException {
        assertEquals(9, Studies.names().size());
        for (String name : Studies.names()) {
            String file = resource("/io/mixnorm/lab/studies/" + name + ".json");
            StudySpec full = Studies.get(name, false);
            assertEquals(name, full.name);
            full.validate(name);
            assertEquals(file, full.toJson() + "\n", name);
            StudySpec quick = Studies.get(name, true);
            quick.validate(name);
            assertEquals(
                    resource("/io/mixnorm/lab/studies/" + name + "-quick.json"),
                    quick.toJson() + "\n",
                    name + " --quick");
        }
        assertEquals(List.of("dcgan-cifar10"), Studies.names(RunKind.GAN));
        assertSame(RunKind.GAN, Studies.get("dcgan-cifar10", false).kind());
        assertSame(RunKind.CLASSIFICATION, Studies.get("cnn5-cifar10", false).kind());
        assertEquals(
                Studies.CNN5_STEPS,
                Studies.get("cnn5-cifar10", false).recipe.get("steps").getAsLong());
        assertEquals(
                Studies.DEEP_STEPS,
                Studies.get("densenet40-cifar10", false).recipe.get("steps").getAsLong());
    }

    @Test
    void committedStudyFoldersOfBothKindsRoundTripByteForByte() throws IOException {
        int gan = 0;
        int classification = 0;
        try (Stream<Path> dirs = Files.list(Path.of("..", "docs", "results"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path file = dir.resolve(StudyRunner.SPEC_FILE);
                if (!Files.exists(file)) {
                    continue;
                }
                StudySpec s = StudySpec.load(file);
                assertEquals(Files.readString(file), s.toJson() + "\n", file.toString());
                assertEquals(Files.readString(file), s.copy().toJson() + "\n", file.toString());
                assertEquals(
                        Files.readString(file),
                        StudySpec.fromJson(s.toJson()).toJson() + "\n",
                        file.toString());
                if (s.kind() == RunKind.GAN) {
                    gan++;
                } else {
                    classification++;
                }
            }
        }
        assertTrue(gan >= 1 && classification >= 1, gan + " GAN, " + classification + " other");
    }
}
