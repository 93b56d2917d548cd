package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.train.TrainCommandLine;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code ./mixnorm train} command written for a config is one that {@code train} itself parses
 * back into the same config (which found {@code --no-augment} read as {@code --augment} and the
 * reverse); and the committed DCGAN studies name their classifier by it.
 */
class TrainCommandLineTest {
    /**
     * Splits a command as a POSIX shell does for the quoting {@link TrainCommandLine#shellQuote}
     * writes.
     */
    static List<String> shellSplit(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '\\' && !quoted && i + 1 < command.length()) {
                word.append(command.charAt(++i));
                inWord = true;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    /** What {@code train} makes of the command: its config and its --out. */
    private static TrainCommand parsed(String command) {
        List<String> args = shellSplit(command);
        assertEquals(List.of("./mixnorm", "train"), args.subList(0, 2), command);
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args.subList(2, args.size()).toArray(String[]::new));
        return train;
    }

    @Test
    void trainParsesTheCommandBackIntoTheSameConfig() {
        TrainConfig c = new TrainConfig();
        c.norm = "mn";
        c.mnLayers = "conv2,conv3";
        c.components = 5;
        c.mnSampleMode = "channel";
        c.data =
                "/data/my cifar's/cifar-100-binary.tar.gz"; // a space and a quote survive the shell
        c.dataset = "cifar100";
        c.labels = "coarse";
        c.steps = 1234;
        c.epochs = 2.5;
        c.optimizer = "sgd";
        c.lr = 0.1;
        c.weightDecay = 5e-4;
        c.momentum = 0.95;
        c.nesterov = true;
        c.lrSchedule = "cosine";
        c.seed = 42;
        c.evalStats = "precise,running";
        c.augment = false;
        c.threads = 3;
        c.deterministic = true;
        c.keepCheckpoints = 2;
        c.checkpointEvery = 50;
        c.validate();
        String command = TrainCommandLine.of(c, "runs/clf 1");
        TrainCommand train = parsed(command);
        assertEquals(c.toJson(), train.resolveConfig().toJson(), command);
        assertEquals(Path.of("runs/clf 1"), train.out);

        // and the defaults, each written out: the command does not lean on this build's defaults
        TrainConfig d = new TrainConfig();
        assertEquals(
                d.toJson(),
                parsed("./mixnorm train").resolveConfig().toJson(),
                "no options: the defaults");
        String plain = TrainCommandLine.of(d, "runs/d");
        assertEquals(d.toJson(), parsed(plain).resolveConfig().toJson(), plain);
        assertTrue(
                plain.contains(" --weight-decay 0.0001 ")
                        && plain.contains(" --no-deterministic ")
                        && !plain.contains("--data ")
                        && !plain.contains("--mn-layers"),
                plain);
    }

    private static Path repositoryFile(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theCommittedDcganStudiesNameTheirClassifierByTheCommandOfItsConfig() throws IOException {
        // The classifier was the lr 5e-3 BN seed-1 run of the cnn5-cifar10 study, copied to
        // /work/runs-study/clf-cnn5-bn-seed1 (docs/results/dcgan-cifar10-cpu-short/README.md).
        TrainConfig clf =
                TrainConfig.load(
                        repositoryFile(
                                "docs/results/cnn5-cifar10/runs/lr-0.005/bn/seed-1/config.json"));
        String command = TrainCommandLine.of(clf, "/work/runs-study/clf-cnn5-bn-seed1");
        for (String study : List.of("dcgan-cifar10-cpu-short", "dcgan-cifar10-cpu-1500")) {
            List<String> lines =
                    Files.readAllLines(repositoryFile("docs/results/" + study + "/commands.txt"));
            assertTrue(
                    lines.get(0).startsWith(command + "   # the score's classifier"),
                    study + ": " + lines.get(0));
        }
    }
}
