package io.mixnorm.lab.models;

import io.mixnorm.lab.UserException;
import java.util.Locale;

/** The normalization layers the lab can put at a model's norm positions. */
public enum NormKind {
    /** DJL's {@code BatchNorm}. */
    BN("bn"),
    /** {@code io.mixnorm.nn.MixtureNorm} (Kalayeh &amp; Shah 2019). */
    MN("mn"),
    /** {@code io.mixnorm.nn.ModeNorm} (Deecke et al. 2019). */
    MODENORM("modenorm");

    private final String cliName;

    NormKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static NormKind parse(String s) {
        for (NormKind k : values()) {
            if (k.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new UserException(
                "--norm: unknown normalization '" + s + "' (expected bn, mn or modenorm)");
    }
}
