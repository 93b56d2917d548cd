package io.mixnorm.engine;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;

/**
 * Run in a child JVM by {@link NativeMemoryTuningTest}: calls {@link NativeMemory#tune()}, then
 * asks glibc whether a 48 MiB {@code malloc} was served by its own {@code mmap} (glibc's {@code
 * mallinfo2} counts those in {@code hblks}). Prints {@code tuning=<outcome>} and {@code
 * chunk=mmap|heap}, or {@code error=<message>} for a bad switch value.
 */
public final class TuningProbe {
    /** Above glibc's largest dynamic mmap threshold (32 MiB): mmapped unless tuned. */
    static final int CHUNK = 48 << 20;

    /** glibc's {@code struct mallinfo2} (glibc 2.33 and later), every field a {@code size_t}. */
    @Structure.FieldOrder({
        "arena",
        "ordblks",
        "smblks",
        "hblks",
        "hblkhd",
        "usmblks",
        "fsmblks",
        "uordblks",
        "fordblks",
        "keepcost"
    })
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    private TuningProbe() {}

    public static void main(String[] args) {
        String tuning;
        try {
            tuning = NativeMemory.tune();
        } catch (IllegalArgumentException e) {
            System.out.println("error=" + e.getMessage());
            return;
        }
        Function mallinfo2 = NativeLibrary.getInstance("c").getFunction("mallinfo2");
        long before = ((MallInfo2) mallinfo2.invoke(MallInfo2.class, new Object[0])).hblks;
        try (Memory chunk = new Memory(CHUNK)) { // JNA allocates with malloc
            chunk.setByte(CHUNK - 1, (byte) 1);
            long during = ((MallInfo2) mallinfo2.invoke(MallInfo2.class, new Object[0])).hblks;
            System.out.println("tuning=" + tuning);
            System.out.println("chunk=" + (during > before ? "mmap" : "heap"));
        }
    }
}
