package io.mixnorm.lab.study;

import io.mixnorm.lab.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The built-in studies, each a study file (study.json's format) among the resources: {@code
 * io/mixnorm/lab/studies/<name>.json}, read by {@link StudySpec#parse}. The 5-layer CNN ones follow
 * the paper (spec §8): two learning rates, the second 5× the first (AdamW 1e-3 and 5e-3, weight
 * decay 1e-4, as third-party reproductions used), MN at conv2 with K = 3, a constant learning rate
 * so that "first step reaching BN's maximum" is not decided by a decay schedule. The ablations
 * (layers, K, MN options) are separate studies at the first learning rate.
 *
 * <p>Full budgets (the protocol of spec §8, issue 16): 1,500 steps of batch 128 (3.84 epochs),
 * evaluated on the whole test set every 100 steps with both re-estimated ("precise", 20 training
 * batches; the headline) and running statistics; 8 seeds for the two-rate studies, 3 for the
 * ablations. Each seed is its own data order and initialisation, shared by every variant of that
 * seed. About 15 minutes per run on 2 CPU cores. The paper trained longer; {@code --steps} sets any
 * budget.
 *
 * <p>The deep-model studies (spec §8: DenseNet-40, DenseNet-BC-100, Inception-V3 on CIFAR-10)
 * follow the DenseNet paper's recipe: SGD with Nesterov momentum 0.9, lr 0.1 divided by 10 at 50%
 * and 75% of the budget, weight decay 1e-4, batch 64. The paper trains 300 epochs; the built-ins
 * run a <b>shortened budget of 30 epochs</b> (23,430 steps; the schedule's drops move with the
 * budget), because one 300-epoch run takes days on a CPU. The full-length configs for GPU users are
 * {@code docs/studies/*-full.json} (300 epochs, 3 seeds), described in {@code docs/models.md}.
 * Variants: BN, MN (K = 3) at the first norm layer, at the first three, and at one layer in the
 * middle of the network.
 *
 * <p>The GAN study {@code dcgan-cifar10} (spec §8): the DCGAN of {@code mixnorm gan} on CIFAR-10
 * with an all-BN generator ({@code bn}) and with MixtureNorm (K = 3) at {@code g.norm1} ({@code
 * mn}, the gan command's default), the DCGAN recipe (Adam lr 2e-4, β1 0.5, β2 0.999, batch 64), 2
 * seeds, <b>1,500 iterations per run</b> (1.9 epochs of CIFAR-10), each scored every 150 steps with
 * the Fréchet distance on the penultimate features of a classifier trained by {@code mixnorm train}
 * ("FD (mixnorm CIFAR features)", not an FID) between 1,000 generated and the first 1,000 real test
 * images. The paper's DCGAN trains far longer; this budget is what a 2-core CPU does in a night.
 *
 * <p>{@code --quick} ({@link StudySpec#quick()}, the same for a study file): for the classifier
 * studies the embedded mini CIFAR-10, 400 steps of batch 64, evaluated every 25 steps; for the GAN
 * study 60 iterations scored every 20 on 300 images; 1 seed.
 */
public final class Studies {
    /** The built-in studies in the order {@code --help} and errors list them. */
    private static final List<String> NAMES =
            List.of(
                    "cnn5-cifar10",
                    "cnn5-cifar100",
                    "cnn5-cifar10-layers",
                    "cnn5-cifar10-k",
                    "cnn5-cifar10-options",
                    "densenet40-cifar10",
                    "densenet-bc100-cifar10",
                    "inception-v3-cifar10",
                    "dcgan-cifar10");

    /**
     * The 5-layer CNN studies' budget: 1,500 steps of batch 128 (3.84 epochs), decided by the power
     * analysis (§8).
     */
    public static final long CNN5_STEPS = 1500;

    /**
     * Steps of the shortened deep-model budget: 30 epochs of the 50,000 training images in batches
     * of 64.
     */
    public static final long DEEP_STEPS = 30L * (50_000 / 64);

    private Studies() {}

    /** Every built-in study's name. */
    public static List<String> names() {
        return NAMES;
    }

    /** The built-in studies of one kind. */
    public static List<String> names(RunKind<?> kind) {
        return NAMES.stream().filter(n -> get(n, false).kind() == kind).toList();
    }

    /** A built-in study by name, with the quick budget when asked. */
    public static StudySpec get(String name, boolean quick) {
        if (!NAMES.contains(name)) {
            throw new UserException(
                    "--study: unknown study '"
                            + name
                            + "' (built in: "
                            + String.join(", ", NAMES)
                            + "; or pass --config FILE)");
        }
        String resource = "/io/mixnorm/lab/studies/" + name + ".json";
        String text;
        try (InputStream in = Studies.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StudySpec spec = StudySpec.parse(text, "built-in study " + name);
        return quick ? spec.quick() : spec;
    }
}
