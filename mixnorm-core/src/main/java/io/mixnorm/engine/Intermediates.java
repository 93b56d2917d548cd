package io.mixnorm.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Frees a forward pass's intermediate arrays as soon as the next operation has consumed them,
 * instead of when the batch's {@code NDManager} closes at the end of the step.
 *
 * <p>Why: DJL attaches every array an operation returns to the batch's manager, so a network's
 * forward keeps every intermediate alive until the step ends (PyTorch frees each one when its last
 * reference goes), and the peak memory holds all of them. Freeing them cut the lab's deep models'
 * peak memory by 13–24%; their step time did not change measurably (docs/benchmarks.md,
 * "Intermediates freed during the forward").
 *
 * <p>Closing the Java handle is safe for autograd: it drops the handle's reference to the native
 * tensor, and whatever the backward pass needs, autograd holds a reference of its own to. Only the
 * caller must not use the array again, so this is for arrays the caller created and nobody else has
 * seen. And only for results of operations, never for an array made from Java data ({@code
 * manager.create(float[])}): its memory is a Java buffer that only the handle keeps alive, and the
 * backward pass would read it after the garbage collector has freed it ({@code
 * ReleasingSequentialBlockTest} sees garbage gradients when the caller's input is closed).
 */
public final class Intermediates {
    private Intermediates() {}

    /**
     * Closes every array of {@code done} that is not (the same object as) an array of one of the
     * {@code keep} lists: an operation may return its input unchanged, and the caller's input is
     * not the caller's to free.
     */
    public static void release(NDList done, NDList... keep) {
        for (NDArray a : done) {
            if (!in(a, keep)) {
                a.close();
            }
        }
    }

    /** Closes {@code done} unless it is (the same object as) an array of {@code keep}. */
    public static void release(NDArray done, NDList... keep) {
        if (!in(done, keep)) {
            done.close();
        }
    }

    private static boolean in(NDArray a, NDList... lists) {
        for (NDList list : lists) {
            for (NDArray b : list) {
                if (a == b) {
                    return true;
                }
            }
        }
        return false;
    }
}
