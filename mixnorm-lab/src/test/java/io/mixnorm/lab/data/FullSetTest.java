package io.mixnorm.lab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The full CIFAR-10 archive (170 MB): only with {@code -Dmixnorm.test.full=true}, as it takes a few
 * seconds and 300 MB of heap.
 */
class FullSetTest {
    @Test
    void fullSetMatchesThePublishedStatistics() {
        Assumptions.assumeTrue(
                Boolean.getBoolean("mixnorm.test.full"), "set -Dmixnorm.test.full=true to run");
        Path archive = CifarFixtures.fullSet().orElse(null);
        Assumptions.assumeTrue(archive != null, "cifar-10-binary.tar.gz not found");
        CifarSplits s = CifarReader.read(archive, CifarVariant.CIFAR10);
        assertEquals(50_000, s.train().size());
        assertEquals(10_000, s.test().size());
        for (int count : s.train().classCounts()) {
            assertEquals(5_000, count);
        }
        Standardization st = Standardization.fit(s.train());
        float[] mean = Standardization.CIFAR10_PUBLISHED.mean();
        float[] std = Standardization.CIFAR10_PUBLISHED.std();
        for (int c = 0; c < 3; c++) {
            assertEquals(mean[c], st.mean()[c], 1e-6f);
            assertEquals(std[c], st.std()[c], 1e-6f);
        }
    }
}
