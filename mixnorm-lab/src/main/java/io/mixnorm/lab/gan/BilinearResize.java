package io.mixnorm.lab.gan;

/**
 * Bilinear resizing as {@code torch.nn.functional.interpolate(x, size, mode="bilinear",
 * align_corners=False)} computes it (no antialiasing), which pytorch-fid uses to bring images to
 * 299×299. Bilinear resizing is separable, so it is two matrix products: {@code R · X · Rᵀ} with R
 * of shape (out, in); each row of R has at most two non-zero weights summing to 1.
 */
public final class BilinearResize {
    private BilinearResize() {}

    /** The (out × in) interpolation matrix, row-major. */
    public static float[] matrix(int in, int out) {
        float[] r = new float[out * in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            // PyTorch's area_pixel_compute_source_index with align_corners=False, then clamped at 0
            double src = Math.max(0.0, scale * (i + 0.5) - 0.5);
            int i0 = Math.min((int) src, in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double lambda = src - i0;
            r[i * in + i0] += (float) (1 - lambda);
            r[i * in + i1] += (float) lambda;
        }
        return r;
    }
}
