package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Surgery on a small ResNet made only of DJL's own blocks. */
class NormSurgeryTest {

    private static final List<String> PATHS =
            List.of(
                    "02BatchNorm",
                    "04ParallelBlock/01SequentialBlock/02BatchNorm",
                    "04ParallelBlock/01SequentialBlock/05BatchNorm",
                    "06ParallelBlock/01SequentialBlock/02BatchNorm",
                    "06ParallelBlock/01SequentialBlock/05BatchNorm");

    private static Conv2d conv(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(filters)
                .optBias(false)
                .build();
    }

    /** conv-BN-ReLU, then x + (conv-BN-ReLU-conv-BN)(x) twice, pool, linear: 5 BatchNorms. */
    static SequentialBlock resnet() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(conv(8))
                        .add(BatchNorm.builder().build())
                        .add(Activation.reluBlock());
        for (int i = 0; i < 2; i++) {
            SequentialBlock branch =
                    new SequentialBlock()
                            .add(conv(8))
                            .add(BatchNorm.builder().build())
                            .add(Activation.reluBlock())
                            .add(conv(8))
                            .add(BatchNorm.builder().build());
            net.add(
                    new ParallelBlock(
                            l ->
                                    new NDList(
                                            l.get(0)
                                                    .singletonOrThrow()
                                                    .add(l.get(1).singletonOrThrow())),
                            Arrays.asList(branch, Blocks.identityBlock())));
            net.add(Activation.reluBlock());
        }
        return net.add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    private static final String SELECTION = "first:2,06ParallelBlock/01SequentialBlock/05BatchNorm";

    private static List<NormSurgery.Replacement> surgery(Block net) {
        return NormSurgery.replace(
                net,
                SELECTION,
                NormSurgery.mixtureNorm(7L, b -> b.optComponents(2).optFitSamples(64)));
    }

    /** Every block of the tree, depth first, with its path. */
    private static void blocks(Block b, String path, List<String> paths, List<Block> out) {
        for (var child : b.getChildren()) {
            String p = path.isEmpty() ? child.getKey() : path + "/" + child.getKey();
            paths.add(p);
            out.add(child.getValue());
            blocks(child.getValue(), p, paths, out);
        }
    }

    private static List<String> norms(Block net) {
        List<String> paths = new ArrayList<>();
        List<Block> all = new ArrayList<>();
        blocks(net, "", paths, all);
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Block b = all.get(i);
            if (b instanceof BatchNorm || b instanceof MixtureNorm || b instanceof ModeNorm) {
                kinds.add(paths.get(i) + "=" + b.getClass().getSimpleName());
            }
        }
        return kinds;
    }

    @Test
    void listsTheBatchNormsDepthFirstWithTheirSettings() {
        SequentialBlock net = resnet();
        net.add(BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.8f).optCenter(false).build());
        List<NormSurgery.BatchNormInfo> bns = NormSurgery.batchNorms(net);
        assertEquals(6, bns.size());
        assertEquals(PATHS, bns.stream().limit(5).map(NormSurgery.BatchNormInfo::path).toList());
        assertEquals(
                List.of(1, 2, 3, 4, 5, 6),
                bns.stream().map(NormSurgery.BatchNormInfo::index).toList());
        NormSurgery.BatchNormInfo last = bns.get(5);
        assertEquals("11BatchNorm", last.path());
        assertEquals(1e-3f, last.epsilon());
        assertEquals(0.8f, last.momentum());
        assertEquals(1, last.axis());
        assertFalse(last.center());
        assertTrue(last.scale());
        assertEquals(0.9f, bns.get(0).momentum()); // DJL's default
        assertEquals(1e-5f, bns.get(0).epsilon());
    }

    @Test
    void replacesSelectedBatchNormsKeepingNamesAndTrainsSavesAndLoads(@TempDir Path dir)
            throws IOException, MalformedModelException, TranslateException {
        SequentialBlock net = resnet();
        List<String> pathsBefore = new ArrayList<>();
        blocks(net, "", pathsBefore, new ArrayList<>());
        List<NormSurgery.Replacement> done = surgery(net);

        assertEquals(
                List.of(PATHS.get(0), PATHS.get(1), PATHS.get(4)),
                done.stream().map(NormSurgery.Replacement::path).toList());
        assertEquals(List.of(1, 2, 5), done.stream().map(NormSurgery.Replacement::index).toList());
        List<String> pathsAfter = new ArrayList<>();
        blocks(net, "", pathsAfter, new ArrayList<>());
        assertEquals(pathsBefore, pathsAfter, "every block keeps its name");
        assertEquals(
                List.of(
                        PATHS.get(0) + "=MixtureNorm",
                        PATHS.get(1) + "=MixtureNorm",
                        PATHS.get(2) + "=BatchNorm",
                        PATHS.get(3) + "=BatchNorm",
                        PATHS.get(4) + "=MixtureNorm"),
                norms(net));
        assertSame(net.getChildren().get(1).getValue(), done.get(0).replacement());
        MixtureNorm first = (MixtureNorm) done.get(0).replacement();
        assertEquals(2, first.getComponents());
        assertEquals(NormSurgery.layerSeed(7L, 1), first.getSeed());
        assertEquals(
                NormSurgery.layerSeed(7L, 5), ((MixtureNorm) done.get(2).replacement()).getSeed());
        // carried over from DJL's default BatchNorm (momentum 0.9 of the old value)
        assertEquals(1e-5f, first.getEpsilon());
        assertEquals(0.1f, first.getMomentum(), 1e-6f);
        assertEquals(OptionalLong.empty(), done.get(0).channels());

        Shape shape = new Shape(4, 3, 8, 8);
        float[] before;
        float[] after;
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("resnet")) {
            model.setBlock(net);
            NDArray xs = m.randomNormal(new Shape(16, 3, 8, 8));
            NDArray ys = m.randomInteger(0, 10, new Shape(16), DataType.INT32);
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(xs)
                            .optLabels(ys)
                            .setSampling(4, false)
                            .build();
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(1e-2f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(shape);
                EasyTrain.fit(trainer, 2, data, null);
            }
            assertEquals(OptionalLong.of(8), done.get(0).channels());
            assertEquals(8, first.getTrainingCalls(), "the MixtureNorm is the one that runs");
            assertEquals(
                    8,
                    ((MixtureNorm) done.get(2).replacement()).getTrainingCalls(),
                    "also inside the ParallelBlock's branch");
            model.save(dir, "resnet");
            NDArray x = m.randomNormal(shape);
            try (Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator())) {
                before = p.predict(new NDList(x)).head().toFloatArray();
            }

            SequentialBlock net2 = resnet();
            surgery(net2);
            try (Model loaded = Model.newInstance("resnet")) {
                loaded.setBlock(net2);
                loaded.load(dir, "resnet");
                try (Predictor<NDList, NDList> p = loaded.newPredictor(new NoopTranslator())) {
                    after = p.predict(new NDList(x)).head().toFloatArray();
                }
                assertEquals(
                        8, ((MixtureNorm) net2.getChildren().get(1).getValue()).getTrainingCalls());
            }
        }
        assertEquals(4 * 10, before.length);
        assertArrayEquals(before, after, 1e-6f);
    }

    @Test
    void selectsByIndexPathFirstAllAndPredicate() {
        assertEquals(List.of(3, 5), indices("3,5"));
        assertEquals(List.of(4), indices(PATHS.get(3).toUpperCase()));
        assertEquals(List.of(1, 2, 3), indices("first:3"));
        assertEquals(List.of(1, 2, 3, 4, 5), indices("first:9"));
        assertEquals(List.of(1, 2, 3, 4, 5), indices("all"));
        assertEquals(List.of(1, 2, 4), indices(" first:2 ,4,2"));
        SequentialBlock net = resnet();
        List<NormSurgery.Replacement> done =
                NormSurgery.replace(
                        net,
                        bn -> bn.path().endsWith("/05BatchNorm"),
                        NormSurgery.mixtureNorm(0L, b -> b));
        assertEquals(List.of(3, 5), done.stream().map(NormSurgery.Replacement::index).toList());
    }

    private static List<Integer> indices(String selection) {
        return NormSurgery.replace(resnet(), selection, NormSurgery.mixtureNorm(0L, b -> b))
                .stream()
                .map(NormSurgery.Replacement::index)
                .toList();
    }

    @Test
    void selectionThatMatchesNothingListsTheBatchNormPaths() {
        Function<NormSurgery.BatchNormInfo, Block> mn = NormSurgery.mixtureNorm(0L, b -> b);
        SequentialBlock net = resnet();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NormSurgery.replace(net, "03BatchNorm,6", mn));
        assertEquals(
                "NormSurgery: no BatchNorm 03batchnorm, 6 in this model; valid: "
                        + String.join(",", PATHS)
                        + ", indices 1..5, first:N or all",
                e.getMessage());
        assertEquals(
                5,
                norms(net).stream().filter(s -> s.endsWith("=BatchNorm")).count(),
                "a failed surgery changes nothing");
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NormSurgery.replace(net, "first:2,nope", mn));
        assertTrue(e.getMessage().contains("no BatchNorm nope in this model"), e.getMessage());
        assertEquals(5, norms(net).stream().filter(s -> s.endsWith("=BatchNorm")).count());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NormSurgery.replace(net, bn -> false, mn));
        assertEquals(
                "NormSurgery: the predicate selects no BatchNorm; BatchNorm paths: "
                        + String.join(",", PATHS),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NormSurgery.replace(net, " ", mn));
        assertTrue(e.getMessage().contains(String.join(",", PATHS)), e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NormSurgery.replace(net, "first:0", mn));
        assertEquals("'first:0' must be first:N with N >= 1", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> NormSurgery.replace(new SequentialBlock().add(conv(4)), "all", mn));
        assertEquals(
                "NormSurgery: no BatchNorm in this model (nothing to replace)", e.getMessage());
    }

    @Test
    void replacesByModeNormCarryingEpsilonAndMomentum() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(conv(4))
                        .add(BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.75f).build())
                        .add(Activation.reluBlock());
        List<NormSurgery.Replacement> done =
                NormSurgery.replace(
                        net, "02batchnorm", NormSurgery.modeNorm(3L, b -> b.optComponents(2)));
        ModeNorm mode = assertInstanceOf(ModeNorm.class, done.get(0).replacement());
        assertSame(mode, net.getChildren().get(1).getValue());
        assertEquals("02BatchNorm", net.getChildren().get(1).getKey());
        assertEquals(2, mode.getComponents());
        assertEquals(1e-3f, mode.getEpsilon());
        assertEquals(0.25f, mode.getMomentum());
        assertEquals(NormSurgery.layerSeed(3L, 1), mode.getSeed());
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 5, 5));
            NDArray x = m.randomNormal(new Shape(2, 3, 5, 5));
            NDArray y = net.forward(new ParameterStore(m, false), new NDList(x), true).head();
            assertEquals(new Shape(2, 4, 5, 5), y.getShape());
            assertEquals(OptionalLong.of(4), done.get(0).channels());
        }
    }

    @Test
    void mixtureNormOptionsOverrideWhatIsCarriedOver() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(conv(4))
                        .add(
                                BatchNorm.builder()
                                        .optEpsilon(1e-3f)
                                        .optMomentum(0.5f)
                                        .optScale(false)
                                        .build());
        MixtureNorm carried =
                (MixtureNorm)
                        NormSurgery.replace(net, "all", NormSurgery.mixtureNorm(1L, b -> b))
                                .get(0)
                                .replacement();
        assertEquals(1e-3f, carried.getEpsilon());
        assertEquals(0.5f, carried.getMomentum());
        assertEquals(3, carried.getComponents());
        SequentialBlock net2 =
                new SequentialBlock()
                        .add(conv(4))
                        .add(BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.5f).build());
        MixtureNorm set =
                (MixtureNorm)
                        NormSurgery.replace(
                                        net2,
                                        "all",
                                        NormSurgery.mixtureNorm(
                                                1L,
                                                b ->
                                                        b.optEpsilon(1e-4f)
                                                                .optMomentum(0.2f)
                                                                .optSeed(99L)))
                                .get(0)
                                .replacement();
        assertEquals(1e-4f, set.getEpsilon());
        assertEquals(0.2f, set.getMomentum());
        assertEquals(99L, set.getSeed());
    }

    @Test
    void refusesInitialisedRootAndFieldHeldBatchNorms() {
        Function<NormSurgery.BatchNormInfo, Block> mn = NormSurgery.mixtureNorm(0L, b -> b);
        SequentialBlock net = resnet();
        try (NDManager m = NDManager.newBaseManager()) {
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8, 8));
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class, () -> NormSurgery.replace(net, "2", mn));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "NormSurgery: BatchNorm "
                                            + PATHS.get(1)
                                            + " (index 2) is already initialised"),
                    e.getMessage());
        }
        assertThrows(
                IllegalStateException.class,
                () -> NormSurgery.replace(BatchNorm.builder().build(), "all", mn));
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> NormSurgery.replace(new HoldsItsNorm(), "all", mn));
        assertTrue(e.getMessage().contains("HoldsItsNorm.norm"), e.getMessage());
        assertThrows(
                IllegalStateException.class,
                () ->
                        NormSurgery.replace(
                                new SequentialBlock().add(BatchNorm.builder().optAxis(3).build()),
                                "all",
                                mn));
        BatchNorm shared = BatchNorm.builder().build();
        SequentialBlock twice = new SequentialBlock().add(shared).add(conv(3)).add(shared);
        e = assertThrows(IllegalStateException.class, () -> NormSurgery.replace(twice, "1", mn));
        assertEquals(
                "NormSurgery: BatchNorm 01BatchNorm is the same block as 03BatchNorm;"
                        + " replacing it would end the sharing of its parameters",
                e.getMessage());
        assertSame(shared, twice.getChildren().get(0).getValue());
    }

    /** A custom block whose forward calls its BatchNorm through a field. */
    private static final class HoldsItsNorm extends AbstractBlock {
        private final BatchNorm norm = addChildBlock("norm", BatchNorm.builder().build());

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            return norm.forward(ps, in, training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
