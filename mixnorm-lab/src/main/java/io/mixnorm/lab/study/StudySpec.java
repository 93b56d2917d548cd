package io.mixnorm.lab.study;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.Json;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A study: one training budget ({@link #train}, any {@link TrainConfig} keys) run for every
 * learning rate × norm variant × seed. The variant named {@link #baseline} (batch norm) sets the
 * target: its maximum test accuracy, per learning rate and seed. Saved as {@code study.json} in the
 * study folder; that file is a valid {@code --config}.
 *
 * <pre>{@code
 * {"name": "cnn5-cifar10", "train": {"dataset": "cifar10", "steps": 7800, "evalEvery": 200},
 *  "lrs": [0.001, 0.005], "seeds": [1, 2, 3], "baseline": "bn",
 *  "variants": [{"name": "bn", "norm": "bn"},
 *               {"name": "mn", "norm": "mn", "mnLayers": "conv2", "components": 3}]}
 * }</pre>
 */
public final class StudySpec implements StudyFolder.Pinned {
    public String name = "";
    public String description = "";
    public JsonObject train = new JsonObject();
    public List<Double> lrs = new ArrayList<>();
    public List<JsonObject> variants = new ArrayList<>();
    public List<Long> seeds = new ArrayList<>();
    public String baseline = "bn";

    /** True for a {@code --quick} budget (mini set, short runs): a demonstration, not a result. */
    public boolean quick = false;

    /** Keys a study sets itself, per run; a {@code train} block or variant may not set them. */
    private static final Set<String> PER_RUN = Set.of("lr", "seed");

    /** One run of the grid. */
    public record RunKey(double lr, String variant, long seed) implements StudyLoop.Key {
        /** The run's folder, relative to the study folder: runs/lr-0.001/mn/seed-1. */
        public Path dir() {
            return Path.of("runs", settingName(lr), variant, "seed-" + seed);
        }
    }

    /** A learning-rate setting's name: lr-0.001. */
    public static String settingName(double lr) {
        return "lr-" + BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
    }

    public static StudySpec load(Path file) {
        return parse(Json.readText(file, "--config " + file), "--config " + file);
    }

    static StudySpec parse(String text, String where) {
        JsonObject obj = TrainConfig.parseObject(text, where);
        Set<String> known =
                Set.of(
                        "name",
                        "description",
                        "train",
                        "lrs",
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
                                + "' (a study has "
                                + String.join(", ", new java.util.TreeSet<>(known))
                                + ")");
            }
        }
        StudySpec spec;
        try {
            spec = Json.GSON.fromJson(obj, StudySpec.class);
        } catch (RuntimeException e) {
            throw new UserException(where + ": " + e.getMessage().replaceAll("[\\r\\n]+", " "));
        }
        spec.validate(where);
        return spec;
    }

    public String toJson() {
        return Json.GSON.toJson(this);
    }

    public StudySpec copy() {
        return Json.GSON.fromJson(toJson(), StudySpec.class);
    }

    /**
     * The checks every kind of study shares: at least one seed, none repeated; variants with
     * distinct word names; one of them the baseline. Errors name {@code where}.
     */
    static void checkSeedsAndVariants(
            String where, List<Long> seeds, List<JsonObject> variants, String baseline) {
        if (seeds == null || seeds.isEmpty()) {
            throw new UserException(
                    where + ": the seed list is empty: a study needs at least one seed");
        }
        if (new HashSet<>(seeds).size() != seeds.size()) {
            throw new UserException(where + ": 'seeds' must not repeat a value");
        }
        if (variants == null || variants.isEmpty()) {
            throw new UserException(where + ": 'variants' is empty");
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonObject v : variants) {
            JsonElement n = v.get("name");
            if (n == null || !n.isJsonPrimitive() || !n.getAsString().matches("[A-Za-z0-9._+-]+")) {
                throw new UserException(
                        where
                                + ": every variant needs a 'name' (letters, digits, . _ + -), got "
                                + v);
            }
            if (!names.add(n.getAsString())) {
                throw new UserException(
                        where + ": two variants are named '" + n.getAsString() + "'");
            }
        }
        if (!names.contains(baseline)) {
            throw new UserException(
                    where
                            + ": no baseline to compare against: no variant is named '"
                            + baseline
                            + "' (variants: "
                            + String.join(", ", names)
                            + ")");
        }
    }

    /** Errors name {@code where} (the file or option) and what is wrong. */
    public void validate(String where) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new UserException(
                    where + ": 'name' must be a non-empty word of letters, digits, . _ -");
        }
        if (lrs == null || lrs.isEmpty()) {
            throw new UserException(
                    where + ": 'lrs' is empty: a study needs at least one learning rate");
        }
        if (new HashSet<>(lrs).size() != lrs.size()) {
            throw new UserException(where + ": 'lrs' must not repeat a value");
        }
        checkSeedsAndVariants(where, seeds, variants, baseline);
        for (RunKey k : runs()) {
            TrainConfig cfg = config(k, where);
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

    public List<String> variantNames() {
        return variants.stream().map(v -> v.get("name").getAsString()).toList();
    }

    /**
     * The grid in run order: seed, then learning rate, then variant, so the first seed's
     * comparisons finish first.
     */
    public List<RunKey> runs() {
        List<RunKey> keys = new ArrayList<>();
        for (long seed : seeds) {
            for (double lr : lrs) {
                for (String v : variantNames()) {
                    keys.add(new RunKey(lr, v, seed));
                }
            }
        }
        return keys;
    }

    /** The complete training config of one run; errors name {@code where}. */
    public TrainConfig config(RunKey key, String where) {
        TrainConfig cfg = new TrainConfig();
        rejectPerRun(train, where + ": 'train'");
        cfg.apply(train, where + ": 'train'");
        JsonObject v = variant(key.variant()).deepCopy();
        v.remove("name");
        rejectPerRun(v, where + ": variant '" + key.variant() + "'");
        cfg.apply(v, where + ": variant '" + key.variant() + "'");
        cfg.lr = key.lr();
        cfg.seed = key.seed();
        try {
            cfg.validate();
        } catch (UserException e) {
            throw new UserException(
                    where
                            + ": variant '"
                            + key.variant()
                            + "', lr "
                            + key.lr()
                            + ": "
                            + e.getMessage());
        }
        return cfg;
    }

    private JsonObject variant(String variantName) {
        for (JsonObject v : variants) {
            if (v.get("name").getAsString().equals(variantName)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no variant " + variantName);
    }

    private static void rejectPerRun(JsonObject o, String where) {
        for (String k : PER_RUN) {
            if (o.has(k)) {
                throw new UserException(
                        where
                                + " sets '"
                                + k
                                + "': the study sets it per run (use 'lrs' and 'seeds')");
            }
        }
    }

    /** The same study apart from its seed list (which may grow between invocations). */
    public boolean sameGridAs(StudySpec other) {
        return gridJson().equals(other.gridJson());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return StudyFolder.CLASSIFICATION;
    }

    @Override
    public String gridJson() {
        StudySpec a = copy();
        a.seeds = List.of();
        return a.toJson();
    }
}
