package io.mixnorm.lab.study;

import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.gan.Dcgan;
import io.mixnorm.lab.gan.GanConfig;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A GAN study: one DCGAN recipe and budget ({@link #gan}, any {@link GanConfig} keys, scoring
 * included) run for every generator variant × seed. The variant named {@link #baseline} (batch
 * norm) sets the target: its best (lowest) score, per seed. Saved as {@code study.json} in the
 * study folder, with {@code "kind": "gan"} so that neither kind of study can take the other's
 * folder; that file is a valid {@code --config}.
 *
 * <pre>{@code
 * {"kind": "gan", "name": "dcgan-cifar10", "gan": {"steps": 2000, "scoreEvery": 200, "featuresModel": "runs/clf"},
 *  "seeds": [1, 2], "baseline": "bn",
 *  "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "mnLayers": "g.norm1", "components": 3}]}
 * }</pre>
 */
public final class GanStudySpec implements StudyFolder.Pinned {
    public static final String KIND = "gan";

    public String kind = KIND;
    public String name = "";
    public String description = "";
    public JsonObject gan = new JsonObject();
    public List<JsonObject> variants = new ArrayList<>();
    public List<Long> seeds = new ArrayList<>();
    public String baseline = "bn";

    /**
     * True for a {@code --quick} budget (mini set, a few dozen steps): a demonstration, not a
     * result.
     */
    public boolean quick = false;

    /**
     * Keys the study sets itself: the seed per run; {@code model} marks the folder as a GAN run.
     */
    private static final Set<String> RESERVED = Set.of("seed", "model");

    /** One run of the grid. */
    public record RunKey(String variant, long seed) implements StudyLoop.Key {
        /** The run's folder, relative to the study folder: runs/mn/seed-1. */
        public Path dir() {
            return Path.of("runs", variant, "seed-" + seed);
        }
    }

    public static GanStudySpec load(Path file) {
        return parse(Json.readText(file, "--config " + file), "--config " + file);
    }

    /**
     * True when {@code file} is a GAN study file ({@code "kind": "gan"}), so that {@code --config}
     * picks the kind.
     */
    public static boolean describes(Path file) {
        return KIND.equals(StudyFolder.kindOf(file));
    }

    static GanStudySpec parse(String text, String where) {
        JsonObject obj = TrainConfig.parseObject(text, where);
        Set<String> known =
                Set.of(
                        "kind",
                        "name",
                        "description",
                        "gan",
                        "variants",
                        "seeds",
                        "baseline",
                        "quick");
        for (String key : obj.keySet()) {
            if (!known.contains(key)) {
                throw new UserException(
                        where
                                + ": unknown key '"
                                + key
                                + "' (a GAN study has "
                                + String.join(", ", new TreeSet<>(known))
                                + ")");
            }
        }
        GanStudySpec spec;
        try {
            spec = Json.GSON.fromJson(obj, GanStudySpec.class);
        } catch (RuntimeException e) {
            throw new UserException(where + ": " + e.getMessage().replaceAll("[\\r\\n]+", " "));
        }
        if (!KIND.equals(spec.kind)) {
            throw new UserException(
                    where + ": 'kind' must be \"" + KIND + "\" for a GAN study, got " + spec.kind);
        }
        spec.validate(where);
        return spec;
    }

    @Override
    public String toJson() {
        return Json.GSON.toJson(this);
    }

    public GanStudySpec copy() {
        return Json.GSON.fromJson(toJson(), GanStudySpec.class);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String gridJson() {
        GanStudySpec a = copy();
        a.seeds = List.of();
        return a.toJson();
    }

    /** Errors name {@code where} (the file or option) and what is wrong. */
    public void validate(String where) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new UserException(
                    where + ": 'name' must be a non-empty word of letters, digits, . _ -");
        }
        StudySpec.checkSeedsAndVariants(where, seeds, variants, baseline);
        for (RunKey k : runs()) {
            GanConfig cfg = config(k, where);
            if (k.variant().equals(baseline) && !cfg.norm.equals("bn")) {
                throw new UserException(
                        where
                                + ": the baseline variant '"
                                + baseline
                                + "' must use norm bn, not "
                                + cfg.norm);
            }
        }
    }

    /**
     * A study must score, against a named extractor, to compare anything: checked apart from {@link
     * #validate} because a study file may leave the classifier to {@code --features-model}.
     */
    public void checkScoring() {
        GanConfig shared =
                config(new RunKey(baseline, seeds.get(0)), "study '" + name + "'", false);
        if (!shared.scoring()) {
            throw new UserException(
                    "--score-every: a GAN study compares scores, so it must score every N >= 1"
                            + " steps, got "
                            + shared.scoreEvery);
        }
        if (shared.features.equals(GanConfig.CLASSIFIER) && shared.featuresModel.isBlank()) {
            throw new UserException(
                    "--features-model: the study '"
                            + name
                            + "' scores with "
                            + scoreLabel()
                            + ", which needs a trained CIFAR-10 classifier: run './mixnorm train"
                            + " --out runs/clf' (add --data DIR for the full set) and pass"
                            + " --features-model runs/clf");
        }
        if (shared.features.equals(GanConfig.INCEPTION) && shared.inception.isBlank()) {
            throw new UserException(
                    "--inception: the study '"
                            + name
                            + "' scores with Inception-v3 features and needs "
                            + "the TorchScript file (see docs/gan.md)");
        }
    }

    public List<String> variantNames() {
        return variants.stream().map(v -> v.get("name").getAsString()).toList();
    }

    /**
     * The grid in run order: seed, then variant, so the first seed's comparison is complete first.
     */
    public List<RunKey> runs() {
        List<RunKey> keys = new ArrayList<>();
        for (long seed : seeds) {
            for (String v : variantNames()) {
                keys.add(new RunKey(v, seed));
            }
        }
        return keys;
    }

    /** The complete config of one run; errors name {@code where}. */
    public GanConfig config(RunKey key, String where) {
        return config(key, where, true);
    }

    private GanConfig config(RunKey key, String where, boolean validate) {
        JsonObject merged = Json.GSON.toJsonTree(new GanConfig()).getAsJsonObject();
        overlay(merged, gan, where + ": 'gan'");
        JsonObject v = variant(key.variant()).deepCopy();
        v.remove("name");
        overlay(merged, v, where + ": variant '" + key.variant() + "'");
        merged.addProperty("seed", key.seed());
        GanConfig cfg;
        try {
            cfg = Json.GSON.fromJson(merged, GanConfig.class);
        } catch (RuntimeException e) {
            throw new UserException(
                    where
                            + ": variant '"
                            + key.variant()
                            + "': "
                            + e.getMessage().replaceAll("[\\r\\n]+", " "));
        }
        if (validate) {
            try {
                // the extractor's file is checkScoring's business: a study file may leave it to
                // --features-model
                GanConfig probe = cfg.copy();
                probe.featuresModel = probe.featuresModel.isBlank() ? "-" : probe.featuresModel;
                probe.inception = probe.inception.isBlank() ? "-" : probe.inception;
                probe.validate();
                Dcgan.generator(
                        cfg.normSpec()); // names the valid generator layers for a bad mnLayers
            } catch (UserException e) {
                throw new UserException(
                        where + ": variant '" + key.variant() + "': " + e.getMessage());
            }
        }
        return cfg;
    }

    /** The score's name in the report: never "FID" for the classifier's features. */
    public String scoreLabel() {
        GanConfig c = config(new RunKey(baseline, seeds.get(0)), "study", false);
        return c.features.equals(GanConfig.INCEPTION)
                ? "FID (Inception-v3 pool3)"
                : io.mixnorm.lab.gan.ClassifierFeatures.LABEL;
    }

    private JsonObject variant(String variantName) {
        for (JsonObject v : variants) {
            if (v.get("name").getAsString().equals(variantName)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no variant " + variantName);
    }

    private static void overlay(JsonObject into, JsonObject from, String where) {
        for (String k : from.keySet()) {
            if (RESERVED.contains(k)) {
                throw new UserException(
                        where + " sets '" + k + "': the study sets it per run (use 'seeds')");
            }
            if (!into.has(k)) {
                throw new UserException(
                        where
                                + ": unknown key '"
                                + k
                                + "' (a GAN run has "
                                + String.join(", ", new TreeSet<>(into.keySet()))
                                + ")");
            }
            into.add(k, from.get(k));
        }
    }
}
