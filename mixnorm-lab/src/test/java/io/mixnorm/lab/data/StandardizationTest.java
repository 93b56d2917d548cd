package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static io.mixnorm.lab.data.CifarVariant.PLANE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StandardizationTest {
    /**
     * Two images. Red: all 0, then all 255 (values 0 and 1, half each): mean 0.5, std 0.5. Green:
     * 51 everywhere (0.2): mean 0.2, std 0, replaced by 1. Blue: image 0 all 0, image 1 has 256 of
     * its 1024 pixels at 255: 256 ones among 2048 values, mean 0.125, std sqrt(0.125 * 0.875).
     */
    static CifarDataset handMade() {
        byte[] px = new byte[2 * PIXELS];
        Arrays.fill(px, PIXELS, PIXELS + PLANE, (byte) 255); // image 1 red
        Arrays.fill(px, PLANE, 2 * PLANE, (byte) 51); // image 0 green
        Arrays.fill(px, PIXELS + PLANE, PIXELS + 2 * PLANE, (byte) 51); // image 1 green
        for (int k = 0; k < 256; k++) {
            px[PIXELS + 2 * PLANE + 4 * k] = (byte) 255; // image 1 blue, every 4th pixel
        }
        return new CifarDataset(px, new int[] {0, 1}, 2, "hand");
    }

    @Test
    void fitMatchesAHandComputation() {
        Standardization s = Standardization.fit(handMade());
        assertArrayEquals(new float[] {0.5f, (float) (51 / 255.0), 0.125f}, s.mean());
        assertArrayEquals(new float[] {0.5f, 1f, (float) Math.sqrt(0.125 * 0.875)}, s.std());
    }

    @Test
    void applyUsesTheStatistics() {
        CifarDataset d = handMade();
        Standardization s = Standardization.fit(d);
        float[] img1 = s.apply(d, 1);
        assertEquals(1f, img1[0], 0f); // red 255: (1 - 0.5) / 0.5
        assertEquals(-1f, s.apply(d, 0)[0], 0f); // red 0
        assertEquals(0f, img1[PLANE], 1e-6f); // constant green maps to 0
        float blueStd = (float) Math.sqrt(0.125 * 0.875);
        assertEquals((float) ((1 - 0.125f) / (double) blueStd), img1[2 * PLANE], 0f);
        assertEquals((float) ((0 - 0.125f) / (double) blueStd), img1[2 * PLANE + 1], 0f);
        assertArrayEquals(img1, s.apply(d.image(1)));
        float[] dst = new float[PIXELS + 5];
        s.apply(d.image(1), 0, dst, 5);
        assertArrayEquals(img1, Arrays.copyOfRange(dst, 5, 5 + PIXELS));
        assertEquals(s.value(0, 255), s.lookupTable(0)[255]);
    }

    @Test
    void explicitStatisticsAndValidation() {
        Standardization s =
                new Standardization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.5f, 1f});
        assertEquals(2f, s.value(0, 255), 0f);
        assertEquals(1f, s.value(1, 255), 0f);
        assertEquals(-0.5f, s.value(2, 0), 0f);
        assertThrows(
                IllegalArgumentException.class,
                () -> new Standardization(new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Standardization(new float[] {0, 0}, new float[] {1, 1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> Standardization.fit(new CifarDataset(new byte[0], new int[0], 10, "empty")));
        assertEquals(s, new Standardization(s.mean(), s.std()));
    }
}
