package io.mixnorm.lab.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.BatchStream;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.train.CheckpointStore;
import io.mixnorm.lab.train.Determinism;
import io.mixnorm.lab.train.Diagnostics;
import io.mixnorm.lab.train.DivergedException;
import io.mixnorm.lab.train.RunLoop;
import io.mixnorm.lab.train.StopSignal;
import io.mixnorm.lab.util.Json;
import io.mixnorm.nn.NonFiniteInputException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The DCGAN training loop. After each metrics row the run folder's files are rewritten atomically;
 * checkpoints (both networks, both optimizers, the data stream's position, the pending loss sums)
 * are written every {@code checkpointEvery} steps, at every score, at the end and on a stop.
 * Running it again on the same folder with the same config continues from the newest good
 * checkpoint and computes exactly what an uninterrupted run computes: the data order is a pure
 * function of (seed, epoch, index) and the noise of (seed, step), so nothing random needs saving.
 */
public final class GanTrainingRun {
    private final GanConfig cfg;
    private final CifarSplits data;
    private final Path runDir;
    private final PrintStream out;
    private final boolean quiet;
    private final Function<NDManager, FeatureExtractor> features;
    private long stopAt = -1;
    private java.util.function.BiConsumer<Long, GanNetworks> hook = (step, nets) -> {};

    /**
     * @param features opens the score's feature extractor under the run's manager; null when the
     *     config does not score
     */
    public GanTrainingRun(
            GanConfig cfg,
            CifarSplits data,
            Path runDir,
            PrintStream out,
            boolean quiet,
            Function<NDManager, FeatureExtractor> features) {
        this.cfg = cfg;
        this.data = data;
        this.runDir = runDir;
        this.out = out;
        this.quiet = quiet;
        this.features = features;
        if (cfg.scoring() && features == null) {
            throw new IllegalArgumentException("--score-every needs a feature extractor");
        }
    }

    /**
     * Behaves as if a stop were requested after {@code step} (tests: an in-process
     * crash-and-resume).
     */
    GanTrainingRun stopAfter(long step) {
        this.stopAt = step;
        return this;
    }

    /**
     * Calls {@code h} before each step with the step number (1-based) and the networks (tests:
     * fault injection).
     */
    GanTrainingRun beforeStep(java.util.function.BiConsumer<Long, GanNetworks> h) {
        this.hook = h;
        return this;
    }

    /** What the run reached. */
    public record Summary(
            String status,
            long step,
            long totalSteps,
            GanMetricsRow last,
            GanMetricsRow best,
            String scoreLabel) {}

    public Summary run() {
        CifarDataset train = data.train();
        RunLoop.requireBatchFits(cfg.batchSize, train);
        try (Determinism det = Determinism.apply(cfg.deterministic, cfg.threads);
                NDManager root = NDManager.newBaseManager(Device.cpu())) {
            GanNetworks nets = GanNetworks.create(cfg, root);
            BatchStream stream =
                    BatchStream.builder(train, GanScore.SYMMETRIC)
                            .batchSize(cfg.batchSize)
                            .seed(cfg.seed)
                            .shuffle(true)
                            .augment(false)
                            .dropLast(true)
                            .repeat(true)
                            .build();
            CheckpointStore checkpoints = checkpoints(runDir, cfg.keepCheckpoints);
            GanRunFiles files = new GanRunFiles(runDir, cfg);
            GanState st = restore(checkpoints, root, nets);
            if (st != null) {
                String mismatch =
                        GanConfig.mismatch(Json.GSON.fromJson(st.configJson, GanConfig.class), cfg);
                if (mismatch != null) {
                    throw new UserException(
                            "--out "
                                    + runDir
                                    + " holds a GAN run started with a different "
                                    + mismatch
                                    + "; use another --out");
                }
                stream.seek(st.streamEpoch, st.streamPosition);
                out.println("resumed " + runDir + " at step " + st.step);
            } else {
                st = new GanState();
                st.configJson = cfg.toJson();
            }
            // On a continuation too: config.json states the run's current budget (a run extended
            // from 1,000 to 1,500 steps kept saying 1,000); only resumable settings can differ
            // here.
            files.writeConfig();
            FeatureExtractor extractor = features == null ? null : features.apply(root);
            try {
                GanScore score =
                        extractor == null
                                ? null
                                : new GanScore(extractor, data.test(), cfg.scoreSamples, cfg.seed);
                out.printf(
                        Locale.ROOT,
                        "%s: DCGAN, generator %s, %d steps of %d, Adam lr %.3g betas %.2f/%.3f, "
                                + "seed %d%s%n",
                        runDir,
                        nets.normDescription(cfg),
                        cfg.steps,
                        cfg.batchSize,
                        cfg.lr,
                        cfg.beta1,
                        cfg.beta2,
                        cfg.seed,
                        score == null
                                ? ", no score"
                                : ", score "
                                        + score.label()
                                        + " on "
                                        + score.samples()
                                        + " images every "
                                        + cfg.scoreEvery
                                        + " steps");
                GanState state = st;
                RunLoop.recordingDivergence(
                        () -> loop(state, nets, root, stream, score, checkpoints, files),
                        () -> files.writeResults(state, "diverged"));
            } finally {
                if (extractor != null) {
                    extractor.close();
                }
            }
            return files.summary(st, extractor == null ? "" : extractor.label());
        }
    }

    /** A GAN run's checkpoints: their own magic line, so that a classifier run cannot load one. */
    static CheckpointStore checkpoints(Path runDir, int keep) {
        return new CheckpointStore(
                runDir, keep, "MIXNORM-GAN-CKPT-1", "start the run again in a new --out");
    }

    /** Both networks and both optimizers from the newest good checkpoint; null when none. */
    private static GanState restore(CheckpointStore checkpoints, NDManager root, GanNetworks nets) {
        // the optimizers inside the fallback: a checkpoint whose buffers do not fit is skipped
        CheckpointStore.Stored<GanState> loaded =
                checkpoints.loadLatest(
                        root,
                        List.of(nets.generator(), nets.discriminator()),
                        2,
                        GanState.class,
                        s -> {
                            nets.optimizerG()
                                    .restore(s.optimizerStates().get(0), s.state().optimizerStepsG);
                            nets.optimizerD()
                                    .restore(s.optimizerStates().get(1), s.state().optimizerStepsD);
                        });
        if (loaded == null) {
            return null;
        }
        loaded.optimizerStates().forEach(arrays -> arrays.forEach(NDArray::close));
        return loaded.state();
    }

    /**
     * A generator's MixtureNorm or ModeNorm refused its non-finite input: the run diverged (exit
     * 3), reported like a NaN loss, with the layer (the only generator norm layer of that width).
     */
    private DivergedException nonFiniteInput(
            String when, NonFiniteInputException e, GanNetworks nets) {
        String layer =
                nets.norms().stream()
                        .filter(
                                l ->
                                        !l.norm().equals("bn")
                                                && e.getMessage()
                                                        .contains("C=" + l.channels() + ")"))
                        .map(l -> "generator layer " + l.name())
                        .findFirst()
                        .orElse("a generator norm layer");
        return new DivergedException(
                "GAN training diverged "
                        + when
                        + ": "
                        + layer
                        + ": "
                        + e.getMessage()
                        + "; "
                        + CheckpointStore.note(runDir));
    }

    private void loop(
            GanState st,
            GanNetworks nets,
            NDManager root,
            BatchStream stream,
            GanScore score,
            CheckpointStore checkpoints,
            GanRunFiles files) {
        GanStep step = new GanStep(nets, root);
        long total = cfg.steps;
        while (st.step < total) {
            long t0 = System.nanoTime();
            RunLoop.trimBefore(st.step);
            BatchStream.Batch batch = stream.next();
            float[] z = Noise.latent(cfg.seed, Noise.TRAIN, st.step, batch.size());
            hook.accept(st.step + 1, nets);
            GanStep.Losses l;
            try {
                l = step.run(batch.images(), z, batch.size(), cfg.lr);
            } catch (NonFiniteInputException e) {
                throw nonFiniteInput("at step " + (st.step + 1), e, nets);
            }
            if (!l.finite()) {
                throw new DivergedException(
                        String.format(
                                Locale.ROOT,
                                "GAN training diverged at step %d (d_loss %s, " + "g_loss %s); %s",
                                st.step + 1,
                                l.d(),
                                l.g(),
                                CheckpointStore.note(runDir)));
            }
            st.trainSeconds += (System.nanoTime() - t0) / 1e9;
            st.step++;
            st.optimizerStepsG = nets.optimizerG().stepCount();
            st.optimizerStepsD = nets.optimizerD().stepCount();
            st.streamEpoch = stream.epoch();
            st.streamPosition = stream.position();
            st.pendingDLoss += l.d();
            st.pendingGLoss += l.g();
            st.pendingSteps++;
            boolean stop = StopSignal.requested() || st.step == stopAt;
            boolean last = st.step == total;
            boolean scoreNow = score != null && (st.step % cfg.scoreEvery == 0 || last);
            boolean row = st.step % cfg.logEvery == 0 || scoreNow || last;
            boolean persist = stop || last || scoreNow || st.step % cfg.checkpointEvery == 0;
            if (persist) { // scoreNow included
                // a finite loss does not make finite weights: no score and no checkpoint from a
                // network that holds NaN/Inf (the newest checkpoint must stay a good one)
                Diagnostics.requireFiniteParameters(nets.generator(), st.step, runDir);
                Diagnostics.requireFiniteParameters(nets.discriminator(), st.step, runDir);
            }
            if (row) {
                double s;
                try {
                    s = scoreNow ? score.score(nets, root) : Double.NaN;
                } catch (NonFiniteInputException e) {
                    throw nonFiniteInput("by step " + st.step + " (in the score)", e, nets);
                }
                GanMetricsRow r =
                        new GanMetricsRow(
                                st.step,
                                st.pendingDLoss / st.pendingSteps,
                                st.pendingGLoss / st.pendingSteps,
                                s,
                                st.trainSeconds);
                st.metrics.add(r);
                st.pendingDLoss = 0;
                st.pendingGLoss = 0;
                st.pendingSteps = 0;
                if (!quiet || scoreNow) {
                    out.printf(
                            Locale.ROOT,
                            "step %d/%d  d_loss %.4f  g_loss %.4f%s  %.0fs%n",
                            r.step(),
                            total,
                            r.dLoss(),
                            r.gLoss(),
                            scoreNow
                                    ? String.format(Locale.ROOT, "  %s %.3f", score.label(), s)
                                    : "",
                            r.trainSeconds());
                }
            }
            if (cfg.sampleEvery > 0 && (st.step % cfg.sampleEvery == 0 || last)) {
                try {
                    SampleGrid.write(
                            SampleGrid.file(runDir, st.step),
                            Generate.images(
                                    nets,
                                    root,
                                    Noise.latent(cfg.seed, Noise.GRID, 0, SampleGrid.COUNT),
                                    SampleGrid.COUNT,
                                    SampleGrid.COUNT));
                } catch (NonFiniteInputException e) {
                    throw nonFiniteInput("by step " + st.step + " (in the sample grid)", e, nets);
                }
            }
            if (persist) {
                checkpoints.save(
                        st.step,
                        st,
                        List.of(nets.generator(), nets.discriminator()),
                        List.of(nets.optimizerG().stateArrays(), nets.optimizerD().stateArrays()));
            }
            if (row || stop) {
                files.writeResults(
                        st, stop && !last ? "interrupted" : last ? "finished" : "running");
            }
            if (stop && !last) {
                out.println(
                        "stopped at step " + st.step + "; run the same command again to continue");
                return;
            }
        }
    }
}
