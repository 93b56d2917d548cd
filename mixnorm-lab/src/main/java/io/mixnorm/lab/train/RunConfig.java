package io.mixnorm.lab.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.models.NormKind;
import io.mixnorm.lab.models.NormSpec;
import io.mixnorm.lab.util.Json;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What the configs of the lab's two kinds of run ({@link TrainConfig}, the GAN's config) share: the
 * settings both have, declared once here; JSON keys are the public field names, written in each
 * kind's own order ({@link #keys}); a field's CLI option is its name in kebab case ({@link
 * #optionName}); a resumed run must match its saved config except in the resumable settings; and
 * the norm settings (norm, layers, K and MixtureNorm's options) are validated and turned into a
 * {@link NormSpec} here, once.
 */
public abstract class RunConfig {
    /**
     * Budget bound: beyond it a run never ends; a billion steps is months at the fastest step here.
     */
    public static final long MAX_STEPS = 1_000_000_000L;

    /** bn, mn (MixtureNorm) or modenorm at {@link #mnLayers}; bn everywhere else. */
    public String norm = "bn";

    /**
     * Layers that get {@link #norm} when it is not bn; empty = the model's default (cnn5: conv2,
     * the DCGAN generator: g.norm1).
     */
    public String mnLayers = "";

    /**
     * K: mixture components (MixtureNorm, paper default 3) or modes (ModeNorm; its paper uses 2).
     */
    public int components = 3;

    public String mnSampleMode = "position";
    public int mnEmIterations = 2;
    public int mnFitSamples = 4096;
    public String mnInference = "running";

    /** Data source: a CIFAR folder or .tar.gz archive; empty = the embedded mini CIFAR-10. */
    public String data = "";

    public long steps = 2000;

    /** Each kind's own default, set by its constructor. */
    public int batchSize;

    /** Each kind's own default, set by its constructor. */
    public double lr;

    public long seed = 1;

    /** PyTorch intra-op threads; 0 = the engine's default (all cores). */
    public int threads = 0;

    /**
     * Bit-reproducible across processes: a fixed PyTorch thread count ({@link #threads}, or 1 when
     * that is 0); see {@link Determinism}. Slower on many cores.
     */
    public boolean deterministic = false;

    /** Checkpoints kept in the run folder, newest first. */
    public int keepCheckpoints = 3;

    protected RunConfig(int batchSize, double lr) {
        this.batchSize = batchSize;
        this.lr = lr;
    }

    /**
     * The settings' names in config.json's order, which is the order each kind declared them in
     * before the shared ones moved here: Gson would write a superclass's fields last, and a file's
     * bytes must not depend on which class declares a field.
     */
    protected abstract List<String> keys();

    /** The norm layers this config asks for. */
    public NormSpec normSpec() {
        return new NormSpec(
                NormKind.parse(norm),
                mnLayers,
                components,
                new NormSpec.MixtureOptions(
                        mnSampleMode, mnEmIterations, mnFitSamples, mnInference, 0.1f, 1e-5f),
                seed);
    }

    /**
     * Throws a {@link UserException} naming the option of the first bad shared setting; {@code
     * layers} says what --mn-layers selects ("the layers", "generator layers").
     */
    protected void validateShared(String layers) {
        NormKind.parse(norm);
        require(
                !norm.equals("bn") || mnLayers == null || mnLayers.isBlank(),
                "--mn-layers",
                "selects "
                        + layers
                        + " for --norm mn or modenorm; with --norm bn there is nothing to select");
        require(
                components >= 1 && components <= NormSpec.MAX_COMPONENTS,
                "--components",
                "must be from 1 to " + NormSpec.MAX_COMPONENTS + ", got " + components);
        require(
                norm.equals("bn") || components <= mnFitSamples,
                "--components",
                "must not exceed --mn-fit-samples ("
                        + mnFitSamples
                        + "), the rows each mixture is fitted on; got "
                        + components);
        require(
                Set.of("position", "channel").contains(mnSampleMode),
                "--mn-sample-mode",
                "must be position or channel");
        require(mnEmIterations >= 0, "--mn-em-iterations", "must be >= 0");
        require(mnFitSamples >= 1, "--mn-fit-samples", "must be >= 1");
        require(
                Set.of("running", "batch").contains(mnInference),
                "--mn-inference",
                "must be running or batch");
        require(
                steps >= 1 && steps <= MAX_STEPS,
                "--steps",
                "must be from 1 to " + MAX_STEPS + ", got " + steps);
        require(lr > 0 && Double.isFinite(lr), "--lr", "must be a positive number, got " + lr);
        require(threads >= 0, "--threads", "must be >= 0");
        require(keepCheckpoints >= 1, "--keep-checkpoints", "must be at least 1");
    }

    protected static void require(boolean ok, String option, String message) {
        if (!ok) {
            throw new UserException(option + ": " + message);
        }
    }

    /** The settings as config.json holds them, keys in {@link #keys} order. */
    public JsonObject toJsonTree() {
        JsonObject o = new JsonObject();
        for (Field f : settings()) {
            try {
                o.add(f.getName(), Json.GSON.toJsonTree(f.get(this), f.getType()));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return o;
    }

    /** The text of config.json, without the final newline. */
    public String toJson() {
        return Json.GSON.toJson(toJsonTree());
    }

    /**
     * Sets the fields named by the keys of {@code obj} (JSON keys are field names); unknown keys
     * and wrong types are errors that start with {@code where}. Does not validate ranges.
     */
    public void apply(JsonObject obj, String where) {
        for (String key : obj.keySet()) {
            if (!keys().contains(key)) {
                throw new UserException(where + ": unknown key '" + key + "'");
            }
        }
        for (Field f : settings()) {
            if (obj.has(f.getName())) {
                try {
                    JsonElement v = obj.get(f.getName());
                    if (v.isJsonNull() || (f.getType() != String.class && !v.isJsonPrimitive())) {
                        throw new JsonSyntaxException("not a " + f.getType().getSimpleName());
                    }
                    f.set(this, Json.GSON.fromJson(v, f.getType()));
                } catch (JsonParseException | IllegalAccessException | IllegalArgumentException e) {
                    throw new UserException(
                            where
                                    + ": key '"
                                    + f.getName()
                                    + "' must be "
                                    + Json.expected(f.getType())
                                    + ", got "
                                    + abbreviate(obj.get(f.getName()).toString()));
                }
            }
        }
    }

    /**
     * Reads a JSON document into an object, as a one-line error naming {@code where} when it is not
     * one.
     */
    public static JsonObject parseObject(String text, String where) {
        try {
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonObject()) {
                throw new UserException(where + ": expected a JSON object");
            }
            return el.getAsJsonObject();
        } catch (JsonParseException | StackOverflowError e) {
            throw new UserException(where + ": not valid JSON (" + oneLine(e.getMessage()) + ")");
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String t =
                s.replaceAll("\\s*See https?://\\S+", "")
                        .replaceAll("^([\\w.]+\\.)?\\w+(Exception|Error): ", "");
        return abbreviate(t.replaceAll("[\\r\\n]+", " ").trim());
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** The CLI option that sets a field: mnLayers → --mn-layers. */
    public static String optionName(String field) {
        return "--" + field.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    /** The settings (public instance fields), in {@link #keys} order. */
    final List<Field> settings() {
        List<Field> out = new ArrayList<>();
        for (String key : keys()) {
            try {
                out.add(getClass().getField(key));
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(getClass().getSimpleName() + " has no " + key, e);
            }
        }
        if (Arrays.stream(getClass().getFields()).filter(f -> !isStatic(f)).count() != out.size()) {
            throw new IllegalStateException(getClass().getSimpleName() + ": a field not in keys()");
        }
        return out;
    }

    private static boolean isStatic(Field f) {
        return Modifier.isStatic(f.getModifiers());
    }

    /**
     * Null when {@code now} may continue a run started with {@code saved}; else the first differing
     * setting outside {@code resumable}, as "--option (A there, B now)".
     */
    public static String mismatch(RunConfig saved, RunConfig now, Collection<String> resumable) {
        for (Field f : saved.settings()) {
            if (resumable.contains(f.getName())) {
                continue;
            }
            try {
                if (!Objects.equals(f.get(saved), f.get(now))) {
                    return optionName(f.getName())
                            + " ("
                            + f.get(saved)
                            + " there, "
                            + f.get(now)
                            + " now)";
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return null;
    }
}
