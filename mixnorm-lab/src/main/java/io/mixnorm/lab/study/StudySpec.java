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
import java.util.TreeSet;

/**
 * A study: one run recipe and budget ({@link #recipe}) run for every learning rate × norm variant ×
 * seed. Its {@link RunKind} says what a run is: a classifier ({@code mixnorm train}; study.json's
 * recipe key {@code train}, a learning-rate grid {@code lrs}) or a DCGAN ({@code "kind": "gan"};
 * the recipe key {@code gan}, no learning-rate grid). The variant named {@link #baseline} (batch
 * norm) sets the target. Saved as {@code study.json} in the study folder; that file is a valid
 * {@code --config}.
 *
 * <pre>{@code
 * {"name": "cnn5-cifar10", "train": {"dataset": "cifar10", "steps": 7800, "evalEvery": 200},
 *  "lrs": [0.001, 0.005], "seeds": [1, 2, 3], "baseline": "bn",
 *  "variants": [{"name": "bn", "norm": "bn"},
 *               {"name": "mn", "norm": "mn", "mnLayers": "conv2", "components": 3}]}
 * {"kind": "gan", "name": "dcgan-cifar10", "gan": {"steps": 2000, "scoreEvery": 200},
 *  "seeds": [1, 2], "baseline": "bn",
 *  "variants": [{"name": "bn", "norm": "bn"}, {"name": "mn", "norm": "mn", "components": 3}]}
 * }</pre>
 */
public final class StudySpec {
    public String name = "";
    public String description = "";

    /** The runs' shared config keys: study.json's {@code train} or {@code gan} block. */
    public JsonObject recipe = new JsonObject();

    /** The learning-rate grid; empty for a kind without one ({@link RunKind#lrGrid()}). */
    public List<Double> lrs = new ArrayList<>();

    public List<JsonObject> variants = new ArrayList<>();
    public List<Long> seeds = new ArrayList<>();
    public String baseline = "bn";

    /** True for a {@code --quick} budget (mini set, short runs): a demonstration, not a result. */
    public boolean quick = false;

    private RunKind<?> kind = RunKind.CLASSIFICATION;

    /** The file's fields as Gson reads them, so that type errors name study.json's own keys. */
    private static final class File {
        String kind;
        String name = "";
        String description = "";
        JsonObject train;
        JsonObject gan;
        List<Double> lrs;
        List<JsonObject> variants = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        String baseline = "bn";
        boolean quick = false;
    }

    public StudySpec() {}

    /** An empty study of {@code kind}. */
    public StudySpec(RunKind<?> kind) {
        this.kind = kind;
    }

    /**
     * One run of the grid. {@code lr} is NaN for a kind without a learning-rate grid, whose runs
     * live one folder level higher.
     */
    public record RunKey(double lr, String variant, long seed) implements StudyLoop.Key {
        /** A run of a study without a learning-rate grid. */
        public RunKey(String variant, long seed) {
            this(Double.NaN, variant, seed);
        }

        /**
         * The run's folder, relative to the study folder: runs/lr-0.001/mn/seed-1, runs/mn/seed-1.
         */
        public Path dir() {
            return Double.isNaN(lr)
                    ? Path.of("runs", variant, "seed-" + seed)
                    : Path.of("runs", settingName(lr), variant, "seed-" + seed);
        }

        /** The baseline's run that this run is compared with: same learning rate and seed. */
        public RunKey baseline(String baselineVariant) {
            return new RunKey(lr, baselineVariant, seed);
        }

        /** The run in log lines: {@code lr-0.001 mn seed 1}, {@code mn seed 1}. */
        public String label() {
            return (Double.isNaN(lr) ? "" : settingName(lr) + " ") + variant + " seed " + seed;
        }
    }

    /** A learning-rate setting's name: lr-0.001. */
    public static String settingName(double lr) {
        return "lr-" + BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
    }

    public static StudySpec load(Path file) {
        return parse(Json.readText(file, "--config " + file), "--config " + file);
    }

    /** A study file's study, checked; errors name {@code where}. */
    public static StudySpec parse(String text, String where) {
        JsonObject obj = TrainConfig.parseObject(text, where);
        RunKind<?> kind = RunKind.of(obj);
        Set<String> known =
                new TreeSet<>(
                        Set.of("name", "description", "variants", "seeds", "baseline", "quick"));
        known.add(kind.block());
        known.add(kind.lrGrid() ? "lrs" : "kind");
        for (String key : obj.keySet()) {
            if (!known.contains(key)) {
                throw new UserException(
                        where
                                + ": unknown key '"
                                + key
                                + "' ("
                                + kind.noun()
                                + " has "
                                + String.join(", ", known)
                                + ")");
            }
        }
        StudySpec spec;
        try {
            spec = of(obj);
        } catch (RuntimeException e) {
            throw new UserException(where + ": " + e.getMessage().replaceAll("[\\r\\n]+", " "));
        }
        spec.validate(where);
        return spec;
    }

    /** A study as {@link #toJson} wrote it, unchecked (it was checked before it was written). */
    public static StudySpec fromJson(String json) {
        return of(Json.GSON.fromJson(json, JsonObject.class));
    }

    private static StudySpec of(JsonObject obj) {
        File f = Json.GSON.fromJson(obj, File.class);
        StudySpec s = new StudySpec(RunKind.of(obj));
        s.name = f.name;
        s.description = f.description;
        JsonObject recipe = s.kind.lrGrid() ? f.train : f.gan;
        s.recipe = recipe == null ? new JsonObject() : recipe;
        s.lrs = f.lrs == null ? new ArrayList<>() : f.lrs;
        s.variants = f.variants;
        s.seeds = f.seeds;
        s.baseline = f.baseline;
        s.quick = f.quick;
        return s;
    }

    /** The study.json object, its keys in the order the file has always had. */
    private JsonObject toJsonObject() {
        JsonObject o = new JsonObject();
        if (!kind.lrGrid()) {
            o.addProperty("kind", kind.name());
        }
        o.addProperty("name", name);
        o.addProperty("description", description);
        o.add(kind.block(), recipe);
        if (kind.lrGrid()) {
            o.add("lrs", Json.GSON.toJsonTree(lrs));
        }
        o.add("variants", Json.GSON.toJsonTree(variants));
        o.add("seeds", Json.GSON.toJsonTree(seeds));
        o.addProperty("baseline", baseline);
        o.addProperty("quick", quick);
        return o;
    }

    public String toJson() {
        return Json.GSON.toJson(toJsonObject());
    }

    public StudySpec copy() {
        return of(toJsonObject().deepCopy());
    }

    /** What a run of this study is. */
    public RunKind<?> kind() {
        return kind;
    }

    /** The same study with the quick budget (its kind's), named {@code <name>-quick}. */
    public StudySpec quick() {
        StudySpec q = copy();
        q.quick = true;
        q.name = name + "-quick";
        kind.quick(q);
        q.seeds = List.of(1L);
        return q;
    }

    /**
     * The checks every kind of study shares: at least one seed, none repeated; variants with
     * distinct word names; one of them the baseline. Errors name {@code where}.
     */
    private void checkSeedsAndVariants(String where) {
        if (seeds == null || seeds.isEmpty()) {
            throw new UserException(
                    where + ": the seed list is empty: a study needs at least one seed");
        }
        if (seeds.stream().anyMatch(java.util.Objects::isNull)) {
            throw new UserException(where + ": 'seeds' holds a null; seeds are whole numbers");
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
        if (kind.lrGrid()) {
            if (lrs == null || lrs.isEmpty()) {
                throw new UserException(
                        where + ": 'lrs' is empty: a study needs at least one learning rate");
            }
            if (lrs.stream().anyMatch(java.util.Objects::isNull)) {
                throw new UserException(where + ": 'lrs' holds a null; learning rates are numbers");
            }
            if (new HashSet<>(lrs).size() != lrs.size()) {
                throw new UserException(where + ": 'lrs' must not repeat a value");
            }
        }
        checkSeedsAndVariants(where);
        for (RunKey k : runs()) {
            String norm = kind.checkedNorm(this, k, where);
            if (k.variant().equals(baseline) && !norm.equals("bn")) {
                throw new UserException(
                        where
                                + ": the baseline variant '"
                                + baseline
                                + "' must use norm bn, not "
                                + norm);
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
        List<Double> grid = kind.lrGrid() ? lrs : List.of(Double.NaN);
        for (long seed : seeds) {
            for (double lr : grid) {
                for (String v : variantNames()) {
                    keys.add(new RunKey(lr, v, seed));
                }
            }
        }
        return keys;
    }

    /** A variant's own keys, without its name. */
    JsonObject variant(String variantName) {
        for (JsonObject v : variants) {
            if (v.get("name").getAsString().equals(variantName)) {
                JsonObject copy = v.deepCopy();
                copy.remove("name");
                return copy;
            }
        }
        throw new IllegalArgumentException("no variant " + variantName);
    }

    /** The same study apart from its seed list (which may grow between invocations). */
    public boolean sameGridAs(StudySpec other) {
        return gridJson().equals(other.gridJson());
    }

    /** {@link #toJson()} without the seed list, which may grow between invocations. */
    String gridJson() {
        StudySpec a = copy();
        a.seeds = List.of();
        return a.toJson();
    }
}
