package io.mixnorm.lab.gan;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.metrics.FeatureMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * FID's features: Inception-v3 pool3 (2048 per image) from a TorchScript file the user supplies
 * (docs/gan.md says which weights and how to trace them). Images in [-1, 1] are resized to 299×299
 * bilinearly ({@link BilinearResize}) and passed on in [-1, 1], the range pytorch-fid's network
 * expects after its own input normalization; the traced module therefore must not normalize again
 * ({@code normalize_input=False, resize_input=False}). Any output of n·d values is read as (n, d).
 */
public final class InceptionFeatures implements FeatureExtractor {
    public static final int SIDE = 299;
    private static final int BATCH = 25;

    private final Block block;
    private final Model model;
    private final NDManager manager;
    private final ParameterStore ps;
    private final String label;
    private final int dim;

    /**
     * Wraps a loaded block (the TorchScript module, or any block with the same interface:
     * (n,3,299,299) → (n, d)).
     */
    InceptionFeatures(Block block, Model model, NDManager manager, String label) {
        this.block = block;
        this.model = model;
        this.manager = manager;
        this.ps = new ParameterStore(manager, false);
        this.label = label;
        this.dim = features(new float[2 * 3072], 2, "probe").cols();
    }

    /**
     * Loads the TorchScript file with DJL's PyTorch engine; a missing or unreadable file is a
     * one-line error.
     */
    public static InceptionFeatures load(Path file, NDManager parent) {
        if (!Files.isRegularFile(file)) {
            throw new UserException(
                    "--inception "
                            + file
                            + ": no such file; docs/gan.md says how to make the "
                            + "TorchScript Inception-v3 file");
        }
        Model model = Model.newInstance("inception", Device.cpu(), "PyTorch");
        try {
            model.load(file.toAbsolutePath());
            NDManager manager = parent.newSubManager();
            return new InceptionFeatures(
                    model.getBlock(), model, manager, "FID (Inception-v3 pool3)");
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            String m =
                    e.getMessage() == null
                            ? e.getClass().getSimpleName()
                            : e.getMessage().lines().findFirst().orElse("");
            throw new UserException(
                    "--inception "
                            + file
                            + ": not a TorchScript module DJL's PyTorch engine can run "
                            + "on (n,3,299,299) images ("
                            + (m.length() > 160 ? m.substring(0, 157) + "..." : m)
                            + "); see docs/gan.md");
        }
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public FeatureMatrix features(float[] images, int n, String source) {
        return FeatureExtractor.collect(
                manager,
                images,
                n,
                BATCH,
                source,
                (sub, x) -> block.forward(ps, new NDList(resize(x)), false).get(0));
    }

    /** (n, c, h, w) → (n, c, 299, 299), bilinear, align_corners=False. */
    static NDArray resize(NDArray x) {
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        NDManager m = x.getManager();
        NDArray rh = m.create(BilinearResize.matrix(h, SIDE), new Shape(SIDE, h));
        NDArray rw = m.create(BilinearResize.matrix(w, SIDE), new Shape(SIDE, w));
        return rh.matMul(x).matMul(rw.transpose());
    }

    @Override
    public void close() {
        manager.close();
        if (model != null) {
            model.close();
        }
    }
}
