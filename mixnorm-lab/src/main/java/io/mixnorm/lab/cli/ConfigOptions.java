package io.mixnorm.lab.cli;

import io.mixnorm.lab.train.RunConfig;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Option;

/**
 * The one mapping from picocli options to a {@link RunConfig}: each {@code @Option} field of an
 * options object, and of the {@code @Mixin} groups it holds ({@link MixtureNormOptions}, {@link
 * StepOptions}, {@link RunOptions}), sets the config field of the same name. Option fields the
 * config does not have are the command's own (--out, --quiet, --resume) and are left alone.
 */
final class ConfigOptions {
    private ConfigOptions() {}

    /**
     * Sets the options on {@code cfg}: all of them when {@code given} is null (cfg is fresh), else
     * only those matched in that parse result (cfg came from --config or a run folder).
     */
    static void applyTo(Object options, RunConfig cfg, CommandLine.ParseResult given) {
        for (Map.Entry<Field, Object> e : optionFields(options).entrySet()) {
            String name = e.getKey().getName();
            Field target;
            try {
                target = cfg.getClass().getField(name);
            } catch (NoSuchFieldException notAConfigOption) {
                continue;
            }
            if (given != null && !given.hasMatchedOption(RunConfig.optionName(name))) {
                continue;
            }
            try {
                target.set(cfg, e.getKey().get(e.getValue()));
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException("option field " + name, ex);
            }
        }
    }

    /** The field names of the options of {@code options} matched in {@code pr}. */
    static List<String> given(Object options, CommandLine.ParseResult pr) {
        List<String> names = new ArrayList<>();
        for (Field f : optionFields(options).keySet()) {
            if (pr.hasMatchedOption(RunConfig.optionName(f.getName()))) {
                names.add(f.getName());
            }
        }
        return names;
    }

    /** Each option field of {@code holder} and its mixins, in declaration order, with its owner. */
    private static Map<Field, Object> optionFields(Object holder) {
        Map<Field, Object> out = new LinkedHashMap<>();
        for (Field f : holder.getClass().getDeclaredFields()) {
            if (f.isAnnotationPresent(Option.class)) {
                out.put(f, holder);
            } else if (f.isAnnotationPresent(Mixin.class)) {
                try {
                    out.putAll(optionFields(f.get(holder)));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("mixin field " + f.getName(), e);
                }
            }
        }
        return out;
    }

    /**
     * A command's option defaults from a fresh config of its kind: an option whose field that
     * config has defaults to the field's value, so that a shared group, whose fields hold {@code
     * train}'s defaults, applies and shows another kind's own (the GAN's batch size, say). Booleans
     * keep their declared default: picocli negates a negatable option's declared default.
     */
    abstract static class Defaults implements CommandLine.IDefaultValueProvider {
        private final RunConfig config;

        Defaults(RunConfig config) {
            this.config = config;
        }

        @Override
        public String defaultValue(ArgSpec arg) throws IllegalAccessException {
            if (!(arg.userObject() instanceof Field option) || arg.type() == boolean.class) {
                return null;
            }
            try {
                return String.valueOf(config.getClass().getField(option.getName()).get(config));
            } catch (NoSuchFieldException notAConfigOption) {
                return null;
            }
        }
    }
}
