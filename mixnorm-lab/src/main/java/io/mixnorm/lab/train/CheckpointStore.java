package io.mixnorm.lab.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
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
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Checkpoints of a run in {@code DIR/checkpoints/step-NNNNNNNNNN.ckpt}, for both kinds of run. Each
 * file holds a magic line (its kind of run: neither kind can load the other's), the trainer state
 * (JSON), the parameters of the run's networks (DJL's format, running statistics included) and the
 * buffers of its optimizers, followed by a SHA-256 of all of it. Files are written atomically; a
 * file whose checksum does not match is never applied: loading falls back to the previous one with
 * a warning.
 */
public final class CheckpointStore {
    /** A classifier run's magic line; {@code new CheckpointStore(dir, keep)} is such a run's. */
    private static final String MAGIC = "MIXNORM-CKPT-1";

    private final Path dir;
    private final int keep;
    private final byte[] magic;
    private final String restart;

    public CheckpointStore(Path runDir, int keep) {
        this(
                runDir,
                keep,
                MAGIC,
                "the run cannot be resumed, start it again without --resume in a new --out");
    }

    /**
     * A store for a kind of run with its own {@code magic} line; {@code restart} says what to do
     * when every checkpoint is damaged.
     */
    public CheckpointStore(Path runDir, int keep, String magic, String restart) {
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
        this.magic = (magic + "\n").getBytes(StandardCharsets.US_ASCII);
        this.restart = restart;
    }

    /** A classifier checkpoint read back and verified. */
    public record Loaded(Path file, TrainState state, List<NDArray> optimizerState) {}

    /** A checkpoint read back and verified: its state and each optimizer's buffers. */
    public record Stored<S>(Path file, S state, List<List<NDArray>> optimizerStates) {}

    public void save(TrainState state, Block block, List<NDArray> optimizerState) {
        save(state.step, state, List.of(block), List.of(optimizerState));
    }

    /** Writes the checkpoint of {@code step}: the state, the blocks' parameters, the buffers. */
    public void save(long step, Object state, List<Block> blocks, List<List<NDArray>> optimizers) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 22);
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.write(magic);
            byte[] json = Json.GSON.toJson(state).getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            for (Block b : blocks) {
                b.saveParameters(out);
            }
            for (List<NDArray> arrays : optimizers) {
                out.writeInt(arrays.size());
                for (NDArray a : arrays) {
                    byte[] bytes = a.encode();
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize checkpoint", e);
        }
        byte[] bytes = body.toByteArray();
        byte[] digest = sha256(bytes);
        Path file = dir.resolve(String.format("step-%010d.ckpt", step));
        AtomicFiles.write(
                file,
                out -> {
                    out.write(bytes);
                    out.write(digest);
                });
        prune();
    }

    /** Checkpoint files, newest first. */
    public List<Path> list() {
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

    /**
     * Where the last good checkpoint of the run in {@code runDir} is, or that there is none yet (a
     * divergence before the first one), for a divergence's message.
     */
    public static String note(Path runDir) {
        List<Path> ckpts = new CheckpointStore(runDir, 1).list();
        return ckpts.isEmpty()
                ? "no checkpoint had been written yet"
                : "the last good checkpoint is " + ckpts.get(0);
    }

    private void prune() {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) {
            try {
                Files.deleteIfExists(all.get(i));
            } catch (IOException ignored) {
                // an old checkpoint left behind costs disk, not correctness
            }
        }
    }

    /**
     * Loads the newest checkpoint that verifies into {@code block}; warns about and skips any that
     * do not. Returns null when the run has no checkpoint at all.
     */
    public Loaded loadLatest(NDManager manager, Block block) {
        return loadLatest(manager, block, loaded -> {});
    }

    /**
     * {@link #loadLatest(NDManager, Block)}, with {@code restore} (the optimizer's buffers, say)
     * applied inside the fallback: a checkpoint that verifies but cannot be restored (an {@link
     * IllegalStateException} or {@link IllegalArgumentException} from {@code restore}) is skipped
     * like a damaged one, its arrays closed.
     */
    public Loaded loadLatest(NDManager manager, Block block, Consumer<Loaded> restore) {
        Stored<TrainState> s =
                loadLatest(
                        manager,
                        List.of(block),
                        1,
                        TrainState.class,
                        st ->
                                restore.accept(
                                        new Loaded(
                                                st.file(),
                                                st.state(),
                                                st.optimizerStates().get(0))));
        return s == null ? null : new Loaded(s.file(), s.state(), s.optimizerStates().get(0));
    }

    /**
     * Loads the newest checkpoint that verifies into {@code blocks}, with the buffers of {@code
     * optimizers} optimizers (arrays of {@code manager}, the caller's to close); warns about and
     * skips any that do not verify. Returns null when the run has no checkpoint at all.
     */
    public <S> Stored<S> loadLatest(
            NDManager manager, List<Block> blocks, int optimizers, Class<S> stateType) {
        return loadLatest(manager, blocks, optimizers, stateType, stored -> {});
    }

    /**
     * {@link #loadLatest(NDManager, List, int, Class)} with {@code restore} applied inside the
     * fallback, as {@link #loadLatest(NDManager, Block, Consumer)} describes.
     */
    public <S> Stored<S> loadLatest(
            NDManager manager,
            List<Block> blocks,
            int optimizers,
            Class<S> stateType,
            Consumer<Stored<S>> restore) {
        List<Path> files = list();
        String newestProblem = null;
        for (Path f : files) {
            try {
                Stored<S> stored = load(f, manager, blocks, optimizers, stateType);
                try {
                    restore.accept(stored);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    stored.optimizerStates().forEach(arrays -> arrays.forEach(NDArray::close));
                    throw new CorruptCheckpointException("cannot restore: " + e.getMessage());
                }
                return stored;
            } catch (CorruptCheckpointException e) {
                warnSkipped(f, e.getMessage());
                if (newestProblem == null) {
                    newestProblem = f.getFileName() + ": " + e.getMessage();
                }
            }
        }
        if (!files.isEmpty()) {
            throw new UserException(
                    "no usable checkpoint in "
                            + dir
                            + ": all "
                            + files.size()
                            + " are damaged (newest "
                            + newestProblem
                            + "); "
                            + restart);
        }
        return null;
    }

    /** The damaged checkpoints already reported by this process, each with its problem. */
    private static final java.util.Set<String> WARNED =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Warns once per process that a damaged checkpoint is skipped: a run's newest checkpoint is
     * loaded more than once in one command (the run, then a study report's figures; a GAN's score
     * classifier), and the same warning came twice.
     */
    public static void warnSkipped(Path file, String problem) {
        if (WARNED.add(file.toAbsolutePath().normalize() + "\n" + problem)) {
            System.err.println(
                    "mixnorm: warning: skipping checkpoint "
                            + file
                            + ": "
                            + problem
                            + "; falling back to an older one");
        }
    }

    /** Thrown for a checkpoint that fails its checksum or cannot be parsed. */
    static final class CorruptCheckpointException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptCheckpointException(String m) {
            super(m);
        }
    }

    /**
     * The trainer's state in a classifier checkpoint, without its arrays; a one-line {@link
     * UserException} naming the file when it is damaged or not a checkpoint of this kind.
     */
    public TrainState readState(Path file) {
        try (DataInputStream in = afterMagic(verified(file))) {
            byte[] json = in.readNBytes(in.readInt());
            return Json.GSON.fromJson(new String(json, StandardCharsets.UTF_8), TrainState.class);
        } catch (CorruptCheckpointException | IOException | RuntimeException e) {
            throw new UserException(file + ": cannot read its state (" + e.getMessage() + ")");
        }
    }

    /**
     * The body of {@code file} (without its checksum), once its length, checksum and magic pass.
     */
    private byte[] verified(Path file) throws CorruptCheckpointException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CorruptCheckpointException("unreadable (" + e.getMessage() + ")");
        }
        if (all.length < magic.length + 32) {
            throw new CorruptCheckpointException("truncated (" + all.length + " bytes)");
        }
        byte[] body = Arrays.copyOf(all, all.length - 32);
        byte[] digest = Arrays.copyOfRange(all, all.length - 32, all.length);
        if (!MessageDigest.isEqual(digest, sha256(body))) {
            throw new CorruptCheckpointException("checksum mismatch (file damaged or incomplete)");
        }
        if (!Arrays.equals(Arrays.copyOf(body, magic.length), magic)) {
            throw new CorruptCheckpointException("not a mixnorm checkpoint of this kind of run");
        }
        return body;
    }

    private DataInputStream afterMagic(byte[] body) {
        return new DataInputStream(
                new ByteArrayInputStream(body, magic.length, body.length - magic.length));
    }

    /** Loads one classifier checkpoint file into {@code block}. */
    Loaded load(Path file, NDManager manager, Block block) throws CorruptCheckpointException {
        Stored<TrainState> s = load(file, manager, List.of(block), 1, TrainState.class);
        return new Loaded(s.file(), s.state(), s.optimizerStates().get(0));
    }

    private <S> Stored<S> load(
            Path file, NDManager manager, List<Block> blocks, int optimizers, Class<S> stateType)
            throws CorruptCheckpointException {
        byte[] body = verified(file);
        try (DataInputStream in = afterMagic(body)) {
            byte[] json = in.readNBytes(in.readInt());
            S state = Json.GSON.fromJson(new String(json, StandardCharsets.UTF_8), stateType);
            String problem = ArrayHeaders.firstProblem(body, magic.length + 4 + json.length);
            if (problem != null) {
                throw new CorruptCheckpointException("cannot parse: " + problem);
            }
            for (Block block : blocks) {
                block.loadParameters(manager, in);
                for (Parameter p : block.getParameters().values()) {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(true);
                    }
                }
            }
            List<List<NDArray>> buffers = new ArrayList<>(optimizers);
            for (int o = 0; o < optimizers; o++) {
                int n = in.readInt();
                List<NDArray> opt = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    opt.add(NDArray.decode(manager, in.readNBytes(in.readInt())));
                }
                buffers.add(opt);
            }
            return new Stored<>(file, state, buffers);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new CorruptCheckpointException("cannot parse: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            // a damaged size field (e.g. a shape's rank) asked DJL's decoder for one huge array;
            // nothing else was allocated
            throw new CorruptCheckpointException(
                    "cannot parse: implausible array size (" + e.getMessage() + ")");
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
