package io.mixnorm.lab.train;

import io.mixnorm.lab.UserException;

/** Training produced a NaN/Inf loss or parameter; the last good checkpoint is kept. Exit code 3. */
public final class DivergedException extends UserException {
    private static final long serialVersionUID = 1L;

    public DivergedException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 3;
    }
}
