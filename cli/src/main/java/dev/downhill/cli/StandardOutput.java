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
    private volatile IOException failure;

    StandardOutput(OutputStream out) {
        this.out = out;
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

    /** The first write error, or null. */
    IOException failure() {
        return failure;
    }

    /** Whether the first write error was the reader closing the pipe (EPIPE). */
    boolean readerClosed() {
        IOException e = failure;
        return e != null && e.getMessage() != null && e.getMessage().contains("Broken pipe");
    }
}
