package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarVariant;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.metrics.FeatureMatrix;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.lab.train.CheckpointStore;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The default score's features: the penultimate layer (after global average pooling, before the
 * final linear layer) of a classifier trained by {@code mixnorm train}, in inference mode. For cnn5
 * that is 256 features. The score is a Fréchet distance on these features, not an FID: it is
 * comparable only between runs scored with the same classifier checkpoint.
 *
 * <p>Inputs in [-1, 1] are mapped to pixels in [0, 1] and standardized with the statistics the
 * classifier was trained with (those of its training set, as {@code mixnorm train} does).
 */
public final class ClassifierFeatures implements FeatureExtractor {
    public static final String LABEL = "FD (mixnorm CIFAR features)";
    private static final int BATCH = 100;

    private final List<Block> trunk;
    private final ParameterStore ps;
    private final NDManager manager;
    private final Standardization std;
    private final int dim;

    private ClassifierFeatures(List<Block> trunk, NDManager manager, Standardization std) {
        this.trunk = trunk;
        this.manager = manager;
        this.ps = new ParameterStore(manager, false);
        this.std = std;
        this.dim = features(new float[2 * 3072], 2, "probe").cols();
    }

    /**
     * The config of the finished train run in {@code dir}, or a one-line error saying why it cannot
     * be described ({@link FeaturesModel#describe}) and how to make one.
     */
    public static TrainConfig runConfig(Path dir) {
        return FeaturesModel.describe(dir).config();
    }

    /**
     * Loads the newest checkpoint of the train run in {@code dir}.
     *
     * @param std the standardization of the classifier's training set
     */
    public static ClassifierFeatures load(Path dir, Standardization std, NDManager parent) {
        FeaturesModel described = FeaturesModel.describe(dir);
        TrainConfig cfg = described.config();
        int classes = CifarVariant.parse(cfg.dataset, cfg.labels).numClasses();
        ModelZoo.BuiltModel model = ModelZoo.build(cfg.model, cfg.normSpec(), classes);
        NDManager manager = parent.newSubManager();
        model.block().initialize(manager, DataType.FLOAT32, model.inputShape());
        CheckpointStore.Loaded loaded =
                new CheckpointStore(dir, cfg.keepCheckpoints).loadLatest(manager, model.block());
        if (loaded == null) {
            manager.close();
            throw new UserException(
                    "--features-model "
                            + dir
                            + ": the run has no checkpoint yet; let "
                            + "'./mixnorm train' reach its first evaluation");
        }
        loaded.optimizerState().forEach(NDArray::close);
        if (loaded.state().step != described.step()) {
            manager.close();
            throw new UserException(
                    "--features-model "
                            + dir
                            + ": its step-"
                            + described.step()
                            + " checkpoint is damaged "
                            + "and step "
                            + loaded.state().step
                            + " is not the model its config names; train it again with `"
                            + described.command()
                            + "`");
        }
        if (!(model.block() instanceof SequentialBlock seq)) {
            manager.close();
            throw new UserException(
                    "--features-model "
                            + dir
                            + ": model "
                            + cfg.model
                            + " has no penultimate layer to read");
        }
        List<Block> children = seq.getChildren().values();
        return new ClassifierFeatures(children.subList(0, children.size() - 1), manager, std);
    }

    @Override
    public String label() {
        return LABEL;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public FeatureMatrix features(float[] images, int n, String source) {
        float[] mean = std.mean();
        float[] sd = std.std();
        return FeatureExtractor.collect(
                manager,
                images,
                n,
                BATCH,
                source,
                (sub, x) -> {
                    // [-1, 1] → [0, 1] → (p − mean_c) / std_c
                    NDArray m = sub.create(mean, new Shape(1, 3, 1, 1));
                    NDArray s = sub.create(sd, new Shape(1, 3, 1, 1));
                    NDList h = new NDList(x.add(1f).div(2f).sub(m).div(s));
                    for (Block block : trunk) {
                        h = block.forward(ps, h, false);
                    }
                    return h.singletonOrThrow();
                });
    }

    @Override
    public void close() {
        manager.close();
    }
}
