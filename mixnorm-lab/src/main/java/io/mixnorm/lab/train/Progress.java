package io.mixnorm.lab.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Reports training progress: a one-line bar redrawn in place on a terminal, or one log line per
 * evaluation when quiet or when the output is not a terminal (logs, CI).
 */
public final class Progress {
    private final PrintStream out;
    private final boolean bar;
    private final String label;
    private long lastDraw;

    public Progress(PrintStream out, boolean quiet, String label) {
        this.out = out;
        this.bar = !quiet && System.console() != null;
        this.label = label;
    }

    /** A silent progress, for tests and library use. */
    public static Progress silent() {
        return new Progress(new PrintStream(java.io.OutputStream.nullOutputStream()), true, "");
    }

    /** Redraws the bar (at most 5 times a second); {@code etaSeconds} excludes evaluations. */
    public void step(
            long step, long total, double loss, double acc, double imgPerSec, double etaSeconds) {
        if (!bar) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L && step < total) {
            return;
        }
        lastDraw = now;
        int width = 24;
        int filled = (int) (width * step / Math.max(1, total));
        String b =
                "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        long eta = Math.round(etaSeconds);
        out.printf(
                Locale.ROOT,
                "\r%s step %d/%d [%s] loss %.4f acc %5.1f%% %6.0f img/s ETA %d:%02d ",
                label,
                step,
                total,
                b,
                loss,
                100 * acc,
                imgPerSec,
                eta / 60,
                eta % 60);
        out.flush();
    }

    /**
     * The evaluation's log line, with the test pass's speed when {@code evalImagesPerSecond} is
     * finite.
     */
    public void evaluation(MetricsRow r, long total, double evalImagesPerSecond) {
        if (bar) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.printf(
                Locale.ROOT,
                "%s step %d/%d  epoch %.2f  lr %.3g  train loss %.4f acc %.2f%%  test loss %.4f acc"
                        + " %.2f%%  %.0f img/s%s  %.0fs%n",
                label,
                r.step(),
                total,
                r.epoch(),
                r.lr(),
                r.trainLoss(),
                100 * r.trainAccuracy(),
                r.testLoss(),
                100 * r.testAccuracy(),
                r.imagesPerSecond(),
                Double.isFinite(evalImagesPerSecond)
                        ? String.format(Locale.ROOT, " (eval %.0f img/s)", evalImagesPerSecond)
                        : "",
                r.elapsedSeconds());
        if (r.testAccuracyPrecise() != null || r.testAccuracyBatch() != null) {
            out.printf(
                    Locale.ROOT,
                    "%s   test acc by norm statistics:%s%s%s%n",
                    label,
                    part("running", r.testAccuracyRunning()),
                    part("precise", r.testAccuracyPrecise()),
                    part("batch", r.testAccuracyBatch()));
        }
        out.flush();
    }

    private static String part(String name, Double acc) {
        return acc == null ? "" : String.format(Locale.ROOT, "  %s %.2f%%", name, 100 * acc);
    }

    public void message(String s) {
        if (bar) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.println(s);
        out.flush();
    }
}
