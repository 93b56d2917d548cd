package io.mixnorm.lab.report;

import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.study.RunKind;
import io.mixnorm.lab.study.StudyResults;
import io.mixnorm.lab.study.StudySpec;
import io.mixnorm.lab.train.MetricsRow;
import io.mixnorm.lab.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Chooses the runs for {@link Figure1} (BN and the first MN variant, first learning rate and seed)
 * and describes the figure.
 */
final class Figure1Section {
    static final String FILE = "figure1.png";

    private Figure1Section() {}

    /**
     * Writes figure1.png when both runs are over; returns the report's Markdown for it (or why it
     * is missing).
     */
    static String write(
            StudySpec spec,
            Path out,
            List<StudyResults.Run<MetricsRow>> runs,
            Function<TrainConfig, CifarSplits> loader) {
        double lr = spec.lrs.get(0);
        long seed = spec.seeds.get(0);
        StudyResults.Run<MetricsRow> bn = find(runs, spec.baseline, lr, seed);
        StudyResults.Run<MetricsRow> mn = null;
        TrainConfig mnCfg = null;
        for (String v : spec.variantNames()) {
            TrainConfig c =
                    RunKind.CLASSIFICATION.config(spec, new StudySpec.RunKey(lr, v, seed), "study");
            if (c.norm.equals("mn")) {
                mn = find(runs, v, lr, seed);
                mnCfg = c;
                break;
            }
        }
        if (bn == null || mn == null || !bn.over() || !mn.over()) {
            return "_Not drawn yet: it needs the finished BN run and the first MixtureNorm run at "
                    + StudySpec.settingName(lr)
                    + ", seed "
                    + seed
                    + "._\n";
        }
        TrainConfig bnCfg = RunKind.CLASSIFICATION.config(spec, bn.key(), "study");
        String layer = mnLayer(mnCfg);
        try {
            List<Figure1.ChannelFit> fits =
                    Figure1.write(
                            out.resolve(FILE),
                            layer,
                            List.of("BN model", "MN model"),
                            List.of(bnCfg, mnCfg),
                            List.of(bn.dir(), mn.dir()),
                            loader.apply(bnCfg));
            return String.format(
                    Locale.ROOT,
                    "![Figure 1](%s)%n%nPre-activation values (the input of the %s norm layer, i.e."
                        + " the convolution's output) of one channel over the first %d test images"
                        + " (%d values subsampled from all positions), with a K=%d Gaussian mixture"
                        + " fitted by EM drawn over the histogram. Left: the trained BN model (%s,"
                        + " %s, seed %d), channel %d; right: the trained MN model (%s), channel %d."
                        + " Per model the channel shown is the one where K=%d gains most mean"
                        + " log-likelihood over a single Gaussian (+%.3f and +%.3f nats per value):"
                        + " the most multi-modal channel, chosen by rule, not a typical one.%n",
                    FILE,
                    layer,
                    Figure1.BATCH,
                    fits.get(0).values().length,
                    Figure1.K,
                    spec.baseline,
                    StudySpec.settingName(lr),
                    seed,
                    fits.get(0).channel(),
                    mn.key().variant(),
                    fits.get(1).channel(),
                    Figure1.K,
                    fits.get(0).gain(),
                    fits.get(1).gain());
        } catch (RuntimeException e) {
            return "_Figure 1 could not be drawn: " + e.getMessage() + "_\n";
        }
    }

    /** The first layer the MN variant normalizes with MixtureNorm (conv2 for the paper's CNN). */
    private static String mnLayer(TrainConfig mnCfg) {
        return io.mixnorm.lab.models.ModelZoo.build(mnCfg.model, mnCfg.normSpec(), 10)
                .norms()
                .stream()
                .filter(l -> l.norm().equals("mn"))
                .map(io.mixnorm.lab.models.LayerInfo::name)
                .findFirst()
                .orElse("conv2");
    }

    private static StudyResults.Run<MetricsRow> find(
            List<StudyResults.Run<MetricsRow>> runs, String variant, double lr, long seed) {
        return runs.stream()
                .filter(
                        r ->
                                r.key().variant().equals(variant)
                                        && r.key().lr() == lr
                                        && r.key().seed() == seed)
                .findFirst()
                .orElse(null);
    }
}
