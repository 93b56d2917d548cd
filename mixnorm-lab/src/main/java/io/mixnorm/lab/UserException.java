package io.mixnorm.lab;

/**
 * A failure the user can act on: a bad option, a missing or malformed file, a run that diverged.
 * The CLI prints its message as one line and exits with {@link #exitCode()} (2 for usage and data
 * errors), never with a stack trace.
 */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(oneLine(message));
    }

    public UserException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /**
     * Line breaks become spaces and other control characters '?', so a message stays one printable
     * line.
     */
    static String oneLine(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            b.append(
                    c == '\n' || c == '\r' || c == '\t'
                            ? ' '
                            : Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    public int exitCode() {
        return 2;
    }
}
