package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * MixtureNorm's parameter encoding: version 2 keeps the counters as integers in the metadata;
 * version 1 (before the split of issue 18) kept them radix-2^20 encoded in a sixth float32
 * parameter {@code mixtureState} and must still load to the same state and outputs.
 */
class MixtureNormVersionTest extends NdTestBase {

    private static final long[] SHAPE = {2, 3, 3, 3};
    private static final int RADIX = 1 << 20;

    /**
     * The inputs the fixtures were made with (main at 9434fde): five training forwards of {@code
     * input(s)}, s = 0..4, then saved; the expected file holds the number of calls and the outputs
     * of {@code input(99)} at inference and in one more training forward.
     */
    private NDArray input(long s) {
        SplittableRandom r = new SplittableRandom(s);
        double[] x = new double[(int) new Shape(SHAPE).size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextDouble() < 0.3 ? 2.5 : -0.5) + 0.6 * r.nextGaussian() + (i % 3);
        }
        return manager.create(x).toType(DataType.FLOAT32, false).reshape(new Shape(SHAPE));
    }

    private MixtureNorm block(MixtureNorm.SampleMode mode) {
        int k = mode == MixtureNorm.SampleMode.POSITION ? 3 : 2;
        MixtureNorm mn =
                MixtureNorm.builder()
                        .optComponents(k)
                        .optSampleMode(mode)
                        .optSeed(11)
                        .optFitSamples(12)
                        .build();
        mn.initialize(manager, DataType.FLOAT32, new Shape(SHAPE));
        return mn;
    }

    private float[] fwd(MixtureNorm mn, NDArray x, boolean training) {
        return mn.forward(new ParameterStore(manager, false), new NDList(x), training)
                .singletonOrThrow()
                .toFloatArray();
    }

    private static byte[] save(MixtureNorm mn) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        mn.saveParameters(new DataOutputStream(bos));
        return bos.toByteArray();
    }

    private void load(MixtureNorm mn, byte[] bytes) throws IOException, MalformedModelException {
        mn.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MixtureNormVersionTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static float[] running(MixtureNorm mn, String name) {
        return mn.getParameters().get(name).getArray().toFloatArray();
    }

    private static void assertSameState(MixtureNorm a, MixtureNorm b) {
        for (String p :
                new String[] {"gamma", "beta", "runningWeights", "runningMean", "runningVar"}) {
            assertArrayEquals(running(a, p), running(b, p), 0f, p);
        }
        assertArrayEquals(
                a.running.counters(), b.running.counters(), "initialised, calls, updates");
    }

    @Test
    void readsBlocksSavedByTheVersion1Code() throws IOException, MalformedModelException {
        for (MixtureNorm.SampleMode mode : MixtureNorm.SampleMode.values()) {
            String name = "mixturenorm-v1-" + mode.name().toLowerCase();
            byte[] v1 = resource(name + ".params");
            assertEquals(1, v1[0], "the fixture is in the old encoding");
            DataInputStream expected =
                    new DataInputStream(new ByteArrayInputStream(resource(name + ".expected")));
            long calls = expected.readLong();
            float[] eval = new float[expected.readInt()];
            float[] train = new float[eval.length];
            for (int i = 0; i < eval.length; i++) {
                eval[i] = expected.readFloat();
            }
            for (int i = 0; i < train.length; i++) {
                train[i] = expected.readFloat();
            }

            MixtureNorm old = block(mode);
            load(old, v1);
            assertEquals(calls, old.getTrainingCalls(), mode + ": calls from the float counters");
            assertFalse(old.getParameters().contains("mixtureState"));
            // saved again it is version 2, and loads to the same state
            byte[] v2 = save(old);
            assertEquals(2, v2[0]);
            MixtureNorm again = block(mode);
            load(again, v2);
            assertSameState(old, again);

            // the outputs the old code gave after the same five steps (float32 on this CPU; a
            // different CPU may round a product differently, hence the tiny tolerance)
            NDArray x = input(99);
            assertArrayEquals(eval, fwd(old, x, false), 1e-5f, mode + ": running inference");
            assertArrayEquals(eval, fwd(again, x, false), 1e-5f, mode + ": after re-saving");
            float[] t = fwd(old, x, true);
            assertArrayEquals(train, t, 1e-5f, mode + ": the sixth training step");
            assertArrayEquals(t, fwd(again, x, true), 0f, mode + ": resumed from version 2");
            assertEquals(calls + 1, old.getTrainingCalls());
            assertSameState(old, again);
        }
    }

    /**
     * The version-1 stream built by hand from its layout: metadata (input shapes, C, K, sample
     * mode), the five parameters, then {@code mixtureState = (initialised, calls mod 2^20, calls
     * div 2^20, updates mod 2^20, updates div 2^20)} in float32.
     */
    private byte[] version1(MixtureNorm mn, long calls, long updates) throws IOException {
        return version1(mn, true, calls, updates);
    }

    private byte[] version1(MixtureNorm mn, boolean initialised, long calls, long updates)
            throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream os = new DataOutputStream(bos);
        os.writeByte(1);
        os.writeInt(1);
        os.write(new Shape(SHAPE).getEncoded());
        os.writeLong(SHAPE[1]);
        os.writeInt(mn.getComponents());
        os.writeByte(mn.getSampleMode().ordinal());
        for (Parameter p : mn.getParameters().values()) {
            p.save(os);
        }
        float[] state = {
            initialised ? 1 : 0, calls % RADIX, calls / RADIX, updates % RADIX, updates / RADIX
        };
        os.writeChar('P');
        os.writeByte(1);
        os.writeUTF("mixtureState");
        os.write(manager.create(state).encode());
        os.flush();
        return bos.toByteArray();
    }

    @Test
    void version1CountersDecodeExactlyAndTrainingResumesIdentically()
            throws IOException, MalformedModelException {
        MixtureNorm trained = block(MixtureNorm.SampleMode.POSITION);
        for (int s = 0; s < 4; s++) {
            fwd(trained, input(s), true);
        }
        // the same counters as the trained block: the same next step, bit for bit
        MixtureNorm old = block(MixtureNorm.SampleMode.POSITION);
        load(old, version1(trained, 4, 4));
        assertSameState(trained, old);
        NDArray x = input(42);
        assertArrayEquals(fwd(trained, x, false), fwd(old, x, false), 0f);
        assertArrayEquals(fwd(trained, x, true), fwd(old, x, true), 0f);
        assertEquals(trained.getLastFit(), old.getLastFit());
        assertSameState(trained, old);

        // counters beyond one float32 half: both halves count, and version 2 keeps them
        long calls = 3L * RADIX + 7;
        MixtureNorm big = block(MixtureNorm.SampleMode.POSITION);
        load(big, version1(trained, calls, RADIX + 1L));
        assertEquals(calls, big.getTrainingCalls());
        MixtureNorm copy = block(MixtureNorm.SampleMode.POSITION);
        load(copy, save(big));
        assertEquals(calls, copy.getTrainingCalls());
        assertArrayEquals(fwd(big, x, true), fwd(copy, x, true), 0f);
        assertEquals(big.getLastFit(), copy.getLastFit());
        assertEquals(calls + 1, big.getTrainingCalls());
        // another call count draws another subsample than the trained block did
        assertFalse(big.getLastFit().equals(trained.getLastFit()));
    }

    @Test
    void version1KeepsTheThreeCountersApart() throws IOException, MalformedModelException {
        MixtureNorm trained = block(MixtureNorm.SampleMode.POSITION);
        for (int s = 0; s < 4; s++) {
            fwd(trained, input(s), true);
        }
        trained.resetMixture(); // not initialised, 4 calls, 0 updates
        MixtureNorm reset = block(MixtureNorm.SampleMode.POSITION);
        load(reset, version1(trained, false, 4, 0));
        assertSameState(trained, reset);
        NDArray x = input(7);
        assertArrayEquals(fwd(trained, x, true), fwd(reset, x, true), 0f, "first step after reset");
        fwd(trained, input(8), true); // initialised, 6 calls, 2 updates: de-biasing on
        fwd(reset, input(8), true);
        MixtureNorm old = block(MixtureNorm.SampleMode.POSITION);
        load(old, version1(trained, true, 6, 2));
        assertSameState(trained, old);
        assertArrayEquals(fwd(trained, x, false), fwd(old, x, false), 0f, "de-biased inference");
        assertArrayEquals(fwd(trained, x, true), fwd(old, x, true), 0f, "the next step");
    }

    @Test
    void clearAndInitializeStartTheCountersAfresh() {
        MixtureNorm fresh = block(MixtureNorm.SampleMode.POSITION);
        MixtureNorm used = block(MixtureNorm.SampleMode.POSITION);
        for (int s = 0; s < 3; s++) {
            fwd(used, input(s), true);
        }
        used.clear();
        used.initialize(manager, DataType.FLOAT32, new Shape(SHAPE));
        assertArrayEquals(new long[] {0, 0, 0}, used.running.counters());
        // without the reset EM would warm-start from K identical components and stay there
        NDArray x = input(5);
        assertArrayEquals(fwd(fresh, x, true), fwd(used, x, true), 0f);
        assertSameState(fresh, used);
    }

    @Test
    void aFailedLoadLeavesTheCountersWithTheirArrays() throws IOException {
        MixtureNorm other = block(MixtureNorm.SampleMode.POSITION);
        for (int s = 0; s < 3; s++) {
            fwd(other, input(s), true);
        }
        byte[] full = save(other);
        MixtureNorm mn = block(MixtureNorm.SampleMode.POSITION);
        fwd(mn, input(9), true);
        long[] before = mn.running.counters();
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 10);
        assertThrows(Exception.class, () -> load(mn, truncated));
        assertArrayEquals(before, mn.running.counters());

        // a sample-mode byte out of range and negative counters are malformed, not a crash
        int modeAt = 1 + 4 + new Shape(SHAPE).getEncoded().length + 8 + 4;
        assertEquals(MixtureNorm.SampleMode.POSITION.ordinal(), full[modeAt], "the layout above");
        byte[] badMode = full.clone();
        badMode[modeAt] = 9;
        MalformedModelException e =
                assertThrows(MalformedModelException.class, () -> load(mn, badMode));
        assertTrue(e.getMessage().contains("sample mode 9"), e.getMessage());
        byte[] negative = full.clone();
        negative[modeAt + 2] = (byte) 0x80; // the sign byte of calls
        e = assertThrows(MalformedModelException.class, () -> load(mn, negative));
        assertTrue(e.getMessage().contains("negative counters"), e.getMessage());
        assertArrayEquals(before, mn.running.counters());
    }

    @Test
    void unknownVersionsAreRefused() throws IOException {
        MixtureNorm mn = block(MixtureNorm.SampleMode.POSITION);
        fwd(mn, input(0), true);
        for (byte v : new byte[] {0, 3}) {
            byte[] bytes = save(mn);
            bytes[0] = v;
            MalformedModelException e =
                    assertThrows(
                            MalformedModelException.class,
                            () -> load(block(MixtureNorm.SampleMode.POSITION), bytes));
            assertTrue(e.getMessage().contains("version " + v), e.getMessage());
        }
    }

    @Test
    void snapshotRestoresTheCounters() {
        MixtureNorm mn = block(MixtureNorm.SampleMode.POSITION);
        ai.djl.nn.SequentialBlock net = new ai.djl.nn.SequentialBlock().add(mn);
        fwd(mn, input(0), true);
        PreciseStatistics.Snapshot s = PreciseStatistics.snapshot(net);
        NDArray x = input(1);
        float[] next = fwd(mn, x, true);
        fwd(mn, input(2), true);
        mn.resetMixture();
        assertEquals(3, mn.getTrainingCalls());
        s.restore();
        assertEquals(1, mn.getTrainingCalls(), "the call counter is part of the snapshot");
        // initialised flag and update count too: the same step as before, bit for bit
        assertArrayEquals(next, fwd(mn, x, true), 0f);
    }
}
