package io.mixnorm.lab.models;

/**
 * What to put at a model's norm positions: {@code kind} at the selected layers, BN elsewhere.
 *
 * @param kind the non-BN norm (or BN everywhere when {@code kind == BN})
 * @param layers selection of layers that get {@code kind}: comma-separated names ("conv2"), 1-based
 *     indices in creation order ("2"), "first:N", or "all"; null or empty means the model's default
 *     (the paper's choice, e.g. conv2 for cnn5)
 * @param components K, the number of mixture components / modes
 * @param mn MixtureNorm's remaining options
 * @param seed seeds every random choice inside the norm layers
 */
public record NormSpec(NormKind kind, String layers, int components, MixtureOptions mn, long seed) {
    /**
     * The largest K the lab accepts. The papers use K = 2 to 5. MixtureNorm fits its mixture on at
     * most {@code fitSamples} rows (4096 by default), so K = 64 leaves each component 64 rows on
     * average, as many as the channels of a narrow layer: more components estimate per-channel
     * statistics from fewer rows than there are channels, and the EM and normalization cost grows
     * linearly with K (K = 1000 took 48 s for 2 steps of cnn5 and learned nothing).
     */
    public static final int MAX_COMPONENTS = 64;

    public static NormSpec batchNorm() {
        return new NormSpec(NormKind.BN, null, 1, MixtureOptions.defaults(), 0L);
    }

    /** MixtureNorm's options beyond K (spec §3, §5); defaults follow the specification. */
    public record MixtureOptions(
            String sampleMode,
            int emIterations,
            int fitSamples,
            String inference,
            float momentum,
            float epsilon) {
        public static MixtureOptions defaults() {
            return new MixtureOptions("position", 2, 4096, "running", 0.1f, 1e-5f);
        }
    }
}
