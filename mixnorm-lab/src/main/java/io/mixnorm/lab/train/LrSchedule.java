package io.mixnorm.lab.train;

/** Learning rate as a function of the step (0-based) within a budget of {@code total} steps. */
public final class LrSchedule {
    private LrSchedule() {}

    public static double at(String schedule, double base, long step, long total) {
        switch (schedule) {
            case "cosine":
                return base * 0.5 * (1 + Math.cos(Math.PI * step / (double) total));
            case "step":
                // The DenseNet recipe: ÷10 at 50% and again at 75% of the budget.
                return step < total / 2 ? base : step < total * 3 / 4 ? base / 10 : base / 100;
            default:
                return base;
        }
    }
}
