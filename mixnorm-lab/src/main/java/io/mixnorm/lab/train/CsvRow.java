package io.mixnorm.lab.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A row of a run's {@code metrics.csv}, of either kind of run. */
public interface CsvRow {
    long step();

    String toCsv();

    /** The rows of a {@code metrics.csv}: every non-blank line after the header, parsed. */
    static <R> List<R> read(Path csv, Function<String, R> parse) throws IOException {
        List<R> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (!line.isBlank()) {
                rows.add(parse.apply(line));
            }
        }
        return rows;
    }
}
