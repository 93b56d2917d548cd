package io.mixnorm.lab.gan;

import io.mixnorm.lab.util.AtomicFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** An 8×8 grid of 32×32 generated images, 256×256 pixels, no gaps, written atomically as PNG. */
public final class SampleGrid {
    public static final int SIDE = 8;
    public static final int COUNT = SIDE * SIDE;
    public static final int PIXELS = SIDE * 32;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private SampleGrid() {}

    /** {@code images}: 64 NCHW images in [-1, 1]; values outside are clipped. */
    public static BufferedImage render(float[] images) {
        if (images.length != COUNT * 3072) {
            throw new IllegalArgumentException(
                    "a grid needs " + COUNT + " images, got " + images.length / 3072.0);
        }
        BufferedImage img = new BufferedImage(PIXELS, PIXELS, BufferedImage.TYPE_INT_RGB);
        for (int k = 0; k < COUNT; k++) {
            int ox = (k % SIDE) * 32;
            int oy = (k / SIDE) * 32;
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int p = y * 32 + x;
                    int r = toByte(images[k * 3072 + p]);
                    int g = toByte(images[k * 3072 + 1024 + p]);
                    int b = toByte(images[k * 3072 + 2048 + p]);
                    img.setRGB(ox + x, oy + y, (r << 16) | (g << 8) | b);
                }
            }
        }
        return img;
    }

    /** [-1, 1] → 0..255, rounded. */
    static int toByte(float v) {
        float c = Math.max(-1f, Math.min(1f, Float.isNaN(v) ? 0f : v));
        return Math.round((c + 1f) * 127.5f);
    }

    public static void write(Path png, float[] images) {
        BufferedImage img = render(images);
        // in-memory image stream: ImageIO's file cache registers a shutdown hook, which fails
        // during SIGINT
        AtomicFiles.write(
                png,
                out -> {
                    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                        if (!ImageIO.write(img, "png", ios)) {
                            throw new java.io.IOException("no PNG writer");
                        }
                    }
                });
    }

    /** {@code samples/step-000500.png}. */
    public static Path file(Path runDir, long step) {
        return runDir.resolve("samples").resolve(String.format("step-%06d.png", step));
    }
}
