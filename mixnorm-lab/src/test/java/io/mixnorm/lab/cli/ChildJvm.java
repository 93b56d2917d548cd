package io.mixnorm.lab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code mixnorm} in a separate JVM, for tests that kill it: the test classpath, DJL offline and
 * tracking off, output to files in the working directory.
 */
final class ChildJvm {
    final Process process;
    final Path workDir;
    final Path stdout;
    final Path stderr;

    private ChildJvm(Process process, Path workDir, Path stdout, Path stderr) {
        this.process = process;
        this.workDir = workDir;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code mixnorm ARGS} with {@code workDir} as working directory (created). */
    static ChildJvm start(Path workDir, String... args) {
        return start(workDir, Map.of(), args);
    }

    /** {@link #start(Path, String...)} with {@code env} added to the child's environment. */
    static ChildJvm start(Path workDir, Map<String, String> env, String... args) {
        try {
            Files.createDirectories(workDir);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx1g");
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-Dai.djl.offline=true");
            cmd.add("-DOPT_OUT_TRACKING=true");
            cmd.add("-Djava.awt.headless=true");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile(workDir, "stdout-", ".txt");
            Path err = Files.createTempFile(workDir, "stderr-", ".txt");
            ProcessBuilder pb =
                    new ProcessBuilder(cmd)
                            .directory(workDir.toFile())
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile());
            pb.environment().put("OPT_OUT_TRACKING", "true");
            pb.environment().putAll(env);
            return new ChildJvm(pb.start(), workDir, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the exit (killing the process after {@code seconds}) and returns the exit code. */
    int await(long seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(
                        "mixnorm did not exit within " + seconds + " s; " + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs to completion and returns the exit code. */
    static int run(Path workDir, long seconds, String... args) {
        return start(workDir, args).await(seconds);
    }

    String out() {
        return read(stdout);
    }

    String err() {
        return read(stderr);
    }

    String output() {
        return "stdout: " + out() + "\nstderr: " + err();
    }

    /** JVM crash logs ({@code hs_err_pid*.log}) in the working directory. */
    List<Path> crashLogs() {
        try (var s = Files.list(workDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
