package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.lab.data.CifarSplits;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsProbeTest {
    private static final CifarSplits DATA = SyntheticCifar.make(256, 128, 5);

    @TempDir Path tmp;

    @Test
    void bestMatchRecoversAPermutationOfTheComponents() {
        GaussianMixture run =
                GaussianMixture.of(
                        new double[] {0.2, 0.3, 0.5},
                        new double[] {0, 0, 5, 5, -5, 3},
                        new double[] {1, 1, 1, 1, 1, 1});
        GaussianMixture fit = run.permute(new int[] {2, 0, 1});
        int[] p = StatsProbe.bestMatch(fit, run);
        for (int k = 0; k < 3; k++) {
            assertEquals(run.mean(k, 0), fit.mean(p[k], 0), 0.0);
        }
        assertArrayEquals(new int[] {0, 1, 2}, StatsProbe.bestMatch(run, run));
    }

    @Test
    void probesEveryCheckpointAndLeavesTheRunAsItWas() throws Exception {
        TrainConfig c = TrainingRunTest.tiny(20);
        c.norm = "mn";
        c.components = 2;
        Path dir = tmp.resolve("run");
        new TrainingRun(c, DATA, dir, Progress.silent()).run(false);
        byte[] before = java.nio.file.Files.readAllBytes(new CheckpointStore(dir, 3).list().get(0));
        StatsProbe probe = new StatsProbe(dir, DATA, 3, 1000);
        List<Path> ckpts = probe.checkpoints();
        assertEquals(2, ckpts.size());
        StatsProbe.Row r = probe.probe(ckpts.get(1));
        assertEquals(20, r.step());
        // the probe's running score is the trainer's own evaluation of that checkpoint
        List<MetricsRow> rows = MetricsRow.readCsv(dir.resolve("metrics.csv"));
        assertEquals(rows.get(1).testAccuracy(), r.running(), 1e-9);
        for (double a :
                new double[] {
                    r.running(),
                    r.precise(),
                    r.batch(),
                    r.preciseBnOnly(),
                    r.preciseMnOnly(),
                    r.frozenEma()
                }) {
            assertTrue(a >= 0 && a <= 1, "accuracy " + a);
        }
        assertEquals(2, r.drift().size(), "one row per component of the one MN layer");
        assertEquals(3, r.batches());
        assertArrayEquals(
                before,
                java.nio.file.Files.readAllBytes(new CheckpointStore(dir, 3).list().get(0)));
    }
}
