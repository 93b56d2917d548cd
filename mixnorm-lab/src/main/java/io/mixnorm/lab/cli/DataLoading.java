package io.mixnorm.lab.cli;

import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarReader;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.CifarVariant;
import io.mixnorm.lab.data.DataException;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the data a config asks for: --data, or the mini CIFAR-10 embedded in the mixnorm folder.
 */
final class DataLoading {
    static final String EMBEDDED = "data/cifar-10-mini-binary.tar.gz";

    private DataLoading() {}

    static CifarSplits load(TrainConfig cfg) {
        CifarVariant variant = CifarVariant.parse(cfg.dataset, cfg.labels);
        Path source;
        if (cfg.data == null || cfg.data.isBlank()) {
            if (variant != CifarVariant.CIFAR10) {
                throw new UserException(
                        "--dataset "
                                + cfg.dataset
                                + " needs --data PATH: only a mini CIFAR-10 is embedded; fetch the"
                                + " archive with './mixnorm download cifar100 --to DIR'");
            }
            source = embedded();
        } else {
            source = Path.of(cfg.data);
        }
        return CifarReader.read(source, variant);
    }

    /**
     * The embedded mini set: under -Dmixnorm.home (set by the launcher), else the nearest ancestor
     * folder holding it.
     */
    static Path embedded() {
        String home = System.getProperty("mixnorm.home");
        if (home != null && Files.exists(Path.of(home, EMBEDDED))) {
            return Path.of(home, EMBEDDED);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(EMBEDDED))) {
                return d.resolve(EMBEDDED);
            }
        }
        throw new DataException(
                "the embedded mini CIFAR-10 ("
                        + EMBEDDED
                        + " in the mixnorm folder) is missing; pass --data PATH to a CIFAR-10"
                        + " folder or archive, or fetch the full set with './mixnorm download"
                        + " cifar10 --to DIR'");
    }
}
