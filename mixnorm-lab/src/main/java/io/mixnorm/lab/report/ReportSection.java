package io.mixnorm.lab.report;

import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.CsvRow;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a run kind adds to the report every study shares ({@link StudyReport}): its metric, its
 * columns of results.csv and of the runs table, its summary.json keys, the headline tables, plots
 * and figures, its settings and files. One per kind: {@link ClassificationSection}, {@link
 * GanSection}.
 *
 * @param <R> a row of the kind's metrics.csv
 * @param <X> the kind's view of a run beside the paper's metric ({@link StudyResults.Metric})
 */
abstract class ReportSection<R extends CsvRow, X> {
    final StudySpec spec;
    final Path out;

    ReportSection(StudySpec spec, Path out) {
        this.spec = spec;
        this.out = out;
    }

    /** The section of {@code spec}'s kind for the study folder {@code out}. */
    static ReportSection<?, ?> of(
            StudySpec spec, Path out, Function<TrainConfig, CifarSplits> loader) {
        return spec.kind() == RunKind.GAN
                ? new GanSection(spec, out)
                : new ClassificationSection(spec, out, loader);
    }

    abstract StudyResults.Metric<R, X> metric();

    /** The plots in the study folder, as the reproduce command's last line names them. */
    abstract String plots();

    /** results.csv's header. */
    abstract String csvHeader();

    /** A run's fields in results.csv; {@code c} is its comparison, or null. */
    abstract List<String> csvFields(StudyResults.Run<R> r, StudyResults.Comparison<R, X> c);

    /** summary.json's keys between the baseline and the interval: the budget, none by default. */
    Map<String, Object> budget() {
        return Map.of();
    }

    /** Adds the kind's keys to summary.json after its first ones ({@code root}). */
    abstract void summary(Map<String, Object> root, StudyResults<R, X> results);

    /** Writes the plots and figures; returns their sections of report.md. */
    abstract String figures(StudyResults<R, X> results);

    /** report.md from the header to the runs table: notes, budget, the headline sections. */
    abstract String intro(StudyResults<R, X> results);

    /** The headline table(s), which the reproduce command also prints. */
    abstract String headline(List<StudyResults.Aggregate<R, X>> aggs);

    /** The runs table's columns, separated by " | ". */
    abstract String runsColumns();

    /** A run's row of the runs table; {@code c} is its comparison, or null. */
    abstract String runRow(StudyResults.Run<R> r, StudyResults.Comparison<R, X> c);

    /** The settings lines, up to the line every study shares. */
    abstract String settings();

    /** The text of the Files section. */
    abstract String filesText();
}
