package io.mixnorm.lab.data;

import static io.mixnorm.lab.data.CifarVariant.PIXELS;
import static io.mixnorm.lab.data.CifarVariant.PLANE;
import static io.mixnorm.lab.data.CifarVariant.SIDE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.BatchStream.Augmentation;
import io.mixnorm.lab.data.BatchStream.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchStreamTest {
    /** Identity statistics: standardized value = byte / 255. */
    static final Standardization UNIT =
            new Standardization(new float[] {0, 0, 0}, new float[] {1, 1, 1});

    static CifarDataset random(int n, long seed) {
        return new CifarDataset(
                CifarFixtures.randomPixels(n, seed),
                CifarFixtures.randomLabels(n, 10, seed),
                10,
                "random");
    }

    /** Red = x, green = y, blue = 100 + x + 2y: every pixel tells where it came from. */
    static byte[] gradient() {
        byte[] img = new byte[PIXELS];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                img[y * SIDE + x] = (byte) x;
                img[PLANE + y * SIDE + x] = (byte) y;
                img[2 * PLANE + y * SIDE + x] = (byte) (100 + x + 2 * y);
            }
        }
        return img;
    }

    /** Reference: pad the standardized image with 0 to 40x40, cut at (dx, dy), then mirror. */
    static float[] reference(byte[] img, Standardization s, Augmentation a) {
        float[] out = new float[PIXELS];
        int size = SIDE + 2 * BatchStream.PAD;
        for (int c = 0; c < 3; c++) {
            float[][] padded = new float[size][size];
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    padded[y + BatchStream.PAD][x + BatchStream.PAD] =
                            s.value(c, img[c * PLANE + y * SIDE + x] & 0xFF);
                }
            }
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    float v = padded[y + a.dy()][x + a.dx()];
                    int ox = a.flip() ? SIDE - 1 - x : x;
                    out[c * PLANE + y * SIDE + ox] = v;
                }
            }
        }
        return out;
    }

    static float[] augmented(byte[] img, Standardization s, int dx, int dy, boolean flip) {
        float[] out = new float[PIXELS];
        BatchStream.augmentInto(img, 0, s.tables(), dx, dy, flip, out, 0);
        return out;
    }

    static float at(float[] img, int c, int y, int x) {
        return img[c * PLANE + y * SIDE + x];
    }

    @Test
    void augmentationOnAHandMadeImage() {
        byte[] img = gradient();
        // centre crop, no flip: the image itself
        assertArrayEquals(UNIT.apply(img), augmented(img, UNIT, 4, 4, false));
        // centre crop, flip: mirrored columns
        float[] f = augmented(img, UNIT, 4, 4, true);
        assertEquals(31 / 255f, at(f, 0, 5, 0));
        assertEquals(0f, at(f, 0, 5, 31));
        assertEquals(5 / 255f, at(f, 1, 5, 0)); // rows unchanged
        // crop at (0, 0) of the padded image: shifted right and down by 4, zeros top and left
        float[] s = augmented(img, UNIT, 0, 0, false);
        for (int k = 0; k < SIDE; k++) {
            for (int p = 0; p < 4; p++) {
                assertEquals(0f, at(s, 2, p, k));
                assertEquals(0f, at(s, 2, k, p));
            }
        }
        assertEquals(0f, at(s, 0, 4, 4)); // source (0, 0): red x = 0
        assertEquals(100 / 255f, at(s, 2, 4, 4));
        assertEquals((100 + 27 + 2 * 27) / 255f, at(s, 2, 31, 31)); // source (27, 27)
        // crop at (8, 8) with flip: out(y, x) = source(y + 4, 35 - x); zeros for x < 4 and y >= 28
        float[] t = augmented(img, UNIT, 8, 8, true);
        assertEquals(0f, at(t, 2, 10, 3));
        assertEquals(0f, at(t, 2, 28, 10));
        assertEquals(31 / 255f, at(t, 0, 0, 4)); // source x = 31
        assertEquals(4 / 255f, at(t, 1, 0, 4)); // source y = 4
        assertEquals(4 / 255f, at(t, 0, 27, 31)); // source x = 4
        // every offset and flip against the reference, with non-trivial statistics
        Standardization norm =
                new Standardization(
                        new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f});
        for (int dx = 0; dx <= 8; dx++) {
            for (int dy = 0; dy <= 8; dy++) {
                for (boolean flip : new boolean[] {false, true}) {
                    Augmentation a = new Augmentation(dx, dy, flip);
                    assertArrayEquals(
                            reference(img, norm, a),
                            augmented(img, norm, dx, dy, flip),
                            a.toString());
                }
            }
        }
    }

    @Test
    void streamBatchesAreTheAugmentedStandardizedExamples() {
        CifarDataset d = random(10, 1);
        Standardization norm = Standardization.fit(d);
        BatchStream s = BatchStream.training(d, norm, 4, 42);
        for (int b = 0; b < 5; b++) {
            long epoch = s.epoch();
            int pos = s.position();
            Batch batch = s.next();
            assertEquals(4, batch.size());
            assertEquals(4 * PIXELS, batch.images().length);
            assertEquals(4, batch.labels().length);
            for (int k = 0; k < batch.size(); k++) {
                int idx = s.exampleIndex(epoch, pos + k);
                assertEquals(d.label(idx), batch.labels()[k]);
                float[] expected =
                        reference(d.image(idx), norm, BatchStream.augmentation(42, epoch, pos + k));
                assertArrayEquals(
                        expected, Arrays.copyOfRange(batch.images(), k * PIXELS, (k + 1) * PIXELS));
            }
        }
    }

    @Test
    void augmentationParametersCoverTheirRange() {
        Set<Integer> dx = new HashSet<>();
        Set<Integer> dy = new HashSet<>();
        int flips = 0;
        int n = 4000;
        for (int p = 0; p < n; p++) {
            Augmentation a = BatchStream.augmentation(7, 3, p);
            dx.add(a.dx());
            dy.add(a.dy());
            flips += a.flip() ? 1 : 0;
            assertEquals(a, BatchStream.augmentation(7, 3, p));
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8), dx);
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8), dy);
        assertTrue(Math.abs(flips - n / 2) < n / 20, "flips " + flips);
    }

    @Test
    void permutationsArePureAndDifferPerEpoch() {
        int[] p = BatchStream.permutation(5, 0, 1000);
        assertArrayEquals(p, BatchStream.permutation(5, 0, 1000));
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertFalse(Arrays.equals(p, BatchStream.permutation(5, 1, 1000)));
        assertFalse(Arrays.equals(p, BatchStream.permutation(6, 0, 1000)));
        // golden values: the order must never change across versions, or old runs cannot resume
        assertArrayEquals(
                new int[] {4, 5, 6, 0, 3, 9, 8, 7, 2, 1}, BatchStream.permutation(5, 0, 10));
        assertEquals(new Augmentation(3, 2, false), BatchStream.augmentation(7, 3, 2));
        assertEquals(new Augmentation(2, 6, true), BatchStream.augmentation(7, 3, 3));
    }

    static List<Batch> take(BatchStream s, int k) {
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add(s.next());
        }
        return out;
    }

    static void assertSameBatches(List<Batch> a, List<Batch> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).images(), b.get(i).images(), "batch " + i);
            assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "batch " + i);
            assertEquals(a.get(i).size(), b.get(i).size());
            assertEquals(a.get(i).epoch(), b.get(i).epoch());
            assertEquals(a.get(i).indexInEpoch(), b.get(i).indexInEpoch());
        }
    }

    @Test
    void sameSeedSameBatchesOtherSeedOtherBatches() {
        CifarDataset d = random(10, 2);
        Standardization norm = Standardization.fit(d);
        assertSameBatches(
                take(BatchStream.training(d, norm, 4, 1), 6),
                take(BatchStream.training(d, norm, 4, 1), 6));
        assertFalse(
                Arrays.equals(
                        BatchStream.training(d, norm, 4, 1).next().images(),
                        BatchStream.training(d, norm, 4, 2).next().images()));
    }

    @Test
    void seekToAnotherStreamsStateGivesIdenticalBatches() {
        CifarDataset d = random(10, 3);
        Standardization norm = Standardization.fit(d);
        BatchStream a = BatchStream.training(d, norm, 4, 99);
        take(a, 3); // into epoch 1
        BatchStream.State state = a.state();
        assertEquals(new BatchStream.State(1, 4), state);
        List<Batch> rest = take(a, 7); // crosses several epochs

        BatchStream b = BatchStream.training(d, norm, 4, 99);
        b.seek(state);
        assertSameBatches(rest, take(b, 7));
        assertEquals(a.state(), b.state());

        BatchStream c = BatchStream.training(d, norm, 4, 99);
        List<Batch> all = take(c, 10);
        assertSameBatches(rest, all.subList(3, 10));

        // far ahead without replaying: epoch 500, second batch
        BatchStream e = BatchStream.training(d, norm, 4, 99);
        BatchStream f = BatchStream.training(d, norm, 4, 99);
        e.seek(500, 4);
        f.seek(499, 8); // end of epoch 499 == start of epoch 500
        assertEquals(new BatchStream.State(500, 0), f.state());
        f.next();
        assertSameBatches(take(e, 3), take(f, 3));

        // also without shuffle/augment and with a partial last batch
        BatchStream g =
                BatchStream.builder(d, norm)
                        .batchSize(3)
                        .seed(5)
                        .shuffle(true)
                        .augment(true)
                        .build();
        take(g, 5);
        BatchStream h =
                BatchStream.builder(d, norm)
                        .batchSize(3)
                        .seed(5)
                        .shuffle(true)
                        .augment(true)
                        .build();
        h.seek(g.epoch(), g.position());
        assertSameBatches(take(g, 9), take(h, 9));

        assertThrows(IllegalArgumentException.class, () -> b.seek(0, 9));
        assertThrows(IllegalArgumentException.class, () -> b.seek(-1, 0));
    }

    @Test
    void epochsRollOverWithDropLast() {
        CifarDataset d = random(10, 4);
        BatchStream s = BatchStream.training(d, Standardization.fit(d), 4, 8);
        assertEquals(8, s.examplesPerEpoch());
        assertEquals(2, s.batchesPerEpoch());
        long[][] expected = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}};
        for (long[] e : expected) {
            Batch b = s.next();
            assertEquals(e[0], b.epoch());
            assertEquals(e[1], b.indexInEpoch());
            assertEquals(4, b.size());
        }
        assertEquals(2, s.epoch());
        assertEquals(4, s.position());
        // each epoch shows 8 distinct examples in its own order
        Set<Integer> e0 = new HashSet<>();
        for (int p = 0; p < 8; p++) {
            e0.add(s.exampleIndex(0, p));
        }
        assertEquals(8, e0.size());
        assertNotEquals(
                s.exampleIndex(0, 0) * 100 + s.exampleIndex(0, 1),
                s.exampleIndex(1, 0) * 100 + s.exampleIndex(1, 1));
    }

    @Test
    void epochsRollOverWithPartialBatches() {
        CifarDataset d = random(10, 5);
        BatchStream s =
                BatchStream.builder(d, Standardization.fit(d)).batchSize(4).shuffle(true).build();
        int[] sizes = new int[6];
        long[] epochs = new long[6];
        for (int i = 0; i < 6; i++) {
            Batch b = s.next();
            sizes[i] = b.size();
            epochs[i] = b.epoch();
            assertEquals(b.size() * PIXELS, b.images().length);
        }
        assertArrayEquals(new int[] {4, 4, 2, 4, 4, 2}, sizes);
        assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1}, epochs);
        assertEquals(3, s.batchesPerEpoch());
    }

    @Test
    void evaluationPassSeesEveryExampleOnceInOrder() {
        CifarDataset d = random(10, 6);
        Standardization norm = Standardization.fit(d);
        BatchStream s = BatchStream.evaluation(d, norm, 4);
        List<Integer> labels = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        int i = 0;
        while (s.hasNext()) {
            Batch b = s.next();
            sizes.add(b.size());
            assertEquals(0, b.epoch());
            for (int k = 0; k < b.size(); k++, i++) {
                labels.add(b.labels()[k]);
                assertArrayEquals(
                        norm.apply(d, i),
                        Arrays.copyOfRange(b.images(), k * PIXELS, (k + 1) * PIXELS));
            }
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertEquals(10, i);
        int[] got = labels.stream().mapToInt(Integer::intValue).toArray();
        assertArrayEquals(d.labels(), got);
        assertThrows(NoSuchElementException.class, s::next);
        s.seek(1, 0); // another pass
        assertTrue(s.hasNext());
        assertEquals(1, s.next().epoch());
    }

    @Test
    void invalidConfigurations() {
        CifarDataset d = random(3, 7);
        Standardization norm = Standardization.fit(d);
        assertThrows(UserException.class, () -> BatchStream.training(d, norm, 4, 0));
        assertThrows(UserException.class, () -> BatchStream.builder(d, norm).batchSize(0));
        // a non-repeating stream over an empty set is just empty
        CifarDataset empty = new CifarDataset(new byte[0], new int[0], 10, "empty");
        assertFalse(BatchStream.evaluation(empty, norm, 4).hasNext());
        assertEquals(3, BatchStream.evaluation(d, norm, 4).next().size());
    }

    @Test
    void assemblyIsReasonablyFast() {
        CifarDataset d = random(512, 8);
        BatchStream s = BatchStream.training(d, Standardization.fit(d), 256, 1);
        for (int i = 0; i < 20; i++) { // warm up
            s.next();
        }
        long t0 = System.nanoTime();
        int n = 40;
        for (int i = 0; i < n; i++) {
            s.next();
        }
        double msPerBatch = (System.nanoTime() - t0) / 1e6 / n;
        assertTrue(msPerBatch < 50, msPerBatch + " ms per batch of 256");
    }
}
