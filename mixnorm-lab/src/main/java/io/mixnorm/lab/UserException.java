package io.mixnorm.lab;

/**
 * A failure the user can act on: a bad option, a missing or malformed file, a run that diverged.
 * The CLI prints its message as one line and exits with {@link #exitCode()} (2 for usage and
 * data errors), never with a stack trace.
 */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }

    public int exitCode() {
        return 2;
    }
}
