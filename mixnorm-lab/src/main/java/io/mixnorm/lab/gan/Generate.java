package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Runs the generator in inference mode (running statistics / running mixtures), so that samples and
 * scores neither depend on the rest of their batch nor change any state of the run.
 */
public final class Generate {
    private Generate() {}

    /**
     * {@code n} images, NCHW in [-1, 1], from the latent vectors {@code z}, in batches of {@code
     * batch}.
     */
    public static float[] images(GanNetworks nets, NDManager root, float[] z, int n, int batch) {
        float[] out = new float[n * 3 * 32 * 32];
        int per = Dcgan.LATENT;
        for (int i = 0; i < n; i += batch) {
            int b = Math.min(batch, n - i);
            float[] zb = java.util.Arrays.copyOfRange(z, i * per, (i + b) * per);
            try (NDManager sub = root.newSubManager()) {
                NDArray x = sub.create(zb, Dcgan.generatorInput(b));
                float[] img =
                        nets.generator()
                                .forward(nets.parameterStore(), new NDList(x), false)
                                .singletonOrThrow()
                                .toFloatArray();
                System.arraycopy(img, 0, out, i * 3072, img.length);
            }
        }
        return out;
    }
}
