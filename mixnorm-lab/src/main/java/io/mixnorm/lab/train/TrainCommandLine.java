package io.mixnorm.lab.train;

import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ./mixnorm train} command that trains a given config: every setting of {@link
 * TrainConfig} as its option ({@link TrainConfig#optionName}), in config.json's key order, so that
 * the command's own parsing gives back the same config (tested in {@code TrainCommandLineTest}).
 * Used to name a run that something else depends on, e.g. the classifier whose features score a GAN
 * study.
 *
 * <p>Every option is written, defaults included, so that the command does not depend on the
 * defaults of the build that reads it; only empty strings are left out (their option's default is
 * the empty string: no {@code --data} means the embedded mini set, no {@code --mn-layers} the
 * model's default layers). Booleans are written as {@code --x} / {@code --no-x}, numbers in plain
 * decimal notation that parses back to the same double.
 */
public final class TrainCommandLine {
    private TrainCommandLine() {}

    /** {@code ./mixnorm train <every setting of cfg> --out OUT}. */
    public static String of(TrainConfig cfg, String out) {
        List<String> args = new ArrayList<>(List.of("./mixnorm", "train"));
        args.addAll(options(cfg));
        args.add("--out");
        args.add(out);
        return String.join(" ", args.stream().map(TrainCommandLine::shellQuote).toList());
    }

    /** The options (names and values, unquoted) that set every field of {@code cfg}. */
    public static List<String> options(TrainConfig cfg) {
        List<String> args = new ArrayList<>();
        for (Field f : cfg.settings()) {
            Object v;
            try {
                v = f.get(cfg);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(f.getName(), e);
            }
            String option = TrainConfig.optionName(f.getName());
            if (v instanceof Boolean b) {
                args.add(b ? option : "--no-" + option.substring(2));
            } else if (v instanceof String s) {
                if (!s.isEmpty()) {
                    args.add(option);
                    args.add(s);
                }
            } else if (v instanceof Double d) {
                args.add(option);
                args.add(plain(d));
            } else {
                args.add(option);
                args.add(String.valueOf(v));
            }
        }
        return args;
    }

    /** 1.0E-4 → 0.0001, 0.0 → 0: the shortest decimal that reads back as the same double. */
    static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    /**
     * The argument as a POSIX shell reads it: as is when it has no special characters, else
     * single-quoted.
     */
    public static String shellQuote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=,+@%-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
