package dev.downhill.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The one-line error of a file that cannot be read: "cannot read FILE: REASON", the reason in words — "no such file",
 * "permission denied", the system's reason ("Is a directory") — not a Java exception's class name. The cause is kept.
 */
public final class ReadFailure {
    private ReadFailure() {
    }

    /** The unchecked error for {@code e} while reading {@code file}. */
    public static UncheckedIOException of(Object file, IOException e) {
        return new UncheckedIOException("cannot read " + file + ": " + reason(e), e);
    }

    /** What went wrong, in words. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        if (e instanceof FileNotFoundException && m != null && m.endsWith(")") && m.contains(" (")) {
            return m.substring(m.lastIndexOf(" (") + 2, m.length() - 1); // "dir.npz (Is a directory)"
        }
        return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
    }
}
