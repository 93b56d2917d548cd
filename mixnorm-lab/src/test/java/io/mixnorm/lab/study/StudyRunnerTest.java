package io.mixnorm.lab.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.report.StudyReport;
import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.Progress;
import io.mixnorm.lab.train.SyntheticCifar;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.train.TrainingRun;
import io.mixnorm.lab.util.RunLock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study end to end on a tiny synthetic task: runs, resume after an interrupted run, folder
 * checks, report files.
 */
class StudyRunnerTest {
    @TempDir Path tmp;

    static final CifarSplits DATA = SyntheticCifar.make(64, 32, 5);
    static final Function<TrainConfig, CifarSplits> LOADER = cfg -> DATA;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    static StudySpec spec() {
        StudySpec s = StudySpec.parse(StudySpecTest.VALID, "test");
        s.recipe.addProperty("deterministic", true);
        s.recipe.addProperty("evalBatchSize", 32);
        return s;
    }

    static StudyRunner runner(StudySpec s, Path out) {
        return new StudyRunner(s, out, LOADER, QUIET, true, 0);
    }

    static void runAll(StudySpec s, Path out) {
        StudyRunner r = runner(s, out);
        r.prepare();
        assertEquals(StudyRunner.Outcome.FINISHED, r.run());
    }

    /** Everything of a metrics row that does not depend on timing. */
    static List<String> numbers(Path runDir) throws IOException {
        return MetricsRow.readCsv(runDir.resolve("metrics.csv")).stream()
                .map(
                        r ->
                                r.step()
                                        + " "
                                        + r.trainLoss()
                                        + " "
                                        + r.testLoss()
                                        + " "
                                        + r.testAccuracy())
                .toList();
    }

    @Test
    void anInterruptedRunIsContinuedAndEqualsAnUninterruptedStudy() throws IOException {
        StudySpec s = spec();
        Path whole = tmp.resolve("whole");
        runAll(s, whole);

        // The second study's MN run stopped at step 3 of 6 (as a crash after its first checkpoint
        // leaves it).
        Path resumed = tmp.resolve("resumed");
        runner(s, resumed).prepare();
        StudySpec.RunKey mnKey = s.runs().get(1);
        TrainConfig partial = RunKind.CLASSIFICATION.config(s, mnKey, "t");
        partial.steps = 3;
        new TrainingRun(partial, DATA, resumed.resolve(mnKey.dir()), Progress.silent()).run(false);
        runAll(s, resumed);

        for (StudySpec.RunKey k : s.runs()) {
            assertEquals(
                    numbers(whole.resolve(k.dir())),
                    numbers(resumed.resolve(k.dir())),
                    k.toString());
        }
        // and a third invocation trains nothing: both runs are finished
        long before =
                Files.getLastModifiedTime(resumed.resolve(mnKey.dir()).resolve("metrics.csv"))
                        .toMillis();
        runAll(s, resumed);
        assertEquals(
                before,
                Files.getLastModifiedTime(resumed.resolve(mnKey.dir()).resolve("metrics.csv"))
                        .toMillis());
    }

    @Test
    void aStudyFileRewrittenByAnotherToolIsTheSameStudy() throws IOException {
        StudySpec s = spec();
        s.recipe.addProperty(
                "weightDecay",
                1e-4); // kept as JSON in the grid, so its notation reaches the comparison
        Path out = tmp.resolve("edited");
        runner(s, out).prepare();
        Path file = out.resolve(StudyRunner.SPEC_FILE);
        // every fractional number in another notation (1.0E-4 -> 1.000000e-04), as Python or jq
        // write them
        java.util.regex.Matcher num =
                java.util.regex.Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?")
                        .matcher(Files.readString(file));
        StringBuilder edited = new StringBuilder();
        int changed = 0;
        while (num.find()) {
            num.appendReplacement(
                    edited,
                    String.format(java.util.Locale.ROOT, "%e", Double.parseDouble(num.group())));
            changed++;
        }
        num.appendTail(edited);
        assertTrue(changed > 0, "the study file has fractional numbers to rewrite");
        Files.writeString(file, edited.toString());
        runner(s, out).prepare(); // accepted: the same values
        StudySpec other = spec();
        other.lrs = List.of(0.01);
        assertThrows(
                UserException.class,
                () -> runner(other, out).prepare(),
                "a different value is still refused");
    }

    @Test
    void aFolderOfAnotherStudyIsRefused() throws IOException {
        StudySpec s = spec();
        Path out = tmp.resolve("s");
        runner(s, out).prepare();
        StudySpec other = spec();
        other.lrs = List.of(0.01);
        String m =
                assertThrows(UserException.class, () -> runner(other, out).prepare()).getMessage();
        assertTrue(m.contains("different grid"), m);

        // a run folder made by hand with other settings inside an otherwise new study folder
        Path out2 = tmp.resolve("s2");
        TrainConfig wrong = RunKind.CLASSIFICATION.config(s, s.runs().get(0), "t");
        wrong.batchSize = 8;
        wrong.steps = 1;
        new TrainingRun(wrong, DATA, out2.resolve(s.runs().get(0).dir()), Progress.silent())
                .run(false);
        Files.writeString(out2.resolve(StudyRunner.SPEC_FILE), s.toJson());
        m = assertThrows(UserException.class, () -> runner(s, out2).prepare()).getMessage();
        assertTrue(m.contains("belongs to a different study") && m.contains("--batch-size"), m);

        Path plainRun = tmp.resolve("plain");
        new TrainingRun(wrong, DATA, plainRun, Progress.silent()).run(false);
        m = assertThrows(UserException.class, () -> runner(s, plainRun).prepare()).getMessage();
        assertTrue(m.contains("not a study folder"), m);
    }

    @Test
    void theReportHasTheTableTheFilesAndTheKeys() throws IOException {
        StudySpec s = spec();
        s.recipe.addProperty(
                "evalEvery", 2); // three evaluations: the fewest a rescaling fit accepts
        Path out = tmp.resolve("r");
        runAll(s, out);
        StudyReport.Written w =
                StudyReport.write(s, out, List.of("./mixnorm reproduce --config x.json"), LOADER);

        String md = Files.readString(w.report());
        assertTrue(
                md.contains(
                        "| lr | variant | BN max test acc | steps to BN max | speed-up"
                                + " (iterations)"),
                md);
        assertTrue(md.contains("| 0.001 | bn |") && md.contains("| 0.001 | mn |"), md);
        assertTrue(md.contains("./mixnorm reproduce --config x.json"));
        assertTrue(md.contains("![Figure 1](figure1.png)"), md);
        assertTrue(md.contains("## Machine"));
        assertTrue(w.headline().startsWith("| lr | variant |"));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(
                html.contains("<table>") && html.contains("<img src=\"plots/lr-0.001.png\""), html);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(3, csv.size(), "header + one row per run");
        assertTrue(
                csv.get(0).startsWith("setting,lr,variant,seed,status,steps,bn_max_test_accuracy"));
        assertTrue(csv.get(1).startsWith("lr-0.001,0.00100000,bn,1,finished,6,"), csv.get(1));

        JsonObject summary =
                JsonParser.parseString(Files.readString(out.resolve("summary.json")))
                        .getAsJsonObject();
        JsonObject setting = summary.getAsJsonArray("settings").get(0).getAsJsonObject();
        for (String key :
                List.of(
                        "bn_max_test_accuracy",
                        "steps_to_bn_max",
                        "speedup_iterations",
                        "speedup_wallclock")) {
            assertTrue(setting.has(key), key);
        }
        assertTrue(setting.getAsJsonObject("steps_to_bn_max").has("mn"));
        assertTrue(setting.getAsJsonObject("speedup_iterations").getAsJsonObject("mn").has("ci95"));
        double bnMax = setting.getAsJsonObject("bn_max_test_accuracy").get("mean").getAsDouble();
        double expected =
                MetricsRow.readCsv(out.resolve(s.runs().get(0).dir()).resolve("metrics.csv"))
                        .stream()
                        .mapToDouble(MetricsRow::testAccuracy)
                        .max()
                        .orElseThrow();
        assertEquals(expected, bnMax, 1e-12);
        // The whole-curve views of issue 16, read from the same metrics.csv files.
        assertTrue(md.contains("| lr | variant | rescaling speed-up r | seeds |"), md);
        assertTrue(csv.get(0).endsWith(",run_dir,speedup_rescaling"), csv.get(0));
        JsonObject rescaling = setting.getAsJsonObject("speedup_rescaling").getAsJsonObject("mn");
        assertTrue(
                rescaling.has("mean") && rescaling.has("ci95") && rescaling.has("n"),
                rescaling.toString());
        double[][] bnCurve = curve(out.resolve(s.runs().get(0).dir()).resolve("metrics.csv"));
        double[][] mnCurve = curve(out.resolve(s.runs().get(1).dir()).resolve("metrics.csv"));
        assertEquals(
                Rescaling.fit(bnCurve[0], bnCurve[1], mnCurve[0], mnCurve[1]).getAsDouble(),
                rescaling.get("mean").getAsDouble(),
                1e-12);
        assertTrue(setting.getAsJsonArray("thresholds").size() >= 1, setting.toString());
        assertTrue(setting.getAsJsonObject("steps_to_threshold").has("mn"), setting.toString());

        for (String png : List.of("plots/lr-0.001.png", "figure1.png")) {
            byte[] b = Files.readAllBytes(out.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
    }

    /** Steps and headline test accuracies of a metrics.csv. */
    static double[][] curve(Path csv) throws IOException {
        List<MetricsRow> rows = MetricsRow.readCsv(csv);
        return new double[][] {
            rows.stream().mapToDouble(MetricsRow::step).toArray(),
            rows.stream().mapToDouble(MetricsRow::testAccuracy).toArray()
        };
    }

    @Test
    void aPartialStudyReportsPendingRuns() throws IOException {
        StudySpec s = spec();
        Path out = tmp.resolve("p");
        runner(s, out).prepare();
        StudyReport.write(s, out, List.of(), LOADER);
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("from 0 of 2 runs"), md);
        assertTrue(md.contains("| pending |"), md);
        assertTrue(md.contains("Not drawn yet"), md);
    }

    @Test
    void aRunHeldByAnotherProcessIsLeftToItAndTheOthersTrain() throws IOException {
        StudySpec s = spec();
        Path out = tmp.resolve("shared");
        StudyRunner r = runner(s, out);
        r.prepare();
        StudySpec.RunKey held = s.runs().get(0);
        StudySpec.RunKey free = s.runs().get(1);
        try (RunLock other = RunLock.tryAcquire(out.resolve(held.dir()))) {
            assertEquals(StudyRunner.Outcome.SHARED, r.run());
        }
        assertTrue(!TrainingRun.hasRun(out.resolve(held.dir())), "the held run was not touched");
        assertEquals("finished", TrainingRun.recorded(out.resolve(free.dir())).status());
        // once released, the same command trains it and the study is whole
        assertEquals(StudyRunner.Outcome.FINISHED, r.run());
        assertEquals("finished", TrainingRun.recorded(out.resolve(held.dir())).status());
        // a run held elsewhere that is finished by the end of the walk (the other process's last
        // moments) leaves this process the last one: it reports the study as finished
        try (RunLock other = RunLock.tryAcquire(out.resolve(held.dir()))) {
            assertEquals(StudyRunner.Outcome.FINISHED, r.run());
        }
    }
}
