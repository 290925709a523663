package dev.raylightning.core.checkpoint;

/** A checkpoint could not be written, or a file is not a checkpoint this library can load. */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
