package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints that cannot be read or written: clear one-line errors, never a silent bad state. */
class CheckpointFailureTest {
    private static final CifarSplits DATA = SyntheticCifar.make(32, 16, 5);

    @TempDir Path tmp;

    private static TrainConfig tiny(long steps) {
        TrainConfig c = new TrainConfig();
        c.steps = steps;
        c.batchSize = 8;
        c.evalEvery = 1;
        c.evalBatchSize = 16;
        c.augment = false;
        c.seed = 3;
        c.deterministic = true; // one PyTorch thread for these tiny steps (restored afterwards)
        return c;
    }

    /**
     * A damaged checkpoint is reported once per process, however often it is met: one command loads
     * a run's newest checkpoint more than once (the run, then a study report's figures, or a GAN's
     * score classifier), and the fallback warning came twice.
     */
    @Test
    void aDamagedCheckpointIsWarnedAboutOnce() throws IOException {
        Path dir = tmp.resolve("run");
        new TrainingRun(tiny(2), DATA, dir, Progress.silent()).run(false);
        Path newest = new CheckpointStore(dir, 3).list().get(0);
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            System.setErr(
                    new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 2; i++) {
                PreparedModel pm = PreparedModel.of(tiny(2), 4, m);
                assertEquals(
                        1,
                        new CheckpointStore(dir, 3).loadLatest(m, pm.model().block()).state().step);
            }
        } finally {
            System.setErr(old);
        }
        List<String> lines =
                err.toString(java.nio.charset.StandardCharsets.UTF_8)
                        .lines()
                        .filter(l -> l.startsWith("mixnorm: warning:"))
                        .toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.get(0).contains("skipping checkpoint " + newest + ": checksum mismatch"),
                lines.get(0));
    }

    /**
     * A checkpoint that verifies but whose optimizer buffers do not fit the optimizer is skipped
     * like a damaged one, and the run resumes from the one before (it escaped as a stack trace).
     */
    @Test
    void aCheckpointWhoseOptimizerStateDoesNotFitIsSkipped() throws IOException {
        Path dir = tmp.resolve("run");
        new TrainingRun(tiny(2), DATA, dir, Progress.silent()).run(false);
        CheckpointStore store = new CheckpointStore(dir, 3);
        Path newest = store.list().get(0);
        TrainState state = store.readState(newest);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(tiny(2), 4, m);
            store.loadLatest(m, pm.model().block()); // the newest weights, and a valid checksum
            store.save(state, pm.model().block(), List.of()); // but no optimizer buffers
        }
        assertEquals(newest, store.list().get(0));
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(
                    new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            new TrainingRun(tiny(3), DATA, dir, Progress.silent()).run(true);
        } finally {
            System.setErr(old);
        }
        String warned = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(warned.contains("skipping checkpoint " + newest + ": cannot restore"), warned);
        assertEquals(3, TrainingRun.recorded(dir).steps(), "resumed from step 1, finished");
    }

    @Test
    void allCheckpointsDamagedIsAClearErrorOnResume() throws IOException {
        Path dir = tmp.resolve("run");
        new TrainingRun(tiny(3), DATA, dir, Progress.silent()).run(false);
        List<Path> ckpts = new CheckpointStore(dir, 3).list();
        assertEquals(3, ckpts.size());
        // three kinds of damage: a flipped byte, a truncation, an empty file
        try (RandomAccessFile f = new RandomAccessFile(ckpts.get(0).toFile(), "rw")) {
            f.seek(f.length() / 3);
            int b = f.read();
            f.seek(f.length() / 3);
            f.write(b ^ 0x01);
        }
        try (RandomAccessFile f = new RandomAccessFile(ckpts.get(1).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Files.write(ckpts.get(2), new byte[0]);

        UserException e =
                assertThrows(
                        UserException.class,
                        () -> new TrainingRun(tiny(5), DATA, dir, Progress.silent()).run(true));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertEquals(2, e.exitCode());
        assertTrue(m.contains(dir.resolve("checkpoints").toString()), m);
        assertTrue(m.contains("all 3 are damaged"), m);
        assertTrue(m.contains(ckpts.get(0).getFileName() + ": checksum mismatch"), m);
        assertEquals(
                3,
                new CheckpointStore(dir, 3).list().size(),
                "damaged checkpoints are left for inspection");
    }

    @Test
    void checkpointWriteFailureStopsTrainingWithAOneLineError() throws IOException {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("checkpoints"), "not a folder");
        UserException e =
                assertThrows(
                        UserException.class,
                        () -> new TrainingRun(tiny(2), DATA, dir, Progress.silent()).run(false));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(
                m.startsWith(
                        "cannot write "
                                + dir.resolve("checkpoints").resolve("step-0000000001.ckpt")),
                m);
        assertEquals("not a folder", Files.readString(dir.resolve("checkpoints")));
        assertTrue(Files.exists(dir.resolve("config.json")));
    }
}
