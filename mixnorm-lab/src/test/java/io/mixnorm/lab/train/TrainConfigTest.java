package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    @TempDir
    Path tmp;

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
