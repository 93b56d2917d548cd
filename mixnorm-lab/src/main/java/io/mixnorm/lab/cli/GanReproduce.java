package io.mixnorm.lab.cli;

import io.mixnorm.lab.gan.FeaturesModel;
import io.mixnorm.lab.study.GanStudyReport;
import io.mixnorm.lab.study.GanStudyRunner;
import io.mixnorm.lab.study.GanStudySpec;
import io.mixnorm.lab.study.StudyReport;
import io.mixnorm.lab.study.StudyRunner;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code mixnorm reproduce} for a GAN study: the same flow as a classifier study's, with GAN runs
 * and report.
 */
final class GanReproduce {
    private GanReproduce() {}

    /**
     * @param engine the {@code --engine} that trains the runs, or null for this process
     */
    static int run(
            GanStudySpec spec,
            Path dir,
            String command,
            int threads,
            boolean quiet,
            boolean reportOnly,
            StudyEngine engine,
            String master) {
        GanStudyRunner runner =
                new GanStudyRunner(spec, dir, DataLoading::load, System.out, quiet, threads);
        Threads.configure(threads);
        runner.prepare(!reportOnly);
        // The score's classifier first: the command that trains it comes before the study's in
        // commands.txt.
        FeaturesModel classifier = FeaturesModel.pinned(dir);
        if (classifier != null) {
            StudyRunner.recordCommand(dir, classifier.commandsLine(), !reportOnly);
        }
        List<String> commands = StudyRunner.recordCommand(dir, command, !reportOnly);
        // The report is part of the work a SIGINT/SIGTERM waits for: an interrupted study still
        // gets one.
        return Interruptible.run(
                () -> {
                    StudyRunner.Outcome outcome =
                            reportOnly
                                    ? StudyRunner.Outcome.FINISHED
                                    : engine == null
                                            ? runner.run()
                                            : engine.run(
                                                    StudyJob.of(spec, dir),
                                                    master,
                                                    threads,
                                                    System.out);
                    StudyReport.Written w = GanStudyReport.write(spec, dir, commands);
                    System.out.println();
                    System.out.print(w.headline());
                    System.out.println();
                    System.out.println(
                            outcome.reportLine()
                                    + w.report()
                                    + " (and report.html, results.csv, summary.json,"
                                    + " plots/scores.png)");
                    return 0;
                });
    }
}
