package io.mixnorm.lab;

/**
 * A mistake the user can fix: a bad option, a missing or malformed file. The CLI prints its
 * message as one line and exits with code 2, never with a stack trace.
 */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
