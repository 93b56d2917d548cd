package io.mixnorm.lab.metrics;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.util.AtomicFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Reading accepts 1-D and 2-D arrays of dtype {@code <f4 >f4 <f8 >f8 <f2 >f2 |u1 |i1 <i4 >i4 <i8
 * >i8}, in C or Fortran order (Fortran order is transposed into row-major). A 1-D array of length
 * {@code n} is read as {@code n} samples of one feature ({@code n × 1}). Values become float64.
 * Every problem (missing file, bad magic, malformed header, unsupported dtype or shape, truncated
 * or oversized data) is a {@link UserException} whose message names the file.
 *
 * <p>Writing produces a version 1.0 file, little-endian {@code <f4} or {@code <f8}, C order, shape
 * {@code (n, d)}, written atomically ({@link AtomicFiles}); {@code numpy.load} reads it.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR =
            Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN =
            Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** The element types {@link #write} can produce. */
    public enum WriteType {
        /** little-endian float32 ({@code <f4}) */
        FLOAT32("<f4", 4),
        /** little-endian float64 ({@code <f8}) */
        FLOAT64("<f8", 8);

        final String descr;
        final int size;

        WriteType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }
    }

    /** A parsed header: where the data starts and what it is. */
    record Header(
            int major,
            int minor,
            char order,
            char kind,
            int itemSize,
            boolean fortran,
            long[] shape,
            long dataOffset) {}

    /**
     * Reads a 1-D or 2-D array as an {@code n × d} float64 matrix whose {@link
     * FeatureMatrix#source()} is the path.
     *
     * @param file the {@code .npy} file
     * @return the matrix
     * @throws UserException if the file is missing, unreadable or not a supported {@code .npy}
     */
    public static FeatureMatrix read(Path file) {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
            long fileSize = ch.size();
            Header h = readHeader(in, name);
            if (h.shape.length == 0 || h.shape.length > 2) {
                throw new UserException(
                        name
                                + ": expected a 1-D or 2-D array, got shape "
                                + shapeString(h.shape)
                                + (h.shape.length > 2
                                        ? " (flatten each sample's features first)"
                                        : ""));
            }
            long n = h.shape[0];
            long d = h.shape.length == 2 ? h.shape[1] : 1;
            if (d == 0) {
                throw new UserException(
                        name + ": shape " + shapeString(h.shape) + " has no features");
            }
            // n and d below 2^31 first, so that n·d cannot overflow a long
            long count = n > Integer.MAX_VALUE || d > Integer.MAX_VALUE ? Long.MAX_VALUE : n * d;
            if (count > Integer.MAX_VALUE - 8) {
                throw new UserException(
                        name
                                + ": "
                                + shapeString(h.shape)
                                + " is too large (more than 2^31 values)");
            }
            long expected = count * h.itemSize;
            long available = fileSize - h.dataOffset;
            if (available != expected) {
                throw new UserException(
                        String.format(
                                Locale.ROOT,
                                "%s: shape %s of %s needs %d data bytes, the file has %d (%s)",
                                name,
                                shapeString(h.shape),
                                "" + h.order + h.kind + h.itemSize,
                                expected,
                                available,
                                available < expected ? "truncated" : "trailing bytes"));
            }
            double[] out = new double[(int) count];
            readData(in, h, out, name);
            if (h.fortran && h.shape.length == 2 && n > 1 && d > 1) {
                out = transposeFortran(out, (int) n, (int) d);
            }
            return new FeatureMatrix((int) n, (int) d, out, name);
        } catch (NoSuchFileException e) {
            throw new UserException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UserException(name + ": permission denied");
        } catch (EOFException e) {
            throw new UserException(name + ": truncated .npy file");
        } catch (IOException e) {
            throw new UserException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Parses the magic and header; leaves {@code in} at the first data byte. */
    static Header readHeader(InputStream in, String name) throws IOException {
        byte[] pre = in.readNBytes(8);
        if (pre.length < 8 || !startsWithMagic(pre)) {
            throw new UserException(name + ": not a .npy file (bad magic; expected \\x93NUMPY)");
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        long headerLen;
        int preLen;
        if (major == 1) {
            byte[] b = in.readNBytes(2);
            if (b.length < 2) {
                throw new UserException(name + ": truncated .npy header");
            }
            headerLen = (b[0] & 0xff) | ((b[1] & 0xff) << 8);
            preLen = 10;
        } else if (major == 2 || major == 3) {
            byte[] b = in.readNBytes(4);
            if (b.length < 4) {
                throw new UserException(name + ": truncated .npy header");
            }
            headerLen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            preLen = 12;
        } else {
            throw new UserException(
                    name
                            + ": unsupported .npy format version "
                            + major
                            + "."
                            + minor
                            + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLen > 1 << 24) {
            throw new UserException(name + ": bad .npy header (length " + headerLen + ")");
        }
        byte[] hb = in.readNBytes((int) headerLen);
        if (hb.length < headerLen) {
            throw new UserException(name + ": truncated .npy header");
        }
        String header =
                new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)
                        .strip();
        if (!header.startsWith("{") || !header.endsWith("}")) {
            throw new UserException(name + ": bad .npy header (not a dict): " + abbreviate(header));
        }
        Matcher md = DESCR.matcher(header);
        Matcher mf = FORTRAN.matcher(header);
        Matcher ms = SHAPE.matcher(header);
        if (!md.find() || !mf.find() || !ms.find()) {
            throw new UserException(
                    name
                            + ": bad .npy header (needs 'descr', 'fortran_order' and 'shape'; "
                            + "structured dtypes are not supported): "
                            + abbreviate(header));
        }
        String descr = md.group(1);
        char order;
        char kind;
        int size;
        if (descr.length() < 3 || "<>|=".indexOf(descr.charAt(0)) < 0) {
            throw unsupported(name, descr);
        }
        order = descr.charAt(0);
        kind = descr.charAt(1);
        try {
            size = Integer.parseInt(descr.substring(2));
        } catch (NumberFormatException e) {
            throw unsupported(name, descr);
        }
        boolean ok =
                switch (kind) {
                    case 'f' -> size == 2 || size == 4 || size == 8;
                    case 'i' -> size == 1 || size == 4 || size == 8;
                    case 'u' -> size == 1;
                    default -> false;
                };
        if (!ok || (size > 1 && order == '|')) {
            throw unsupported(name, descr);
        }
        if (order == '=') {
            order = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
        }
        String[] parts = ms.group(1).split(",");
        int dims = 0;
        long[] tmp = new long[parts.length];
        for (String p : parts) {
            String t = p.strip();
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1); // Python 2 long literals
            }
            if (t.isEmpty()) {
                continue;
            }
            try {
                tmp[dims] = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new UserException(name + ": bad .npy header (shape " + ms.group(0) + ")");
            }
            if (tmp[dims] < 0) {
                throw new UserException(
                        name + ": bad .npy header (negative dimension in " + ms.group(0) + ")");
            }
            dims++;
        }
        long[] shape = java.util.Arrays.copyOf(tmp, dims);
        return new Header(
                major,
                minor,
                order,
                kind,
                size,
                "True".equals(mf.group(1)),
                shape,
                preLen + headerLen);
    }

    private static UserException unsupported(String name, String descr) {
        return new UserException(
                name
                        + ": unsupported dtype '"
                        + descr
                        + "' (supported: <f4 >f4 <f8 >f8 <f2 >f2 |u1 |i1 <i4 >i4 <i8 >i8)");
    }

    private static void readData(InputStream in, Header h, double[] out, String name)
            throws IOException {
        int item = h.itemSize;
        int perChunk = Math.max(1, (1 << 20) / item);
        byte[] buf = new byte[perChunk * item];
        ByteBuffer bb =
                ByteBuffer.wrap(buf)
                        .order(h.order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < out.length) {
            int cnt = Math.min(perChunk, out.length - done);
            int bytes = cnt * item;
            int got = in.readNBytes(buf, 0, bytes);
            if (got < bytes) {
                throw new UserException(name + ": truncated .npy data");
            }
            bb.clear();
            switch (h.kind) {
                case 'f' -> {
                    if (item == 4) {
                        for (int i = 0; i < cnt; i++) {
                            out[done + i] = bb.getFloat(i * 4);
                        }
                    } else if (item == 8) {
                        for (int i = 0; i < cnt; i++) {
                            out[done + i] = bb.getDouble(i * 8);
                        }
                    } else {
                        for (int i = 0; i < cnt; i++) {
                            out[done + i] = halfToDouble(bb.getShort(i * 2));
                        }
                    }
                }
                case 'u' -> {
                    for (int i = 0; i < cnt; i++) {
                        out[done + i] = buf[i] & 0xff;
                    }
                }
                default -> { // 'i'
                    for (int i = 0; i < cnt; i++) {
                        out[done + i] =
                                switch (item) {
                                    case 1 -> buf[i];
                                    case 4 -> bb.getInt(i * 4);
                                    default -> (double) bb.getLong(i * 8);
                                };
                    }
                }
            }
            done += cnt;
        }
    }

    /** IEEE 754 binary16 to double. */
    static double halfToDouble(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) != 0 ? -1 : 1;
        int exp = (bits >> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            return sign * mant * 0x1p-24;
        }
        if (exp == 31) {
            return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return sign * (1 + mant / 1024.0) * Math.scalb(1.0, exp - 15);
    }

    private static double[] transposeFortran(double[] colMajor, int n, int d) {
        double[] out = new double[colMajor.length];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < n; i++) {
                out[i * d + j] = colMajor[j * n + i];
            }
        }
        return out;
    }

    private static boolean startsWithMagic(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }

    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Writes {@code m} as a 2-D {@code (rows, cols)} array, version 1.0, little-endian, C order,
     * atomically.
     *
     * @param file the target
     * @param m the matrix
     * @param type {@code <f4} or {@code <f8}
     */
    public static void write(Path file, FeatureMatrix m, WriteType type) {
        write(file, m.data(), new long[] {m.rows(), m.cols()}, type);
    }

    /**
     * Writes row-major {@code data} with the given shape (1-D or 2-D), version 1.0, little-endian,
     * C order, atomically.
     *
     * @param file the target
     * @param data values, length = product of {@code shape}
     * @param shape the shape
     * @param type {@code <f4} or {@code <f8}
     */
    public static void write(Path file, double[] data, long[] shape, WriteType type) {
        long count = 1;
        for (long s : shape) {
            count *= s;
        }
        if (count != data.length) {
            throw new IllegalArgumentException(
                    "shape " + shapeString(shape) + " does not hold " + data.length + " values");
        }
        byte[] header = header(type.descr, shape);
        AtomicFiles.write(
                file,
                out -> {
                    out.write(header);
                    writeData(out, data, type);
                });
    }

    /** The magic, version 1.0, length and padded header dict; total length a multiple of 64. */
    static byte[] header(String descr, long[] shape) {
        String dict =
                "{'descr': '"
                        + descr
                        + "', 'fortran_order': False, 'shape': "
                        + shapeString(shape)
                        + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String h = dict + " ".repeat(pad) + "\n";
        if (h.length() > 65535) {
            throw new IllegalArgumentException("header too long for format 1.0");
        }
        byte[] hb = h.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + hb.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) hb.length).put(hb);
        return b.array();
    }

    private static void writeData(OutputStream out, double[] data, WriteType type)
            throws IOException {
        int per = (1 << 20) / type.size;
        ByteBuffer bb = ByteBuffer.allocate(per * type.size).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < data.length; start += per) {
            int end = Math.min(data.length, start + per);
            bb.clear();
            if (type == WriteType.FLOAT32) {
                for (int i = start; i < end; i++) {
                    bb.putFloat((float) data[i]);
                }
            } else {
                for (int i = start; i < end; i++) {
                    bb.putDouble(data[i]);
                }
            }
            out.write(bb.array(), 0, bb.position());
        }
    }

    /** For tests and tools: reads just the header of a file. */
    static Header header(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readHeader(in, file.toString());
        }
    }
}
