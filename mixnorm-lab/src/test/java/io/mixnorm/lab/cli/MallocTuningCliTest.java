package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The allocator switch seen from the command line (io.mixnorm.engine.NativeMemory#tune). */
class MallocTuningCliTest {
    @TempDir Path tmp;

    @Test
    void aBadMallocTuningValueIsOneLineAndExit2() {
        ChildJvm child = ChildJvm.start(tmp, Map.of("MIXNORM_MALLOC_TUNING", "yes"), "summary");
        assertEquals(2, child.await(120), child.output());
        assertEquals(
                "mixnorm: error: MIXNORM_MALLOC_TUNING must be 0 (glibc's defaults) or 1 (tuned "
                        + "allocator, the default), not 'yes'\n",
                child.err(),
                child.output());
        assertEquals("", child.out(), child.output());
    }
}
