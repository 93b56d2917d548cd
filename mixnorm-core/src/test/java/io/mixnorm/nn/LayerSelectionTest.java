package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerSelectionTest {
    private static final List<String> NAMES = List.of("conv1", "conv2", "conv3", "conv4");

    private static List<Integer> selected(String text) {
        LayerSelection s = LayerSelection.parse(text);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) {
            if (s.matches(NAMES.get(i), i + 1)) {
                out.add(i + 1);
            }
        }
        return out;
    }

    @Test
    void namesIndicesFirstAndAll() {
        assertEquals(List.of(2), selected("CONV2"));
        assertEquals(List.of(1, 4), selected("1,4"));
        assertEquals(List.of(1, 2, 3), selected("first:3"));
        assertEquals(List.of(1, 2, 3, 4), selected("first:7"));
        assertEquals(List.of(1, 2, 3, 4), selected("all"));
        assertEquals(List.of(1, 2, 3), selected(" conv2 , first:1,3,"));
        assertEquals(List.of(), selected(""));
        assertEquals(List.of(1, 2, 3, 4), selected(LayerSelection.all().toString()));
        assertEquals("conv2,first:1", LayerSelection.parse(" CONV2 ,,first:1").toString());
    }

    @Test
    void badFirstIsRejectedWhenParsed() {
        for (String bad : List.of("first:0", "first:-1", "first:x", "first:")) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> LayerSelection.parse("conv1," + bad));
            assertEquals("'" + bad + "' must be first:N with N >= 1", e.getMessage());
        }
    }

    @Test
    void unusedNamesAndIndicesAreListedWithTheValidOnes() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                LayerSelection.parse("conv2,conv9,5,first:9,all")
                                        .requireAllUsed(NAMES, "layer"));
        assertEquals(
                "no layer conv9, 5 in this model; valid: conv1,conv2,conv3,conv4, indices"
                        + " 1..4, first:N or all",
                e.getMessage());
        assertDoesNotThrow(
                () -> LayerSelection.parse("4,conv1,first:9,all").requireAllUsed(NAMES, "layer"));
    }
}
