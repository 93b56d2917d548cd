package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mixnorm.lab.UserException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CifarDatasetTest {
    @Test
    void immutableCopiesInAndOut() {
        byte[] px = CifarFixtures.randomPixels(3, 1);
        int[] labels = {2, 0, 1};
        CifarDataset d = new CifarDataset(px, labels, 3, "t");
        byte[] original = px.clone();
        px[0]++;
        labels[0] = 0;
        assertEquals(2, d.label(0));
        assertArrayEquals(original, d.pixels());
        d.pixels()[0]++;
        d.image(0)[0]++;
        d.labels()[0] = 1;
        assertArrayEquals(original, d.pixels());
        assertEquals(2, d.label(0));
        assertArrayEquals(Arrays.copyOfRange(original, PIXELS, 2 * PIXELS), d.image(1));
        assertArrayEquals(new int[] {1, 1, 1}, d.classCounts());
    }

    @Test
    void subsetAndHead() {
        CifarDataset d =
                new CifarDataset(CifarFixtures.randomPixels(4, 2), new int[] {0, 1, 2, 3}, 4, "t");
        CifarDataset s = d.subset(new int[] {3, 1, 3});
        assertEquals(3, s.size());
        assertArrayEquals(new int[] {3, 1, 3}, s.labels());
        assertArrayEquals(d.image(3), s.image(0));
        assertArrayEquals(d.image(1), s.image(1));
        assertEquals(4, s.numClasses());
        assertEquals(2, d.head(2).size());
        assertEquals(4, d.head(10).size());
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(new int[] {4}));
        byte[] buf = new byte[PIXELS + 1];
        d.copyImage(2, buf, 1);
        assertArrayEquals(d.image(2), Arrays.copyOfRange(buf, 1, PIXELS + 1));
    }

    @Test
    void validation() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new CifarDataset(new byte[PIXELS], new int[] {10}, 10, "t"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CifarDataset(new byte[PIXELS + 1], new int[] {1}, 10, "t"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CifarDataset(new byte[0], new int[0], 0, "t"));
    }

    @Test
    void variants() {
        assertEquals(CifarVariant.CIFAR10, CifarVariant.parse("cifar10", null));
        assertEquals(CifarVariant.CIFAR10, CifarVariant.parse("CIFAR-10", ""));
        assertEquals(CifarVariant.CIFAR10, CifarVariant.parse("cifar10", "fine"));
        assertEquals(CifarVariant.CIFAR100_FINE, CifarVariant.parse("cifar100", null));
        assertEquals(CifarVariant.CIFAR100_FINE, CifarVariant.parse("cifar100", "fine"));
        assertEquals(CifarVariant.CIFAR100_COARSE, CifarVariant.parse("cifar100", "Coarse"));
        assertThrows(UserException.class, () -> CifarVariant.parse("cifar10", "coarse"));
        assertThrows(UserException.class, () -> CifarVariant.parse("cifar100", "medium"));
        assertThrows(UserException.class, () -> CifarVariant.parse("svhn", null));
        assertEquals(10, CifarVariant.CIFAR10.numClasses());
        assertEquals(100, CifarVariant.CIFAR100_FINE.numClasses());
        assertEquals(20, CifarVariant.CIFAR100_COARSE.numClasses());
        assertEquals(3073, CifarVariant.CIFAR10.recordSize());
        assertEquals(3074, CifarVariant.CIFAR100_COARSE.recordSize());
        assertEquals("cifar100 (coarse labels)", CifarVariant.CIFAR100_COARSE.displayName());
    }
}
