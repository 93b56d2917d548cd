package io.mixnorm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The layer tests' common ground: one manager per test, and float64 ⇄ NDArray helpers. */
abstract class NdTestBase {

    /** Closed after each test, with every array created from it. */
    protected NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    /** {@code v} as an array of {@code shape}, created in float64 and then cast to {@code type}. */
    protected NDArray array(double[] v, long[] shape, DataType type) {
        NDArray a = manager.create(v, new Shape(shape));
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    /** The values of {@code a}, whatever its type, as float64. */
    protected static double[] values(NDArray a) {
        return MixtureNorm.toDoubles(a);
    }

    /** One forward pass of {@code b} on a single input. */
    protected static NDArray fwd(Block b, ParameterStore ps, NDArray x, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }
}
