package io.mixnorm.lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mixnorm demo}: the main job, the quick {@code cnn5-cifar10} study on the embedded mini
 * CIFAR-10. The 5-layer CNN with batch norm and with MixtureNorm at conv2 (K=3), two learning
 * rates, one seed, 400 steps each: the paper's table, curves and Figure 1 in a few minutes.
 * Re-running continues or skips the finished runs.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "The quick cnn5-cifar10 study (BN vs MixtureNorm) on the embedded mini CIFAR-10:"
                        + " report, table, curves. Same as 'reproduce --study cnn5-cifar10 --quick"
                        + " --out runs/demo'.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "demo");

    @Option(names = "--seeds", description = "Seeds 1..N (default: 1).")
    Integer seeds;

    @Option(
            names = "--threads",
            description = "PyTorch threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--quiet", description = "Log lines instead of progress bars.")
    boolean quiet;

    @Override
    public Integer call() {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "reproduce",
                                "--study",
                                "cnn5-cifar10",
                                "--quick",
                                "--out",
                                out.toString()));
        if (seeds != null) {
            args.addAll(List.of("--seeds", seeds.toString()));
        }
        if (threads != 0) {
            args.addAll(List.of("--threads", Integer.toString(threads)));
        }
        if (quiet) {
            args.add("--quiet");
        }
        // Through the whole command line, not a detached subcommand: reproduce records its own
        // command line (commands.txt) from picocli's parse result, and user errors keep exit code
        // 2.
        return Main.commandLine().execute(args.toArray(String[]::new));
    }
}
