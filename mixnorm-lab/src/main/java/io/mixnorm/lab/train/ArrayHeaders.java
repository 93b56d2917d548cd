package io.mixnorm.lab.train;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Checks every DJL-encoded array header in a checkpoint body before DJL decodes it. DJL trusts its
 * counts: a damaged shape rank or layout length makes {@code Shape.decode} allocate an array of up
 * to 2^31 elements, and a damaged data length makes it allocate up to 2 GB of direct memory, each
 * taking seconds before the read fails. A header here must be self-consistent and fit in the bytes
 * that are left, so such damage is reported at once.
 *
 * <p>The encoding (DJL 0.36 {@code NDSerializer}, versions 1–3): UTF "NDAR", int version, [v ≥ 2:
 * byte has-name, UTF name], UTF sparse format, UTF data type, int rank, rank longs, int layout
 * length, that many chars, [v ≥ 3: byte order], int data length, the data.
 */
public final class ArrayHeaders {
    private static final byte[] MARKER = {0, 4, 'N', 'D', 'A', 'R'};
    private static final int MAX_RANK = 16;

    private ArrayHeaders() {}

    /**
     * Walks the headers from {@code from} on, skipping each array's data.
     *
     * @return null when every header is plausible, else what is wrong and where
     */
    public static String firstProblem(byte[] body, int from) {
        int at = indexOf(body, from);
        while (at >= 0) {
            ByteBuffer b =
                    ByteBuffer.wrap(body, at + MARKER.length, body.length - at - MARKER.length);
            try {
                int version = b.getInt();
                if (version < 1 || version > 3) {
                    return "array header at byte " + at + ": encoding version " + version;
                }
                if (version > 1 && b.get() == 1) {
                    skipUtf(b);
                }
                skipUtf(b); // sparse format
                String dataType = utf(b);
                int rank = b.getInt();
                if (rank < 0 || rank > MAX_RANK) {
                    return "array header at byte " + at + ": rank " + rank;
                }
                long elements = 1;
                for (int i = 0; i < rank; i++) {
                    long d = b.getLong();
                    if (d < 0 || d > Integer.MAX_VALUE) {
                        return "array header at byte " + at + ": dimension " + d;
                    }
                    elements = Math.min(elements * d, 1L << 31); // both factors < 2^31: no overflow
                }
                int layout = b.getInt();
                if (layout < 0 || layout > MAX_RANK || 2L * layout > b.remaining()) {
                    return "array header at byte " + at + ": layout length " + layout;
                }
                b.position(b.position() + 2 * layout);
                if (version > 2) {
                    b.get();
                }
                int length = b.getInt();
                int width = width(dataType);
                if (length < 0
                        || length > b.remaining()
                        || (width > 0 && (long) length != elements * width)) {
                    return "array header at byte "
                            + at
                            + ": data length "
                            + length
                            + " for "
                            + elements
                            + " "
                            + dataType
                            + " values with "
                            + b.remaining()
                            + " bytes left";
                }
                at = indexOf(body, b.position() + length);
            } catch (RuntimeException e) { // BufferUnderflow, bad UTF: the header runs past the end
                return "array header at byte " + at + ": cut short";
            }
        }
        return null;
    }

    private static int width(String dataType) {
        return switch (dataType) {
            case "FLOAT64", "INT64", "UINT64" -> 8;
            case "FLOAT32", "INT32", "UINT32" -> 4;
            case "FLOAT16", "BFLOAT16", "INT16", "UINT16" -> 2;
            case "INT8", "UINT8", "BOOLEAN" -> 1;
            default -> 0; // unknown to us: DJL decides
        };
    }

    private static String utf(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skipUtf(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        b.position(b.position() + n);
    }

    private static int indexOf(byte[] body, int from) {
        for (int i = Math.max(from, 0); i + MARKER.length <= body.length; i++) {
            if (body[i] == MARKER[0]
                    && Arrays.equals(body, i, i + MARKER.length, MARKER, 0, MARKER.length)) {
                return i;
            }
        }
        return -1;
    }
}
