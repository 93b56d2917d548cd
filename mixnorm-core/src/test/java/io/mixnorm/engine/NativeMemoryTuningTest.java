package io.mixnorm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeMemory#tune()}: what it reads from the environment, and, in child JVMs (mallopt is
 * process-wide and this one may already be tuned), what glibc does afterwards with a chunk larger
 * than its largest dynamic mmap threshold.
 */
class NativeMemoryTuningTest {

    @Test
    void tunedProcessServesLargeChunksFromTheHeap() throws Exception {
        assumeGlibc();
        List<String> out = probe(Map.of());
        assertEquals(List.of("tuning=mallopt", "chunk=heap"), out);
    }

    @Test
    void offSwitchLeavesGlibcDefaultsWhichMapLargeChunks() throws Exception {
        assumeGlibc();
        List<String> out = probe(Map.of(NativeMemory.TUNING_SWITCH, "0"));
        assertEquals(List.of("tuning=off (MIXNORM_MALLOC_TUNING=0)", "chunk=mmap"), out);
    }

    @Test
    void usersOwnMallocSettingsAreLeftAlone() throws Exception {
        assumeGlibc();
        // a top pad alone does not move the mmap threshold: if tune() added its own, the chunk
        // would come from the heap
        List<String> out = probe(Map.of("MALLOC_TOP_PAD_", "1048576"));
        assertEquals(List.of("tuning=environment (MALLOC_TOP_PAD_)", "chunk=mmap"), out);
    }

    @Test
    void badSwitchValueIsOneLineNamingTheVariable() throws Exception {
        assumeGlibc();
        List<String> out = probe(Map.of(NativeMemory.TUNING_SWITCH, "yes"));
        assertEquals(
                List.of(
                        "error=MIXNORM_MALLOC_TUNING must be 0 (glibc's defaults) or 1 "
                                + "(tuned allocator, the default), not 'yes'"),
                out);
    }

    @Test
    void decideReadsTheSwitchAndTheUsersSettings() {
        assertEquals(Optional.empty(), NativeMemory.decide(Map.of()));
        assertEquals(Optional.empty(), NativeMemory.decide(Map.of("MIXNORM_MALLOC_TUNING", "1")));
        assertEquals(Optional.empty(), NativeMemory.decide(Map.of("MIXNORM_MALLOC_TUNING", "")));
        assertEquals(
                Optional.of("off (MIXNORM_MALLOC_TUNING=0)"),
                NativeMemory.decide(Map.of("MIXNORM_MALLOC_TUNING", "0", "MALLOC_TOP_PAD_", "1")));
        assertEquals(
                Optional.of("environment (MALLOC_MMAP_THRESHOLD_)"),
                NativeMemory.decide(Map.of("MALLOC_MMAP_THRESHOLD_", "4000000000")));
        assertEquals(
                Optional.of("environment (GLIBC_TUNABLES glibc.malloc.trim_threshold)"),
                NativeMemory.decide(Map.of("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")));
        assertEquals(
                Optional.of("environment (LD_PRELOAD jemalloc)"),
                NativeMemory.decide(
                        Map.of("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")));
        // other tunables are not allocator settings tune() would make
        assertEquals(
                Optional.empty(),
                NativeMemory.decide(Map.of("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NativeMemory.decide(Map.of("MIXNORM_MALLOC_TUNING", "off")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("'off'"), e.getMessage());
    }

    private static void assumeGlibc() {
        assumeTrue(
                System.getProperty("os.name").startsWith("Linux")
                        && Files.exists(Path.of("/proc/self/status")),
                "Linux with glibc only");
    }

    /**
     * Runs {@link TuningProbe} in a child JVM with the given additions to a cleaned environment.
     */
    private static List<String> probe(Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx64m",
                                "-XX:+UseSerialGC",
                                "-cp",
                                System.getProperty("java.class.path"),
                                TuningProbe.class.getName())
                        .redirectErrorStream(true);
        Map<String, String> childEnv = pb.environment();
        childEnv.keySet()
                .removeIf(
                        k ->
                                k.startsWith("MALLOC_")
                                        || k.equals("GLIBC_TUNABLES")
                                        || k.equals(NativeMemory.TUNING_SWITCH));
        childEnv.putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the probe did not finish within 60 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.lines()
                .filter(
                        l ->
                                l.startsWith("tuning=")
                                        || l.startsWith("chunk=")
                                        || l.startsWith("error="))
                .toList();
    }
}
