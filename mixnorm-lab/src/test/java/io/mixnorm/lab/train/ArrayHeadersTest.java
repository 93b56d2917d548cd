package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Real DJL encodings pass; a damaged rank, layout length or data length is named at once. */
class ArrayHeadersTest {

    /** Two arrays as DJL encodes them, with some framing bytes in front and between. */
    private static byte[] twoArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(24f).reshape(2, 3, 4);
            a.setName("weight");
            byte[] x = a.encode();
            byte[] y = m.create(new long[] {7, 8, 9}).encode();
            ByteBuffer b = ByteBuffer.allocate(5 + x.length + 3 + y.length);
            b.put(new byte[5]).put(x).put(new byte[3]).put(y);
            return b.array();
        }
    }

    /**
     * Offset of the first header's rank: marker 6, version 4, has-name 1 + "weight" 8, "DENSE" 7,
     * "FLOAT32" 9.
     */
    private static final int RANK = 5 + 6 + 4 + 1 + 8 + 7 + 9;

    @Test
    void realEncodingsArePlausible() {
        assertNull(ArrayHeaders.firstProblem(twoArrays(), 0));
    }

    @Test
    void aHugeRankIsReported() {
        byte[] b = twoArrays();
        ByteBuffer.wrap(b).putInt(RANK, 0x7fffffff);
        assertTrue(
                ArrayHeaders.firstProblem(b, 0).contains("rank 2147483647"),
                ArrayHeaders.firstProblem(b, 0));
    }

    @Test
    void aHugeLayoutLengthIsReported() {
        byte[] b = twoArrays();
        ByteBuffer.wrap(b).putInt(RANK + 4 + 3 * 8, 1 << 30);
        assertTrue(
                ArrayHeaders.firstProblem(b, 0).contains("layout length"),
                ArrayHeaders.firstProblem(b, 0));
    }

    @Test
    void aDataLengthThatDisagreesWithTheShapeIsReported() {
        byte[] b = twoArrays();
        int layout = ByteBuffer.wrap(b).getInt(RANK + 4 + 3 * 8);
        int lengthAt = RANK + 4 + 3 * 8 + 4 + 2 * layout + 1;
        assertTrue(
                ByteBuffer.wrap(b).getInt(lengthAt) == 24 * 4,
                "the test reads the layout it expects");
        ByteBuffer.wrap(b).putInt(lengthAt, 0x7fff0000);
        assertTrue(
                ArrayHeaders.firstProblem(b, 0).contains("data length"),
                ArrayHeaders.firstProblem(b, 0));
    }

    @Test
    void theSecondArrayIsCheckedToo() {
        byte[] b = twoArrays();
        int second = b.length - 1;
        while (!(b[second] == 'N' && b[second + 1] == 'D' && b[second - 1] == 4)) {
            second--;
        }
        int rankAt = second - 2 + 6 + 4 + 1 + 7 + 7; // no name: has-name byte 0; "INT64" is 7 bytes
        ByteBuffer.wrap(b).putInt(rankAt, -5);
        assertTrue(
                ArrayHeaders.firstProblem(b, 0).contains("rank -5"),
                ArrayHeaders.firstProblem(b, 0));
    }
}
