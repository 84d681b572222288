package dev.downhill.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The reason a file-system operation failed, in words for a message ("permission denied", "read-only file system",
 * "the folder /a/b does not exist"): Java's exceptions carry the path as their message and, for the commonest errors,
 * no reason at all, so {@code e.getMessage()} would repeat the path and {@code e.toString()} name a Java class.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** Why {@code e} happened, never its class name nor (alone) its path. */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            Path p = path(f.getFile());
            return p != null && Files.isDirectory(p) ? "a folder of that name exists"
                    : p != null && Files.exists(p) ? "a file of that name exists" : "it already exists";
        }
        if (e instanceof NotDirectoryException f) {
            return (f.getFile() == null ? "a part of the path" : f.getFile()) + " is not a folder";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "the folder is not empty";
        }
        if (e instanceof NoSuchFileException f) {
            Path p = path(f.getFile());
            Path parent = p == null ? null : p.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                return "the folder " + parent + " does not exist";
            }
            return "no such file or directory" + (parent == null ? "" : " (the system does not let files be created in " + parent + ")");
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            String r = f.getReason();
            return r.isEmpty() ? "an input/output error" : r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "an input/output error" : m;
    }

    private static Path path(String file) {
        try {
            return file == null ? null : Path.of(file);
        } catch (RuntimeException invalid) {
            return null;
        }
    }
}
