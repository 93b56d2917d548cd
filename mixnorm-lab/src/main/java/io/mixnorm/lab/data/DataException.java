package io.mixnorm.lab.data;

import io.mixnorm.lab.UserException;

/** A data file or archive that cannot be used; the message names the file and what is wrong. */
public class DataException extends UserException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
