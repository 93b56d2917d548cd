package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --eval-stats}/{@code --precise-batches}: extra scorings of the same weights, never a
 * different run.
 */
class EvalStatsTest {
    private static final CifarSplits DATA = SyntheticCifar.make(256, 128, 5);

    @TempDir Path tmp;

    private static TrainConfig mn(String evalStats) {
        TrainConfig c = TrainingRunTest.tiny(20);
        c.norm = "mn";
        c.components = 2;
        c.evalStats = evalStats;
        c.preciseBatches = 3;
        return c;
    }

    @Test
    void scoringWithPreciseAndBatchStatisticsDoesNotChangeTraining() throws IOException {
        Path plain = tmp.resolve("plain");
        Path all = tmp.resolve("all");
        new TrainingRun(mn("running"), DATA, plain, Progress.silent()).run(false);
        new TrainingRun(mn("precise,running,batch"), DATA, all, Progress.silent()).run(false);
        List<MetricsRow> a = MetricsRow.readCsv(plain.resolve("metrics.csv"));
        List<MetricsRow> b = MetricsRow.readCsv(all.resolve("metrics.csv"));
        assertEquals(2, b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(
                    a.get(i).trainLoss(), b.get(i).trainLoss(), 0.0, "training is the same run");
            assertEquals(
                    a.get(i).testAccuracy(),
                    b.get(i).testAccuracyRunning(),
                    0.0,
                    "running scoring unchanged");
            assertNull(a.get(i).testAccuracyPrecise());
            assertNotNull(b.get(i).testAccuracyPrecise());
            assertNotNull(b.get(i).testAccuracyBatch());
            assertEquals(
                    b.get(i).testAccuracyPrecise(),
                    b.get(i).testAccuracy(),
                    0.0,
                    "the first kind is the headline");
        }
        assertArrayEquals(
                weights(plain),
                weights(all),
                "weights and running statistics are left as they were");
    }

    @Test
    void evalStatsMayChangeWhenResuming() throws IOException {
        Path dir = tmp.resolve("run");
        TrainConfig first = mn("running");
        first.steps = 10;
        new TrainingRun(first, DATA, dir, Progress.silent()).run(false);
        new TrainingRun(mn("precise"), DATA, dir, Progress.silent()).run(true);
        List<MetricsRow> rows = MetricsRow.readCsv(dir.resolve("metrics.csv"));
        assertNull(rows.get(0).testAccuracyPrecise());
        assertNotNull(rows.get(1).testAccuracyPrecise());
        assertNull(rows.get(1).testAccuracyRunning());
    }

    @Test
    void badValuesAreOneLineErrors() {
        for (String bad : new String[] {"exact", "running,running", "", "precise,"}) {
            TrainConfig c = mn(bad);
            UserException e = assertThrows(UserException.class, c::validate, bad);
            assertTrue(e.getMessage().startsWith("--eval-stats: "), e.getMessage());
        }
        TrainConfig c = mn("precise");
        c.preciseBatches = 0;
        assertTrue(
                assertThrows(UserException.class, c::validate)
                        .getMessage()
                        .startsWith("--precise-batches: "));
    }

    @Test
    void rowsWrittenBeforeTheStatisticsColumnsStillParse() {
        MetricsRow r = MetricsRow.parseCsv("10,0.5,0.001,1.2,0.5,1.1,0.55,300,12,10");
        assertEquals(0.55, r.testAccuracy(), 0.0);
        assertNull(r.testAccuracyPrecise());
        MetricsRow back =
                MetricsRow.parseCsv(
                        new MetricsRow(
                                        10, 0.5, 0.001, 1.2, 0.5, 1.1, 0.55, 300, 12, 10, 0.5, null,
                                        0.6)
                                .toCsv());
        assertEquals(0.5, back.testAccuracyRunning(), 0.0);
        assertNull(back.testAccuracyPrecise());
        assertEquals(0.6, back.testAccuracyBatch(), 0.0);
        assertNotEquals(back, r);
    }

    private static float[] weights(Path dir) {
        try (NDManager m = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(mn("running"), 4, m);
            new CheckpointStore(dir, 3).loadLatest(m, pm.model().block());
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (Pair<String, Parameter> p : pm.model().block().getParameters()) {
                out.writeBytes(p.getValue().getArray().toByteArray());
            }
            byte[] bytes = out.toByteArray();
            java.nio.FloatBuffer fb =
                    java.nio.ByteBuffer.wrap(bytes)
                            .order(java.nio.ByteOrder.nativeOrder())
                            .asFloatBuffer();
            float[] f = new float[fb.remaining()];
            fb.get(f);
            return f;
        }
    }
}
