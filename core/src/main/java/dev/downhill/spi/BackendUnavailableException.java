package dev.downhill.spi;

/** A requested backend cannot run (or none can); the message lists every backend and why. */
public final class BackendUnavailableException extends IllegalStateException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
