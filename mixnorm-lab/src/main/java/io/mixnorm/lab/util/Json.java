package io.mixnorm.lab.util;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonSyntaxException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one Gson configuration of the lab: pretty, stable field order, NaN allowed as "NaN", and
 * integers read strictly. Gson's own int and long adapters, reading from a parsed tree (as every
 * config, study file and checkpoint state here is read), convert through {@code Number.intValue()}:
 * {@code 18446744073709551619} became 3, {@code 4294967304} became 8 and {@code 2.7} became 2,
 * silently. Here a value that is not a whole number in the field's range is an error naming the
 * key, as the command line refuses the same values.
 */
public final class Json {
    public static final Gson GSON =
            new GsonBuilder()
                    .setPrettyPrinting()
                    .serializeSpecialFloatingPointValues()
                    .disableHtmlEscaping()
                    .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                    .registerTypeAdapter(
                            int.class,
                            new StrictInteger<>(Integer.MIN_VALUE, Integer.MAX_VALUE, v -> (int) v))
                    .registerTypeAdapter(
                            Integer.class,
                            new StrictInteger<>(Integer.MIN_VALUE, Integer.MAX_VALUE, v -> (int) v))
                    .registerTypeAdapter(
                            long.class, new StrictInteger<>(Long.MIN_VALUE, Long.MAX_VALUE, v -> v))
                    .registerTypeAdapter(
                            Long.class, new StrictInteger<>(Long.MIN_VALUE, Long.MAX_VALUE, v -> v))
                    .create();

    private Json() {}

    /**
     * The text of a JSON file the user names ({@code where}: "--config FILE"), or a one-line error
     * that says what is wrong: not found, not UTF-8, or the system's reason.
     */
    public static String readText(Path file, String where) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserException(where + ": not found");
        } catch (CharacterCodingException e) {
            throw new UserException(where + ": not UTF-8 text (a damaged or binary file?)");
        } catch (IOException e) {
            throw new UserException(
                    where
                            + ": cannot read ("
                            + (Files.isDirectory(file) ? "a folder, not a file" : e.getMessage())
                            + ")");
        }
    }

    /**
     * What a value of {@code type} must be, for error messages: "a whole number from 0 to 9", "a
     * number".
     */
    public static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return wholeNumber(Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == long.class || type == Long.class) {
            return wholeNumber(Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == double.class
                || type == Double.class
                || type == float.class
                || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        return type == String.class ? "a string" : "a " + type.getSimpleName();
    }

    private static String wholeNumber(long min, long max) {
        return "a whole number from " + min + " to " + max;
    }

    /**
     * An int or long adapter that accepts only whole numbers in [min, max] (and, as Gson does,
     * numeric strings): {@code 3}, {@code 3.0} and {@code 3e0} are 3; {@code 2.7}, {@code 1e400}
     * and {@code 2^64+3} are errors.
     */
    private static final class StrictInteger<T extends Number> extends TypeAdapter<T> {
        /**
         * Longer number texts are refused unparsed: {@link BigDecimal} would take quadratic time.
         */
        private static final int MAX_TEXT = 100;

        private final long min;
        private final long max;
        private final java.util.function.LongFunction<T> box;

        StrictInteger(long min, long max, java.util.function.LongFunction<T> box) {
            this.min = min;
            this.max = max;
            this.box = box;
        }

        @Override
        public void write(JsonWriter out, T value) throws IOException {
            if (value == null) {
                out.nullValue();
            } else {
                out.value(value.longValue());
            }
        }

        @Override
        public T read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            String path = in.getPath();
            String text = in.nextString(); // the number's own text, for a number token
            Long v = exact(text.trim());
            if (v == null || v < min || v > max) {
                String key = path.startsWith("$.") ? path.substring(2) : path;
                throw new JsonSyntaxException(
                        "key '"
                                + key
                                + "' must be "
                                + wholeNumber(min, max)
                                + ", got "
                                + (text.length() > 40 ? text.substring(0, 37) + "..." : text));
            }
            return box.apply(v);
        }

        /** The value of a number text when it is a whole number that fits a long, else null. */
        private static Long exact(String text) {
            if (text.isEmpty() || text.length() > MAX_TEXT) {
                return null;
            }
            BigDecimal d;
            try {
                d = new BigDecimal(text);
            } catch (NumberFormatException e) {
                return null;
            }
            if (d.signum() == 0) {
                return 0L;
            }
            if (d.precision() - d.scale() > 19) {
                return null; // at least 10^19: beyond a long, decided without expanding a huge
                // exponent
            }
            d = d.stripTrailingZeros();
            if (d.scale() > 0) {
                return null; // a fraction
            }
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
    }
}
