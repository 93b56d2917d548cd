package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's verdict: evaluation peaks and allocator noise pass, steady growth fails. */
class SoakAnalysisTest {
    private static List<Soak.Sample> samples(
            long steps, java.util.function.LongToDoubleFunction rss) {
        List<Soak.Sample> out = new ArrayList<>();
        for (long s = 0; s <= steps; s += 100) {
            out.add(new Soak.Sample(s, s / 10.0, rss.applyAsDouble(s), 0, 17, 80, 16, 50, 16.5));
        }
        return out;
    }

    @Test
    void flatMemoryWithPeaksAfterEvaluationsPasses() {
        // 470 MB floor, +80 MB right after every fifth sample (an evaluation), warm-up ramp at the
        // start
        Soak.Result r =
                Soak.Result.of(
                        samples(5000, s -> s < 300 ? 200 + s : (s % 500 == 0 ? 550 : 470)), 5000);
        assertEquals(500, r.warmStep());
        assertTrue(r.passed(0.05), "growth " + r.growth());
        assertTrue(Math.abs(r.slopeMbPer1000()) < 5, "slope " + r.slopeMbPer1000());
        assertEquals(550, r.maxRssAfterWarmMb(), 0.0);
    }

    @Test
    void steadyGrowthFails() {
        Soak.Result r =
                Soak.Result.of(samples(5000, s -> 400 + 0.03 * s), 5000); // +30 MB per 1000 steps
        assertFalse(r.passed(0.05), "growth " + r.growth());
        assertEquals(30, r.slopeMbPer1000(), 1e-6);
    }
}
