package io.mixnorm.lab.train;

import ai.djl.nn.Parameter;
import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.lab.report.Plots;
import java.nio.file.Path;
import java.util.List;

/** The files of a classifier's run folder, rewritten after every evaluation. */
final class RunFiles extends RunFolder {
    private final TrainConfig cfg;
    private final ModelZoo.BuiltModel model;
    private final int trainSize;

    RunFiles(Path dir, TrainConfig cfg, ModelZoo.BuiltModel model, int trainSize) {
        super(dir, cfg);
        this.cfg = cfg;
        this.model = model;
        this.trainSize = trainSize;
    }

    String normDescription() {
        List<String> special = specialLayers();
        return special.isEmpty()
                ? "bn everywhere"
                : cfg.norm
                        + (cfg.norm.equals("bn") ? "" : " (K=" + cfg.components + ")")
                        + " at "
                        + String.join(",", special)
                        + ", bn elsewhere";
    }

    private List<String> specialLayers() {
        return model.norms().stream()
                .filter(l -> !l.norm().equals("bn"))
                .map(LayerInfo::name)
                .toList();
    }

    void writeResults(TrainState st, long total, String status) {
        writeResults(
                MetricsRow.CSV_HEADER,
                st.metrics,
                summary(st, total, status).toJson(),
                plot(st.metrics));
    }

    RunSummary summary(TrainState st, long total) {
        return summary(st, total, st.step >= total ? "finished" : "interrupted");
    }

    private RunSummary summary(TrainState st, long total, String status) {
        MetricsRow best = best(st.metrics, MetricsRow::testAccuracy, true);
        MetricsRow last = last(st.metrics);
        long params = 0;
        for (Parameter p : model.block().getParameters().values()) {
            if (p.requiresGradient()) {
                params += p.getArray().getShape().size();
            }
        }
        return new RunSummary(
                status,
                cfg.model,
                cfg.norm,
                specialLayers(),
                st.step,
                total,
                st.imagesSeen / (double) trainSize,
                best == null ? Double.NaN : best.testAccuracy(),
                best == null ? 0 : best.step(),
                last == null ? Double.NaN : last.testAccuracy(),
                last == null ? Double.NaN : last.testLoss(),
                last == null ? Double.NaN : last.trainLoss(),
                st.trainSeconds > 0 ? st.imagesSeen / st.trainSeconds : 0,
                st.evalSeconds > 0 ? st.evalImages / st.evalSeconds : Double.NaN,
                st.trainSeconds,
                st.elapsedSeconds,
                params,
                cfg.seed);
    }

    private List<Plots.Panel> plot(List<MetricsRow> rows) {
        String title = cfg.model + " " + cfg.norm + " (" + cfg.dataset + ", seed " + cfg.seed + ")";
        List<String> testTrain = List.of("test", "train");
        return List.of(
                panel(
                        "Accuracy — " + title,
                        "accuracy",
                        rows,
                        testTrain,
                        MetricsRow::testAccuracy,
                        MetricsRow::trainAccuracy),
                panel(
                        "Loss — " + title,
                        "cross-entropy",
                        rows,
                        testTrain,
                        MetricsRow::testLoss,
                        MetricsRow::trainLoss));
    }

    /**
     * Null when {@code b} may continue a run started with {@code a}; else the first differing
     * setting.
     */
    static String configMismatch(TrainConfig a, TrainConfig b) {
        return RunConfig.mismatch(a, b, TrainConfig.resumable());
    }
}
