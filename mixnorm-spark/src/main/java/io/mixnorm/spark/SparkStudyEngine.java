package io.mixnorm.spark;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.cli.StudyEngine;
import io.mixnorm.lab.cli.StudyJob;
import io.mixnorm.lab.study.StudyRunner;
import io.mixnorm.lab.train.StopSignal;
import io.mixnorm.lab.util.RunLock;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.ShutdownHookManager;
import scala.runtime.BoxedUnit;

/**
 * {@code reproduce --engine spark}: each run of the study is one Spark task ({@link RunTask}),
 * scheduled by Spark on an embedded local Spark ({@code --master local[N]}, nothing to install) or
 * a cluster ({@code spark-submit}, docs/distributed.md). The run folders live in the study folder,
 * which every executor must see at the same path (a shared POSIX folder; a Hadoop FileSystem would
 * plug in at {@link StudyJob#runDir}). Spark's task retry is the fault tolerance: a failed
 * attempt's run continues from its checkpoint in the next attempt. The driver (this JVM) claims the
 * folder before and builds the report after, with the local engine's code.
 */
public final class SparkStudyEngine implements StudyEngine {
    /** The master when neither --master nor spark-submit names one: every core of this machine. */
    static final String DEFAULT_MASTER = "local[*]";

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public StudyRunner.Outcome run(StudyJob job, String master, int threads, PrintStream log) {
        quietSparkLogs();
        SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster(DEFAULT_MASTER);
        }
        String m = conf.get("spark.master");
        Masters.checkReachable(m);
        conf.setIfMissing("spark.app.name", "mixnorm " + job.name());
        if (m.startsWith("local")) { // embedded: no web UI, no network beyond the loopback
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (threads > 0) {
            conf.set("spark.task.cpus", Integer.toString(threads));
        } else if (m.startsWith("local")) {
            // One JVM trains one run at a time (StudyJob.runOne): by default that run gets every
            // core.
            conf.setIfMissing("spark.task.cpus", Integer.toString(localCores(m)));
        }
        checkNotClaimed(job);
        AtomicReference<String> lastFailure = new AtomicReference<>();
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(conf);
        } catch (Exception e) { // a bad master URL, more task cpus than local threads, ...
            throw new UserException(
                    "--engine spark: cannot start Spark on master "
                            + m
                            + " ("
                            + firstLine(e)
                            + ")");
        }
        try {
            sc.sc()
                    .addSparkListener(
                            new SparkListener() {
                                @Override
                                public void onTaskEnd(SparkListenerTaskEnd end) {
                                    if (end.reason() instanceof ExceptionFailure f) {
                                        int run = end.taskInfo().index();
                                        lastFailure.set(job.run(run) + ": " + f.description());
                                        log.println(
                                                "spark: "
                                                        + job.run(run)
                                                        + ": attempt "
                                                        + (end.taskInfo().attemptNumber() + 1)
                                                        + " failed ("
                                                        + f.description()
                                                        + "); Spark retries a task up to"
                                                        + " spark.task.maxFailures times, and a"
                                                        + " retry continues the run from its"
                                                        + " checkpoint");
                                    }
                                }
                            });
            int cpus = sc.getConf().getInt("spark.task.cpus", 1);
            log.println(
                    "spark: "
                            + job.size()
                            + " runs of '"
                            + job.name()
                            + "' as tasks on "
                            + m
                            + ", "
                            + cpus
                            + " PyTorch thread"
                            + (cpus == 1 ? "" : "s")
                            + " each (spark.task.cpus), into "
                            + job.folder());
            List<Integer> runs = IntStream.range(0, job.size()).boxed().toList();
            List<String> outcomes;
            try (CleanStop stop = m.startsWith("local") ? new CleanStop() : null) {
                outcomes = sc.parallelize(runs, runs.size()).map(new RunTask(job)).collect();
            }
            boolean stopped =
                    StopSignal.requested()
                            || outcomes.contains(StudyRunner.Outcome.INTERRUPTED.name());
            return stopped ? StudyRunner.Outcome.INTERRUPTED : StudyRunner.Outcome.FINISHED;
        } catch (Exception e) { // SparkException is checked, though Scala does not declare it
            if (StopSignal.requested() && m.startsWith("local")) {
                return StudyRunner.Outcome
                        .INTERRUPTED; // the stop cancelled the tasks not started yet
            }
            throw failed(e, lastFailure.get());
        } finally {
            sc.stop();
        }
    }

    /**
     * SIGINT/SIGTERM with the embedded Spark: the tasks run in this JVM, so they stop as the local
     * engine's runs do (a checkpoint at the next step, {@link StopSignal}) and the report follows.
     * Spark's own shutdown hook would stop the SparkContext at once and kill the tasks mid-step;
     * this one runs before it (a higher priority in Spark's hook manager) and waits until the
     * running tasks have checkpointed and returned; the tasks not started yet are then cancelled.
     * Spark gives its hooks 30 s in all (Hadoop's shutdown timeout): a run that needs longer to
     * reach its next step is killed, and continues from its previous checkpoint. On a cluster the
     * tasks run elsewhere: Spark cancels them, and their runs continue from their last checkpoints
     * when the command is run again.
     */
    private static final class CleanStop implements AutoCloseable {
        private final Object hook;

        CleanStop() {
            hook =
                    ShutdownHookManager.addShutdownHook(
                            ShutdownHookManager.SPARK_CONTEXT_SHUTDOWN_PRIORITY() + 10,
                            () -> {
                                StopSignal.request();
                                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                                try {
                                    while (RunTask.RUNNING.get() > 0
                                            && System.nanoTime() < deadline) {
                                        Thread.sleep(50);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                return BoxedUnit.UNIT;
                            });
        }

        @Override
        public void close() {
            try {
                ShutdownHookManager.removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it has just been released
            }
        }
    }

    /** The threads of a local master: local, local[N], local[*], local[N,F], local[*,F]. */
    static int localCores(String master) {
        java.util.regex.Matcher n =
                java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
        if (!n.matches()) {
            return 1;
        }
        return n.group(1).equals("*")
                ? Runtime.getRuntime().availableProcessors()
                : Math.max(1, Integer.parseInt(n.group(1)));
    }

    /**
     * A run that another process trains (a local {@code reproduce}, another Spark application) is
     * refused before Spark starts: the study folder is shared, its runs are not.
     */
    private static void checkNotClaimed(StudyJob job) {
        for (int i = 0; i < job.size(); i++) {
            if (!Files.isDirectory(job.runDir(i))) {
                continue;
            }
            try (RunLock lock = RunLock.tryAcquire(job.runDir(i))) {
                if (lock == null) {
                    throw new UserException(
                            "--out "
                                    + job.folder()
                                    + ": the run "
                                    + job.run(i)
                                    + " is being trained by another process (another reproduce,"
                                    + " local or spark); wait for it to stop, or choose another"
                                    + " --out");
                }
            }
        }
    }

    /**
     * The job's failure as one line: a {@link UserException} of a task (in local mode Spark hands
     * the task's exception over), else the last failed attempt's error that the listener saw.
     */
    private static UserException failed(Exception e, String lastFailure) {
        if (e instanceof UserException u) {
            return u;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserException u) {
                return new UserException(
                        "--engine spark: "
                                + u.getMessage()
                                + "; the study folder is resumable: fix "
                                + "the cause and re-run the same command");
            }
        }
        return new UserException(
                "--engine spark: the study stopped ("
                        + (lastFailure != null ? lastFailure : firstLine(e))
                        + "); the study folder is resumable: re-run the same command to continue");
    }

    static String firstLine(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    /**
     * Spark's own log lines (task failures with stack traces, retries) are summarised by this
     * engine's log; set {@code -Dorg.slf4j.simpleLogger.log.org.apache.spark=warn} to see them.
     */
    private static void quietSparkLogs() {
        for (String logger :
                List.of("org.apache.spark", "org.apache.hadoop", "org.sparkproject", "io.netty")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "off");
            }
        }
    }
}
