package io.mixnorm.lab.study;

import com.google.gson.JsonObject;
import io.mixnorm.lab.gan.Dcgan;
import java.util.List;
import java.util.Set;

/**
 * The built-in GAN study {@code dcgan-cifar10} (spec §8): the DCGAN of {@code mixnorm gan} on
 * CIFAR-10 with an all-BN generator ({@code bn}) and with MixtureNorm (K = 3) at {@code g.norm1}
 * ({@code mn}, the gan command's default), the DCGAN recipe (Adam lr 2e-4, β1 0.5, β2 0.999, batch
 * 64), 2 seeds. Each run is scored every 150 steps with the Fréchet distance on the penultimate
 * features of a classifier trained by {@code mixnorm train} ("FD (mixnorm CIFAR features)", not an
 * FID) between 1,000 generated and the first 1,000 real test images.
 *
 * <p>Budget: <b>1,500 iterations per run</b> (96,000 images, 1.9 epochs of CIFAR-10), scored every
 * 150, 4 runs: 6,000 iterations. The paper's DCGAN trains far longer; this budget is what a 2-core
 * CPU does in a night. One iteration (batch 64, either generator) took about 6 s here on 2 cores
 * shared with other jobs, so expect 5–10 hours for the study, plus well under a minute per score.
 * {@code --steps}, {@code --score-every} and {@code --seeds} change it; on a GPU a paper-scale
 * budget is one command away.
 *
 * <p>{@code --quick}: the embedded mini CIFAR-10 (5,000 images), 60 iterations per run scored every
 * 20 on 300 images, 1 seed: minutes, a demonstration of the pipeline, not a result.
 */
public final class GanStudies {
    public static final String DCGAN_CIFAR10 = "dcgan-cifar10";

    private GanStudies() {}

    public static List<String> names() {
        return List.of(DCGAN_CIFAR10);
    }

    public static boolean isBuiltIn(String name) {
        return Set.copyOf(names()).contains(name);
    }

    /**
     * A built-in GAN study by name, with the quick budget when asked; null when there is none of
     * that name.
     */
    public static GanStudySpec get(String name, boolean quick) {
        if (!DCGAN_CIFAR10.equals(name)) {
            return null;
        }
        GanStudySpec s = new GanStudySpec();
        s.name = DCGAN_CIFAR10;
        s.description =
                "BN vs MixtureNorm (K=3 at g.norm1) in the DCGAN generator on CIFAR-10 (the"
                        + " discriminator is BN in both): iterations each needs to reach the BN"
                        + " generator's best score (spec §8).";
        s.gan.addProperty("steps", 1500);
        s.gan.addProperty("batchSize", 64);
        s.gan.addProperty("lr", 2e-4);
        s.gan.addProperty("beta1", 0.5);
        s.gan.addProperty("beta2", 0.999);
        s.gan.addProperty("logEvery", 50);
        s.gan.addProperty("sampleEvery", 500);
        s.gan.addProperty("scoreEvery", 150);
        s.gan.addProperty("scoreSamples", 1000);
        s.gan.addProperty("checkpointEvery", 500);
        JsonObject bn = new JsonObject();
        bn.addProperty("name", "bn");
        bn.addProperty("norm", "bn");
        JsonObject mn = new JsonObject();
        mn.addProperty("name", "mn");
        mn.addProperty("norm", "mn");
        mn.addProperty("mnLayers", Dcgan.DEFAULT_MN_LAYERS);
        mn.addProperty("components", 3);
        s.variants = List.of(bn, mn);
        s.seeds = List.of(1L, 2L);
        s.baseline = "bn";
        return quick ? quick(s) : s;
    }

    /**
     * The quick budget: the embedded mini set (unless --data says otherwise), a few dozen
     * iterations, 1 seed.
     */
    public static GanStudySpec quick(GanStudySpec full) {
        GanStudySpec q = full.copy();
        q.quick = true;
        q.name = full.name + "-quick";
        q.gan.addProperty("steps", 60);
        q.gan.addProperty("logEvery", 10);
        q.gan.addProperty("sampleEvery", 60);
        q.gan.addProperty("scoreEvery", 20);
        q.gan.addProperty("scoreSamples", 300);
        q.gan.addProperty("checkpointEvery", 20);
        q.seeds = List.of(1L);
        return q;
    }
}
