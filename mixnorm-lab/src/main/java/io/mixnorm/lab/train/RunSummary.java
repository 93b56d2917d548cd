package io.mixnorm.lab.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a run, written as {@code summary.json}. Key names are a stable contract:
 * {@code best_test_accuracy}, {@code final_test_accuracy}, {@code steps}, {@code images_per_second}
 * and the rest below.
 */
public record RunSummary(String status, String model, String norm, List<String> mnLayers, long steps, long totalSteps,
        double epochs, double bestTestAccuracy, long bestStep, double finalTestAccuracy, double finalTestLoss,
        double finalTrainLoss, double imagesPerSecond, double trainSeconds, double elapsedSeconds, long parameters,
        long seed) {

    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("model", model);
        m.put("norm", norm);
        m.put("mn_layers", mnLayers);
        m.put("steps", steps);
        m.put("total_steps", totalSteps);
        m.put("epochs", epochs);
        m.put("best_test_accuracy", bestTestAccuracy);
        m.put("best_step", bestStep);
        m.put("final_test_accuracy", finalTestAccuracy);
        m.put("final_test_loss", finalTestLoss);
        m.put("final_train_loss", finalTrainLoss);
        m.put("images_per_second", imagesPerSecond);
        m.put("train_seconds", trainSeconds);
        m.put("elapsed_seconds", elapsedSeconds);
        m.put("parameters", parameters);
        m.put("seed", seed);
        return m;
    }
}
