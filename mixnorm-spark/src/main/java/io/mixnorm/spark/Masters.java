package io.mixnorm.spark;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A standalone master ({@code spark://HOST:PORT[,HOST2:PORT2]}) that answers no connection is named
 * at once: Spark itself would retry its registration for a minute and then only log that all
 * masters are unresponsive. Other masters (local, yarn, k8s) are left to Spark.
 */
final class Masters {
    static final int CONNECT_TIMEOUT_MS = 5_000;

    private Masters() {}

    static void checkReachable(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        List<String> errors = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new UserException(
                        "--master " + master + ": '" + hostPort + "' is not HOST:PORT");
            }
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                return; // one master answers: Spark registers with it
            } catch (IOException | IllegalArgumentException e) {
                errors.add(hostPort + ": " + e.getMessage());
            }
        }
        throw new UserException(
                "--master "
                        + master
                        + ": no Spark master answers ("
                        + String.join("; ", errors)
                        + "); start the master, or use --master local[N] for the embedded Spark");
    }
}
