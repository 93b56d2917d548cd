package io.mixnorm.lab.report;

import io.mixnorm.lab.study.Stats;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/** The parts of report.md every study shares, its number formats, and its HTML copy. */
final class ReportMarkdown {
    private ReportMarkdown() {}

    /** The start every study's report.md shares: title, description, how many runs are over. */
    static void header(StringBuilder md, StudySpec spec, long over, int total) {
        md.append("# Study ")
                .append(spec.name)
                .append("\n\n")
                .append(spec.description)
                .append("\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Generated %s from %d of %d runs that are over%s.%n%n",
                        StudyReport.timestamp(),
                        over,
                        total,
                        over < total
                                ? " (the rest are pending or interrupted; re-run the command to"
                                        + " continue)"
                                : ""));
    }

    /**
     * The end of the settings and the sections every study's report.md shares: the commands, how to
     * continue, the machine.
     */
    static void footer(StringBuilder md, List<String> commands) {
        md.append(
                "- the full grid is in `study.json`; each run's exact config is its"
                        + " `config.json`\n\n");
        md.append("## Commands\n\n```bash\n")
                .append(String.join("\n", commands))
                .append("\n```\n\n");
        md.append(
                "Re-running the same command continues an interrupted study (finished runs are"
                        + " skipped) and rebuilds this report; add `--report-only` to rebuild it"
                        + " without training.\n\n");
        md.append("## Machine\n\n").append(machine()).append('\n');
    }

    /** A table's only row while no run can be compared with its baseline yet. */
    private static String noPairYet(int columns) {
        return "| – | no finished BN/variant pair yet |" + " |".repeat(columns - 2) + "\n";
    }

    /** The last cell of a headline table: how many seeds reached the target, of how many. */
    static String reached(StudyResults.Aggregate<?, ?> a) {
        return (a.compared() - a.never()) + "/" + a.compared();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's view below is still useful
        }
        long memGb =
                Math.round(
                        ((com.sun.management.OperatingSystemMXBean)
                                                java.lang.management.ManagementFactory
                                                        .getOperatingSystemMXBean())
                                        .getTotalMemorySize()
                                / 1e9);
        return String.format(
                Locale.ROOT,
                "- %s, %d cores visible to the JVM, %d GB memory%n- %s %s (%s), Java %s%n"
                        + "- DJL 0.36.0 with PyTorch 2.7.1 (CPU)%n",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memGb,
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"));
    }

    static String html(String title, String md) {
        Parser parser = Parser.builder().extensions(List.of(TablesExtension.create())).build();
        HtmlRenderer renderer =
                HtmlRenderer.builder().extensions(List.of(TablesExtension.create())).build();
        String body = renderer.render(parser.parse(md));
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                + escape(title)
                + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1200px;margin:2em"
                + " auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid"
                + " #ccc;padding:3px"
                + " 8px;text-align:right}img{max-width:100%}code,pre{background:#f4f4f4}</style></head>\n"
                + "<body>\n"
                + body
                + "</body></html>\n";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String num(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /**
     * A mean over seeds as a percentage, with its interval: 61.23% [60.10, 62.36]; "–" for none.
     */
    static String pct(Stats s) {
        return stat(s, "–", "%.2f%%", "%.2f", 100);
    }

    /** A speed-up over seeds as a signed percentage, with its interval; "never" for none. */
    static String pctSigned(Stats s) {
        return stat(s, "never", "%+.1f%%", "%+.1f", 100);
    }

    /** A mean over seeds in {@code fmt}, with its interval; "never" for none. */
    static String plain(Stats s, String fmt) {
        return stat(s, "never", fmt, fmt, 1);
    }

    private static String stat(Stats s, String none, String fmt, String boundFmt, double scale) {
        if (s.n() == 0) {
            return none;
        }
        String m = String.format(Locale.ROOT, fmt, scale * s.mean());
        return Double.isNaN(s.low())
                ? m
                : m
                        + " ["
                        + String.format(Locale.ROOT, boundFmt, scale * s.low())
                        + ", "
                        + String.format(Locale.ROOT, boundFmt, scale * s.high())
                        + "]";
    }

    /** A speed-up as a signed percentage, {@code none} when there is none. */
    static String signedPct(Double v, String none) {
        return v == null ? none : String.format(Locale.ROOT, "%+.1f%%", 100 * v);
    }

    /**
     * A table: its head ({@link #head}), its rows, and while there are none, one saying that no run
     * can be compared with its baseline yet (spanning {@code noPairCells} cells).
     */
    static String table(String columns, List<String> rows, int noPairCells) {
        return head(columns)
                + String.join("", rows)
                + (rows.isEmpty() ? noPairYet(noPairCells) : "");
    }

    /** A table's head: the column names (separated by " | ") and the separator line. */
    static String head(String columns) {
        return "| " + columns + " |\n|" + "---|".repeat(columns.split(" \\| ").length) + "\n";
    }

    /** A table row of {@code cells}. */
    static String row(Object... cells) {
        StringBuilder md = new StringBuilder("|");
        for (Object c : cells) {
            md.append(' ').append(c).append(" |");
        }
        return md.append('\n').toString();
    }
}
