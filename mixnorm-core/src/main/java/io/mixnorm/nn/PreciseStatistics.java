package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Population ("precise") statistics for the normalization layers of any DJL block: with the weights
 * frozen, each {@link BatchNorm}, {@link MixtureNorm} and {@link ModeNorm} gets inference
 * statistics re-estimated from {@code P} training batches instead of the exponential moving
 * averages kept during training, which lag a network whose weights change fast (Wu &amp; Johnson,
 * "Rethinking 'Batch' in BatchNorm", 2021; fvcore's {@code update_bn_stats}).
 *
 * <h2>What is computed</h2>
 *
 * The block runs in training mode over the batches (all layers at once, as fvcore does; a {@code
 * Dropout} placed before a norm layer is active in these forwards), so that every layer sees the
 * inputs it saw in training. Then:
 *
 * <ul>
 *   <li>{@link BatchNorm}: running mean and variance = the equal-weight averages of the batches'
 *       means and unbiased variances (what PyTorch writes into its running buffers), recovered from
 *       DJL's in-place running update (momentum calibrated on the first batch, so any DJL momentum
 *       works).
 *   <li>{@link ModeNorm}: its running {@code E[x]} and {@code E[x²]} per mode = equal-weight
 *       averages of the batches' values.
 *   <li>{@link MixtureNorm}: first a mixture {@code θ} is fitted on the rows of all batches
 *       together (up to {@code fitSamples} per batch; EM warm-started from the running mixture,
 *       which keeps the components' identities), then each batch's {@code λ_k, E_k} and unbiased
 *       {@code V_k} are computed from equations (1)–(5) with posteriors from {@code θ}, and the
 *       running mixture becomes their equal-weight averages. This takes a second pass over the
 *       batches.
 * </ul>
 *
 * Only those statistics change: weights, optimizer state, MixtureNorm's call counter and random
 * stream stay as they were. The batches are iterated once (BN and ModeNorm only) or twice (with a
 * MixtureNorm), plus one calibration forward of the first batch when there is a BatchNorm; the
 * iterable must yield the same batches each time (a {@code List} does). If anything fails the
 * statistics are restored to what they were before the call.
 *
 * <p>Use {@link #snapshot} to evaluate with precise statistics and then go on training with the
 * running ones unchanged, and {@link #batchStatisticsForward} to score with each batch's own
 * statistics (transductive).
 */
public final class PreciseStatistics {

    /** EM iterations of the population fit of a MixtureNorm (warm-started). */
    public static final int POPULATION_EM_ITERATIONS = 20;

    private PreciseStatistics() {}

    /** One norm layer the statistics were recomputed for. */
    public record Layer(String path, String kind, long channels) {}

    /**
     * What {@link #recompute} did.
     *
     * @param layers the norm layers, depth-first
     * @param batches the number of batches the statistics average over
     */
    public record Report(List<Layer> layers, int batches) {}

    /**
     * Re-estimates the inference statistics of every norm layer in {@code block} from {@code
     * batches} (see the class comment).
     *
     * @param block an initialised block containing BatchNorm, MixtureNorm or ModeNorm layers
     * @param parameterStore the store the block is run with (a trainer's, or a new {@code
     *     ParameterStore(manager, false)})
     * @param batches the forward inputs of training batches, at least one, each as the block takes
     *     them; iterated up to twice, yielding the same batches each time
     * @return the layers and the number of batches
     * @throws IllegalArgumentException for no batches, a block without norm layers, or a batch the
     *     block cannot take (the message names the batch)
     * @throws NonFiniteInputException when a MixtureNorm or ModeNorm meets a non-finite input (a
     *     diverged network); the statistics are restored as for any failure
     */
    public static Report recompute(
            Block block, ParameterStore parameterStore, Iterable<NDList> batches) {
        List<Norm> norms = normLayers(block);
        List<Layer> layers = new ArrayList<>();
        for (Norm n : norms) {
            layers.add(new Layer(n.path, n.block.getClass().getSimpleName(), channels(n.block)));
        }
        Snapshot before = snapshot(block);
        boolean ok = false;
        try {
            int count = -1;
            List<MixtureNorm> mixtures = new ArrayList<>();
            for (Norm n : norms) {
                if (n.block instanceof MixtureNorm) {
                    mixtures.add((MixtureNorm) n.block);
                }
            }
            Map<MixtureNorm, Population> pops = new IdentityHashMap<>();
            if (!mixtures.isEmpty()) {
                for (MixtureNorm mn : mixtures) {
                    pops.put(mn, new Population(Population.Phase.COLLECT));
                }
                count = forEachBatch(block, parameterStore, batches, pops, null);
                for (MixtureNorm mn : mixtures) {
                    mn.fitPopulation(pops.get(mn), POPULATION_EM_ITERATIONS);
                    pops.get(mn).phase = Population.Phase.MEASURE;
                }
            }
            List<Recorder> recorders = new ArrayList<>();
            for (Norm n : norms) {
                if (n.block instanceof BatchNorm) {
                    recorders.add(
                            new Recorder(
                                    n, parameterStore, "runningMean", "runningVar", Double.NaN));
                } else if (n.block instanceof ModeNorm) {
                    recorders.add(
                            new Recorder(
                                    n,
                                    parameterStore,
                                    "runningMean",
                                    "runningSqMean",
                                    ((ModeNorm) n.block).getMomentum()));
                }
            }
            calibrate(block, parameterStore, batches, pops, recorders);
            int measured = forEachBatch(block, parameterStore, batches, pops, recorders);
            if (count >= 0 && measured != count) {
                throw new IllegalArgumentException(
                        "PreciseStatistics: the batches changed between passes ("
                                + count
                                + " then "
                                + measured
                                + "); pass a List");
            }
            for (Recorder r : recorders) {
                r.write(measured);
            }
            for (MixtureNorm mn : mixtures) {
                mn.writePopulation(pops.get(mn));
            }
            ok = true;
            return new Report(List.copyOf(layers), measured);
        } finally {
            clearPasses(norms);
            if (!ok) {
                before.restore();
            }
        }
    }

    /**
     * The forward of {@code inputs} with every norm layer normalizing by the batch's own statistics
     * (BatchNorm and ModeNorm in training mode, MixtureNorm as {@link
     * MixtureNorm.InferenceMode#BATCH}), leaving every running statistic, counter and random stream
     * as it was (only {@link MixtureNorm#getLastFit} reports the fit). The block runs in training
     * mode, so Dropout is active.
     *
     * @param block an initialised block
     * @param parameterStore its parameter store
     * @param inputs the batch
     * @return the block's output, in the inputs' manager
     */
    public static NDList batchStatisticsForward(
            Block block, ParameterStore parameterStore, NDList inputs) {
        List<Norm> norms = normLayers(block);
        Snapshot before = snapshot(block);
        try {
            for (Norm n : norms) {
                if (n.block instanceof MixtureNorm) {
                    ((MixtureNorm) n.block).population =
                            new Population(Population.Phase.TRANSDUCTIVE);
                }
            }
            return block.forward(parameterStore, inputs, true);
        } finally {
            clearPasses(norms);
            before.restore();
        }
    }

    /**
     * A copy of every non-trained parameter of {@code block} (running statistics, MixtureNorm's
     * counters), in Java memory; {@link Snapshot#restore()} writes it back in place.
     *
     * @param block an initialised block
     * @return the snapshot
     */
    public static Snapshot snapshot(Block block) {
        List<Pair<NDArray, byte[]>> saved = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (!param.requiresGradient() && param.isInitialized()) {
                NDArray a = param.getArray();
                saved.add(new Pair<>(a, a.toByteArray()));
            }
        }
        List<Pair<RunningMixture, long[]>> counters = new ArrayList<>();
        collectCounters(block, counters);
        return new Snapshot(saved, counters);
    }

    private static void collectCounters(Block b, List<Pair<RunningMixture, long[]>> out) {
        if (b instanceof MixtureNorm) {
            RunningMixture r = ((MixtureNorm) b).running;
            out.add(new Pair<>(r, r.counters()));
        }
        for (Block child : b.getChildren().values()) {
            collectCounters(child, out);
        }
    }

    /** Copies of a block's non-trained parameters and counters; see {@link #snapshot}. */
    public static final class Snapshot {
        private final List<Pair<NDArray, byte[]>> saved;
        private final List<Pair<RunningMixture, long[]>> counters;

        private Snapshot(
                List<Pair<NDArray, byte[]>> saved, List<Pair<RunningMixture, long[]>> counters) {
            this.saved = saved;
            this.counters = counters;
        }

        /** Writes the copied values back into the same arrays, and the counters. */
        public void restore() {
            for (Pair<RunningMixture, long[]> c : counters) {
                c.getKey().restoreCounters(c.getValue());
            }
            for (Pair<NDArray, byte[]> p : saved) {
                NDArray a = p.getKey();
                // an indexed copy: NDArray.set(Buffer) makes PyTorch print a deprecation warning
                try (NDManager tmp = a.getManager().newSubManager()) {
                    ByteBuffer bytes =
                            ByteBuffer.wrap(p.getValue()).order(java.nio.ByteOrder.nativeOrder());
                    a.set(
                            new ai.djl.ndarray.index.NDIndex("..."),
                            tmp.create(bytes, a.getShape(), a.getDataType()));
                }
            }
        }
    }

    // ------------------------------------------------------------------ internals

    /** A norm layer and its path of child names from the root. */
    private record Norm(String path, Block block) {}

    /** The norm layers of {@code block}, depth-first; an error if there is none. */
    private static List<Norm> normLayers(Block block) {
        List<Norm> out = new ArrayList<>();
        collect(block, "", out);
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "PreciseStatistics: "
                            + block.getClass().getSimpleName()
                            + " has no BatchNorm, MixtureNorm or ModeNorm layer");
        }
        for (Norm n : out) {
            for (Pair<String, Parameter> p : n.block.getParameters()) {
                if (!p.getValue().isInitialized()) {
                    throw new IllegalArgumentException(
                            "PreciseStatistics: the block is not initialised ("
                                    + n.path
                                    + " has no parameter values yet)");
                }
            }
        }
        return out;
    }

    /** Takes every MixtureNorm out of its population pass (always, also after a failure). */
    private static void clearPasses(List<Norm> norms) {
        for (Norm n : norms) {
            if (n.block instanceof MixtureNorm) {
                ((MixtureNorm) n.block).population = null;
            }
        }
    }

    private static void collect(Block b, String path, List<Norm> out) {
        if (b instanceof BatchNorm || b instanceof MixtureNorm || b instanceof ModeNorm) {
            out.add(new Norm(path.isEmpty() ? b.getClass().getSimpleName() : path, b));
            return;
        }
        for (Pair<String, Block> c : b.getChildren()) {
            collect(c.getValue(), path.isEmpty() ? c.getKey() : path + "/" + c.getKey(), out);
        }
    }

    private static long channels(Block b) {
        for (Pair<String, Parameter> p : b.getParameters()) {
            if (p.getKey().equals("gamma")) {
                return p.getValue().getArray().getShape().get(0);
            }
        }
        return -1;
    }

    /** Runs every batch forward in training mode; returns how many there were. */
    private static int forEachBatch(
            Block block,
            ParameterStore ps,
            Iterable<NDList> batches,
            Map<MixtureNorm, Population> pops,
            List<Recorder> recorders) {
        pops.forEach((mn, pop) -> mn.population = pop);
        int i = 0;
        for (NDList batch : batches) {
            i++;
            if (recorders != null) {
                recorders.forEach(Recorder::zero);
            }
            forward(block, ps, batch, i);
            if (recorders != null) {
                recorders.forEach(Recorder::add);
            }
        }
        if (i == 0) {
            throw new IllegalArgumentException("PreciseStatistics: no batches (need at least one)");
        }
        return i;
    }

    private static void forward(Block block, ParameterStore ps, NDList batch, int index) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("PreciseStatistics: batch " + index + " is empty");
        }
        try (NDManager scope = batch.head().getManager().newSubManager()) {
            batch.tempAttach(scope);
            block.forward(ps, batch, true);
        } catch (NonFiniteInputException e) {
            throw e; // a diverged network, not a bad batch: callers tell the two apart by type
        } catch (IllegalArgumentException
                | IllegalStateException
                | ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException(
                    "PreciseStatistics: batch "
                            + index
                            + " of shape "
                            + batch.getShapes()[0]
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Finds the weight of the new batch in each BatchNorm's in-place running update: from a first
     * batch run once with the running values at 0 and once at 1, {@code 1 − new weight = r₁ − r₀}
     * in every channel. DJL does not expose BatchNorm's momentum, and this way any engine's
     * convention is measured rather than assumed.
     */
    private static void calibrate(
            Block block,
            ParameterStore ps,
            Iterable<NDList> batches,
            Map<MixtureNorm, Population> pops,
            List<Recorder> recorders) {
        List<Recorder> bns = recorders.stream().filter(r -> Double.isNaN(r.newWeight)).toList();
        if (bns.isEmpty()) {
            return;
        }
        java.util.Iterator<NDList> it = batches.iterator();
        if (!it.hasNext()) {
            throw new IllegalArgumentException("PreciseStatistics: no batches (need at least one)");
        }
        NDList first = it.next();
        pops.forEach(
                (mn, pop) -> {
                    mn.population = pop;
                    pop.record = false;
                });
        bns.forEach(r -> r.fill(0));
        forward(block, ps, first, 1);
        List<double[][]> atZero = new ArrayList<>();
        bns.forEach(r -> atZero.add(r.read()));
        bns.forEach(r -> r.fill(1));
        forward(block, ps, first, 1);
        for (int j = 0; j < bns.size(); j++) {
            double[][] one = bns.get(j).read();
            double keep = 0;
            int n = 0;
            for (int s = 0; s < 2; s++) {
                for (int i = 0; i < one[s].length; i++) {
                    keep += one[s][i] - atZero.get(j)[s][i];
                    n++;
                }
            }
            double w = 1 - keep / n;
            if (!(w > 1e-6)) {
                throw new IllegalArgumentException(
                        "PreciseStatistics: "
                                + bns.get(j).norm.path
                                + " does not update its running statistics in training mode"
                                + " (momentum 1?)");
            }
            bns.get(j).newWeight = w;
        }
        pops.values().forEach(pop -> pop.record = true);
    }

    /**
     * Recovers a layer's per-batch statistics from its in-place running update {@code r ← (1−w)·r +
     * w·batch}: the running arrays are zeroed before each batch and read after it ({@code batch = r
     * / w}).
     */
    private static final class Recorder {
        final Norm norm;
        final NDArray first;
        final NDArray second;
        final NDArray storeFirst;
        final NDArray storeSecond;
        double newWeight;
        final double[] sumFirst;
        final double[] sumSecond;

        Recorder(
                Norm norm,
                ParameterStore ps,
                String firstName,
                String secondName,
                double newWeight) {
            this.norm = norm;
            Parameter p1 = parameter(norm.block, firstName);
            Parameter p2 = parameter(norm.block, secondName);
            first = p1.getArray();
            second = p2.getArray();
            // the arrays the forward reads and updates (the same ones on a single device)
            storeFirst = ps.getValue(p1, first.getDevice(), true);
            storeSecond = ps.getValue(p2, second.getDevice(), true);
            this.newWeight = newWeight;
            if (newWeight == 0) {
                throw new IllegalArgumentException(
                        "PreciseStatistics: "
                                + norm.path
                                + " has momentum 0 and never updates its running statistics");
            }
            sumFirst = new double[(int) first.size()];
            sumSecond = new double[(int) second.size()];
        }

        void zero() {
            fill(0);
        }

        void fill(double v) {
            double[] a = new double[sumFirst.length];
            java.util.Arrays.fill(a, v);
            MixtureNorm.setValues(storeFirst, a);
            double[] b = new double[sumSecond.length];
            java.util.Arrays.fill(b, v);
            MixtureNorm.setValues(storeSecond, b);
        }

        double[][] read() {
            return new double[][] {
                MixtureNorm.toDoubles(storeFirst), MixtureNorm.toDoubles(storeSecond)
            };
        }

        void add() {
            double[][] r = read();
            for (int i = 0; i < sumFirst.length; i++) {
                sumFirst[i] += r[0][i];
            }
            for (int i = 0; i < sumSecond.length; i++) {
                sumSecond[i] += r[1][i];
            }
        }

        void write(int batches) {
            double[] a = sumFirst.clone();
            double[] b = sumSecond.clone();
            for (int i = 0; i < a.length; i++) {
                a[i] /= batches * newWeight;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] /= batches * newWeight;
            }
            MixtureNorm.setValues(storeFirst, a);
            MixtureNorm.setValues(storeSecond, b);
            if (first != storeFirst) {
                MixtureNorm.setValues(first, a);
                MixtureNorm.setValues(second, b);
            }
        }

        private static Parameter parameter(Block b, String name) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                if (p.getKey().equals(name)) {
                    return p.getValue();
                }
            }
            throw new IllegalStateException(
                    b.getClass().getSimpleName() + " has no parameter " + name);
        }
    }
}
