package io.mixnorm.lab.report;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.gmm.GmmFitter;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.models.LayerInfo;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.lab.train.CheckpointStore;
import io.mixnorm.lab.train.TrainConfig;
import io.mixnorm.nn.MixtureNorm;
import io.mixnorm.nn.ModeNorm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The paper's Figure 1 idea: the distribution of one channel's pre-activation (the input of the
 * norm layer, i.e. the convolution's output) over a test batch, with a K-component Gaussian mixture
 * fitted to it drawn on top, for a trained BN model and a trained MN model.
 *
 * <p>The channel shown is, per model, the one whose values a 3-component mixture explains best
 * relative to a single Gaussian (largest gain in mean log-likelihood); the rule is printed in the
 * caption, because picking the most multi-modal channel is a choice, not a random sample.
 */
public final class Figure1 {
    static final int BATCH = 256;
    static final int K = 3;

    private Figure1() {}

    /**
     * One panel's data: the chosen channel, its values, the fitted mixture and the log-likelihood
     * gain.
     */
    public record ChannelFit(int channel, double[] values, GaussianMixture mixture, double gain) {}

    /** Writes the figure for the given runs (BN first); returns the per-model channel fits. */
    public static List<ChannelFit> write(
            Path png,
            String layer,
            List<String> titles,
            List<TrainConfig> cfgs,
            List<Path> runDirs,
            CifarSplits data) {
        List<ChannelFit> fits = new ArrayList<>();
        List<Plots.Panel> panels = new ArrayList<>();
        for (int i = 0; i < cfgs.size(); i++) {
            float[][] perChannel = preActivations(cfgs.get(i), runDirs.get(i), data, layer);
            ChannelFit fit = mostMultimodal(perChannel);
            fits.add(fit);
            panels.add(panel(titles.get(i) + ": " + layer + " channel " + fit.channel(), fit));
        }
        Plots.write(png, panels);
        return fits;
    }

    /**
     * The input of norm layer {@code layer} over the first {@value #BATCH} test images, per
     * channel.
     */
    static float[][] preActivations(TrainConfig cfg, Path runDir, CifarSplits data, String layer) {
        CifarDataset test = data.test();
        ModelZoo.BuiltModel model =
                ModelZoo.build(cfg.model, cfg.normSpec(), data.train().numClasses());
        int normIndex =
                model.norms().stream()
                        .filter(l -> l.name().equals(layer))
                        .mapToInt(LayerInfo::index)
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no norm layer " + layer));
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = model.block();
            net.initialize(m, DataType.FLOAT32, model.inputShape());
            CheckpointStore.Loaded loaded =
                    new CheckpointStore(runDir, cfg.keepCheckpoints).loadLatest(m, net);
            if (loaded == null) {
                throw new IllegalStateException("no checkpoint in " + runDir);
            }
            loaded.optimizerState().forEach(NDArray::close);
            Standardization std = Standardization.fit(data.train());
            int n = Math.min(BATCH, test.size());
            float[] images = new float[n * 3 * 32 * 32];
            for (int i = 0; i < n; i++) {
                std.apply(test.pixels(), i * 3 * 32 * 32, images, i * 3 * 32 * 32);
            }
            NDArray x = m.create(images, new Shape(n, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            int seen = 0;
            for (Block child : ((SequentialBlock) net).getChildren().values()) {
                if (isNorm(child) && ++seen == normIndex) {
                    return channels(x);
                }
                x = child.forward(ps, new NDList(x), false).singletonOrThrow();
            }
            throw new IllegalStateException("norm layer " + layer + " not reached");
        }
    }

    private static boolean isNorm(Block b) {
        return b instanceof BatchNorm || b instanceof MixtureNorm || b instanceof ModeNorm;
    }

    private static float[][] channels(NDArray x) {
        long[] s = x.getShape().getShape();
        int n = (int) s[0];
        int c = (int) s[1];
        int hw = (int) (s[2] * s[3]);
        float[] all = x.toFloatArray();
        float[][] out = new float[c][n * hw];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                System.arraycopy(all, (i * c + ch) * hw, out[ch], i * hw, hw);
            }
        }
        return out;
    }

    /**
     * Per channel: a K=3 fit on up to 4,096 values; the channel with the largest log-likelihood
     * gain over K=1.
     */
    static ChannelFit mostMultimodal(float[][] perChannel) {
        GmmFitter fitter =
                GmmFitter.builder().optEmIterations(50).optTrackFinalLogLikelihood(true).build();
        ChannelFit best = null;
        for (int c = 0; c < perChannel.length; c++) {
            double[] v = subsample(perChannel[c], 4096, c);
            GaussianMixture one =
                    fitter.fit(v, v.length, 1, 1, null, new SplittableRandom(c)).mixture();
            GmmFitter.FitResult three =
                    fitter.fit(v, v.length, 1, K, null, new SplittableRandom(c));
            double gain =
                    three.mixture().meanLogLikelihood(v, v.length)
                            - one.meanLogLikelihood(v, v.length);
            if (best == null || gain > best.gain()) {
                best = new ChannelFit(c, v, three.mixture(), gain);
            }
        }
        return best;
    }

    private static double[] subsample(float[] values, int max, long seed) {
        int m = Math.min(max, values.length);
        double[] out = new double[m];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < m; i++) {
            out[i] = values.length <= max ? values[i] : values[rng.nextInt(values.length)];
        }
        return out;
    }

    private static Plots.Panel panel(String title, ChannelFit fit) {
        double[] v = fit.values();
        double lo = java.util.Arrays.stream(v).min().orElse(0);
        double hi = java.util.Arrays.stream(v).max().orElse(1);
        int bins = 60;
        double w = (hi - lo) / bins;
        if (w <= 0) {
            w = 1;
        }
        double[] density = new double[bins];
        for (double x : v) {
            density[Math.min(bins - 1, (int) ((x - lo) / w))] += 1.0 / (v.length * w);
        }
        double[] hx = new double[2 * bins];
        double[] hy = new double[2 * bins];
        for (int b = 0; b < bins; b++) {
            hx[2 * b] = lo + b * w;
            hx[2 * b + 1] = lo + (b + 1) * w;
            hy[2 * b] = density[b];
            hy[2 * b + 1] = density[b];
        }
        List<Plots.Series> series = new ArrayList<>();
        series.add(new Plots.Series("histogram (" + v.length + " values)", hx, hy));
        int points = 200;
        double[] gx = new double[points];
        double[] total = new double[points];
        GaussianMixture g = fit.mixture();
        for (int p = 0; p < points; p++) {
            gx[p] = lo + (hi - lo) * p / (points - 1);
        }
        for (int k = 0; k < g.components(); k++) {
            double[] gy = new double[points];
            for (int p = 0; p < points; p++) {
                gy[p] = g.weight(k) * normal(gx[p], g.mean(k, 0), g.variance(k, 0));
                total[p] += gy[p];
            }
            series.add(
                    new Plots.Series(
                            String.format(
                                    java.util.Locale.ROOT,
                                    "component %d (λ=%.2f)",
                                    k + 1,
                                    g.weight(k)),
                            gx,
                            gy));
        }
        series.add(new Plots.Series("mixture, K=" + g.components(), gx, total));
        return new Plots.Panel(title, "pre-activation value", "density", series);
    }

    private static double normal(double x, double mu, double var) {
        return Math.exp(-0.5 * (x - mu) * (x - mu) / var) / Math.sqrt(2 * Math.PI * var);
    }
}
