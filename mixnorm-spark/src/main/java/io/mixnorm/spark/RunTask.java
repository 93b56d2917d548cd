package io.mixnorm.spark;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.cli.StudyJob;
import io.mixnorm.lab.study.StudyRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

/**
 * One Spark task: trains run {@code i} of the study on the executor, into the study folder on
 * shared storage, with {@code spark.task.cpus} PyTorch threads. A retried task (a lost executor, a
 * crash) finds the run started and continues it from its newest checkpoint, exactly as the local
 * engine would; a finished run is skipped. Returns the {@link StudyRunner.Outcome}'s name.
 */
final class RunTask implements Function<Integer, String> {
    private static final long serialVersionUID = 1L;

    /**
     * Test seam: sees every log line of a run's attempt and may throw, failing the attempt there.
     */
    interface LineHook {
        void line(int run, int attempt, String line);
    }

    static volatile LineHook hook;

    /**
     * Tasks of this JVM now training (or waiting to): a clean stop waits for them ({@link
     * SparkStudyEngine}).
     */
    static final AtomicInteger RUNNING = new AtomicInteger();

    private final StudyJob job;

    RunTask(StudyJob job) {
        this.job = job;
    }

    @Override
    public String call(Integer run) {
        TaskContext task = TaskContext.get();
        checkWritable(job.runDir(run));
        LineHook h = hook;
        PrintStream log = h == null ? System.out : tap(h, run, task.attemptNumber());
        StudyRunner.Outcome outcome;
        RUNNING.incrementAndGet();
        try {
            outcome = job.runOne(run, task.cpus(), log);
        } finally {
            RUNNING.decrementAndGet();
        }
        log.flush();
        if (outcome == StudyRunner.Outcome.SHARED) {
            throw new UserException(
                    "the run folder "
                            + job.runDir(run)
                            + " is claimed by another process (another "
                            + "reproduce, local or spark, trains it)");
        }
        return outcome.name();
    }

    /**
     * The study folder must be on storage this executor can write, at the driver's path: checked
     * with a probe file before the run starts, so that the failure names the cause.
     */
    private static void checkWritable(Path runDir) {
        try {
            Files.createDirectories(runDir);
            Path probe = Files.createTempFile(runDir, ".probe-", ".tmp");
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            throw new UserException(
                    "executor "
                            + host()
                            + " cannot write the run folder "
                            + runDir
                            + " ("
                            + reason(e)
                            + "); every executor must see the study folder at the same path, on"
                            + " storage it can write (docs/distributed.md)");
        }
    }

    /** What the file system said, without the exception's class name. */
    private static String reason(Exception e) {
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + ": a file is in the way";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "(unknown host)";
        }
    }

    /** System.out, with each complete line shown to {@code h} first. */
    private static PrintStream tap(LineHook h, int run, int attempt) {
        return new PrintStream(
                new OutputStream() {
                    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

                    @Override
                    public void write(int b) {
                        if (b == '\n') {
                            String s = line.toString(StandardCharsets.UTF_8);
                            line.reset();
                            System.out.println(s);
                            h.line(run, attempt, s);
                        } else {
                            line.write(b);
                        }
                    }
                },
                true,
                StandardCharsets.UTF_8);
    }
}
