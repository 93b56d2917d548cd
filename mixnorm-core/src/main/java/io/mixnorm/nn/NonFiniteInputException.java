package io.mixnorm.nn;

/**
 * Thrown by a normalization block of this package when its input contains NaN or ±Inf (or values so
 * large that float arithmetic overflows), instead of silently propagating non-finite values.
 */
public class NonFiniteInputException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was found, naming the layer and the input shape
     */
    public NonFiniteInputException(String message) {
        super(message);
    }
}
