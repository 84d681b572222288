package dev.downhill.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * The process's standard output as a stream that remembers its first write error (Java's print streams and writers
 * keep such errors to themselves), and whether that error was the reader closing its end (EPIPE: a pipe into
 * {@code head}), which is the reader's choice rather than a failure of the command.
 */
final class StandardOutput extends OutputStream {
    private final OutputStream out;
    private final boolean pipe;
    private volatile IOException failure;

    /** {@code pipe}: the stream is a pipe (its only write error is its reader closing it). */
    StandardOutput(OutputStream out, boolean pipe) {
        this.out = out;
        this.pipe = pipe;
    }

    /**
     * Whether the process's standard output is a pipe (Linux: /proc/self/fd/1 names {@code pipe:[…]}); false where that
     * cannot be told.
     */
    static boolean standardOutputIsPipe() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/1")).toString().startsWith("pipe:");
        } catch (IOException | UnsupportedOperationException | SecurityException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** The stream and the writer over it that the commands print to. */
    record Watch(StandardOutput stream, PrintWriter writer) {
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw remembered(e);
        }
    }

    private IOException remembered(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** The first write error unless it was the reader closing the pipe ({@link #readerClosed}), else null. */
    IOException failure() {
        return readerClosed() ? null : failure;
    }

    /**
     * Whether the first write error was the reader closing the pipe (EPIPE): on a pipe every write error is (a pipe has no
     * disk to fill); elsewhere, as far as the error's text tells (in English: the C library translates it).
     */
    private boolean readerClosed() {
        IOException e = failure;
        return e != null && (pipe || e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("broken pipe"));
    }
}
