package io.mixnorm.lab.cli;

import static io.mixnorm.lab.cli.CliTest.assertUsageError;
import static io.mixnorm.lab.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.data.CifarFixtures;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.gan.GanMetricsRow;
import io.mixnorm.lab.gan.GanTrainingRun;
import io.mixnorm.lab.gan.ScoreFeatures;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.train.TrainConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mixnorm reproduce} with a GAN study, end to end on tiny random CIFAR-10 data with a real
 * (2-step) cnn5 classifier for the score: the folder layout, the report, a run continued from its
 * checkpoint, finished runs skipped, other grids refused, and the one-line errors.
 */
class ReproduceGanStudyTest {
    /**
     * 257 score samples: one more than cnn5's 256 features, the fewest a Fréchet distance allows.
     * Each score costs 257 generated images and two classifier passes, so a run scores once, at its
     * end.
     */
    static final String STUDY =
            """
            {"kind": "gan", "name": "tiny-gan",
             "gan": {"steps": 4, "batchSize": 8, "logEvery": 2, "sampleEvery": 4, "scoreEvery": 4, "scoreSamples": 257,
                     "checkpointEvery": 100},
             "seeds": [1],
             "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "mnLayers": "g.norm1", "components": 3}]}\
            """;

    @TempDir static Path shared;

    static Path data;
    static Path clf;
    static Path studyFile;

    @BeforeAll
    static void tinyDataAndClassifier() throws IOException {
        data = CifarFixtures.writeCifar10(shared.resolve("cifar"), new int[] {48}, 260, 3).path();
        clf = shared.resolve("clf");
        // the classifier learns elsewhere (its own small test set keeps its evaluation cheap), as a
        // real one would
        Path clfData = SyntheticCifar.writeFolder(shared.resolve("clf-data"));
        CliTest.Outcome o =
                run(
                        "train",
                        "--data",
                        clfData.toString(),
                        "--steps",
                        "2",
                        "--eval-every",
                        "2",
                        "--batch-size",
                        "16",
                        "--no-augment",
                        "--quiet",
                        "--out",
                        clf.toString());
        assertEquals(0, o.code(), o.err() + o.out());
        studyFile = Files.writeString(shared.resolve("gan-study.json"), STUDY);
    }

    static String[] study(Path out, String... more) {
        List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "reproduce",
                                "--config",
                                studyFile.toString(),
                                "--data",
                                data.toString(),
                                "--features-model",
                                clf.toString(),
                                "--out",
                                out.toString(),
                                "--quiet"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aTinyStudyRunsResumesSkipsAndReports(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("study");
        // --report-only on a new folder claims it and reports every run as pending, training
        // nothing
        CliTest.Outcome o = run(study(out, "--report-only"));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(Files.readString(out.resolve("report.md")).contains("from 0 of 2 runs"));
        assertFalse(Files.exists(out.resolve("runs")));

        // the MN run stopped after 2 of its 4 iterations, as a crash after a checkpoint leaves it
        StudySpec spec = StudySpec.load(out.resolve("study.json"));
        GanConfig partial = RunKind.GAN.config(spec, new StudySpec.RunKey("mn", 1), "test");
        partial.steps = 2;
        Path mnDir = out.resolve("runs/mn/seed-1");
        TrainConfig dataCfg = new TrainConfig();
        dataCfg.data = data.toString();
        CifarSplits splits = DataLoading.load(dataCfg);
        new GanTrainingRun(
                        partial,
                        splits,
                        mnDir,
                        new PrintStream(OutputStream.nullOutputStream()),
                        true,
                        ScoreFeatures.forConfig(partial, splits, DataLoading::load))
                .run();
        String mnStep2 = Files.readAllLines(mnDir.resolve("metrics.csv")).get(1);

        o = run(study(out));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(o.out().contains("[1/2] bn seed 1: " + out.resolve("runs/bn/seed-1")), o.out());
        assertTrue(
                o.out().contains("[2/2] mn seed 1: continuing") && o.out().contains("at step 2"),
                o.out());
        for (String run : List.of("runs/bn/seed-1", "runs/mn/seed-1")) {
            for (String f :
                    List.of(
                            "config.json",
                            "metrics.csv",
                            "summary.json",
                            "curves.png",
                            "samples/step-000004.png")) {
                assertTrue(Files.exists(out.resolve(run).resolve(f)), run + "/" + f);
            }
            assertTrue(
                    Files.list(out.resolve(run).resolve("checkpoints")).findAny().isPresent(), run);
            List<GanMetricsRow> rows =
                    GanMetricsRow.readCsv(out.resolve(run).resolve("metrics.csv"));
            assertEquals(List.of(2L, 4L), rows.stream().map(GanMetricsRow::step).toList(), run);
            assertTrue(Double.isFinite(rows.get(1).score()) && rows.get(1).score() > 0, run);
        }
        // the stopped MN run was scored at its end (step 2), BN only at 4
        assertTrue(
                Double.isNaN(
                        GanMetricsRow.readCsv(out.resolve("runs/bn/seed-1/metrics.csv"))
                                .get(0)
                                .score()));
        assertEquals(
                mnStep2,
                Files.readAllLines(mnDir.resolve("metrics.csv")).get(1),
                "the continued run kept step 2");
        assertEquals("mn", GanConfig.load(mnDir.resolve("config.json")).norm);

        for (String f :
                List.of(
                        "study.json",
                        "commands.txt",
                        "report.md",
                        "report.html",
                        "results.csv",
                        "summary.json",
                        "plots/scores.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("from 2 of 2 runs"), md);
        assertTrue(md.contains("FD (mixnorm CIFAR features) between 257 generated images"), md);
        assertTrue(md.contains("![bn seed 1, step 4](runs/bn/seed-1/samples/step-000004.png)"), md);
        assertTrue(md.contains("./mixnorm reproduce --config " + studyFile), md);
        List<GanMetricsRow> bn = GanMetricsRow.readCsv(out.resolve("runs/bn/seed-1/metrics.csv"));
        double bnBest = bn.get(1).score();
        JsonObject summary =
                JsonParser.parseString(Files.readString(out.resolve("summary.json")))
                        .getAsJsonObject();
        JsonObject mn = summary.getAsJsonObject("variants").getAsJsonObject("mn");
        assertEquals(bnBest, mn.getAsJsonObject("bn_best_score").get("mean").getAsDouble(), 1e-9);
        List<GanMetricsRow> mnRows = GanMetricsRow.readCsv(mnDir.resolve("metrics.csv"));
        String expected =
                mnRows.stream()
                        .filter(r -> r.score() <= bnBest)
                        .map(r -> Long.toString(r.step()))
                        .findFirst()
                        .orElse("never");
        assertEquals(
                expected.equals("never") ? 1 : 0,
                mn.getAsJsonObject("steps_to_bn_best").get("never").getAsInt());
        String mnLine =
                Files.readAllLines(out.resolve("results.csv")).stream()
                        .filter(l -> l.startsWith("mn,1,finished,4,"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(expected, mnLine.split(",")[10], "steps_to_bn_best of " + mnLine);

        // the same command again trains nothing
        long before = Files.getLastModifiedTime(mnDir.resolve("metrics.csv")).toMillis();
        o = run(study(out));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(
                o.out().contains("[1/2] bn seed 1: finished, skipped")
                        && o.out().contains("[2/2] mn seed 1: finished, " + "skipped"),
                o.out());
        assertEquals(before, Files.getLastModifiedTime(mnDir.resolve("metrics.csv")).toMillis());
        List<String> commands = Files.readAllLines(out.resolve("commands.txt"));
        assertEquals(
                2,
                commands.size(),
                "the classifier's command, then the study's, each once: " + commands);
        assertClassifierNamed(out, commands.get(0), md, summary);

        // another grid, another kind of study, or the built-in study into this folder are refused
        assertUsageError(run(study(out, "--score-every", "1")), "different grid");
        assertUsageError(
                run("reproduce", "--study", "cnn5-cifar10", "--quick", "--out", out.toString()),
                "it is a gan study, not a classification one");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "dcgan-cifar10",
                        "--quick",
                        "--features-model",
                        clf.toString(),
                        "--report-only",
                        "--out",
                        out.toString()),
                "different grid");
    }

    /**
     * The study names its classifier by the command that trains it (commands.txt, report, summary),
     * and that command, run again into another folder, trains the same config.
     */
    private static void assertClassifierNamed(
            Path out, String firstCommand, String md, JsonObject summary) throws IOException {
        FeaturesModel described = FeaturesModel.describe(clf);
        assertEquals(described.commandsLine(), firstCommand);
        assertTrue(
                firstCommand.startsWith("./mixnorm train --model cnn5 ")
                        && firstCommand.contains(" --out " + clf + " "),
                firstCommand);
        assertTrue(md.contains("trained by `" + described.command() + "`"), md);
        assertEquals(
                described.command(),
                summary.getAsJsonObject("features_model").get("command").getAsString());
        assertEquals(
                described.step(),
                summary.getAsJsonObject("features_model").get("step").getAsLong());
        assertEquals(described.config().toJson(), FeaturesModel.pinned(out).config().toJson());

        Path again = out.resolveSibling("clf-again");
        List<String> args =
                TrainCommandLineTest.shellSplit(
                        described.command().replace(" --out " + clf, " --out " + again));
        CliTest.Outcome o = run(args.subList(1, args.size()).toArray(String[]::new));
        assertEquals(0, o.code(), o.err() + o.out());
        assertEquals(
                Files.readString(clf.resolve("config.json")),
                Files.readString(again.resolve("config.json")));
        assertEquals(described.step(), FeaturesModel.describe(again).step());
    }

    @Test
    void aClassifierThatCannotBeDescribedIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp)
            throws IOException {
        // its checkpoints without the config.json that says how they were trained
        Path bare = tmp.resolve("checkpoints-only");
        Files.createDirectories(bare.resolve("checkpoints"));
        try (var ckpts = Files.list(clf.resolve("checkpoints"))) {
            for (Path p : ckpts.toList()) {
                Files.copy(p, bare.resolve("checkpoints").resolve(p.getFileName()));
            }
        }
        Path out = tmp.resolve("o");
        assertUsageError(
                run(
                        "reproduce",
                        "--config",
                        studyFile.toString(),
                        "--data",
                        data.toString(),
                        "--features-model",
                        bare.toString(),
                        "--out",
                        out.toString(),
                        "--quiet"),
                "no config.json");
        // a run that never finished: its newest checkpoint is not what its config trains
        Path unfinished = tmp.resolve("unfinished");
        Files.createDirectories(unfinished);
        for (String f : List.of("config.json", "metrics.csv")) {
            Files.copy(clf.resolve(f), unfinished.resolve(f));
        }
        Files.writeString(
                unfinished.resolve("summary.json"),
                Files.readString(clf.resolve("summary.json"))
                        .replace("\"finished\"", "\"stopped\""));
        assertUsageError(
                run(
                        "reproduce",
                        "--config",
                        studyFile.toString(),
                        "--data",
                        data.toString(),
                        "--features-model",
                        unfinished.toString(),
                        "--out",
                        out.toString(),
                        "--quiet"),
                "not finished");
        assertFalse(Files.exists(out), "a refused classifier leaves no study folder");
    }

    @Test
    void badOptionsAreOneLineErrorsAndLeaveNoFolder(@TempDir Path tmp) {
        Path out = tmp.resolve("o");
        String o = out.toString();
        assertUsageError(
                run("reproduce", "--study", "dcgan-cifar10", "--quick", "--out", o),
                "--features-model");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "dcgan-cifar10",
                        "--features-model",
                        clf.toString(),
                        "--out",
                        o),
                "--data PATH");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "dcgan-cifar10",
                        "--quick",
                        "--features-model",
                        tmp.resolve("nope").toString(),
                        "--out",
                        o),
                "not a 'mixnorm train' run folder (no config.json)");
        assertUsageError(run(study(out, "--score-samples", "256")), "at least 257");
        assertUsageError(run(study(out, "--score-every", "0")), "--score-every");
        assertUsageError(run(study(out, "--lrs", "0.1")), "--lrs");
        assertUsageError(run(study(out, "--seeds", "0")), "--seeds");
        assertUsageError(
                run(
                        "reproduce",
                        "--study",
                        "cnn5-cifar10",
                        "--quick",
                        "--score-every",
                        "5",
                        "--out",
                        o),
                "apply to GAN studies");
        assertUsageError(
                run("reproduce", "--study", "dcgan-cifar100", "--out", o), ", dcgan-cifar10;");
        assertFalse(Files.exists(out), "a refused command leaves no study folder");
    }
}
