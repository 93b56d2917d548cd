package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Inception-V3 with the 32×32 stem, against a hand count of torchvision's layer table. */
class InceptionV3Test {

    /**
     * Running totals of a hand count: BasicConv2d = conv kh·kw·in·out (no bias) + norm γ, β
     * (2·out).
     */
    static final class Count {
        long params;
        long macs;

        void conv(int in, int out, int kh, int kw, int side) {
            params += (long) kh * kw * in * out + 2L * out;
            macs += (long) side * side * kh * kw * in * out;
        }
    }

    /**
     * torchvision's Inception3 layer by layer (torchvision/models/inception.py), the Mixed blocks
     * on grids s5 / s6 / s7; returns {parameters, forward FLOPs} of the network without the
     * auxiliary head.
     */
    static long[] expected(int classes, int s5, int s6, int s7, int stemSide) {
        Count c = new Count();
        c.conv(3, 32, 3, 3, stemSide);
        c.conv(32, 32, 3, 3, stemSide);
        c.conv(32, 64, 3, 3, stemSide);
        c.conv(64, 80, 1, 1, stemSide);
        c.conv(80, 192, 3, 3, stemSide);
        int in = 192;
        for (int pool : new int[] {32, 64, 64}) { // InceptionA
            c.conv(in, 64, 1, 1, s5);
            c.conv(in, 48, 1, 1, s5);
            c.conv(48, 64, 5, 5, s5);
            c.conv(in, 64, 1, 1, s5);
            c.conv(64, 96, 3, 3, s5);
            c.conv(96, 96, 3, 3, s5);
            c.conv(in, pool, 1, 1, s5);
            in = 224 + pool;
        }
        c.conv(in, 384, 3, 3, s6); // InceptionB
        c.conv(in, 64, 1, 1, s5);
        c.conv(64, 96, 3, 3, s5);
        c.conv(96, 96, 3, 3, s6);
        in = 768;
        for (int c7 : new int[] {128, 160, 160, 192}) { // InceptionC
            c.conv(in, 192, 1, 1, s6);
            c.conv(in, c7, 1, 1, s6);
            c.conv(c7, c7, 1, 7, s6);
            c.conv(c7, 192, 7, 1, s6);
            c.conv(in, c7, 1, 1, s6);
            c.conv(c7, c7, 7, 1, s6);
            c.conv(c7, c7, 1, 7, s6);
            c.conv(c7, c7, 7, 1, s6);
            c.conv(c7, 192, 1, 7, s6);
            c.conv(in, 192, 1, 1, s6);
        }
        c.conv(in, 192, 1, 1, s6); // InceptionD
        c.conv(192, 320, 3, 3, s7);
        c.conv(in, 192, 1, 1, s6);
        c.conv(192, 192, 1, 7, s6);
        c.conv(192, 192, 7, 1, s6);
        c.conv(192, 192, 3, 3, s7);
        in = 1280;
        for (int e = 0; e < 2; e++) { // InceptionE
            c.conv(in, 320, 1, 1, s7);
            c.conv(in, 384, 1, 1, s7);
            c.conv(384, 384, 1, 3, s7);
            c.conv(384, 384, 3, 1, s7);
            c.conv(in, 448, 1, 1, s7);
            c.conv(448, 384, 3, 3, s7);
            c.conv(384, 384, 1, 3, s7);
            c.conv(384, 384, 3, 1, s7);
            c.conv(in, 192, 1, 1, s7);
            in = 2048;
        }
        return new long[] {c.params + 2048L * classes + classes, 2 * (c.macs + 2048L * classes)};
    }

    /**
     * torchvision's auxiliary head: conv1×1 768→128, conv5×5 128→768 (each with BN), fc
     * 768→classes.
     */
    static long auxParameters(int classes) {
        return 768L * 128 + 2 * 128 + 25L * 128 * 768 + 2 * 768 + 768L * classes + classes;
    }

    @Test
    void handCountReproducesTorchvisionsPublishedSize() {
        // torchvision documents 27,161,264 parameters for inception_v3 (1000 classes, with the aux
        // head).
        long tv = expected(1000, 35, 17, 8, 0)[0] + auxParameters(1000);
        assertEquals(27_161_264L, tv);
        assertTrue(Math.abs(tv - 27.2e6) / 27.2e6 < 0.01, "published: 27.2M");
    }

    @Test
    void outputShapeParametersAndFlops() {
        long[] ours = expected(10, 32, 15, 7, 32);
        assertEquals(21_806_058L, ours[0], "torchvision's weights without aux, 10-class head");
        assertEquals(ours[0], ModelChecks.outputShapeAndParameters("inception-v3"));
        assertEquals(
                ours[1],
                ModelZoo.build("inception-v3", NormSpec.batchNorm(), 10).forwardFlopsPerImage());
    }

    @Test
    void normLayersFollowTorchvisionsModuleNames() {
        List<String> names = ModelChecks.names("inception-v3");
        assertEquals(94, names.size(), "5 stem + 3×7 A + 4 B + 4×10 C + 6 D + 2×9 E");
        assertEquals(
                List.of(
                        "conv2d_1a_3x3.norm",
                        "conv2d_2a_3x3.norm",
                        "conv2d_2b_3x3.norm",
                        "conv2d_3b_1x1.norm",
                        "conv2d_4a_3x3.norm",
                        "mixed_5b.branch1x1.norm"),
                names.subList(0, 6));
        assertEquals("mixed_7c.branch_pool.norm", names.get(93));
        ModelChecks.surgerySelectsExactly(
                "inception-v3",
                "conv2d_1a_3x3.norm",
                List.of(
                        "conv2d_4a_3x3.norm",
                        "mixed_6b.branch7x7dbl_3.norm",
                        "mixed_7b.branch3x3_2b.norm"));
    }

    @Test
    void trainsOneStepWithBnAndMnAndRoundTrips() {
        ModelChecks.trainStepAndRoundTrip("inception-v3", NormSpec.batchNorm());
        ModelChecks.trainStepAndRoundTrip("inception-v3", ModelChecks.spec("mn", "first:1"));
    }
}
