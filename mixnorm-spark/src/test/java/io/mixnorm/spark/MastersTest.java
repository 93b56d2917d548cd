package io.mixnorm.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * Which masters are checked before Spark starts, and how many threads a local master has (loopback
 * only).
 */
class MastersTest {
    @Test
    void aStandaloneMasterMustAnswerOnOneOfItsAddresses() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> Masters.checkReachable("spark://127.0.0.1:" + closedPort));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "--master spark://127.0.0.1:"
                                        + closedPort
                                        + ": no Spark master answers"),
                e.getMessage());
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // high availability: one answering master of the list is enough
            assertDoesNotThrow(
                    () ->
                            Masters.checkReachable(
                                    "spark://127.0.0.1:"
                                            + closedPort
                                            + ",127.0.0.1:"
                                            + s.getLocalPort()));
        }
        assertThrows(UserException.class, () -> Masters.checkReachable("spark://127.0.0.1:x"));
        assertDoesNotThrow(
                () -> Masters.checkReachable("local[2]")); // local, yarn, k8s: left to Spark
    }

    @Test
    void localMastersThreads() {
        assertEquals(1, SparkStudyEngine.localCores("local"));
        assertEquals(3, SparkStudyEngine.localCores("local[3]"));
        assertEquals(2, SparkStudyEngine.localCores("local[2,4]"));
        assertEquals(
                Runtime.getRuntime().availableProcessors(),
                SparkStudyEngine.localCores("local[*]"));
        assertEquals(
                Runtime.getRuntime().availableProcessors(),
                SparkStudyEngine.localCores("local[*,3]"));
    }
}
