package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.models.LayerInfo;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DcganTest {
    private static io.mixnorm.lab.train.Determinism threads;

    @BeforeAll
    static void oneThread() {
        threads = OneThread.apply();
    }

    @AfterAll
    static void restoreThreads() {
        threads.close();
    }

    static GanConfig config(String norm, String layers) {
        GanConfig c = new GanConfig();
        c.norm = norm;
        c.mnLayers = layers;
        c.seed = 5;
        return c;
    }

    @Test
    void shapesAndRanges() {
        try (NDManager root = NDManager.newBaseManager()) {
            GanNetworks nets = GanNetworks.create(config("mn", ""), root);
            NDArray z = root.create(Noise.latent(1, Noise.TRAIN, 0, 4), Dcgan.generatorInput(4));
            for (boolean training : new boolean[] {true, false}) {
                NDArray x =
                        nets.generator()
                                .forward(nets.parameterStore(), new NDList(z), training)
                                .singletonOrThrow();
                assertEquals(new Shape(4, 3, 32, 32), x.getShape());
                assertTrue(x.max().getFloat() <= 1f && x.min().getFloat() >= -1f, "tanh range");
                NDArray logits =
                        nets.discriminator()
                                .forward(nets.parameterStore(), new NDList(x), training)
                                .singletonOrThrow();
                assertEquals(new Shape(4, 1), logits.getShape());
            }
        }
    }

    @Test
    void generatorNormsAreNamedAndTheFirstIsMixtureNormByDefault() {
        List<LayerInfo> norms = Dcgan.generator(config("mn", "").normSpec()).norms();
        assertEquals(
                List.of("g.norm1", "g.norm2", "g.norm3"),
                norms.stream().map(LayerInfo::name).toList());
        assertEquals(List.of("mn", "bn", "bn"), norms.stream().map(LayerInfo::norm).toList());
        assertEquals(List.of(512, 256, 128), norms.stream().map(LayerInfo::channels).toList());
        assertEquals(
                List.of("mn", "mn", "bn"),
                Dcgan.generator(config("mn", "first:2").normSpec()).norms().stream()
                        .map(LayerInfo::norm)
                        .toList());
        assertEquals(
                List.of("bn", "bn", "mn"),
                Dcgan.generator(config("mn", "g.norm3").normSpec()).norms().stream()
                        .map(LayerInfo::norm)
                        .toList());
        assertEquals(
                List.of("bn", "bn", "bn"),
                Dcgan.generator(config("bn", "").normSpec()).norms().stream()
                        .map(LayerInfo::norm)
                        .toList());
    }

    @Test
    void unknownLayerListsTheValidNames() {
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> Dcgan.generator(config("mn", "conv2").normSpec()));
        assertTrue(e.getMessage().startsWith("--mn-layers"), e.getMessage());
        assertTrue(e.getMessage().contains("g.norm1,g.norm2,g.norm3"), e.getMessage());
    }

    @Test
    void weightsAreNormalWithStd002() {
        try (NDManager root = NDManager.newBaseManager()) {
            GanNetworks nets = GanNetworks.create(config("bn", ""), root);
            for (var b : List.of(nets.generator(), nets.discriminator())) {
                for (var p : b.getParameters()) {
                    if (p.getValue().getType() == Parameter.Type.WEIGHT
                            && p.getValue().getArray().size() > 10_000) {
                        NDArray w = p.getValue().getArray();
                        double mean = w.sum().getFloat() / w.size();
                        double sd = Math.sqrt(w.square().sum().getFloat() / w.size() - mean * mean);
                        assertEquals(0.02, sd, 0.002, p.getKey());
                        assertEquals(0.0, mean, 0.002, p.getKey());
                    }
                }
            }
        }
    }
}
