package io.mixnorm.nn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which of a model's normalization layers to select, written as comma-separated tokens such as
 * {@code "conv2,first:2,3,all"}:
 *
 * <ul>
 *   <li>{@code all} — every layer;
 *   <li>{@code first:N} — the first N layers in order ({@code N ≥ 1}; more than there are is simply
 *       all of them);
 *   <li>a positive integer — the layer with that 1-based index;
 *   <li>anything else — the layer with that name, compared ignoring case.
 * </ul>
 *
 * A layer is selected when any token selects it. What a layer's name and index are is up to the
 * caller: {@link NormSurgery} uses the slash-joined DJL path of a {@code BatchNorm} and its
 * position in depth-first order; the lab's models use their own names ({@code conv2}) and creation
 * order. The lab's {@code --mn-layers} and {@link NormSurgery} share this class, so the syntax and
 * the errors are the same in both.
 */
public final class LayerSelection {
    private static final String FIRST = "first:";

    private final List<String> tokens;

    private LayerSelection(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /**
     * Parses a selection. Blank tokens are ignored, so {@code ""} selects nothing.
     *
     * @param text comma-separated tokens
     * @return the selection
     * @throws IllegalArgumentException on a {@code first:} token whose N is not an integer ≥ 1
     */
    public static LayerSelection parse(String text) {
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                String t = s.trim().toLowerCase(Locale.ROOT);
                if (t.startsWith(FIRST)) {
                    parseFirst(t);
                }
                out.add(t);
            }
        }
        return new LayerSelection(out);
    }

    /**
     * @return the selection of every layer
     */
    public static LayerSelection all() {
        return new LayerSelection(List.of("all"));
    }

    /**
     * @param name the layer's name
     * @param index the layer's 1-based index
     * @return whether any token selects this layer
     */
    public boolean matches(String name, int index) {
        for (String t : tokens) {
            if (t.equals("all")
                    || t.equals(name.toLowerCase(Locale.ROOT))
                    || t.equals(Integer.toString(index))
                    || (t.startsWith(FIRST) && index <= parseFirst(t))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks that every name or index token names one of the layers ({@code all} and {@code
     * first:N} always do).
     *
     * @param names the names of all layers, in index order (index = position + 1)
     * @param noun what the layers are, for the message ("layer", "BatchNorm")
     * @throws IllegalArgumentException one line: "no layer conv9 in this model; valid: conv1,conv2,
     *     indices 1..2, first:N or all"
     */
    public void requireAllUsed(List<String> names, String noun) {
        Set<String> unknown = new LinkedHashSet<>();
        for (String t : tokens) {
            boolean hit = t.equals("all") || t.startsWith(FIRST);
            for (int i = 0; i < names.size() && !hit; i++) {
                hit =
                        t.equals(names.get(i).toLowerCase(Locale.ROOT))
                                || t.equals(Integer.toString(i + 1));
            }
            if (!hit) {
                unknown.add(t);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "no "
                            + noun
                            + " "
                            + String.join(", ", unknown)
                            + " in this model; valid: "
                            + String.join(",", names)
                            + ", indices 1.."
                            + names.size()
                            + ", first:N or all");
        }
    }

    /**
     * @return the tokens joined by commas, lower case
     */
    @Override
    public String toString() {
        return String.join(",", tokens);
    }

    private static int parseFirst(String token) {
        try {
            int n = Integer.parseInt(token.substring(FIRST.length()));
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("'" + token + "' must be first:N with N >= 1");
    }
}
