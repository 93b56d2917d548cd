package io.mixnorm.lab.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.train.PreparedModel;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.lab.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mixnorm summary}: a model's layers, which norm each uses, and parameter counts. */
@Command(
        name = "summary",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Print a model's layers, the norm at each norm position, and parameter counts.")
public final class SummaryCommand implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(names = "--classes", description = "Output classes (default: ${DEFAULT-VALUE}).")
    int classes = 10;

    @Option(
            names = "--json",
            description =
                    "Print JSON: {model, parameters, layers: [{name, norm, channels}], blocks}.")
    boolean json;

    @Override
    public Integer call() {
        TrainConfig cfg = new TrainConfig();
        options.applyTo(cfg, false);
        cfg.validate();
        try (NDManager root = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(cfg, classes, root);
            Block net = pm.model().block();
            List<Map<String, Object>> blocks = new ArrayList<>();
            Shape shape = new Shape(1, 3, 32, 32);
            int i = 0;
            for (Pair<String, Block> child : net.getChildren()) {
                Block b = child.getValue();
                shape = b.getOutputShapes(new Shape[] {shape})[0];
                long params = 0;
                for (Pair<String, Parameter> p : b.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        params += p.getValue().getArray().getShape().size();
                    }
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", ++i);
                m.put("block", b.getClass().getSimpleName());
                m.put("output_shape", shape.toString());
                m.put("parameters", params);
                blocks.add(m);
            }
            List<Map<String, Object>> layers = new ArrayList<>();
            for (LayerInfo l : pm.model().norms()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", l.name());
                m.put("index", l.index());
                m.put("norm", l.norm());
                m.put("channels", l.channels());
                layers.add(m);
            }
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", cfg.model);
                out.put("parameters", pm.parameterCount());
                out.put("layers", layers);
                out.put("blocks", blocks);
                System.out.println(Json.GSON.toJson(out));
                return 0;
            }
            System.out.printf(
                    Locale.ROOT, "%s for %d classes, input (N, 3, 32, 32)%n%n", cfg.model, classes);
            System.out.printf(
                    Locale.ROOT,
                    "%4s  %-20s %-22s %12s%n",
                    "#",
                    "block",
                    "output (N=1)",
                    "parameters");
            for (Map<String, Object> m : blocks) {
                System.out.printf(
                        Locale.ROOT,
                        "%4d  %-20s %-22s %,12d%n",
                        m.get("index"),
                        m.get("block"),
                        m.get("output_shape"),
                        (Long) m.get("parameters"));
            }
            System.out.printf(Locale.ROOT, "%nnorm layers:%n");
            for (LayerInfo l : pm.model().norms()) {
                System.out.printf(
                        Locale.ROOT,
                        "  %d %-8s %-9s %d channels%n",
                        l.index(),
                        l.name(),
                        l.norm(),
                        l.channels());
            }
            System.out.printf(Locale.ROOT, "%ntrainable parameters: %,d%n", pm.parameterCount());
            return 0;
        }
    }
}
