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
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What the configs of the lab's two kinds of run ({@link TrainConfig}, the GAN's config) share:
 * JSON keys are the public field names, a field's CLI option is its name in kebab case ({@link
 * #optionName}), a resumed run must match its saved config except in the resumable settings, and
 * the norm settings (norm, layers, K and MixtureNorm's options) are validated and turned into a
 * {@link NormSpec} here, once. Declares no fields itself, so that each config.json keeps its key
 * order.
 */
public abstract class RunConfig {
    /**
     * Budget bound: beyond it a run never ends; a billion steps is months at the fastest step here.
     */
    public static final long MAX_STEPS = 1_000_000_000L;

    /** The norm settings both kinds of run have, as the config's fields hold them. */
    public record NormFields(
            String norm,
            String mnLayers,
            int components,
            String mnSampleMode,
            int mnEmIterations,
            int mnFitSamples,
            String mnInference,
            long seed) {}

    /** This config's norm settings. */
    protected abstract NormFields normFields();

    /** The norm layers this config asks for. */
    public NormSpec normSpec() {
        NormFields n = normFields();
        return new NormSpec(
                NormKind.parse(n.norm()),
                n.mnLayers(),
                n.components(),
                new NormSpec.MixtureOptions(
                        n.mnSampleMode(),
                        n.mnEmIterations(),
                        n.mnFitSamples(),
                        n.mnInference(),
                        0.1f,
                        1e-5f),
                n.seed());
    }

    /**
     * Throws a {@link UserException} naming the option of the first bad norm setting; {@code
     * layers} says what --mn-layers selects ("the layers", "generator layers").
     */
    protected void validateNorm(String layers) {
        NormFields n = normFields();
        NormKind.parse(n.norm());
        require(
                !n.norm().equals("bn") || n.mnLayers() == null || n.mnLayers().isBlank(),
                "--mn-layers",
                "selects "
                        + layers
                        + " for --norm mn or modenorm; with --norm bn there is nothing to select");
        require(
                n.components() >= 1 && n.components() <= NormSpec.MAX_COMPONENTS,
                "--components",
                "must be from 1 to " + NormSpec.MAX_COMPONENTS + ", got " + n.components());
        require(
                n.norm().equals("bn") || n.components() <= n.mnFitSamples(),
                "--components",
                "must not exceed --mn-fit-samples ("
                        + n.mnFitSamples()
                        + "), the rows each mixture is fitted on; got "
                        + n.components());
        require(
                Set.of("position", "channel").contains(n.mnSampleMode()),
                "--mn-sample-mode",
                "must be position or channel");
        require(n.mnEmIterations() >= 0, "--mn-em-iterations", "must be >= 0");
        require(n.mnFitSamples() >= 1, "--mn-fit-samples", "must be >= 1");
        require(
                Set.of("running", "batch").contains(n.mnInference()),
                "--mn-inference",
                "must be running or batch");
    }

    /** The checks of the settings both kinds of run have beside the norm. */
    protected static void validateRun(long steps, double lr, int threads, int keepCheckpoints) {
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

    public String toJson() {
        return Json.GSON.toJson(this);
    }

    /**
     * Sets the fields named by the keys of {@code obj} (JSON keys are field names); unknown keys
     * and wrong types are errors that start with {@code where}. Does not validate ranges.
     */
    public void apply(JsonObject obj, String where) {
        List<String> known = fieldNames(getClass());
        for (String key : obj.keySet()) {
            if (!known.contains(key)) {
                throw new UserException(where + ": unknown key '" + key + "'");
            }
        }
        for (Field f : settings(getClass())) {
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

    /** The settings (public instance fields) of a config class, in declaration order. */
    static List<Field> settings(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Field f : type.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                out.add(f);
            }
        }
        return out;
    }

    static List<String> fieldNames(Class<?> type) {
        return settings(type).stream().map(Field::getName).toList();
    }

    /**
     * Null when {@code now} may continue a run started with {@code saved}; else the first differing
     * setting outside {@code resumable}, as "--option (A there, B now)".
     */
    public static String mismatch(RunConfig saved, RunConfig now, Collection<String> resumable) {
        for (Field f : settings(saved.getClass())) {
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
