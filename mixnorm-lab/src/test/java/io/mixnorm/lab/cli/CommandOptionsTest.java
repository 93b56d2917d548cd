package io.mixnorm.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mixnorm.lab.gan.GanConfig;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every flag of {@code train} and {@code gan}, its short name, type and default, as they were
 * before issue #18 declared the options both commands share once ({@link MixtureNormOptions},
 * {@link StepOptions}, {@link RunOptions}): they are contracts, and each command keeps its own
 * defaults.
 */
class CommandOptionsTest {
    /** "names [negatable] | type | 'default'" of each option, sorted. */
    private static String options(Object command) {
        return new CommandLine(command)
                .getCommandSpec().options().stream()
                        .map(
                                o ->
                                        String.join(" ", o.names())
                                                + (o.negatable() ? " negatable" : "")
                                                + " | "
                                                + o.type().getSimpleName()
                                                + " | '"
                                                + o.defaultValueString()
                                                + "'")
                        .sorted()
                        .collect(Collectors.joining("\n"));
    }

    @Test
    void trainKeepsItsFlagsAndDefaults() {
        assertEquals(
                """
                --augment negatable | boolean | 'true'
                --batch-size -b | int | '128'
                --checkpoint-every | int | '0'
                --components -K | int | '3'
                --config | Path | 'null'
                --data | String | ''
                --dataset | String | 'cifar10'
                --deterministic negatable | boolean | 'false'
                --device | String | 'cpu'
                --epochs | double | '0.0'
                --eval-batch-size | int | '100'
                --eval-every | long | '100'
                --eval-stats | String | 'running'
                --keep-checkpoints | int | '3'
                --labels | String | 'fine'
                --lr | double | '0.001'
                --lr-schedule | String | 'constant'
                --mn-em-iterations | int | '2'
                --mn-fit-samples | int | '4096'
                --mn-inference | String | 'running'
                --mn-layers | String | ''
                --mn-sample-mode | String | 'position'
                --model | String | 'cnn5'
                --momentum | double | '0.9'
                --nesterov negatable | boolean | 'false'
                --norm | String | 'bn'
                --optimizer | String | 'adamw'
                --out | Path | 'null'
                --precise-batches | int | '20'
                --quiet | boolean | 'false'
                --resume | boolean | 'false'
                --seed | long | '1'
                --steps | long | '2000'
                --threads | int | '0'
                --weight-decay | double | '1.0E-4'
                -V --version | boolean | 'false'
                -h --help | boolean | 'false'\
                """,
                options(new TrainCommand()));
    }

    @Test
    void ganKeepsItsFlagsAndDefaults() {
        assertEquals(
                """
                --batch-size -b | int | '64'
                --beta1 | double | '0.5'
                --beta2 | double | '0.999'
                --checkpoint-every | long | '500'
                --components -K | int | '3'
                --data | String | ''
                --deterministic negatable | boolean | 'false'
                --features | String | 'cifar-classifier'
                --features-model | String | ''
                --inception | String | ''
                --keep-checkpoints | int | '3'
                --log-every | long | '50'
                --lr | double | '2.0E-4'
                --mn-em-iterations | int | '2'
                --mn-fit-samples | int | '4096'
                --mn-inference | String | 'running'
                --mn-layers | String | ''
                --mn-sample-mode | String | 'position'
                --norm | String | 'bn'
                --out | Path | 'null'
                --quiet | boolean | 'false'
                --resume | boolean | 'false'
                --sample-every | long | '500'
                --score-every | long | '0'
                --score-samples | int | '1000'
                --seed | long | '1'
                --steps | long | '2000'
                --threads | int | '0'
                -V --version | boolean | 'false'
                -h --help | boolean | 'false'\
                """,
                options(new GanCommand()));
    }

    /** The defaults shown are the ones applied: no options make GanConfig's defaults. */
    @Test
    void ganWithNoOptionsRunsTheDefaultGanConfig() {
        GanCommand gan = new GanCommand();
        new CommandLine(gan).parseArgs();
        assertEquals(new GanConfig().toJson(), gan.config().toJson());
        gan = new GanCommand();
        new CommandLine(gan).parseArgs("-b", "32", "--lr", "0.001", "--steps", "7");
        GanConfig c = gan.config();
        assertEquals(32, c.batchSize);
        assertEquals(0.001, c.lr);
        assertEquals(7, c.steps);
    }
}
