package io.mixnorm.lab.report;

import io.mixnorm.lab.util.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line charts (XChart, headless). Several panels are placed side by side in one image. */
public final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /**
     * One line of a panel; a null color lets the chart pick one; a width of 0 keeps the chart's
     * default.
     */
    public record Series(
            String name, double[] x, double[] y, Color color, boolean dashed, float width) {
        public Series(String name, double[] x, double[] y, Color color, boolean dashed) {
            this(name, x, y, color, dashed, 0f);
        }

        public Series(String name, double[] x, double[] y) {
            this(name, x, y, null, false, 0f);
        }
    }

    /** A grey dashed line at height {@code y} from 0 to {@code maxX}: the baseline's target. */
    public static Series level(String name, double maxX, double y) {
        return new Series(name, new double[] {0, maxX}, new double[] {y, y}, Color.GRAY, true);
    }

    /** One chart: title, axis titles and its lines. */
    public record Panel(String title, String xTitle, String yTitle, List<Series> series) {}

    /**
     * The inside corner whose area (the outer 40% of each axis) holds the fewest points, so that
     * the legend hides no data: rising curves (accuracy) leave the lower right free, falling ones
     * (a distance) the upper right. Ties go to the first of SE, NE, SW, NW.
     */
    static LegendPosition legendCorner(List<Series> series) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                x0 = Math.min(x0, s.x()[i]);
                x1 = Math.max(x1, s.x()[i]);
                y0 = Math.min(y0, s.y()[i]);
                y1 = Math.max(y1, s.y()[i]);
            }
        }
        LegendPosition[] corners = {
            LegendPosition.InsideSE,
            LegendPosition.InsideNE,
            LegendPosition.InsideSW,
            LegendPosition.InsideNW
        };
        int[] count = new int[corners.length];
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double u = x1 > x0 ? (s.x()[i] - x0) / (x1 - x0) : 0.5;
                double v = y1 > y0 ? (s.y()[i] - y0) / (y1 - y0) : 0.5;
                boolean east = u > 0.6;
                boolean west = u < 0.4;
                boolean north = v > 0.6;
                boolean south = v < 0.4;
                count[0] += east && south ? 1 : 0;
                count[1] += east && north ? 1 : 0;
                count[2] += west && south ? 1 : 0;
                count[3] += west && north ? 1 : 0;
            }
        }
        int best = 0;
        for (int c = 1; c < corners.length; c++) {
            if (count[c] < count[best]) {
                best = c;
            }
        }
        return corners[best];
    }

    public static XYChart chart(Panel panel, int width, int height) {
        XYChart chart =
                new XYChartBuilder()
                        .width(width)
                        .height(height)
                        .title(panel.title())
                        .xAxisTitle(panel.xTitle())
                        .yAxisTitle(panel.yTitle())
                        .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(legendCorner(panel.series()));
        chart.getStyler().setMarkerSize(4);
        for (Series s : panel.series()) {
            if (s.x().length == 0) {
                continue;
            }
            XYSeries xy = chart.addSeries(s.name(), s.x(), s.y());
            xy.setMarker(
                    s.x().length > 60 || s.dashed() ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            if (s.color() != null) {
                xy.setLineColor(s.color());
                xy.setMarkerColor(s.color());
            }
            if (s.dashed()) {
                xy.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
            }
            if (s.width() > 0) {
                xy.setLineWidth(s.width());
            }
        }
        return chart;
    }

    /**
     * Writes the panels into one PNG, atomically: side by side, or two per row when there are more
     * than two.
     */
    public static void write(java.nio.file.Path png, List<Panel> panels) {
        int w = 640;
        int h = 440;
        int cols = panels.size() <= 2 ? panels.size() : 2;
        int rows = (panels.size() + cols - 1) / cols;
        BufferedImage img = new BufferedImage(w * cols, h * rows, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w * cols, h * rows);
        for (int i = 0; i < panels.size(); i++) {
            BufferedImage one = BitmapEncoder.getBufferedImage(chart(panels.get(i), w, h));
            g.drawImage(one, (i % cols) * w, (i / cols) * h, null);
        }
        g.dispose();
        // An in-memory image stream: ImageIO's default file cache registers a JVM shutdown hook on
        // first
        // use, which throws while SIGINT/SIGTERM shut down and would lose the run's final files.
        AtomicFiles.write(
                png,
                out -> {
                    try (javax.imageio.stream.MemoryCacheImageOutputStream ios =
                            new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
                        if (!ImageIO.write(img, "png", ios)) {
                            throw new java.io.IOException("no PNG writer");
                        }
                    }
                });
    }
}
