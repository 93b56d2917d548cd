package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import io.mixnorm.lab.data.CifarSplits;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NaN/Inf guards: a NaN in the input batch, a NaN parameter in a layer mid-network, and an overflow
 * inside a layer mid-network all stop the trainer with a {@link DivergedException} (exit code 3)
 * whose message names the step and where the NaN appeared; the last good checkpoint stays the
 * newest one on disk and summary.json says "diverged".
 */
class NumericGuardTest {
    private static final CifarSplits DATA = SyntheticCifar.make(64, 32, 5);

    /** Injected before step 8; checkpoints are written at steps 3 and 6. */
    private static final long BAD_STEP = 8;

    @TempDir Path tmp;

    private static TrainConfig tiny() {
        TrainConfig c = new TrainConfig();
        c.steps = 12;
        c.batchSize = 8;
        c.evalEvery = 3;
        c.evalBatchSize = 32;
        c.augment = false;
        c.seed = 3;
        c.deterministic = true; // one PyTorch thread for these tiny steps (restored afterwards)
        return c;
    }

    private DivergedException diverge(Path dir, TrainingRun.StepHook hook) {
        TrainingRun t = new TrainingRun(tiny(), DATA, dir, Progress.silent()).withStepHook(hook);
        DivergedException e = assertThrows(DivergedException.class, () -> t.run(false));
        assertEquals(3, e.exitCode());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains("step " + BAD_STEP), e.getMessage());
        return e;
    }

    @Test
    void nanInTheInputBatchNamesTheStepAndTheInput() throws IOException {
        Path dir = tmp.resolve("run");
        DivergedException e =
                diverge(
                        dir,
                        (step, net, images) -> {
                            if (step == BAD_STEP) {
                                images[12345] = Float.NaN;
                            }
                        });
        assertTrue(e.getMessage().contains("input batch"), e.getMessage());
        assertLastGoodCheckpointIsNewest(dir);
    }

    @Test
    void nanParameterMidNetworkNamesTheStepAndTheLayer() throws IOException {
        Path dir = tmp.resolve("run");
        DivergedException e =
                diverge(
                        dir,
                        (step, net, images) -> {
                            if (step == BAD_STEP) {
                                setFirstElement(
                                        weightOfLayer(net, 5), Float.NaN); // the second convolution
                            }
                        });
        assertTrue(
                e.getMessage()
                        .contains(
                                "first non-finite parameter: "
                                        + layerKey(5)
                                        + "_weight (layer 5 ("),
                e.getMessage());
        assertLastGoodCheckpointIsNewest(dir);
    }

    @Test
    void overflowInsideALayerMidNetworkNamesTheStepAndTheLayer() throws IOException {
        Path dir = tmp.resolve("run");
        DivergedException e =
                diverge(
                        dir,
                        (step, net, images) -> {
                            if (step == BAD_STEP) {
                                // finite but huge weights: the third convolution's output overflows
                                // to Inf
                                NDArray w = weightOfLayer(net, 9).getArray();
                                float[] x = new float[Math.toIntExact(w.size())];
                                java.util.Arrays.fill(x, 1e36f);
                                w.set(x);
                            }
                        });
        assertTrue(e.getMessage().contains("first non-finite output: layer 9"), e.getMessage());
        assertLastGoodCheckpointIsNewest(dir);
    }

    /**
     * MixtureNorm and ModeNorm refuse a non-finite input with their own exception
     * (NonFiniteInputException); that is a divergence like a NaN loss: exit code 3, the step and
     * the layer named, summary.json "diverged" (it escaped with a stack trace and exit 1, leaving
     * summary.json absent or "running"). lr 1e30: the first step is finite, the weights after it
     * are not usable; with an evaluation after every step it is the evaluation that meets the NaN,
     * with a checkpoint after every step (and no evaluation) the second training step.
     */
    @ParameterizedTest
    @CsvSource({"mn, 1, 0", "modenorm, 1, 0", "mn, 100, 1", "modenorm, 100, 1"})
    void aNormLayerRefusingANonFiniteInputIsADivergenceNamingTheStepAndLayer(
            String norm, long evalEvery, int checkpointEvery) throws IOException {
        TrainConfig c = tiny();
        c.norm = norm;
        c.lr = 1e30;
        c.evalEvery = evalEvery;
        c.checkpointEvery = checkpointEvery;
        Path dir = tmp.resolve("run");
        DivergedException e =
                assertThrows(
                        DivergedException.class,
                        () -> new TrainingRun(c, DATA, dir, Progress.silent()).run(false));
        assertEquals(3, e.exitCode());
        String m = e.getMessage();
        assertTrue(m.contains(evalEvery == 1 ? "by step 1 (in the evaluation)" : "at step 2"), m);
        assertTrue(m.contains(norm.equals("mn") ? "MixtureNorm(K=3" : "ModeNorm(K=3"), m);
        assertTrue(
                m.matches(".*first non-finite (parameter|output): .*layer \\d+ .*"),
                "names the layer: " + m);
        JsonObject summary = strictJson(dir.resolve("summary.json"));
        assertEquals("diverged", summary.get("status").getAsString());
        if (checkpointEvery == 1) {
            assertTrue(
                    m.endsWith(
                            "the last good checkpoint is "
                                    + dir.resolve("checkpoints/step-0000000001.ckpt")),
                    m);
        } else {
            assertTrue(m.endsWith("no checkpoint had been written yet"), m);
            assertFalse(
                    Files.exists(dir.resolve("checkpoints")), "no checkpoint folder to point at");
        }
    }

    /**
     * A run that diverges before its first evaluation has no accuracy: summary.json says null (it
     * said NaN, which is not JSON), and the message does not point at a checkpoint folder that was
     * never written.
     */
    @Test
    void aDivergenceBeforeAnyEvaluationWritesValidJsonAndNamesNoMissingCheckpoint()
            throws IOException {
        TrainConfig c = tiny();
        c.optimizer = "sgd";
        c.lr = 1e30;
        c.evalEvery = 5;
        Path dir = tmp.resolve("run");
        DivergedException e =
                assertThrows(
                        DivergedException.class,
                        () -> new TrainingRun(c, DATA, dir, Progress.silent()).run(false));
        assertTrue(e.getMessage().contains("at step 2: the loss is not finite"), e.getMessage());
        assertTrue(e.getMessage().endsWith("no checkpoint had been written yet"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("checkpoints")));
        JsonObject summary = strictJson(dir.resolve("summary.json"));
        assertEquals("diverged", summary.get("status").getAsString());
        for (String key :
                List.of(
                        "best_test_accuracy",
                        "best_step",
                        "final_test_accuracy",
                        "final_test_loss",
                        "final_train_loss")) {
            assertTrue(summary.has(key) && summary.get(key).isJsonNull(), key + " in " + summary);
        }
        assertEquals(1, summary.get("steps").getAsLong());
    }

    /** Parses a file as strict JSON (RFC 8259: no NaN, no comments), as other tools read it. */
    static JsonObject strictJson(Path file) throws IOException {
        JsonReader r = new JsonReader(new StringReader(Files.readString(file)));
        r.setStrictness(Strictness.STRICT);
        return JsonParser.parseReader(r).getAsJsonObject();
    }

    /** The weight of the model's {@code layer}-th child (1-based, as Diagnostics counts). */
    private static Parameter weightOfLayer(Block net, int layer) {
        String prefix = net.getChildren().get(layer - 1).getKey() + "_weight";
        for (Pair<String, Parameter> p : net.getParameters()) {
            if (p.getKey().equals(prefix)) {
                return p.getValue();
            }
        }
        throw new AssertionError("no " + prefix + " in " + net.getParameters().keys());
    }

    private static String layerKey(int layer) {
        try (NDManager m = NDManager.newBaseManager()) {
            return PreparedModel.of(tiny(), 4, m)
                    .model()
                    .block()
                    .getChildren()
                    .get(layer - 1)
                    .getKey();
        }
    }

    private static void setFirstElement(Parameter p, float v) {
        NDArray w = p.getArray();
        float[] x = w.toFloatArray();
        x[0] = v;
        w.set(x);
    }

    private static void assertLastGoodCheckpointIsNewest(Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 3);
        List<Path> ckpts = store.list();
        assertEquals(
                "step-0000000006.ckpt",
                ckpts.get(0).getFileName().toString(),
                "newest checkpoint " + ckpts);
        try (NDManager m = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(tiny(), 4, m);
            CheckpointStore.Loaded l = store.loadLatest(m, pm.model().block());
            assertEquals(6, l.state().step);
            for (Pair<String, Parameter> p : pm.model().block().getParameters()) {
                assertTrue(Diagnostics.isFinite(p.getValue().getArray()), p.getKey());
            }
        }
        String summary = Files.readString(dir.resolve("summary.json"));
        assertTrue(summary.contains("\"status\": \"diverged\""), summary);
    }
}
