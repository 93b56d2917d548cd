package io.mixnorm.lab.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mixnorm.lab.UserException;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormFactoryTest {
    private static List<String> norms(String kind, String layers) {
        NormSpec spec =
                new NormSpec(
                        NormKind.parse(kind), layers, 3, NormSpec.MixtureOptions.defaults(), 7L);
        return ModelZoo.build("cnn5", spec, 10).norms().stream().map(LayerInfo::norm).toList();
    }

    @Test
    void bnEverywhereByDefault() {
        assertEquals(List.of("bn", "bn", "bn", "bn"), norms("bn", ""));
    }

    @Test
    void mnGoesToTheModelDefaultConv2() {
        assertEquals(List.of("bn", "mn", "bn", "bn"), norms("mn", ""));
    }

    @Test
    void selectionByNameIndexFirstAndAll() {
        assertEquals(List.of("bn", "mn", "mn", "bn"), norms("mn", "conv2,conv3"));
        assertEquals(List.of("mn", "bn", "bn", "mn"), norms("mn", "1,4"));
        assertEquals(List.of("mn", "mn", "mn", "bn"), norms("mn", "first:3"));
        assertEquals(List.of("mn", "mn", "mn", "mn"), norms("mn", "all"));
        assertEquals(List.of("bn", "modenorm", "bn", "bn"), norms("modenorm", "CONV2"));
    }

    @Test
    void unknownLayerListsTheValidNames() {
        UserException e = assertThrows(UserException.class, () -> norms("mn", "conv2,conv9"));
        assertTrue(e.getMessage().contains("conv9"), e.getMessage());
        assertTrue(e.getMessage().contains("conv1,conv2,conv3,conv4"), e.getMessage());
        assertEquals(
                "--mn-layers: no layer conv9 in this model; valid: conv1,conv2,conv3,conv4, indices"
                        + " 1..4, first:N or all",
                e.getMessage());
        assertThrows(UserException.class, () -> norms("mn", "5"));
        e = assertThrows(UserException.class, () -> norms("mn", "first:0"));
        assertEquals("--mn-layers: 'first:0' must be first:N with N >= 1", e.getMessage());
        assertEquals(
                List.of("bn", "bn", "bn", "bn"),
                norms("bn", "conv9,first:0"),
                "bn reads no selection");
    }

    @Test
    void unknownNormAndZeroComponentsAreUserErrors() {
        assertThrows(UserException.class, () -> NormKind.parse("layernorm"));
        NormSpec spec = new NormSpec(NormKind.MN, "", 0, NormSpec.MixtureOptions.defaults(), 1L);
        UserException e = assertThrows(UserException.class, () -> ModelZoo.build("cnn5", spec, 10));
        assertTrue(e.getMessage().contains("--components"), e.getMessage());
    }
}
