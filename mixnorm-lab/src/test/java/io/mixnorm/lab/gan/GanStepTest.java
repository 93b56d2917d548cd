package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.mixnorm.lab.data.BatchStream;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.train.SyntheticCifar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GanStepTest {
    private static io.mixnorm.lab.train.Determinism threads;

    @BeforeAll
    static void oneThread() {
        threads = OneThread.apply();
    }

    @AfterAll
    static void restoreThreads() {
        threads.close();
    }

    private static final CifarDataset DATA = SyntheticCifar.make(32, 8, 2).train();

    @ParameterizedTest
    @ValueSource(strings = {"bn", "mn"})
    void stepsHaveFiniteLossesAndMoveBothNetworks(String norm) {
        GanConfig cfg = DcganTest.config(norm, "");
        try (NDManager root = NDManager.newBaseManager()) {
            GanNetworks nets = GanNetworks.create(cfg, root);
            List<float[]> g0 = snapshot(nets.generator());
            List<float[]> d0 = snapshot(nets.discriminator());
            BatchStream stream =
                    BatchStream.builder(DATA, GanScore.SYMMETRIC).batchSize(8).seed(1).build();
            GanStep step = new GanStep(nets, root);
            for (int i = 0; i < 2; i++) {
                GanStep.Losses l =
                        step.run(
                                stream.next().images(),
                                Noise.latent(1, Noise.TRAIN, i, 8),
                                8,
                                cfg.lr);
                assertTrue(l.finite(), norm + ": " + l);
                assertTrue(l.d() > 0 && l.g() > 0, "BCE is positive: " + l);
            }
            assertChanged(g0, snapshot(nets.generator()), norm + " generator");
            assertChanged(d0, snapshot(nets.discriminator()), norm + " discriminator");
        }
    }

    private static List<float[]> snapshot(Block b) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : GanNetworks.trainable(b)) {
            out.add(p.getArray().toFloatArray());
        }
        return out;
    }

    private static void assertChanged(List<float[]> before, List<float[]> after, String what) {
        for (int i = 0; i < before.size(); i++) {
            assertFalse(
                    Arrays.equals(before.get(i), after.get(i)),
                    what + ": parameter " + i + " did not change");
        }
    }
}
