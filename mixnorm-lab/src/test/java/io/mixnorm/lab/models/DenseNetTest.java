package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DenseNet-40 and DenseNet-BC-100 (Huang et al. 2017) against hand-derived counts and the published
 * sizes.
 */
class DenseNetTest {

    /**
     * By hand, from the paper's description: first conv 3·3·3·c0; per dense layer at input width c,
     * BN 2c + conv3×3 9·c·k (bottleneck: BN 2c + conv1×1 c·4k + BN 2·4k + conv3×3 9·4k·k); each
     * transition BN 2c + conv1×1 c·⌊θc⌋; final BN 2c, linear c·classes + classes. No conv biases.
     */
    static long[] expected(
            int layers, int k, boolean bottleneck, double theta, int c0, int classes) {
        long params = 27L * c0;
        long macs = 1024L * 27 * c0;
        int c = c0;
        int side = 32;
        for (int b = 0; b < 3; b++) {
            for (int l = 0; l < layers; l++) {
                long p =
                        bottleneck
                                ? 2L * c + 4L * k * c + 8L * k + 36L * k * k
                                : 2L * c + 9L * c * k;
                long mac = bottleneck ? 4L * k * c + 36L * k * k : 9L * c * k;
                params += p;
                macs += (long) side * side * mac;
                c += k;
            }
            if (b < 2) {
                int out = (int) (theta * c);
                params += 2L * c + (long) c * out;
                macs += (long) side * side * c * out;
                c = out;
                side /= 2;
            }
        }
        return new long[] {
            params + 2L * c + (long) c * classes + classes, 2 * (macs + (long) c * classes)
        };
    }

    static final long[] D40 = expected(12, 12, false, 1.0, 16, 10);
    static final long[] BC100 = expected(16, 12, true, 0.5, 24, 10);

    @Test
    void densenet40OutputShapeAndParameters() {
        assertEquals(1_019_722L, D40[0]);
        assertTrue(Math.abs(D40[0] - 1.0e6) / 1.0e6 < 0.03, "published: 1.0M");
        assertEquals(D40[0], ModelChecks.outputShapeAndParameters("densenet40"));
        assertEquals(
                D40[1],
                ModelZoo.build("densenet40", NormSpec.batchNorm(), 10).forwardFlopsPerImage());
    }

    @Test
    void densenetBc100OutputShapeAndParameters() {
        assertEquals(769_162L, BC100[0]);
        assertTrue(Math.abs(BC100[0] - 0.8e6) / 0.8e6 < 0.05, "published: 0.8M");
        assertEquals(BC100[0], ModelChecks.outputShapeAndParameters("densenet-bc100"));
        assertEquals(
                BC100[1],
                ModelZoo.build("densenet-bc100", NormSpec.batchNorm(), 10).forwardFlopsPerImage());
    }

    /**
     * block1.layer1.norm … block3.layer12.norm with trans1/2 between the blocks and final.norm
     * last.
     */
    static List<String> expectedNames(int layers, String... perLayer) {
        List<String> names = new ArrayList<>();
        for (int b = 1; b <= 3; b++) {
            for (int l = 1; l <= layers; l++) {
                for (String n : perLayer) {
                    names.add("block" + b + ".layer" + l + "." + n);
                }
            }
            if (b < 3) {
                names.add("trans" + b + ".norm");
            }
        }
        names.add("final.norm");
        return names;
    }

    @Test
    void normLayersAreNamedInForwardOrder() {
        assertEquals(expectedNames(12, "norm"), ModelChecks.names("densenet40"));
        assertEquals(expectedNames(16, "norm1", "norm2"), ModelChecks.names("densenet-bc100"));
        List<Integer> widths =
                ModelZoo.build("densenet40", NormSpec.batchNorm(), 10).norms().stream()
                        .map(LayerInfo::channels)
                        .toList();
        assertEquals(List.of(16, 28), widths.subList(0, 2));
        assertEquals(
                List.of(160, 160, 172),
                widths.subList(12, 15),
                "block1 ends at 160, trans1 keeps 160");
        assertEquals(448, widths.get(widths.size() - 1));
    }

    @Test
    void surgerySelectsExactlyTheRequestedLayers() {
        ModelChecks.surgerySelectsExactly(
                "densenet40",
                "block1.layer1.norm",
                List.of("block1.layer3.norm", "trans1.norm", "block2.layer6.norm", "final.norm"));
        ModelChecks.surgerySelectsExactly(
                "densenet-bc100",
                "block1.layer1.norm1",
                List.of("block1.layer1.norm2", "block2.layer8.norm1", "trans2.norm"));
    }

    @Test
    void densenet40TrainsOneStepWithBnAndMnAndRoundTrips() {
        ModelChecks.trainStepAndRoundTrip("densenet40", NormSpec.batchNorm());
        ModelChecks.trainStepAndRoundTrip("densenet40", ModelChecks.spec("mn", "first:1"));
    }

    @Test
    void densenetBc100TrainsOneStepWithBnAndMnAndRoundTrips() {
        ModelChecks.trainStepAndRoundTrip("densenet-bc100", NormSpec.batchNorm());
        ModelChecks.trainStepAndRoundTrip("densenet-bc100", ModelChecks.spec("mn", "first:1"));
    }
}
