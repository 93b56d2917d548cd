package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.util.AtomicFiles;
import io.mixnorm.lab.util.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checkpoints of a GAN run in {@code DIR/checkpoints/step-NNNNNNNNNN.ckpt}: the {@link GanState} as
 * JSON, both networks' parameters (running statistics and mixtures included), both optimizers'
 * buffers, then a SHA-256 of all of it. The same layout and guarantees as the classifier's
 * checkpoints (written atomically; a file failing its checksum is skipped with a warning), with its
 * own magic so that neither kind of run can load the other's.
 */
final class GanCheckpoints {
    private static final byte[] MAGIC = "MIXNORM-GAN-CKPT-1\n".getBytes(StandardCharsets.US_ASCII);
    private final Path dir;
    private final int keep;

    GanCheckpoints(Path runDir, int keep) {
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    void save(GanState state, GanNetworks nets) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 24);
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.write(MAGIC);
            byte[] json = Json.GSON.toJson(state).getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            nets.generator().saveParameters(out);
            nets.discriminator().saveParameters(out);
            for (List<NDArray> arrays :
                    List.of(nets.optimizerG().stateArrays(), nets.optimizerD().stateArrays())) {
                out.writeInt(arrays.size());
                for (NDArray a : arrays) {
                    byte[] b = a.encode();
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize checkpoint", e);
        }
        byte[] bytes = body.toByteArray();
        byte[] digest = sha256(bytes);
        AtomicFiles.write(
                dir.resolve(String.format("step-%010d.ckpt", state.step)),
                out -> {
                    out.write(bytes);
                    out.write(digest);
                });
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) {
            try {
                Files.deleteIfExists(all.get(i));
            } catch (IOException ignored) {
                // an old checkpoint left behind costs disk, not correctness
            }
        }
    }

    List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.ckpt"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .toList();
        } catch (IOException e) {
            throw new UserException("cannot list checkpoints in " + dir + ": " + e.getMessage());
        }
    }

    /** Loads the newest checkpoint that verifies into {@code nets}; null when there is none. */
    GanState loadLatest(NDManager root, GanNetworks nets) {
        List<Path> files = list();
        for (Path f : files) {
            try {
                return load(f, root, nets);
            } catch (IOException | RuntimeException e) {
                io.mixnorm.lab.train.CheckpointStore.warnSkipped(f, e.getMessage());
            }
        }
        if (!files.isEmpty()) {
            throw new UserException(
                    "no usable checkpoint in "
                            + dir
                            + ": all "
                            + files.size()
                            + " are damaged; start the run again in a new --out");
        }
        return null;
    }

    private GanState load(Path file, NDManager root, GanNetworks nets) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length + 32) {
            throw new IOException("truncated (" + all.length + " bytes)");
        }
        byte[] body = Arrays.copyOf(all, all.length - 32);
        if (!MessageDigest.isEqual(
                Arrays.copyOfRange(all, all.length - 32, all.length), sha256(body))) {
            throw new IOException("checksum mismatch (file damaged or incomplete)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw new IOException("not a mixnorm GAN checkpoint");
            }
            byte[] json = in.readNBytes(in.readInt());
            GanState state =
                    Json.GSON.fromJson(new String(json, StandardCharsets.UTF_8), GanState.class);
            String problem =
                    io.mixnorm.lab.train.ArrayHeaders.firstProblem(
                            body, MAGIC.length + 4 + json.length);
            if (problem != null) {
                throw new IOException("cannot parse: " + problem);
            }
            for (ai.djl.nn.Block b : List.of(nets.generator(), nets.discriminator())) {
                b.loadParameters(root, in);
                for (Parameter p : b.getParameters().values()) {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(true);
                    }
                }
            }
            restore(in, root, nets.optimizerG(), state.optimizerStepsG);
            restore(in, root, nets.optimizerD(), state.optimizerStepsD);
            return state;
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException("cannot parse: " + e.getMessage(), e);
        }
    }

    private static void restore(
            DataInputStream in, NDManager root, io.mixnorm.lab.train.Optimizer opt, long steps)
            throws IOException {
        int n = in.readInt();
        List<NDArray> arrays = new ArrayList<>(n);
        try (NDManager tmp = root.newSubManager()) {
            for (int i = 0; i < n; i++) {
                arrays.add(NDArray.decode(tmp, in.readNBytes(in.readInt())));
            }
            opt.restore(arrays, steps);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
