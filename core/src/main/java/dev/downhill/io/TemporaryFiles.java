package dev.downhill.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Temporary files in {@code java.io.tmpdir} that are deleted when released or, at the latest, when the JVM shuts down:
 * {@link #SHARED}'s files are deleted by a shutdown hook, which a SIGINT or SIGTERM runs too, so only a kill -9 or a
 * crash can leave one behind. Each file is created owner-only (mode 0600 where the file system has POSIX permissions:
 * it may hold a copy of someone's data). Once {@link #deleteAll()} has run, no more files are created — a thread that
 * was about to create one when the hook ran fails instead of leaving a file after it. Thread-safe.
 */
final class TemporaryFiles {
    /** The process's temporary files, deleted by a shutdown hook. */
    static final TemporaryFiles SHARED = withShutdownHook();

    private final Set<Path> live = new LinkedHashSet<>();
    private final Path directory; // null: java.io.tmpdir
    private boolean closed;

    /** A registry whose files only {@link #release} and {@link #deleteAll()} delete (for tests; the process uses {@link #SHARED}). */
    TemporaryFiles() {
        this(null);
    }

    /** Such a registry whose files are made in {@code directory} instead of {@code java.io.tmpdir} (for tests). */
    TemporaryFiles(Path directory) {
        this.directory = directory;
    }

    /** The folder the files are made in. */
    Path directory() {
        return directory != null ? directory : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static TemporaryFiles withShutdownHook() {
        TemporaryFiles files = new TemporaryFiles();
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(files::deleteAll, "downhill-temporary-file-cleanup"));
        } catch (IllegalStateException | SecurityException e) {
            // already shutting down: nothing to register for
        }
        return files;
    }

    /**
     * A new empty owner-only file {@code prefix<random>suffix} in {@code java.io.tmpdir}, registered for deletion.
     *
     * @throws IOException when it cannot be created, or the JVM is shutting down
     */
    synchronized Path create(String prefix, String suffix) throws IOException {
        if (closed) {
            throw new IOException("the process is ending: no temporary file is created");
        }
        Path file = directory == null ? Files.createTempFile(prefix, suffix) // owner-only where permissions are POSIX
                : Files.createTempFile(directory, prefix, suffix);
        live.add(file);
        return file;
    }

    /** Deletes {@code file} (if it still exists) and forgets it; a file that cannot be deleted is left (it is harmless). */
    synchronized void release(Path file) {
        live.remove(file);
        deleteQuietly(file);
    }

    /** Whether {@code file} was created here and is not yet released or deleted. */
    synchronized boolean holds(Path file) {
        return live.contains(file);
    }

    /** Deletes every file not yet released and refuses to create more: the shutdown hook's work. */
    synchronized void deleteAll() {
        closed = true;
        for (Path file : live) {
            deleteQuietly(file);
        }
        live.clear();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless
        }
    }
}
