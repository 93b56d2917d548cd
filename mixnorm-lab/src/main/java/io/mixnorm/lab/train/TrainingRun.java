package io.mixnorm.lab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.mixnorm.engine.NativeMemory;
import io.mixnorm.lab.UserException;
import io.mixnorm.lab.data.BatchStream;
import io.mixnorm.lab.data.CifarDataset;
import io.mixnorm.lab.data.CifarSplits;
import io.mixnorm.lab.data.Standardization;
import io.mixnorm.lab.models.ModelZoo;
import io.mixnorm.nn.NonFiniteInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training loop of the lab: mini-batch steps with autograd, evaluation on the test set every
 * {@code evalEvery} steps, and after each evaluation the run folder's files (metrics.csv,
 * summary.json, curves.png, a checkpoint) rewritten atomically. A resumed run continues exactly:
 * weights, running statistics, optimizer buffers, and the data stream's position all come from the
 * checkpoint, and the data order and augmentation are pure functions of (seed, epoch, index).
 */
public final class TrainingRun {
    private final TrainConfig cfg;
    private final CifarSplits data;
    private final Path runDir;
    private final Progress progress;
    private StepHook hook = (step, net, images) -> {};

    /**
     * Called before each training step with the batch about to be used; a seam for fault-injection
     * tests.
     */
    @FunctionalInterface
    interface StepHook {
        void beforeStep(long step, Block net, float[] images);
    }

    public TrainingRun(TrainConfig cfg, CifarSplits data, Path runDir, Progress progress) {
        this.cfg = cfg;
        this.data = data;
        this.runDir = runDir;
        this.progress = progress;
    }

    /** Installs a {@link StepHook} (tests only). */
    TrainingRun withStepHook(StepHook h) {
        this.hook = h;
        return this;
    }

    /** Trains to the configured budget (or continues from the newest checkpoint when resuming). */
    public RunSummary run(boolean resume) {
        CifarDataset train = data.train();
        RunLoop.requireBatchFits(cfg.batchSize, train);
        long total = cfg.totalSteps(train.size());
        Device device = Devices.resolve(cfg.device);
        try (Determinism det = Determinism.apply(cfg);
                NDManager root = NDManager.newBaseManager(device)) {
            PreparedModel pm = PreparedModel.of(cfg, train.numClasses(), root);
            ModelZoo.BuiltModel model = pm.model();
            Block net = model.block();
            UpdateRule opt = pm.optimizer();
            Standardization std = Standardization.fit(train);
            BatchStream stream = trainStream(train, std);
            CheckpointStore checkpoints = new CheckpointStore(runDir, cfg.keepCheckpoints);
            RunFiles files = new RunFiles(runDir, cfg, model, train.size());
            TrainState st = resume ? restore(checkpoints, root, net, opt, stream) : null;
            if (st == null) {
                st = new TrainState();
                st.configJson = cfg.toJson();
            }
            // On a continuation too, so that config.json states the run's current budget (a run
            // continued from 10 to 30 steps kept saying 10); only resumable settings can differ.
            files.writeConfig();
            progress.message(
                    String.format(
                            "%s: %s, %s on %d/%d images, %d steps of %d, %s lr %.3g, seed %d, %s",
                            runDir,
                            model.name(),
                            files.normDescription(),
                            train.size(),
                            data.test().size(),
                            total,
                            cfg.batchSize,
                            cfg.optimizer,
                            cfg.lr,
                            cfg.seed,
                            device));
            List<Evaluation.Stats> evalStats = cfg.evalStatsList();
            if (evalStats.contains(Evaluation.Stats.BATCH) && hasDropout(net)) {
                throw new UserException(
                        "--eval-stats batch: "
                                + model.name()
                                + " has Dropout, which the training-mode forward of batch"
                                + " statistics would apply; use running or precise");
            }
            Evaluation evaluator =
                    new Evaluation(
                            net,
                            pm.parameterStore(),
                            root,
                            data.test(),
                            std,
                            cfg.evalBatchSize,
                            new Evaluation.PreciseSource(
                                    train,
                                    cfg.batchSize,
                                    cfg.augment,
                                    cfg.seed,
                                    cfg.preciseBatches),
                            pm.model().channelsLast());
            TrainState state = st;
            RunLoop.recordingDivergence(
                    () -> loop(total, state, stream, pm, evaluator, checkpoints, files),
                    () -> files.writeResults(state, total, "diverged"));
            return files.summary(st, total);
        }
    }

    private BatchStream trainStream(CifarDataset train, Standardization std) {
        return BatchStream.builder(train, std)
                .batchSize(cfg.batchSize)
                .seed(cfg.seed)
                .shuffle(true)
                .augment(cfg.augment)
                .dropLast(true)
                .build();
    }

    private TrainState restore(
            CheckpointStore checkpoints,
            NDManager root,
            Block net,
            UpdateRule opt,
            BatchStream stream) {
        // the optimizer inside the fallback: a checkpoint whose buffers do not fit is skipped; a
        // config mismatch (a UserException) is not damage and ends the command
        CheckpointStore.Loaded loaded =
                checkpoints.loadLatest(
                        root,
                        net,
                        l -> {
                            TrainConfig saved =
                                    io.mixnorm.lab.util.Json.GSON.fromJson(
                                            l.state().configJson, TrainConfig.class);
                            String mismatch = RunFiles.configMismatch(saved, cfg);
                            if (mismatch != null) {
                                throw new UserException(
                                        "--resume: the run in "
                                                + runDir
                                                + " was started with a different "
                                                + mismatch);
                            }
                            opt.restore(l.optimizerState(), l.state().optimizerSteps);
                        });
        if (loaded == null) {
            return null;
        }
        TrainState st = loaded.state();
        loaded.optimizerState().forEach(NDArray::close);
        stream.seek(st.streamEpoch, st.streamPosition);
        progress.message("resumed from " + loaded.file().getFileName() + " at step " + st.step);
        return st;
    }

    private void loop(
            long total,
            TrainState st,
            BatchStream stream,
            PreparedModel pm,
            Evaluation evaluator,
            CheckpointStore checkpoints,
            RunFiles files) {
        Block net = pm.model().block();
        UpdateRule opt = pm.optimizer();
        double lossSum = st.pendingLossSum;
        long correct = st.pendingCorrect;
        long seen = st.pendingSeen;
        long segmentStart = System.nanoTime();
        long trainNanos = 0;
        long evalImages = 0;
        while (st.step < total) {
            double lr = LrSchedule.at(cfg.lrSchedule, cfg.lr, st.step, total);
            long t0 = System.nanoTime();
            BatchStream.Batch batch = stream.next();
            long step = st.step;
            hook.beforeStep(step + 1, net, batch.images());
            RunLoop.trimBefore(step); // after the hook: the soak samples each cycle's worst point
            TrainStep.Result r;
            try {
                r =
                        pm.step()
                                .run(
                                        batch.images(),
                                        batch.labels(),
                                        batch.size(),
                                        lr,
                                        x -> {
                                            throw new DivergedException(
                                                    "training diverged at step "
                                                            + (step + 1)
                                                            + ": the loss is not finite; "
                                                            + Diagnostics.firstNonFinite(
                                                                    net,
                                                                    pm.parameterStore(),
                                                                    x,
                                                                    pm.trainable())
                                                            + "; "
                                                            + CheckpointStore.note(runDir));
                                        });
            } catch (NonFiniteInputException e) {
                throw Diagnostics.nonFiniteInput(
                        "at step " + (step + 1), e, pm, batch.images(), batch.size(), runDir);
            }
            trainNanos += System.nanoTime() - t0;
            st.step++;
            st.optimizerSteps = opt.stepCount();
            st.streamEpoch = stream.epoch();
            st.streamPosition = stream.position();
            st.imagesSeen += batch.size();
            lossSum += r.loss() * batch.size();
            correct += r.correct();
            seen += batch.size();
            evalImages += batch.size();
            double ips = evalImages / (trainNanos / 1e9);
            progress.step(
                    st.step,
                    total,
                    lossSum / seen,
                    correct / (double) seen,
                    ips,
                    (total - st.step) * (double) cfg.batchSize / ips);
            boolean stop = StopSignal.requested();
            boolean evalNow = st.step % cfg.evalEvery == 0 || st.step == total;
            boolean periodic = cfg.checkpointEvery > 0 && st.step % cfg.checkpointEvery == 0;
            if (!evalNow && (stop || periodic)) {
                // Between evaluations: checkpoint at once (no test pass, so a stop is quick) with
                // the
                // running train-loss sums, so that a resumed run reproduces the next metrics row.
                long now = System.nanoTime();
                st.trainSeconds += trainNanos / 1e9;
                st.elapsedSeconds += (now - segmentStart) / 1e9;
                st.pendingLossSum = lossSum;
                st.pendingCorrect = correct;
                st.pendingSeen = seen;
                persist(st, pm, checkpoints, files, total, stop ? "interrupted" : "running");
                if (stop) {
                    stopped(st);
                    return;
                }
                segmentStart = now; // both clocks now hold everything up to here
                trainNanos = 0;
                evalImages = 0;
            }
            if (evalNow) {
                st.trainSeconds += trainNanos / 1e9;
                EvalResult ev = null;
                Double[] byStats = new Double[Evaluation.Stats.values().length];
                long evalStart = System.nanoTime();
                for (Evaluation.Stats kind : cfg.evalStatsList()) {
                    EvalResult e;
                    try {
                        e = evaluator.evaluate(kind, st.step);
                    } catch (NonFiniteInputException ex) {
                        throw Diagnostics.nonFiniteInput(
                                "by step " + st.step + " (in the evaluation)",
                                ex,
                                pm,
                                batch.images(),
                                batch.size(),
                                runDir);
                    }
                    ev = ev == null ? e : ev; // the first kind is the headline
                    byStats[kind.ordinal()] = e.accuracy();
                }
                long now = System.nanoTime();
                double passSeconds = (now - evalStart) / 1e9;
                long scored = (long) data.test().size() * cfg.evalStatsList().size();
                st.evalSeconds += passSeconds;
                st.evalImages += scored;
                st.elapsedSeconds += (now - segmentStart) / 1e9;
                segmentStart = now;
                double epoch = st.imagesSeen / (double) data.train().size();
                MetricsRow row =
                        new MetricsRow(
                                st.step,
                                epoch,
                                lr,
                                lossSum / seen,
                                correct / (double) seen,
                                ev.loss(),
                                ev.accuracy(),
                                ips,
                                st.elapsedSeconds,
                                st.trainSeconds,
                                byStats[0],
                                byStats[1],
                                byStats[2]);
                st.metrics.add(row);
                st.pendingLossSum = 0;
                st.pendingCorrect = 0;
                st.pendingSeen = 0;
                persist(
                        st,
                        pm,
                        checkpoints,
                        files,
                        total,
                        st.step >= total ? "finished" : stop ? "interrupted" : "running");
                NativeMemory.trim(); // the test pass's temporaries are the largest burst of the run
                progress.evaluation(row, total, scored / passSeconds);
                lossSum = 0;
                correct = 0;
                seen = 0;
                trainNanos = 0;
                evalImages = 0;
                if (stop) {
                    stopped(st);
                    return;
                }
            }
        }
    }

    /**
     * Checkpoint, then the run files: only ever from finite parameters, so the newest checkpoint
     * stays good.
     */
    private void persist(
            TrainState st,
            PreparedModel pm,
            CheckpointStore checkpoints,
            RunFiles files,
            long total,
            String status) {
        Block net = pm.model().block();
        Diagnostics.requireFiniteParameters(net, st.step, runDir);
        checkpoints.save(st, net, pm.optimizer().stateArrays());
        files.writeResults(st, total, status);
    }

    private void stopped(TrainState st) {
        progress.message("stopped at step " + st.step + "; continue with --resume --out " + runDir);
    }

    private static boolean hasDropout(Block b) {
        if (b instanceof ai.djl.nn.norm.Dropout) {
            return true;
        }
        return b.getChildren().values().stream().anyMatch(TrainingRun::hasDropout);
    }

    /** True when {@code dir} already holds a run (its config file). */
    public static boolean hasRun(Path dir) {
        return RunFolder.hasRun(dir);
    }

    /** The resolved config saved in a run folder. */
    public static TrainConfig savedConfig(Path dir) {
        return TrainConfig.load(dir.resolve(RunFiles.CONFIG));
    }

    /**
     * Null when {@code cfg} may continue the run in {@code dir}; else the first differing setting.
     */
    public static String configMismatch(Path dir, TrainConfig cfg) {
        return RunFiles.configMismatch(savedConfig(dir), cfg);
    }

    /**
     * A run folder's summary.json as far as a study needs it; status "" when there is none (or it
     * is unreadable).
     */
    public record Recorded(String status, long steps, long totalSteps) {
        /**
         * Finished with the budget of {@code cfg} (a finished run with a smaller budget can still
         * be continued).
         */
        public boolean finished(TrainConfig cfg) {
            return status.equals("finished")
                    && steps >= totalSteps
                    && (cfg.epochs > 0 || totalSteps >= cfg.steps);
        }
    }

    /** What a run folder's summary.json says. */
    public static Recorded recorded(Path dir) {
        Path f = dir.resolve(RunFiles.SUMMARY);
        if (!Files.exists(f)) {
            return new Recorded("", 0, 0);
        }
        try {
            com.google.gson.JsonObject o =
                    com.google.gson.JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            return new Recorded(
                    o.get("status").getAsString(),
                    o.get("steps").getAsLong(),
                    o.get("total_steps").getAsLong());
        } catch (java.io.IOException | RuntimeException e) {
            return new Recorded(
                    "", 0, 0); // unreadable: not finished; the checkpoint decides where it resumes
        }
    }
}
