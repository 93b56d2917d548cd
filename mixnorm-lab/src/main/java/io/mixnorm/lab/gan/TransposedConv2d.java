package io.mixnorm.lab.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.mixnorm.engine.Intermediates;
import io.mixnorm.engine.PaddedConv2d;

/**
 * A transposed 2-D convolution (kernel k, stride s, padding p, no bias) built from an ordinary one,
 * because DJL's PyTorch engine does not implement {@code deconvolution}. A transposed convolution
 * equals: insert s−1 zeros between neighbouring input pixels, pad every side with k−1−p zeros, then
 * convolve with stride 1 and the spatially flipped, in/out-swapped kernel. The kernel is learned
 * and its N(0, σ²) initialization is invariant under the flip, so the layer computes the same
 * family of functions, with the same initial distribution, as PyTorch's {@code ConvTranspose2d};
 * output side (h−1)·s − 2p + k.
 *
 * <p>The zero insertion and padding are one exact, differentiable product per axis: {@code S_h · X
 * · S_wᵀ}, with S (out × in) holding a single 1 per input pixel at row q + s·i (q = k−1−p).
 * Convolving the stuffed input multiplies s² − 1 of every s² inputs by zero, so for DCGAN's
 * upsampling layers (k 4, s 2, p 1) a cheaper exact form is used instead: each of the four output
 * phases (even/odd row × even/odd column) is a 2×2 convolution of the input padded by 1, with the
 * taps {@code W[:, :, pu::2, pv::2]} of the same kernel, and the phases are interleaved; 4× fewer
 * multiplications, identical results.
 */
public final class TransposedConv2d extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int kernel;
    private final int stride;
    private final int padding;
    private final int filters;
    private final PaddedConv2d conv;

    public TransposedConv2d(int filters, int kernel, int stride, int padding) {
        super(VERSION);
        if (padding > kernel - 1 || stride < 1) {
            throw new IllegalArgumentException("need padding <= kernel - 1 and stride >= 1");
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.filters = filters;
        this.conv = addChildBlock("conv", new PaddedConv2d(filters, kernel, 1, 0));
    }

    /** Side of the output for an input side {@code in}. */
    public int outputSide(long in) {
        return (int) ((in - 1) * stride - 2L * padding + kernel);
    }

    private int stuffedSide(long in) {
        return (int) ((in - 1) * stride + 1 + 2L * (kernel - 1 - padding));
    }

    /** The (out × in) zero-insertion-and-padding matrix of one axis. */
    static float[] stuffing(int in, int stride, int pad) {
        int out = (in - 1) * stride + 1 + 2 * pad;
        float[] s = new float[out * in];
        for (int i = 0; i < in; i++) {
            s[(pad + stride * i) * in + i] = 1f;
        }
        return s;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (kernel == 4 && stride == 2 && padding == 1) {
            return new NDList(
                    phases(
                            x,
                            ps.getValue(
                                    conv.getParameters().get("weight"), x.getDevice(), training)));
        }
        NDManager m = x.getManager();
        int h = (int) x.getShape().get(2);
        int w = (int) x.getShape().get(3);
        int q = kernel - 1 - padding;
        NDArray sh =
                m.create(stuffing(h, stride, q), new Shape(stuffedSide(h), h))
                        .toType(x.getDataType(), false);
        NDArray sw =
                m.create(stuffing(w, stride, q), new Shape(stuffedSide(w), w))
                        .toType(x.getDataType(), false);
        NDArray stuffed = sh.matMul(x).matMul(sw.transpose());
        return conv.forward(ps, new NDList(stuffed), training, params);
    }

    /**
     * k 4, s 2, p 1: y[2t+pu, 2r+pv] = Σ taps of W[:, :, pu::2, pv::2] over x padded by 1, rows
     * t+pu..t+pu+1 and columns r+pv..r+pv+1 of the padded input (derived from the stuffed form:
     * even outputs see x[t−1], x[t] through kernel taps 0 and 2, odd ones x[t], x[t+1] through 1
     * and 3).
     */
    private static NDArray phases(NDArray x, NDArray w) {
        long n = x.getShape().get(0);
        long h = x.getShape().get(2);
        long wd = x.getShape().get(3);
        NDList rows = new NDList(2);
        for (int pu = 0; pu < 2; pu++) {
            NDList cols = new NDList(2);
            for (int pv = 0; pv < 2; pv++) {
                NDArray taps =
                        PaddedConv2d.ownedBy(
                                x.getManager(),
                                w.get(
                                        new NDIndex()
                                                .addAllDim()
                                                .addAllDim()
                                                .addSliceDim(pu, 4, 2)
                                                .addSliceDim(pv, 4, 2)));
                NDArray full = PaddedConv2d.conv2d(x, taps, 1, 1); // (n, f, h+1, w+1)
                cols.add(
                        full.get(
                                new NDIndex()
                                        .addAllDim()
                                        .addAllDim()
                                        .addSliceDim(pu, pu + h)
                                        .addSliceDim(pv, pv + wd)));
                Intermediates.release(new NDList(taps, full)); // the slice keeps what it needs
            }
            rows.add(NDArrays.stack(cols, 4)); // (n, f, h, w, 2): column phase innermost
            Intermediates.release(cols);
        }
        NDArray y = NDArrays.stack(rows, 3); // (n, f, h, 2, w, 2)
        NDArray out = y.reshape(n, w.getShape().get(0), 2 * h, 2 * wd);
        Intermediates.release(rows);
        Intermediates.release(y, new NDList(out));
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {
            new Shape(s.get(0), filters, outputSide(s.get(2)), outputSide(s.get(3)))
        };
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        conv.initialize(
                manager,
                dataType,
                new Shape(s.get(0), s.get(1), stuffedSide(s.get(2)), stuffedSide(s.get(3))));
    }
}
