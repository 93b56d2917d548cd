package io.mixnorm.lab.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.mixnorm.gmm.GaussianMixture;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.nn.MixtureNorm;
import io.mixnorm.nn.ModeNorm;
import io.mixnorm.nn.PreciseStatistics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where the running statistics of a trained run lose accuracy: loads a run's checkpoints and, for
 * each, scores the same weights with running, precise, batch and hybrid statistics, and measures
 * how far each MixtureNorm's running mixture is from a population re-estimate (the measurements
 * behind docs/mixture-normalization.md §5, "Inference"). Nothing is written into the run.
 *
 * <ul>
 *   <li>{@code precise_bn_only}: BN layers re-estimated, MN layers keep their running mixture;
 *       {@code precise_mn_only} the converse. Which layers' lag costs the accuracy.
 *   <li>{@code frozen_ema}: the same P batches fed through the moving averages (momentum as in
 *       training) with the weights frozen. Close to {@code precise}: the averages' form is fine and
 *       the cost is the weights moving under them (lag); close to {@code running}: the average
 *       itself is the problem.
 *   <li>MN drift, per component: {@code |λ̄ − λ|}, the mean over channels of {@code |Ē − E|/√V},
 *       and of {@code |log(V̄/V)|}, where {@code λ, E, V} are the precise values.
 *   <li>{@code switched}: of the P batches, how many had their EM fit (warm-started from the
 *       running mixture, as in training) best matched to the running components by a permutation
 *       other than the identity (label switching).
 * </ul>
 */
public final class StatsProbe {

    /** One checkpoint's measurements; accuracies are fractions of the test images scored. */
    public record Row(
            long step,
            double running,
            double precise,
            double batch,
            double preciseBnOnly,
            double preciseMnOnly,
            double frozenEma,
            List<Drift> drift,
            int switched,
            int batches) {}

    /** One MixtureNorm component's distance from its precise re-estimate. */
    public record Drift(
            String layer,
            int component,
            double runningWeight,
            double preciseWeight,
            double meanShiftInSd,
            double meanAbsLogVarRatio) {}

    private final Path runDir;
    private final CifarSplits data;
    private final int batches;
    private final int testImages;

    public StatsProbe(Path runDir, CifarSplits data, int batches, int testImages) {
        this.runDir = runDir;
        this.data = data;
        this.batches = batches;
        this.testImages = testImages;
    }

    /** The run's checkpoints, oldest first. */
    public List<Path> checkpoints() {
        List<Path> files = new ArrayList<>(new CheckpointStore(runDir, Integer.MAX_VALUE).list());
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        if (files.isEmpty()) {
            throw new UserException(
                    "probe-stats: no checkpoints in " + runDir.resolve("checkpoints"));
        }
        return files;
    }

    public Row probe(Path checkpoint) {
        TrainConfig cfg = TrainingRun.savedConfig(runDir);
        CifarDataset train = data.train();
        CifarDataset test =
                testImages >= data.test().size() ? data.test() : data.test().head(testImages);
        try (NDManager root = NDManager.newBaseManager()) {
            PreparedModel pm = PreparedModel.of(cfg, train.numClasses(), root);
            Block net = pm.model().block();
            ParameterStore ps = pm.parameterStore();
            TrainState st;
            try {
                st =
                        new CheckpointStore(runDir, Integer.MAX_VALUE)
                                .load(checkpoint, root, net)
                                .state();
            } catch (CheckpointStore.CorruptCheckpointException e) {
                throw new UserException("probe-stats: " + checkpoint + ": " + e.getMessage());
            }
            Standardization std = Standardization.fit(train);
            boolean channelsLast = ModelZoo.channelsLast(cfg.model); // as the trainer evaluated
            Evaluation eval =
                    new Evaluation(net, ps, root, test, std, cfg.evalBatchSize, null, channelsLast);
            List<Block> bns = new ArrayList<>();
            List<MixtureNorm> mns = new ArrayList<>();
            collect(net, bns, mns);
            try (NDManager sub = root.newSubManager()) {
                List<NDList> in =
                        Evaluation.preciseBatches(
                                new Evaluation.PreciseSource(
                                        train, cfg.batchSize, cfg.augment, cfg.seed, batches),
                                std,
                                st.step,
                                sub,
                                channelsLast);
                PreciseStatistics.Snapshot asTrained = PreciseStatistics.snapshot(net);
                double running = eval.evaluate().accuracy();
                double batch = eval.evaluate(Evaluation.Stats.BATCH, st.step).accuracy();
                // switched components: transductive EM fits warm-started from the running mixture
                int switched = 0;
                for (NDList b : in) {
                    PreciseStatistics.batchStatisticsForward(net, ps, b);
                    for (MixtureNorm mn : mns) {
                        if (mn.getComponents() > 1
                                && mn.getLastFit() != null
                                && !isIdentity(
                                        bestMatch(mn.getLastFit(), mn.getRunningMixture()))) {
                            switched++;
                        }
                    }
                }
                List<GaussianMixture> runningMix = new ArrayList<>();
                for (MixtureNorm mn : mns) {
                    runningMix.add(mn.getRunningMixture());
                }
                java.util.Map<Block, PreciseStatistics.Snapshot> layerAsTrained =
                        new java.util.IdentityHashMap<>();
                for (Block b : bns) {
                    layerAsTrained.put(b, PreciseStatistics.snapshot(b));
                }
                for (MixtureNorm mn : mns) {
                    layerAsTrained.put(mn, PreciseStatistics.snapshot(mn));
                }
                PreciseStatistics.recompute(net, ps, in);
                double precise = eval.evaluate().accuracy();
                List<Drift> drift = new ArrayList<>();
                for (int i = 0; i < mns.size(); i++) {
                    drift.addAll(
                            drift(
                                    "mn" + (i + 1),
                                    runningMix.get(i),
                                    mns.get(i).getRunningMixture()));
                }
                PreciseStatistics.Snapshot preciseState = PreciseStatistics.snapshot(net);
                for (MixtureNorm mn : mns) { // BN precise, MN running
                    layerAsTrained.get(mn).restore();
                }
                double bnOnly = mns.isEmpty() ? precise : eval.evaluate().accuracy();
                preciseState.restore();
                for (Block bn : bns) { // MN precise, BN running
                    layerAsTrained.get(bn).restore();
                }
                double mnOnly = mns.isEmpty() ? running : eval.evaluate().accuracy();
                asTrained.restore();
                for (NDList b : in) { // the moving averages over the same batches, weights frozen
                    try (NDManager scope = sub.newSubManager()) {
                        b.tempAttach(scope);
                        net.forward(ps, b, true);
                    }
                }
                double frozenEma = eval.evaluate().accuracy();
                asTrained.restore();
                return new Row(
                        st.step, running, precise, batch, bnOnly, mnOnly, frozenEma, drift,
                        switched, in.size());
            }
        }
    }

    private static void collect(Block b, List<Block> bns, List<MixtureNorm> mns) {
        if (b instanceof MixtureNorm) {
            mns.add((MixtureNorm) b);
            return;
        }
        if (b instanceof BatchNorm || b instanceof ModeNorm) {
            bns.add(b);
            return;
        }
        for (Pair<String, Block> c : b.getChildren()) {
            collect(c.getValue(), bns, mns);
        }
    }

    private static List<Drift> drift(String layer, GaussianMixture run, GaussianMixture pop) {
        List<Drift> out = new ArrayList<>();
        int c = run.dimension();
        for (int k = 0; k < run.components(); k++) {
            double shift = 0;
            double logRatio = 0;
            for (int d = 0; d < c; d++) {
                shift += Math.abs(run.mean(k, d) - pop.mean(k, d)) / Math.sqrt(pop.variance(k, d));
                logRatio += Math.abs(Math.log(run.variance(k, d) / pop.variance(k, d)));
            }
            out.add(new Drift(layer, k, run.weight(k), pop.weight(k), shift / c, logRatio / c));
        }
        return out;
    }

    /** The permutation π minimising Σ_k ‖μ_fit(π(k)) − μ_run(k)‖² (all K! of them; K is small). */
    static int[] bestMatch(GaussianMixture fit, GaussianMixture run) {
        int k = run.components();
        int[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int[] p : permutations(k)) {
            double cost = 0;
            for (int j = 0; j < k; j++) {
                for (int d = 0; d < run.dimension(); d++) {
                    double e = fit.mean(p[j], d) - run.mean(j, d);
                    cost += e * e;
                }
            }
            if (cost < bestCost) {
                bestCost = cost;
                best = p;
            }
        }
        return best;
    }

    private static boolean isIdentity(int[] p) {
        for (int i = 0; i < p.length; i++) {
            if (p[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static List<int[]> permutations(int k) {
        List<int[]> out = new ArrayList<>();
        permute(new int[k], new boolean[k], 0, out);
        return out;
    }

    private static void permute(int[] cur, boolean[] used, int at, List<int[]> out) {
        if (at == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int i = 0; i < cur.length; i++) {
            if (!used[i]) {
                used[i] = true;
                cur[at] = i;
                permute(cur, used, at + 1, out);
                used[i] = false;
            }
        }
    }
}
