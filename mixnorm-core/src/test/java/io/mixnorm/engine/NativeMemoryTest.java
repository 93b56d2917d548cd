package io.mixnorm.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeMemory#trim()} against the situation it exists for: freed C-heap chunks that glibc
 * keeps resident because live chunks sit between them (so its own trimming of the heap's top cannot
 * return them), with the allocator tuned by {@link NativeMemory#tune()} as it is whenever mixnorm's
 * layers are in use (its trim threshold alone would never return them).
 */
class NativeMemoryTest {
    private static final int CHUNK =
            64 * 1024; // below glibc's initial 128 KiB mmap threshold: from the heap
    private static final int CHUNKS = 2048; // 128 MiB in all

    @Test
    void trimReturnsFreedPagesBetweenLiveChunksToTheOs() {
        assumeTrue(rssAnonKb() > 0, "Linux only: reads /proc/self/status");
        assumeTrue(
                System.getenv("MIXNORM_MALLOC_TRIM") == null,
                "the switch is set in this environment");
        assertTrue(NativeMemory.enabled(), "glibc's malloc_trim is reachable");
        NativeMemory
                .tune(); // as whenever a model exists: the trim must work with glibc told to keep
        // memory
        List<Memory> kept = new ArrayList<>();
        List<Memory> freed = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            Memory m = new Memory(CHUNK); // JNA allocates with malloc
            m.setMemory(0, CHUNK, (byte) 1); // make every page resident
            (i % 16 == 15 ? kept : freed).add(m);
        }
        NativeMemory.trim(); // start from a trimmed heap, so the drop below is this test's
        freed.forEach(Memory::close);
        long before = rssAnonKb();
        assertTrue(NativeMemory.trim(), "malloc_trim reports that it released memory");
        long after = rssAnonKb();
        long freedKb = (long) CHUNK * freed.size() / 1024;
        assertTrue(
                before - after > freedKb / 2,
                "resident memory fell by "
                        + (before - after)
                        + " KiB of the "
                        + freedKb
                        + " KiB freed");
        kept.forEach(Memory::close);
    }

    private static long rssAnonKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
