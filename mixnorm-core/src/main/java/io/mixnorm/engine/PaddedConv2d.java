package io.mixnorm.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A bias-free 2-D convolution (NCHW, square kernel) that stays correct <em>and</em> fast under
 * PyTorch 2.7.1's oneDNN: where the weight's shape is one oneDNN miscomputes ({@link
 * OneDnnWorkaround#misfit(Shape, int)}: input channels or filters not a multiple of 16, or with a
 * stride above 1 input channels not a multiple of 32), it appends zero input channels to the input
 * and the weight, and zero filters to the weight, up to those multiples, convolves, and drops the
 * extra output channels.
 *
 * <p>The result is the same convolution: the zero channels add exact zeros to every sum, and the
 * extra filters' outputs are discarded, so no gradient reaches them and the weight's gradient is
 * the true one (autograd passes only through the concatenations and the slice). The learned weight
 * keeps its true shape, so parameter counts, initialization and checkpoints do not change. The
 * price is the padded channels' arithmetic (DenseNet-40's 12 filters become 16) plus two copies,
 * far less than giving up oneDNN, which is 5.5× faster than ATen's own convolution on DenseNet-40
 * ({@code docs/engine-workarounds.md}).
 *
 * <p>When oneDNN is off ({@link OneDnnWorkaround#apply()}) or the shape is fine, it is a plain
 * {@link Conv2d#conv2d} call. Models built from this block need no process-wide switch: {@link
 * OneDnnWorkaround#applyFor} ignores it.
 */
public final class PaddedConv2d extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int filters;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;

    /**
     * @param filters output channels
     * @param kernel kernel height and width
     * @param stride stride along both axes
     * @param padding zero padding on every side
     */
    public PaddedConv2d(int filters, int kernel, int stride, int padding) {
        super(VERSION);
        if (filters < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException(
                    "need filters, kernel, stride >= 1 and padding >= 0");
        }
        NativeMemory.tune(); // before the model's tensors exist
        this.filters = filters;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        return new NDList(conv2d(x, w, stride, padding));
    }

    /**
     * {@code conv2d(x, w)} without bias, padded as described above when oneDNN is on and the shape
     * needs it; for blocks that convolve with a slice of their weight (transposed convolutions).
     *
     * @param x input (N, C, H, W)
     * @param w weight (F, C, kh, kw)
     */
    public static NDArray conv2d(NDArray x, NDArray w, int stride, int padding) {
        Shape s = new Shape(stride, stride);
        Shape p = new Shape(padding, padding);
        if (!OneDnnWorkaround.misfit(w.getShape(), stride) || !OneDnnWorkaround.isOneDnnOn()) {
            return Conv2d.conv2d(x, w, null, s, p).singletonOrThrow();
        }
        long f = w.getShape().get(0);
        long c = w.getShape().get(1);
        long c2 = c == 3 ? c : roundUp(c, OneDnnWorkaround.channelAlignment(stride));
        long f2 = roundUp(f, 16);
        NDManager m = x.getManager();
        NDArray xp = x;
        NDArray wp = w;
        if (c2 > c) {
            NDArray zeros = zeroChannels(m, x.getShape(), c2 - c, x);
            xp = NDArrays.concat(new NDList(x, zeros), 1);
            zeros.close(); // every array made here is closed once used (Intermediates)
            wp = withZeros(m, w, 1, c2 - c);
        }
        if (f2 > f) {
            NDArray narrow = wp;
            wp = withZeros(m, narrow, 0, f2 - f);
            Intermediates.release(narrow, new NDList(w));
        }
        NDArray y = Conv2d.conv2d(xp, wp, null, s, p).singletonOrThrow();
        Intermediates.release(new NDList(xp, wp), new NDList(x, w));
        if (f2 == f) {
            return y;
        }
        NDArray kept = y.get(new NDIndex().addAllDim().addSliceDim(0, f));
        y.close(); // the slice is a view with its own reference to y's memory
        return kept;
    }

    /** {@code a} with {@code k} zero slices appended along {@code axis}, owned by {@code batch}. */
    private static NDArray withZeros(NDManager batch, NDArray a, int axis, long k) {
        long[] dims = a.getShape().getShape().clone(); // not Shape's own array
        dims[axis] = k;
        NDArray zeros = batch.zeros(new Shape(dims), a.getDataType());
        NDArray out = ownedBy(batch, NDArrays.concat(new NDList(a, zeros), axis));
        zeros.close();
        return out;
    }

    /**
     * {@code k} zero channels to append to {@code x}: stored channels-last when {@link
     * ChannelsLast} inputs are on, so that the concatenation keeps a channels-last input in that
     * format (PyTorch concatenates into a plain NCHW array when its inputs' formats differ, and
     * every later layer would then run in NCHW).
     */
    private static NDArray zeroChannels(NDManager m, Shape xs, long k, NDArray x) {
        if (!ChannelsLast.enabled()) {
            return m.zeros(new Shape(xs.get(0), k, xs.get(2), xs.get(3)), x.getDataType());
        }
        NDArray nhwc = m.zeros(new Shape(xs.get(0), xs.get(2), xs.get(3), k), x.getDataType());
        NDArray view = nhwc.transpose(0, 3, 1, 2);
        nhwc.close(); // the view keeps the memory
        return view;
    }

    /**
     * An op's result belongs to its receiver's manager; with a weight as receiver that is the
     * model's long-lived one, where a copy made every forward would pile up until the model is
     * closed. Moving it to the batch's manager frees it with the batch (autograd keeps what it
     * needs).
     */
    public static NDArray ownedBy(NDManager batch, NDArray derived) {
        derived.attach(batch);
        return derived;
    }

    private static long roundUp(long channels, int multiple) {
        return (channels + multiple - 1) / multiple * multiple;
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(filters, inputShapes[0].get(1), kernel, kernel));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), filters, side(s.get(2)), side(s.get(3)))};
    }

    private long side(long in) {
        return (in + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public String toString() {
        return "PaddedConv2d("
                + filters
                + ", "
                + kernel
                + "x"
                + kernel
                + ", stride "
                + stride
                + ", padding "
                + padding
                + ")";
    }
}
