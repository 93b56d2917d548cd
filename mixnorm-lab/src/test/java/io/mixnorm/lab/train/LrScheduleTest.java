package io.mixnorm.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The step schedule of the DenseNet recipe: ÷10 at 50% and again at 75% of the budget. */
class LrScheduleTest {
    @Test
    void stepDividesByTenAtHalfAndThreeQuarters() {
        long total = 1000;
        assertEquals(0.1, LrSchedule.at("step", 0.1, 0, total), 1e-12);
        assertEquals(0.1, LrSchedule.at("step", 0.1, 499, total), 1e-12);
        assertEquals(0.01, LrSchedule.at("step", 0.1, 500, total), 1e-12);
        assertEquals(0.01, LrSchedule.at("step", 0.1, 749, total), 1e-12);
        assertEquals(0.001, LrSchedule.at("step", 0.1, 750, total), 1e-12);
        assertEquals(0.001, LrSchedule.at("step", 0.1, 999, total), 1e-12);
        // The shortened deep-model budget: 23,430 steps, drops at 11,715 and 17,572.
        assertEquals(0.1, LrSchedule.at("step", 0.1, 11_714, 23_430), 1e-12);
        assertEquals(0.01, LrSchedule.at("step", 0.1, 11_715, 23_430), 1e-12);
        assertEquals(0.001, LrSchedule.at("step", 0.1, 17_572, 23_430), 1e-12);
    }

    @Test
    void constantAndCosine() {
        assertEquals(0.1, LrSchedule.at("constant", 0.1, 900, 1000), 1e-12);
        assertEquals(0.05, LrSchedule.at("cosine", 0.1, 500, 1000), 1e-12);
    }
}
