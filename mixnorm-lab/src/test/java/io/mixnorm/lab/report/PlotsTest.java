package io.mixnorm.lab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.style.Styler.LegendPosition;

/** The legend goes where it hides no line. */
class PlotsTest {
    private static Plots.Series line(double... y) {
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = 100 * (i + 1);
        }
        return new Plots.Series("s", x, y);
    }

    @Test
    void risingCurvesKeepTheLowerRightFallingOnesTheUpperRight() {
        assertEquals(
                LegendPosition.InsideSE,
                Plots.legendCorner(List.of(line(0.1, 0.3, 0.5, 0.6, 0.7, 0.75))));
        // an FD curve: high at the start, low at the end (the GAN study's score plot)
        assertEquals(
                LegendPosition.InsideNE,
                Plots.legendCorner(
                        List.of(
                                line(80, 65, 40, 38, 30, 25, 20, 18, 17, 15),
                                line(90, 70, 45, 40, 35, 30, 22, 21, 18, 17))));
        // a curve that ends high in the east and starts low and high in the west: the lower right
        // is still free
        assertEquals(
                LegendPosition.InsideSE,
                Plots.legendCorner(List.of(line(0.9, 0.1, 0.5, 0.7, 0.9, 0.95))));
    }
}
