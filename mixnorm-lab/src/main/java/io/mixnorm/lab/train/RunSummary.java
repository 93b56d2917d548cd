package io.mixnorm.lab.train;

import com.google.gson.Gson;
import io.mixnorm.lab.util.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a run, written as {@code summary.json}. Key names are a stable contract: {@code
 * best_test_accuracy}, {@code final_test_accuracy}, {@code steps}, {@code images_per_second}
 * (training images per training second), {@code eval_images_per_second} (test images scored per
 * second of evaluation) and the rest below. A value that does not exist yet (the accuracies and
 * losses of a run stopped before its first evaluation) is {@code null}: JSON has no NaN (RFC 8259),
 * and strict parsers (JavaScript's {@code JSON.parse}, jq, Gson's strict mode) refuse the file.
 */
public record RunSummary(
        String status,
        String model,
        String norm,
        List<String> mnLayers,
        long steps,
        long totalSteps,
        double epochs,
        double bestTestAccuracy,
        long bestStep,
        double finalTestAccuracy,
        double finalTestLoss,
        double finalTrainLoss,
        double imagesPerSecond,
        double evalImagesPerSecond,
        double trainSeconds,
        double elapsedSeconds,
        long parameters,
        long seed) {

    private static final Gson WITH_NULLS = Json.GSON.newBuilder().serializeNulls().create();

    /** summary.json's text: every key present, null for a value that does not exist (yet). */
    public String toJson() {
        return WITH_NULLS.toJson(toJsonMap());
    }

    /** True when at least one evaluation happened, so that the accuracies exist. */
    public boolean evaluated() {
        return Double.isFinite(bestTestAccuracy);
    }

    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("model", model);
        m.put("norm", norm);
        m.put("mn_layers", mnLayers);
        m.put("steps", steps);
        m.put("total_steps", totalSteps);
        m.put("epochs", orNull(epochs));
        m.put("best_test_accuracy", orNull(bestTestAccuracy));
        m.put("best_step", evaluated() ? bestStep : null);
        m.put("final_test_accuracy", orNull(finalTestAccuracy));
        m.put("final_test_loss", orNull(finalTestLoss));
        m.put("final_train_loss", orNull(finalTrainLoss));
        m.put("images_per_second", orNull(imagesPerSecond));
        m.put("eval_images_per_second", orNull(evalImagesPerSecond));
        m.put("train_seconds", orNull(trainSeconds));
        m.put("elapsed_seconds", orNull(elapsedSeconds));
        m.put("parameters", parameters);
        m.put("seed", seed);
        return m;
    }

    /** NaN/Inf has no JSON form: null stands for "no value". */
    private static Double orNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
