package io.mixnorm.lab.cli;

import io.mixnorm.engine.NativeMemory;
import io.mixnorm.lab.UserException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mixnorm} command line. It only parses, validates and dispatches; the work lives in the
 * lab's packages. User mistakes print one line and exit 2; a diverged run exits 3.
 */
@Command(
        name = "mixnorm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Mixture Normalization (Kalayeh & Shah, TPAMI 2019) on DJL: train, compare,"
                        + " benchmark.",
        subcommands = {
            DemoCommand.class,
            TrainCommand.class,
            ReproduceCommand.class,
            BenchCommand.class,
            SummaryCommand.class,
            FdCommand.class,
            GanCommand.class,
            DownloadCommand.class,
            SoakCommand.class,
            ProbeStatsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI in this JVM and returns its exit code (tests call this directly). */
    public static int run(String... args) {
        configureJvm();
        try {
            NativeMemory
                    .tune(); // glibc's allocator for tensors, before the engine allocates anything
        } catch (IllegalArgumentException e) { // a bad MIXNORM_MALLOC_TUNING
            System.err.println("mixnorm: error: " + e.getMessage());
            return 2;
        }
        return commandLine().execute(args);
    }

    /**
     * The command line with the project's error handling; {@code demo} runs {@code reproduce}
     * through it too.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler(
                (ex, a) -> {
                    PrintWriter err = ex.getCommandLine().getErr();
                    err.println(
                            "mixnorm: "
                                    + ex.getMessage()
                                    + " (see 'mixnorm "
                                    + commandPath(ex.getCommandLine())
                                    + "--help')");
                    err.flush();
                    return 2;
                });
        cli.setExecutionExceptionHandler(
                (ex, c, parseResult) -> {
                    if (ex instanceof UserException u) {
                        c.getErr().println("mixnorm: error: " + u.getMessage());
                        c.getErr().flush();
                        return u.exitCode();
                    }
                    throw ex;
                });
        return cli;
    }

    private static String commandPath(CommandLine c) {
        String name = c.getCommandName();
        return "mixnorm".equals(name) ? "" : name + " ";
    }

    /** DJL must never reach the network: set before any engine class loads (see DEVELOPERS.md). */
    static void configureJvm() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("java.awt.headless", "true");
        System.setProperty(
                "org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        // DJL probes for CUDA on every engine start; on a CPU-only machine that is noise, not a
        // warning.
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                "mixnorm " + (v == null ? "dev" : v) + " (DJL 0.36.0, PyTorch 2.7.1)"
            };
        }
    }
}
