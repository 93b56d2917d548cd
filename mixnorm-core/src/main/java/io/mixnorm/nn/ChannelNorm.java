package io.mixnorm.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What the channel norms of this package ({@link MixtureNorm}, {@link ModeNorm}) share, in the
 * manner of PyTorch's {@code _NormBase}: K components over C channels, ε, the momentum of the
 * running averages, the affine {@code γ}, {@code β} (C), input checks and the versioned save/load
 * of the block's metadata. The running state is each subclass's own ({@link RunningMixture} for
 * MixtureNorm). A subclass adds its own parameters after {@code gamma} and {@code beta}, sets their
 * shapes in {@link #prepareParameters} and implements {@code forwardInternal}.
 *
 * <p>Metadata, in this order: the input shapes, {@code C} (long), {@code K} (int), then what {@link
 * #saveExtraMetadata} writes. A stream of an older supported version is read by {@link
 * #loadExtraMetadata} and {@link #loadLegacyParameters}.
 */
public abstract class ChannelNorm extends AbstractBlock {

    /** Every element: the index of a whole-array copy. */
    private static final NDIndex ALL = new NDIndex("...");

    private final byte encodingVersion;
    private final byte oldestVersion;

    /** K. */
    protected final int components;

    /** ε. */
    protected final float epsilon;

    /** Weight of the new batch in the running averages. */
    protected final float momentum;

    /** C, or -1 before initialisation. */
    protected long channels = -1;

    /** γ (C). */
    protected final Parameter gamma;

    /** β (C). */
    protected final Parameter beta;

    /**
     * @param version the encoding version this class writes
     * @param oldestVersion the oldest version it still reads
     * @param components K
     * @param epsilon ε
     * @param momentum weight of the new batch
     * @param scale whether γ is trained
     * @param center whether β is trained
     */
    ChannelNorm(
            byte version,
            byte oldestVersion,
            int components,
            float epsilon,
            float momentum,
            boolean scale,
            boolean center) {
        super(version);
        this.encodingVersion = version;
        this.oldestVersion = oldestVersion;
        this.components = components;
        this.epsilon = epsilon;
        this.momentum = momentum;
        gamma =
                addParameter(
                        Parameter.builder()
                                .setName("gamma")
                                .setType(Parameter.Type.GAMMA)
                                .optRequiresGrad(scale)
                                .build());
        beta =
                addParameter(
                        Parameter.builder()
                                .setName("beta")
                                .setType(Parameter.Type.BETA)
                                .optRequiresGrad(center)
                                .build());
    }

    /** A non-trained parameter: a running average with a constant initial value. */
    final Parameter addRunning(String name, Parameter.Type type, float initial) {
        return addParameter(name, type, new ConstantInitializer(initial), false);
    }

    /** A parameter of this block. */
    final Parameter addParameter(
            String name, Parameter.Type type, Initializer init, boolean requiresGrad) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(type)
                        .optInitializer(init)
                        .optRequiresGrad(requiresGrad)
                        .build());
    }

    /** Sets the shapes of the subclass's parameters; {@link #channels} is known. */
    abstract void prepareParameters();

    /** Writes the subclass's metadata after C and K (may be nothing). */
    void saveExtraMetadata(DataOutputStream os) throws IOException {}

    /** Reads what {@link #saveExtraMetadata} wrote in {@code version}. */
    void loadExtraMetadata(byte version, DataInputStream is)
            throws IOException, MalformedModelException {}

    /** Reads parameters that an older {@code version} stored after the current ones. */
    void loadLegacyParameters(byte version, NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {}

    /** Puts into effect what the metadata held, once every parameter has loaded. */
    void commitLoad() {}

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        Shape s = inputShapes[0];
        checkRank(s);
        long c = s.get(1);
        if (channels >= 0 && channels != c) {
            throw new IllegalArgumentException(wrongChannels(s));
        }
        channels = c;
    }

    /** {@inheritDoc} */
    @Override
    public void prepare(Shape[] inputShapes) {
        gamma.setShape(new Shape(channels));
        beta.setShape(new Shape(channels));
        prepareParameters();
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeLong(channels);
        os.writeInt(components);
        saveExtraMetadata(os);
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        if (loadVersion < oldestVersion || loadVersion > encodingVersion) {
            throw new MalformedModelException(
                    name()
                            + ": unsupported parameter encoding version "
                            + loadVersion
                            + " (this build reads version"
                            + (oldestVersion == encodingVersion
                                    ? " " + encodingVersion
                                    : "s " + oldestVersion + "–" + encodingVersion)
                            + ")");
        }
        readInputShapes(is);
        long c = is.readLong();
        int k = is.readInt();
        if (k != components) {
            throw new MalformedModelException(
                    name()
                            + ": saved parameters are for K="
                            + k
                            + ", C="
                            + c
                            + " but this block has K="
                            + components
                            + ", C="
                            + channels);
        }
        if (channels >= 0 && channels != c) {
            throw new MalformedModelException(
                    name()
                            + ": saved parameters have C="
                            + c
                            + " but this block was initialised with C="
                            + channels);
        }
        loadExtraMetadata(loadVersion, is);
        channels = c;
    }

    /** {@inheritDoc} */
    @Override
    public void loadParameters(NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {
        byte loadVersion = is.readByte();
        loadMetadata(loadVersion, is);
        for (Parameter parameter : getDirectParameters().values()) {
            parameter.load(manager, is);
        }
        loadLegacyParameters(loadVersion, manager, is);
        commitLoad();
    }

    /**
     * @return K
     */
    public int getComponents() {
        return components;
    }

    /**
     * @return ε
     */
    public float getEpsilon() {
        return epsilon;
    }

    /**
     * @return the momentum (weight of the new batch)
     */
    public float getMomentum() {
        return momentum;
    }

    // ------------------------------------------------------------------ input checks

    /** The class name, for messages. */
    final String name() {
        return getClass().getSimpleName();
    }

    /** Rank and channel count of a forward's input. */
    final void checkInput(Shape s) {
        checkRank(s);
        if (s.get(1) != channels) {
            throw new IllegalArgumentException(wrongChannels(s));
        }
    }

    private void checkRank(Shape s) {
        if (s.dimension() != 4 && s.dimension() != 2) {
            throw new IllegalArgumentException(
                    name() + " expects input of shape (N, C, H, W) or (N, C), got " + s);
        }
        if (s.size() == 0) {
            throw new IllegalArgumentException(name() + " got an empty input " + s);
        }
    }

    private String wrongChannels(Shape s) {
        return name()
                + " was initialised for C="
                + channels
                + " channels, i.e. input of shape "
                + "(N, "
                + channels
                + ", H, W) or (N, "
                + channels
                + "), got "
                + s;
    }

    /** The exception for a non-finite {@code x}, naming NaN or ±Inf/overflow. */
    final NonFiniteInputException nonFinite(NDArray x) {
        boolean nan = x.isNaN().any().getBoolean();
        return new NonFiniteInputException(
                name()
                        + "(K="
                        + components
                        + ", C="
                        + channels
                        + "): input of shape "
                        + x.getShape()
                        + (nan ? " contains NaN" : " contains ±Inf or overflows float arithmetic"));
    }

    /**
     * Batch statistics that must be finite; a NaN/Inf anywhere in {@code x} reaches them, so this
     * small read covers the whole input.
     */
    final void checkFinite(NDArray x, NDArray... statistics) {
        for (NDArray s : statistics) {
            for (double v : toDoubles(s.stopGradient())) {
                if (!Double.isFinite(v)) {
                    throw nonFinite(x);
                }
            }
        }
    }

    // ------------------------------------------------------------------ array helpers

    /**
     * One step of a running average, in place: {@code r ← (1 − momentum)·r + momentum·batch}
     * (PyTorch's convention; the momentum is the weight of the new batch).
     *
     * @param r the running array the parameter store handed out
     * @param batch the batch's value, detached
     * @param momentum weight of the new batch
     */
    static void movingAverage(NDArray r, NDArray batch, float momentum) {
        r.muli(1f - momentum).addi(batch.mul(momentum));
    }

    /**
     * Writes values into an existing array (in place, whatever its float type). Not through {@code
     * NDArray.set(Buffer)}: DJL's native torchSet opens PyTorch's deprecated
     * AutoNonVariableTypeMode guard, which prints "AutoNonVariableTypeMode is deprecated" on stderr
     * once per process; an indexed copy of the whole array writes the same values without it.
     */
    static void setValues(NDArray a, double[] v) {
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray src;
            if (a.getDataType() == DataType.FLOAT64) {
                src = tmp.create(v, a.getShape());
            } else {
                float[] f = new float[v.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) v[i];
                }
                src = tmp.create(f, a.getShape());
            }
            a.set(ALL, src);
        }
    }

    /** Reads an array into Java without creating NDArrays in its (possibly long-lived) manager. */
    static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        if (a.getDataType() == DataType.FLOAT32) {
            float[] f = a.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray c = a.toType(DataType.FLOAT64, false);
            c.attach(tmp);
            return c.toDoubleArray();
        }
    }

    /**
     * A differentiable copy of a parameter value owned by the batch's manager, so that ops with it
     * as receiver do not leak arrays into the parameter's long-lived manager.
     */
    static NDArray local(NDArray p, NDManager mgr) {
        return mgr.zeros(p.getShape(), p.getDataType()).add(p);
    }

    /**
     * The options every channel norm has; a subclass's builder extends it.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {
        int components;
        float epsilon = 1e-5f;
        float momentum = 0.1f;
        long seed = 0L;

        BaseBuilder(int defaultComponents) {
            components = defaultComponents;
        }

        abstract T self();

        /**
         * @param k number of components K ≥ 1 (default 3 for MixtureNorm, where K = 1 is BatchNorm;
         *     2 for ModeNorm)
         * @return this
         */
        public T optComponents(int k) {
            components = k;
            return self();
        }

        /**
         * @param eps ε added to the variances, &gt; 0 (default 1e-5)
         * @return this
         */
        public T optEpsilon(float eps) {
            epsilon = eps;
            return self();
        }

        /**
         * @param m weight of the new batch in the running averages, in [0, 1] (default 0.1,
         *     PyTorch's convention; DJL's BatchNorm 0.9 means the same)
         * @return this
         */
        public T optMomentum(float m) {
            momentum = m;
            return self();
        }

        /**
         * @param s seed of the layer's randomness (default 0): MixtureNorm's row subsamples and
         *     k-means++ seeding, ModeNorm's gate initialisation
         * @return this
         */
        public T optSeed(long s) {
            seed = s;
            return self();
        }

        /** Checks the shared options; {@code what} names a component ("components", "modes"). */
        void validate(String block, String what) {
            if (components < 1) {
                throw new IllegalArgumentException(
                        block + " needs K >= 1 " + what + ", got " + components);
            }
            if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
            }
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException(
                        "momentum (weight of the new batch) must be in [0, 1], got " + momentum);
            }
        }
    }
}
