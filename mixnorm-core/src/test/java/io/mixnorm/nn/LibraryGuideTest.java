package io.mixnorm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/library.md, run: every {@code java} block of that page is quoted from this
 * file ({@link #everyJavaBlockOfTheGuideIsQuotedFromThisTest} fails when they drift apart).
 */
class LibraryGuideTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path GUIDE = MODULE.getParent().resolve("docs/library.md");
    private static final Path SOURCE =
            MODULE.resolve("src/test/java/io/mixnorm/nn/LibraryGuideTest.java");

    // A plain DJL network: a small ResNet, no mixnorm class in it.
    static SequentialBlock resnet() {
        SequentialBlock net = new SequentialBlock()
                .add(conv(16))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock());
        for (int i = 0; i < 2; i++) {
            SequentialBlock branch = new SequentialBlock()
                    .add(conv(16))
                    .add(BatchNorm.builder().build())
                    .add(Activation.reluBlock())
                    .add(conv(16))
                    .add(BatchNorm.builder().build());
            net.add(new ParallelBlock(   // x + branch(x)
                    list -> new NDList(list.get(0).head().add(list.get(1).head())),
                    Arrays.asList(branch, Blocks.identityBlock())));
            net.add(Activation.reluBlock());
        }
        return net.add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .setFilters(filters).optBias(false).build();
    }

    @Test
    void theGuideRunsEndToEnd(@TempDir Path modelDir)
            throws IOException, MalformedModelException, TranslateException {
        SequentialBlock net = resnet();
        for (NormSurgery.BatchNormInfo bn : NormSurgery.batchNorms(net)) {
            System.out.println(bn.index() + "  " + bn.path());
        }
        List<String> listing = NormSurgery.batchNorms(net).stream()
                .map(bn -> bn.index() + "  " + bn.path()).toList();
        assertEquals(List.of(
                "1  02BatchNorm",
                "2  04ParallelBlock/01SequentialBlock/02BatchNorm",
                "3  04ParallelBlock/01SequentialBlock/05BatchNorm",
                "4  06ParallelBlock/01SequentialBlock/02BatchNorm",
                "5  06ParallelBlock/01SequentialBlock/05BatchNorm"), listing);
        assertTrue(readGuide().contains("```text\n" + String.join("\n", listing) + "\n```"),
                "docs/library.md shows the listing above");

        List<NormSurgery.Replacement> replaced = NormSurgery.replace(net, "first:2",
                NormSurgery.mixtureNorm(42L, b -> b.optComponents(3)));

        assertEquals(List.of("02BatchNorm", "04ParallelBlock/01SequentialBlock/02BatchNorm"),
                replaced.stream().map(NormSurgery.Replacement::path).toList());
        assertTrue(net.getChildren().get(1).getValue() instanceof MixtureNorm);
        assertEquals("02BatchNorm", net.getChildren().get(1).getKey());
        Model model = Model.newInstance("resnet-mn");
        model.setBlock(net);
        try {
            NDManager manager = model.getNDManager();
            NDArray images = manager.randomUniform(0f, 1f, new Shape(64, 3, 16, 16));
            NDArray labels = manager.randomInteger(0, 10, new Shape(64), DataType.INT32);
            ArrayDataset trainSet = new ArrayDataset.Builder()
                    .setData(images)
                    .optLabels(labels)
                    .setSampling(16, true)
                    .build();

            TrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(16, 3, 16, 16));
                EasyTrain.fit(trainer, 2, trainSet, null);
            }

            MixtureNorm first = (MixtureNorm) replaced.get(0).replacement();
            assertEquals(8, first.getTrainingCalls(), "2 epochs of 4 batches");
            assertEquals(16, replaced.get(0).channels().getAsLong());
            double[] runningMeans = first.getRunningMixture().means();
            List<NDList> batches = new ArrayList<>();
            for (Batch batch : trainSet.getData(manager)) {
                NDList data = batch.getData();
                data.attach(manager); // DJL closes each batch when the loop moves on
                batches.add(data);
            }
            PreciseStatistics.Report report = PreciseStatistics.recompute(
                    model.getBlock(), new ParameterStore(manager, false), batches);

            assertEquals(4, report.batches());
            assertEquals(listing.stream().map(l -> l.substring(3)).toList(),
                    report.layers().stream().map(PreciseStatistics.Layer::path).toList(),
                    "one path syntax for surgery and precise statistics");
            assertEquals(List.of("MixtureNorm", "MixtureNorm", "BatchNorm", "BatchNorm",
                    "BatchNorm"), report.layers().stream().map(PreciseStatistics.Layer::kind)
                            .toList());
            assertEquals(8, first.getTrainingCalls(), "recomputing is not training");
            assertFalse(Arrays.equals(runningMeans, first.getRunningMixture().means()),
                    "the running mixture was replaced by the population's");
            NDArray someImages = images.get("0:4");
            float[] expected;
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
                expected = predictor.predict(new NDList(someImages)).head().toFloatArray();
            }
            model.save(modelDir, "resnet-mn");

            float[] scores = loadAndPredict(modelDir, someImages);
            assertEquals(4 * 10, scores.length);
            assertArrayEquals(expected, scores, 1e-6f);
        } finally {
            model.close();
        }
    }

    static float[] loadAndPredict(Path modelDir, NDArray images)
            throws IOException, MalformedModelException, TranslateException {
        SequentialBlock fresh = resnet();                      // the same network
        NormSurgery.replace(fresh, "first:2",                  // and the same surgery
                NormSurgery.mixtureNorm(42L, b -> b.optComponents(3)));
        try (Model loaded = Model.newInstance("resnet-mn")) {
            loaded.setBlock(fresh);
            loaded.load(modelDir, "resnet-mn");
            try (Predictor<NDList, NDList> predictor = loaded.newPredictor(new NoopTranslator())) {
                NDArray scores = predictor.predict(new NDList(images)).head(); // (N, 10) logits
                return scores.toFloatArray();
            }
        }
    }

    @Test
    void modeNormByPathAndIndex() {
        Block net = resnet();
        List<NormSurgery.Replacement> replaced = NormSurgery.replace(net,
                "04ParallelBlock/01SequentialBlock/05BatchNorm,5",
                NormSurgery.modeNorm(42L, b -> b.optComponents(2)));

        assertEquals(List.of(3, 5), replaced.stream().map(NormSurgery.Replacement::index)
                .toList());
        assertTrue(replaced.get(0).replacement() instanceof ModeNorm);
        assertTrue(replaced.get(1).replacement() instanceof ModeNorm);
    }

    @Test
    void mixtureNormByPredicate() {
        Block net = resnet();
        List<NormSurgery.Replacement> replaced = NormSurgery.replace(net,
                bn -> bn.path().startsWith("06ParallelBlock/"),
                NormSurgery.mixtureNorm(42L, b -> b.optComponents(2).optFitSamples(1024)));

        assertEquals(List.of(4, 5), replaced.stream().map(NormSurgery.Replacement::index)
                .toList());
        assertEquals(1024, ((MixtureNorm) replaced.get(0).replacement()).getFitSamples());
    }

    @Test
    void theGuideQuotesTheErrorOfAnUnknownLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NormSurgery.replace(resnet(), "conv2",
                        NormSurgery.mixtureNorm(42L, b -> b)));
        assertTrue(readGuide().contains(e.getMessage()), "the guide quotes the error: "
                + e.getMessage());
    }

    /** The coordinates in the guide's pom snippet are this build's. */
    @Test
    void theGuidesMavenCoordinatesAreThisBuilds() throws IOException {
        String pom = Files.readString(MODULE.getParent().resolve("pom.xml"));
        String guide = readGuide();
        assertEquals(property(pom, "<artifactId>mixnorm-parent</artifactId>\\s*<version>"),
                version(guide, "mixnorm-core"));
        assertEquals(property(pom, "<djl.version>"), version(guide, "pytorch-engine"));
        assertEquals(property(pom, "<pytorch.jni.version>"), version(guide, "pytorch-jni"));
        assertEquals(property(pom, "<pytorch.native.version>"),
                version(guide, "pytorch-native-cpu"));
        assertTrue(guide.contains("./mvnw -q install -pl mixnorm-core -am -DskipTests"));
    }

    private static String property(String pom, String before) {
        Matcher m = Pattern.compile(before + "([^<]+)<").matcher(pom);
        assertTrue(m.find(), before);
        return m.group(1);
    }

    private static String version(String guide, String artifact) {
        Matcher m = Pattern.compile("<artifactId>" + artifact
                + "</artifactId>\\s*<version>([^<]+)</version>").matcher(guide);
        assertTrue(m.find(), "docs/library.md: a dependency on " + artifact);
        return m.group(1);
    }

    /** Each {@code java} block of the guide occurs in this file, line by line, same indent. */
    @Test
    void everyJavaBlockOfTheGuideIsQuotedFromThisTest() throws IOException {
        List<String> source = Files.readAllLines(SOURCE, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readGuide());
        int blocks = 0;
        while (m.find()) {
            blocks++;
            List<String> block = m.group(1).lines().toList();
            assertTrue(occurs(block, source), "docs/library.md java block " + blocks
                    + " is not in LibraryGuideTest.java:\n" + m.group(1));
        }
        assertTrue(blocks >= 5, "the guide has its java blocks, found " + blocks);
    }

    private static boolean occurs(List<String> block, List<String> source) {
        for (int i = 0; i + block.size() <= source.size(); i++) {
            String indent = source.get(i).substring(0,
                    source.get(i).length() - source.get(i).stripLeading().length());
            boolean all = true;
            for (int j = 0; j < block.size() && all; j++) {
                String want = block.get(j).isEmpty() ? "" : indent + block.get(j);
                all = source.get(i + j).equals(want);
            }
            if (all && block.get(0).equals(source.get(i).stripLeading())) {
                return true;
            }
        }
        return false;
    }

    private static String readGuide() {
        try {
            return Files.readString(GUIDE, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(GUIDE + " is missing", e);
        }
    }
}
