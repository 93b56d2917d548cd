package io.mixnorm.lab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir Path tmp;

    /** Builds a .npy file by hand: any version, any header text, raw data. */
    static byte[] npy(int major, String header, byte[] data) {
        byte[] hb =
                header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int pre = major == 1 ? 10 : 12;
        int pad = (64 - (pre + hb.length + 1) % 64) % 64;
        byte[] h =
                (header + " ".repeat(pad) + "\n")
                        .getBytes(
                                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b =
                ByteBuffer.allocate(pre + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return b.array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '"
                + descr
                + "', 'fortran_order': "
                + (fortran ? "True" : "False")
                + ", 'shape': "
                + shape
                + ", }";
    }

    static byte[] values(ByteOrder order, int size, double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * size).order(order);
        for (double x : v) {
            switch (size) {
                case 4 -> b.putFloat((float) x);
                default -> b.putDouble(x);
            }
        }
        return b.array();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void roundTripFloat32AndFloat64() throws IOException {
        double[] data = {1.5, -2.25, 3, 4e-3, 5e10, -0.0};
        FeatureMatrix m = new FeatureMatrix(2, 3, data, "m");
        for (Npy.WriteType t : Npy.WriteType.values()) {
            Path p = tmp.resolve("m-" + t + ".npy");
            Npy.write(p, m, t);
            byte[] raw = Files.readAllBytes(p);
            // numpy's own layout for a small array: version 1.0, 64-byte-aligned header of 128
            // bytes
            assertEquals(128 + 6 * (t == Npy.WriteType.FLOAT32 ? 4 : 8), raw.length);
            String header = new String(raw, 10, 118, StandardCharsets.ISO_8859_1);
            assertTrue(
                    header.startsWith(
                            "{'descr': '"
                                    + (t == Npy.WriteType.FLOAT32 ? "<f4" : "<f8")
                                    + "', 'fortran_order': False, 'shape': (2, 3), }"),
                    header);
            assertTrue(header.endsWith(" \n"));
            FeatureMatrix back = Npy.read(p);
            assertEquals(2, back.rows());
            assertEquals(3, back.cols());
            for (int i = 0; i < data.length; i++) {
                assertEquals(
                        t == Npy.WriteType.FLOAT32 ? (double) (float) data[i] : data[i],
                        back.data()[i],
                        0);
            }
            assertEquals(p.toString(), back.source());
        }
    }

    @Test
    void shapesOneDimensionalEmptyAndSingleRow() throws IOException {
        Path p = tmp.resolve("v.npy");
        Npy.write(p, new double[] {1, 2, 3}, new long[] {3}, Npy.WriteType.FLOAT64);
        assertTrue(
                new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                        .contains("'shape': (3,), }"));
        FeatureMatrix v = Npy.read(p);
        assertEquals(3, v.rows());
        assertEquals(1, v.cols());
        Npy.write(p, new FeatureMatrix(0, 4, new double[0], "e"), Npy.WriteType.FLOAT32);
        FeatureMatrix e = Npy.read(p);
        assertEquals(0, e.rows());
        assertEquals(4, e.cols());
        Npy.write(
                p,
                new FeatureMatrix(1, 5, new double[] {1, 2, 3, 4, 5}, "r"),
                Npy.WriteType.FLOAT32);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5}, Npy.read(p).data(), 0);
    }

    @Test
    void readsHandWrittenVersionsAndByteOrders() throws IOException {
        double[] v = {1, -2, 3.5, 4, 5, 6};
        assertArrayEquals(
                v,
                Npy.read(
                                file(
                                        "v2be8.npy",
                                        npy(
                                                2,
                                                dict(">f8", false, "(2, 3)"),
                                                values(ByteOrder.BIG_ENDIAN, 8, v))))
                        .data(),
                0);
        assertArrayEquals(
                v,
                Npy.read(
                                file(
                                        "v2be4.npy",
                                        npy(
                                                2,
                                                dict(">f4", false, "(3, 2)"),
                                                values(ByteOrder.BIG_ENDIAN, 4, v))))
                        .data(),
                0);
        assertArrayEquals(
                v,
                Npy.read(
                                file(
                                        "v1le4.npy",
                                        npy(
                                                1,
                                                dict("<f4", false, "(3, 2)"),
                                                values(ByteOrder.LITTLE_ENDIAN, 4, v))))
                        .data(),
                0);
        // version 3.0: utf-8 header (a non-ASCII field name numpy would only write in 3.0)
        FeatureMatrix m3 =
                Npy.read(
                        file(
                                "v3.npy",
                                npy(
                                        3,
                                        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3),"
                                                + " 'é': 1}",
                                        values(ByteOrder.LITTLE_ENDIAN, 8, v))));
        assertArrayEquals(v, m3.data(), 0);
        assertEquals(3, m3.cols());
        // key order and quoting do not matter
        assertArrayEquals(
                v,
                Npy.read(
                                file(
                                        "order.npy",
                                        npy(
                                                1,
                                                "{\"shape\": (6,), \"fortran_order\": False,"
                                                        + " \"descr\": \"<f8\"}",
                                                values(ByteOrder.LITTLE_ENDIAN, 8, v))))
                        .data(),
                0);
    }

    @Test
    void integerAndHalfDtypes() throws IOException {
        assertArrayEquals(
                new double[] {0, 255, 7},
                Npy.read(
                                file(
                                        "u1.npy",
                                        npy(
                                                1,
                                                dict("|u1", false, "(3,)"),
                                                new byte[] {0, (byte) 255, 7})))
                        .data(),
                0);
        assertArrayEquals(
                new double[] {-1, 7},
                Npy.read(file("i1.npy", npy(1, dict("|i1", false, "(2,)"), new byte[] {-1, 7})))
                        .data(),
                0);
        ByteBuffer i4 =
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-5).putInt(1 << 30);
        assertArrayEquals(
                new double[] {-5, 1 << 30},
                Npy.read(file("i4.npy", npy(1, dict("<i4", false, "(2, 1)"), i4.array()))).data(),
                0);
        ByteBuffer i8 =
                ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putLong(-3).putLong(1L << 40);
        assertArrayEquals(
                new double[] {-3, 1L << 40},
                Npy.read(file("i8.npy", npy(1, dict(">i8", false, "(2,)"), i8.array()))).data(),
                0);
        // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, smallest subnormal 0x0001
        ByteBuffer f2 =
                ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) 0x3c00)
                        .putShort((short) 0xc000)
                        .putShort((short) 0x3800)
                        .putShort((short) 0x0001);
        assertArrayEquals(
                new double[] {1, -2, 0.5, 0x1p-24},
                Npy.read(file("f2.npy", npy(1, dict("<f2", false, "(4,)"), f2.array()))).data(),
                0);
    }

    /** Files written by NumPy 2.4 ({@code np.save} / {@code np.lib.format.write_array}), base64. */
    @Test
    void readsFilesWrittenByNumpy() throws IOException {
        double[] x = {1.5, -2, 3, 4, 5.25, -6e-3};
        // np.asfortranarray(x.astype('>f8')): big-endian, Fortran order, version 1.0
        assertArrayEquals(
                x,
                Npy.read(
                                file(
                                        "np1.npy",
                                        b64(
                                                "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/+AAAAAAAAEAQAAAAAAAAwAAAAAAAAABAFQAAAAAAAEAIAAAAAAAAv3iTdLxqfvo=")))
                        .data(),
                0);
        // x.astype('<f4'), version 2.0
        FeatureMatrix f4 =
                Npy.read(
                        file(
                                "np2.npy",
                                b64(
                                        "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACoQKabxLs=")));
        for (int i = 0; i < 6; i++) {
            assertEquals((float) x[i], f4.data()[i], 0);
        }
        // x.astype('<f8'), version 3.0
        assertArrayEquals(
                x,
                Npy.read(
                                file(
                                        "np3.npy",
                                        b64(
                                                "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAADAAAAAAAAACEAAAAAAAAAQQAAAAAAAABVA+n5qvHSTeL8=")))
                        .data(),
                0);
        // np.array([7, -8, 9], dtype='<i8') and np.array([[0, 255]], dtype='u1')
        assertArrayEquals(
                new double[] {7, -8, 9},
                Npy.read(
                                file(
                                        "np4.npy",
                                        b64(
                                                "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAAAAAAAPj/////////CQAAAAAAAAA=")))
                        .data(),
                0);
        FeatureMatrix u1 =
                Npy.read(
                        file(
                                "np5.npy",
                                b64(
                                        "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/w==")));
        assertArrayEquals(new double[] {0, 255}, u1.data(), 0);
        assertEquals(2, u1.cols());
    }

    private static byte[] b64(String s) {
        return java.util.Base64.getDecoder().decode(s);
    }

    @Test
    void fortranOrderIsTransposed() throws IOException {
        // logical [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6
        FeatureMatrix m =
                Npy.read(
                        file(
                                "f.npy",
                                npy(
                                        1,
                                        dict("<f8", true, "(2, 3)"),
                                        values(ByteOrder.LITTLE_ENDIAN, 8, 1, 4, 2, 5, 3, 6))));
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, m.data(), 0);
        assertEquals(3, m.cols());
    }

    private void assertBad(String name, byte[] content, String mustMention) throws IOException {
        Path p = file(name, content);
        UserException e = assertThrows(UserException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(mustMention), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void badFilesAreUserErrorsNamingTheFile() throws IOException {
        byte[] six = values(ByteOrder.LITTLE_ENDIAN, 8, 1, 2, 3, 4, 5, 6);
        assertBad(
                "magic.npy",
                "PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1),
                "bad magic");
        assertBad("empty.npy", new byte[0], "bad magic");
        byte[] v4 = npy(1, dict("<f8", false, "(2, 3)"), six);
        v4[6] = 4;
        assertBad("v4.npy", v4, "version 4.0");
        assertBad("notdict.npy", npy(1, "hello", six), "not a dict");
        assertBad("nokey.npy", npy(1, "{'descr': '<f8', 'shape': (2, 3), }", six), "fortran_order");
        assertBad(
                "structured.npy",
                npy(1, "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", six),
                "descr");
        assertBad(
                "complex.npy",
                npy(1, dict("<c16", false, "(2, 3)"), six),
                "unsupported dtype '<c16'");
        assertBad("object.npy", npy(1, dict("|O", false, "(2, 3)"), six), "unsupported dtype '|O'");
        assertBad("bool.npy", npy(1, dict("|b1", false, "(2, 3)"), six), "unsupported dtype");
        assertBad("threed.npy", npy(1, dict("<f8", false, "(1, 2, 3)"), six), "(1, 2, 3)");
        assertBad("scalar.npy", npy(1, dict("<f8", false, "()"), six), "1-D or 2-D");
        assertBad("badshape.npy", npy(1, dict("<f8", false, "(2, x)"), six), "shape");
        assertBad("truncated.npy", npy(1, dict("<f8", false, "(2, 4)"), six), "truncated");
        assertBad("trailing.npy", npy(1, dict("<f8", false, "(2, 2)"), six), "trailing bytes");
        // n·d wraps around a long to 1048576·1: 4 MiB of data must not pass for a 1048576×1 matrix
        assertBad(
                "wraps.npy",
                npy(1, dict("<f4", false, "(1048576, 17592186044417)"), new byte[4 << 20]),
                "too large");
        assertBad(
                "huge.npy",
                npy(1, dict("<f4", false, "(2, 4611686018427387904)"), six),
                "too large");
        byte[] cutHeader = java.util.Arrays.copyOf(npy(1, dict("<f8", false, "(2, 3)"), six), 40);
        assertBad("cutheader.npy", cutHeader, "truncated");
        Path missing = tmp.resolve("missing.npy");
        UserException e = assertThrows(UserException.class, () -> Npy.read(missing));
        assertTrue(
                e.getMessage().contains("missing.npy") && e.getMessage().contains("no such file"),
                e.getMessage());
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path p = tmp.resolve("sub/out.npy");
        Npy.write(
                p, new FeatureMatrix(2, 2, new double[] {1, 2, 3, 4}, "x"), Npy.WriteType.FLOAT64);
        Npy.write(p, new FeatureMatrix(1, 2, new double[] {5, 6}, "x"), Npy.WriteType.FLOAT64);
        assertArrayEquals(new double[] {5, 6}, Npy.read(p).data(), 0);
        try (var s = Files.list(p.getParent())) {
            assertEquals(1, s.count());
        }
    }
}
