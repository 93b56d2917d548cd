package io.mixnorm.lab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real mini CIFAR-10 archive (skipped when it cannot be found). */
class MiniSetTest {
    static Path archive;
    static CifarSplits splits;

    @BeforeAll
    static void read() {
        archive = CifarFixtures.miniSet().orElse(null);
        Assumptions.assumeTrue(
                archive != null,
                "mini CIFAR-10 archive not found from " + Path.of("").toAbsolutePath());
        splits = CifarReader.read(archive, CifarVariant.CIFAR10);
    }

    @Test
    void sizesAndClassBalance() {
        assertEquals(MiniSet.TRAIN_SIZE, splits.train().size());
        assertEquals(MiniSet.TEST_SIZE, splits.test().size());
        int[] train = new int[10];
        Arrays.fill(train, 500);
        int[] test = new int[10];
        Arrays.fill(test, 100);
        assertArrayEquals(train, splits.train().classCounts());
        assertArrayEquals(test, splits.test().classCounts());
        assertTrue(splits.train().source().contains("data_batch_1.bin"));
    }

    @Test
    void checksum() {
        MiniSet.verify(archive);
        assertEquals(CifarDownloader.MINI_SET_SHA256, Checksums.sha256Hex(archive));
    }

    @Test
    void standardizationIsCloseToThePublishedFullSetValues() {
        Standardization s = Standardization.fit(splits.train());
        float[] mean = {0.4914f, 0.4822f, 0.4465f};
        float[] std = {0.2470f, 0.2435f, 0.2616f};
        for (int c = 0; c < 3; c++) {
            assertEquals(mean[c], s.mean()[c], 0.01f, "mean of channel " + c);
            assertEquals(std[c], s.std()[c], 0.01f, "std of channel " + c);
        }
    }

    @Test
    void evaluationPassCoversTheTestSet() {
        assertEquals(10, splits.numClasses());
        BatchStream eval =
                BatchStream.evaluation(splits.test(), Standardization.CIFAR10_PUBLISHED, 256);
        int seen = 0;
        while (eval.hasNext()) {
            seen += eval.next().size();
        }
        assertEquals(1000, seen);
    }
}
