package io.mixnorm.lab.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.metrics.FeatureMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Inception plumbing without Inception weights (they cannot be made offline here): the resize
 * against PyTorch's bilinear formula, the loader's one-line errors, and the feature path through a
 * stand-in block with the traced module's interface, (n, 3, 299, 299) in [-1, 1] → (n, d).
 */
class InceptionFeaturesTest {
    @TempDir Path tmp;

    @Test
    void resizeMatrixFollowsPyTorchBilinearWithoutAlignCorners() {
        float[] r = BilinearResize.matrix(32, 299);
        double scale = 32.0 / 299;
        for (int i = 0; i < 299; i++) {
            double sum = 0;
            double ramp = 0;
            for (int j = 0; j < 32; j++) {
                sum += r[i * 32 + j];
                ramp += r[i * 32 + j] * j;
            }
            assertEquals(1.0, sum, 1e-6, "row " + i + " keeps constants");
            double src = Math.min(31, Math.max(0, scale * (i + 0.5) - 0.5));
            assertEquals(src, ramp, 1e-4, "row " + i + " interpolates a ramp linearly");
        }
        assertEquals(
                1f, r[0], "the first output pixel is the first input pixel (clamped source index)");
        assertEquals(1f, r[298 * 32 + 31], "the last output pixel is the last input pixel");
    }

    @Test
    void missingFileIsAOneLineError() {
        try (NDManager m = NDManager.newBaseManager()) {
            UserException e =
                    assertThrows(
                            UserException.class,
                            () -> InceptionFeatures.load(tmp.resolve("nope.pt"), m));
            assertTrue(
                    e.getMessage().startsWith("--inception ")
                            && e.getMessage().contains("no such file"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("docs/gan.md"), e.getMessage());
        }
    }

    @Test
    void aFileThatIsNotTorchScriptIsAOneLineError() throws IOException {
        Path bad = Files.writeString(tmp.resolve("inception.pt"), "not a TorchScript archive\n");
        try (NDManager m = NDManager.newBaseManager()) {
            UserException e =
                    assertThrows(UserException.class, () -> InceptionFeatures.load(bad, m));
            assertTrue(e.getMessage().startsWith("--inception " + bad), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void featuresGoThroughA299ResizeInTheGeneratorRange() {
        try (NDManager m = NDManager.newBaseManager()) {
            // stand-in for the traced module: checks the input shape, returns per-channel means (n,
            // 3)
            LambdaBlock standIn =
                    new LambdaBlock(
                            in -> {
                                NDArray x = in.singletonOrThrow();
                                assertEquals(299, x.getShape().get(2));
                                assertEquals(299, x.getShape().get(3));
                                return new NDList(
                                        x.sum(new int[] {3}).sum(new int[] {2}).div(299f * 299f));
                            });
            InceptionFeatures f = new InceptionFeatures(standIn, null, m.newSubManager(), "test");
            assertEquals(3, f.dim());
            float[] images = new float[2 * 3072];
            Arrays.fill(images, 0, 3072, -0.5f); // image 0: constant −0.5
            for (int c = 0; c < 3; c++) {
                Arrays.fill(
                        images,
                        3072 + c * 1024,
                        3072 + (c + 1) * 1024,
                        c / 2f); // image 1: channel c = c/2
            }
            FeatureMatrix fm = f.features(images, 2, "test");
            for (int c = 0; c < 3; c++) {
                assertEquals(-0.5, fm.get(0, c), 1e-5, "no renormalization of [-1, 1] inputs");
                assertEquals(c / 2.0, fm.get(1, c), 1e-5);
            }
            f.close();
        }
    }

    @Test
    void resizeOfABatchKeepsBatchAndChannels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(-1, 1, new Shape(3, 3, 32, 32));
            NDArray y = InceptionFeatures.resize(x);
            assertEquals(new Shape(3, 3, 299, 299), y.getShape());
            assertTrue(
                    y.max().getFloat() <= x.max().getFloat() + 1e-6,
                    "interpolation stays within the input range");
        }
    }
}
