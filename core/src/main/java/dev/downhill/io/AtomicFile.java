package dev.downhill.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file written all or nothing: the bytes go to a temporary file beside the target (same
 * folder, so the rename cannot cross file systems, named {@code .<name>.<random>.tmp}); {@link #commit()}
 * flushes, fsyncs and closes it and then renames it over the target (atomically where the file
 * system supports it), fsyncing the folder afterwards. {@link #close()} without a commit deletes
 * the temporary file. So a failure — an exception, a full disk, a kill of the JVM before the
 * rename — leaves the previous file (if any) intact; a temporary file is left behind only when
 * the JVM dies without running its shutdown hooks (kill -9, power loss). Unfinished temporary
 * files are deleted by a shutdown hook on SIGINT/SIGTERM.
 *
 * <p>{@link #checkWritable(Path)} checks a target before any expensive work: its folder exists and
 * accepts a new file (tried by creating and deleting one) and the target is not a folder.
 * Errors are {@link UncheckedIOException}s whose message names the target. Not thread-safe.
 */
public final class AtomicFile implements AutoCloseable {
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    /**
     * Held by every commit and by the shutdown hook: a SIGINT/SIGTERM neither deletes a temporary file while it is being
     * renamed nor lets the process end half-way through a group's renames ({@link #commitAll}).
     */
    private static final Object COMMITS = new Object();
    /** Set by the shutdown hook: from then on a group of outputs is not committed ({@link #commitAll}). */
    private static volatile boolean terminating;

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(AtomicFile::deletePending, "downhill-atomic-file-cleanup"));
        } catch (IllegalStateException | SecurityException e) {
            // already shutting down: nothing to register for
        }
    }

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;
    private boolean closed;

    private AtomicFile(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Starts writing {@code target}: checks it (see {@link #checkWritable}) and opens a temporary file beside it. */
    public static AtomicFile create(Path target) {
        Path folder = checkTarget(target);
        Path temp = null;
        try {
            FileChannel ch = null;
            for (int attempt = 0; ch == null; attempt++) {
                temp = folder.resolve(temporaryName(target));
                try {
                    // CREATE_NEW with default attributes: the file gets the umask's permissions like any new file
                    // (createTempFile would make it owner-only)
                    ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    if (attempt > 100) {
                        throw e;
                    }
                    temp = null;
                }
            }
            PENDING.add(temp);
            copyPermissions(target, temp);
            return new AtomicFile(target, temp, ch);
        } catch (IOException e) {
            if (temp != null) {
                deleteQuietly(temp);
            }
            throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
        }
    }

    /**
     * Checks that {@code target} can be written: its folder exists and a file can be created in it,
     * and the target itself is not a folder. Creates nothing that stays.
     */
    public static void checkWritable(Path target) {
        Path folder = checkTarget(target);
        try {
            Path probe = folder.resolve(temporaryName(target));
            Files.newByteChannel(probe, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW).close();
            Files.delete(probe);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
        }
    }

    /** Writes {@code bytes} to {@code target} all or nothing. */
    public static void write(Path target, byte[] bytes) {
        try (AtomicFile f = create(target)) {
            f.write(ByteBuffer.wrap(bytes));
            f.commit();
        }
    }

    /** The file being replaced. */
    public Path target() {
        return target;
    }

    /** The temporary file the bytes go to until {@link #commit()}. */
    public Path temporary() {
        return temp;
    }

    /** The temporary file's channel (positioned by the writes; do not close it). */
    public FileChannel channel() {
        return channel;
    }

    /** A stream onto the temporary file (closing it does nothing; {@link #commit()} or {@link #close()} end the file). */
    public OutputStream stream() {
        OutputStream raw = Channels.newOutputStream(channel);
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                raw.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                raw.write(b, off, len);
            }

            @Override
            public void close() {
                // the AtomicFile owns the channel
            }
        };
    }

    /** Appends all of {@code bytes}. */
    public void write(ByteBuffer bytes) {
        ensureOpen();
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
        }
    }

    /**
     * Makes the written bytes the target's content: fsync, close, rename over the target, fsync the
     * folder. On failure the temporary file is deleted and the target is left as it was.
     */
    public void commit() {
        ensureOpen();
        synchronized (COMMITS) {
            try {
                channel.force(true);
                channel.close();
                move(temp, target);
                committed = true;
                closed = true;
                PENDING.remove(temp);
            } catch (IOException e) {
                close();
                throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
            }
        }
        syncFolder(temp.getParent());
    }

    /**
     * Commits {@code files} all or none (one command's outputs): each is fsynced and closed first; then, holding the lock
     * the shutdown hook takes, each existing target's content is kept under a second name ({@code .<name>.<random>.old},
     * a hard link; renamed aside where links are refused) and the new file renamed over the target (atomically: the target
     * never goes missing), in order; if a rename fails, the ones done are undone (the old content renamed back, new
     * targets that had none deleted) and every temporary file is deleted, so the targets are left as they were — a
     * failure to put one back is named in the message. After a SIGINT/SIGTERM (the shutdown hook has run) nothing is
     * committed. A failure throws an {@link UncheckedIOException} naming the target.
     */
    public static void commitAll(java.util.List<AtomicFile> files) {
        try {
            for (AtomicFile f : files) {
                f.ensureOpen();
                if (Files.isDirectory(f.target, LinkOption.NOFOLLOW_LINKS)) { // made a folder since create(): refuse it whole
                    throw failure(f.target, "it is a folder");
                }
                try {
                    f.channel.force(true);
                    f.channel.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + f.target + ": " + describe(e), e);
                }
            }
            synchronized (COMMITS) {
                if (terminating) {
                    throw new UncheckedIOException("not written: the process is being stopped", new IOException("terminating"));
                }
                Path[] kept = new Path[files.size()];
                boolean[] linked = new boolean[files.size()];
                int done = 0;
                try {
                    for (; done < files.size(); done++) {
                        AtomicFile f = files.get(done);
                        if (Files.exists(f.target, LinkOption.NOFOLLOW_LINKS)) {
                            Path keep = f.target.resolveSibling("." + f.target.getFileName() + "."
                                    + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".old");
                            try {
                                Files.createLink(keep, f.target); // the target stays in place until replaced
                                linked[done] = true;
                            } catch (IOException | UnsupportedOperationException noLinks) {
                                move(f.target, keep); // when this fails too, nothing was kept: the target is untouched
                            }
                            kept[done] = keep; // recorded once it holds the old content (undo moves it back)
                        }
                        move(f.temp, f.target);
                    }
                } catch (IOException | RuntimeException | Error e) {
                    String lost = undo(files, kept, linked, done);
                    String message = "cannot write " + files.get(Math.min(done, files.size() - 1)).target + ": "
                            + (e instanceof IOException io ? describe(io) : String.valueOf(e)) + lost;
                    throw new UncheckedIOException(message, e instanceof IOException io ? io : new IOException(e));
                }
                for (int k = 0; k < files.size(); k++) {
                    AtomicFile f = files.get(k);
                    f.committed = true;
                    f.closed = true;
                    PENDING.remove(f.temp);
                    if (kept[k] != null) {
                        deleteQuietly(kept[k]);
                    }
                }
            }
        } finally {
            for (AtomicFile f : files) {
                f.close(); // the uncommitted ones' temporary files
            }
        }
        for (AtomicFile f : files) {
            syncFolder(f.temp.getParent());
        }
    }

    /**
     * Undoes the renames of files [0, done] of a group (the done-th may have had its old content kept without its
     * replacement); returns "" or, for each target that could not be put back, where its previous content is.
     */
    private static String undo(java.util.List<AtomicFile> files, Path[] kept, boolean[] linked, int done) {
        StringBuilder lost = new StringBuilder();
        for (int k = Math.min(done, files.size() - 1); k >= 0; k--) {
            AtomicFile f = files.get(k);
            try {
                if (kept[k] != null) {
                    if (k < done || !linked[k]) {
                        move(kept[k], f.target); // the old content back over the new one (or into its empty place)
                    } else {
                        Files.deleteIfExists(kept[k]); // kept by a link, never replaced: the target is as it was
                    }
                } else if (k < done) {
                    Files.deleteIfExists(f.target); // it had no previous version
                }
            } catch (IOException | RuntimeException restoreFailed) {
                lost.append("; could not put back ").append(f.target)
                        .append(kept[k] != null ? " (its previous content is in " + kept[k] + ")" : " (it had none: remove it)");
            }
        }
        return lost.toString();
    }

    /** Renames {@code from} over {@code to}, atomically where the file system can. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether {@link #commit()} succeeded. */
    public boolean committed() {
        return committed;
    }

    /** Deletes the temporary file unless committed; a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // deleting it anyway
        }
        deleteQuietly(temp);
        PENDING.remove(temp);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(target + ": the atomic write is already " + (committed ? "committed" : "closed"));
        }
    }

    /** The folder that will hold {@code target}, after checking the target is not a folder and the folder exists. */
    private static Path checkTarget(Path target) {
        Path abs = target.toAbsolutePath();
        if (abs.getFileName() == null) {
            throw failure(target, "not a file name");
        }
        if (Files.isDirectory(abs)) {
            throw failure(target, "it is a folder");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(abs)) {
            throw failure(target, "it exists and is not a regular file (outputs are written to a temporary file and renamed, "
                    + "which would replace a pipe or device: remove it first)");
        }
        Path folder = abs.getParent();
        if (!Files.isDirectory(folder)) {
            throw failure(target, Files.exists(folder) ? folder + " is not a folder" : "folder " + folder + " does not exist");
        }
        return folder;
    }

    private static String temporaryName(Path target) {
        return "." + target.getFileName() + "." + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    /** A replaced file keeps its permissions (POSIX file systems; elsewhere nothing happens). */
    private static void copyPermissions(Path target, Path temp) {
        try {
            if (Files.isRegularFile(target)) {
                Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // the umask's defaults then
        }
    }

    private static UncheckedIOException failure(Path target, String why) {
        String m = "cannot write " + target + ": " + why;
        return new UncheckedIOException(m, new IOException(m));
    }

    private static String describe(IOException e) {
        return IoErrors.reason(e);
    }

    private static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can fsync a folder; the rename itself is done
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing better to do
        }
    }

    private static void deletePending() {
        synchronized (COMMITS) { // after a commit in progress, never under it
            terminating = true;
            for (Path p : PENDING) {
                deleteQuietly(p);
            }
        }
    }
}
