package dev.downhill.io;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Writes a NumPy {@code .npy} file (format 1.0, C order, {@code <f4} or {@code <f8}) in chunks:
 * {@link #create} writes the header for the final shape, the {@code write} calls append values
 * in row-major order (whole rows or any other pieces), and {@link #close()} checks that exactly
 * rows × cols values arrived. Memory use is one 1 MiB staging buffer whatever the file size, so
 * a generator can stream a matrix far larger than memory row by row; pointers of the file's
 * precision are written straight from their memory.
 *
 * <p>Values are converted to the file's precision (float64 → float32 rounds to nearest; values
 * beyond the float range become infinite) and written as given: the writer does not reject NaN.
 * Arguments are read, never modified. Ownership: the writer owns its file channel; pointers and
 * arrays passed in stay the caller's.
 *
 * <p>Atomic: the file is written to a temporary file beside it and renamed over it only when
 * {@link #close()} finds every value written ({@link AtomicFile}); if {@link #close()} finds fewer
 * values than the shape needs, or a write failed, it deletes the temporary file (the previous
 * file, if any, is left intact) and throws {@link IllegalStateException}; writing more than the
 * shape holds throws at once.
 * I/O failures are {@link UncheckedIOException}s naming the file. Not thread-safe.
 */
public final class NpyWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final AtomicFile out;
    private final boolean ownsOut;
    private final FileChannel ch;
    private final Precision precision;
    private final long[] shape;
    private final long expected;
    private final ByteBuffer buffer;
    private long written;
    private boolean closed;
    private boolean failed;

    private NpyWriter(AtomicFile out, boolean ownsOut, Precision precision, long[] shape, long expected) {
        this.file = out.target();
        this.out = out;
        this.ownsOut = ownsOut;
        this.ch = out.channel();
        this.precision = precision;
        this.shape = shape;
        this.expected = expected;
        this.buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Starts writing {@code file} (replacing it only when {@link #close()} finds the array complete:
     * the values go to a temporary file beside it that is renamed over it then, see
     * {@link AtomicFile}) and writes the header of a C-order array of {@code shape} (1 or 2
     * non-negative dimensions) in {@code precision}.
     */
    public static NpyWriter create(Path file, Precision precision, long... shape) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(precision, "precision");
        byte[] header = header(precision, shape);
        AtomicFile out = AtomicFile.create(file);
        try {
            out.write(ByteBuffer.wrap(header));
            return new NpyWriter(out, true, precision, shape.clone(), count(shape, precision));
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Like {@link #create(Path, Precision, long...)} but into an {@link AtomicFile} the caller
     * commits (so that several files can be committed together): {@link #close()} checks that the
     * array is complete and flushes it, but does not commit.
     */
    public static NpyWriter create(AtomicFile out, Precision precision, long... shape) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(precision, "precision");
        byte[] header = header(precision, shape);
        out.write(ByteBuffer.wrap(header));
        return new NpyWriter(out, false, precision, shape.clone(), count(shape, precision));
    }

    private static byte[] header(Precision precision, long[] shape) {
        count(shape, precision);
        return NpyHeader.encode(NpyDtype.of(precision), false, shape);
    }

    private static long count(long[] shape, Precision precision) {
        if (shape.length != 1 && shape.length != 2) {
            throw new IllegalArgumentException("an .npy array written here has 1 or 2 dimensions, got shape "
                    + java.util.Arrays.toString(shape));
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + java.util.Arrays.toString(shape));
            }
            try {
                count = Math.multiplyExact(count, d);
                Math.multiplyExact(count, (long) precision.bytes());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " overflows 2^63 bytes");
            }
        }
        return count;
    }

    /** Appends all of {@code values}. */
    public NpyWriter write(float[] values) {
        return write(values, 0, values.length);
    }

    /** Appends {@code values[offset, offset+length)}. */
    public NpyWriter write(float[] values, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, values.length);
        reserve(length);
        for (int k = 0; k < length; ) {
            int n = Math.min(length - k, room());
            if (precision == Precision.FLOAT32) {
                buffer.asFloatBuffer().put(values, offset + k, n);
                buffer.position(buffer.position() + 4 * n);
            } else {
                for (int i = 0; i < n; i++) {
                    buffer.putDouble(values[offset + k + i]);
                }
            }
            k += n;
            flushIfFull();
        }
        written += length;
        return this;
    }

    /** Appends all of {@code values}. */
    public NpyWriter write(double[] values) {
        return write(values, 0, values.length);
    }

    /** Appends {@code values[offset, offset+length)}. */
    public NpyWriter write(double[] values, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, values.length);
        reserve(length);
        for (int k = 0; k < length; ) {
            int n = Math.min(length - k, room());
            if (precision == Precision.FLOAT64) {
                buffer.asDoubleBuffer().put(values, offset + k, n);
                buffer.position(buffer.position() + 8 * n);
            } else {
                for (int i = 0; i < n; i++) {
                    buffer.putFloat((float) values[offset + k + i]);
                }
            }
            k += n;
            flushIfFull();
        }
        written += length;
        return this;
    }

    /**
     * Appends elements {@code [offset, offset+count)} of a {@link FloatPointer} or
     * {@link DoublePointer} (from its position). The pointer is only read.
     */
    public NpyWriter write(Pointer source, long offset, long count) {
        Objects.requireNonNull(source, "source");
        if (!(source instanceof FloatPointer) && !(source instanceof DoublePointer)) {
            throw new IllegalArgumentException("expected a FloatPointer or DoublePointer, got " + source.getClass().getName());
        }
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " or count " + count);
        }
        reserve(count);
        boolean sameType = (source instanceof DoublePointer) == (precision == Precision.FLOAT64);
        for (long k = 0; k < count; ) {
            int n = (int) Math.min(count - k, OffHeapViews.MAX_WINDOW);
            if (sameType && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                flush();
                try {
                    writeFully(ch, OffHeap.bytes(source, (offset + k) * precision.bytes(), n * precision.bytes()));
                } catch (IOException e) {
                    throw failed(e);
                }
            } else if (source instanceof DoublePointer) {
                copy(OffHeapViews.doubles(source, offset + k, n));
            } else {
                copy(OffHeapViews.floats(source, offset + k, n));
            }
            k += n;
        }
        written += count;
        return this;
    }

    /** Values appended so far. */
    public long written() {
        return written;
    }

    /** Values the shape needs: the product of its dimensions. */
    public long expected() {
        return expected;
    }

    /**
     * Flushes the values and, when the writer made its own temporary file ({@link #create(Path,
     * Precision, long...)}), renames it over the target. If fewer values than the shape needs were
     * written, deletes the temporary file (the target keeps its previous content) and throws
     * {@link IllegalStateException}. A second call does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } catch (RuntimeException e) {
            if (ownsOut) {
                out.close();
            }
            throw e;
        }
        if (failed && ownsOut) {
            out.close();
            throw new IllegalStateException(file + ": an earlier write failed; nothing was written");
        }
        if (written != expected) {
            if (ownsOut) {
                out.close();
            }
            throw new IllegalStateException(file + ": closed after " + written + " of the " + expected + " values shape "
                    + NpyHeader.shapeText(shape) + " needs; the incomplete array was not written");
        }
        if (ownsOut) {
            out.commit();
        }
    }

    // ---------------------------------------------------------------- whole arrays

    /** Writes {@code array} (its shape and precision) to {@code file}. */
    public static void write(Path file, HostArray array) {
        try (NpyWriter w = create(file, array.precision(), array.shape())) {
            w.write(array.pointer(), 0, array.length());
        }
    }

    /**
     * Writes a row-major {@code rows × cols} matrix held by a {@link FloatPointer} (as
     * {@code <f4}) or {@link DoublePointer} (as {@code <f8}) to {@code file}.
     */
    public static void writeMatrix(Path file, Pointer x, long rows, long cols) {
        try (NpyWriter w = create(file, precisionOf(x), rows, cols)) {
            w.write(x, 0, Math.multiplyExact(rows, cols));
        }
    }

    /** Writes {@code length} values of a {@link FloatPointer} or {@link DoublePointer} as a 1-D array. */
    public static void writeVector(Path file, Pointer v, long length) {
        try (NpyWriter w = create(file, precisionOf(v), length)) {
            w.write(v, 0, length);
        }
    }

    /** Writes {@code values} as a 1-D array of {@code precision}. */
    public static void writeVector(Path file, double[] values, Precision precision) {
        try (NpyWriter w = create(file, precision, values.length)) {
            w.write(values);
        }
    }

    // ---------------------------------------------------------------- internals

    private static Precision precisionOf(Pointer p) {
        if (p instanceof DoublePointer) {
            return Precision.FLOAT64;
        }
        if (p instanceof FloatPointer) {
            return Precision.FLOAT32;
        }
        throw new IllegalArgumentException("expected a FloatPointer or DoublePointer, got "
                + (p == null ? "null" : p.getClass().getName()));
    }

    private void copy(DoubleBuffer src) {
        for (int i = 0, n = src.limit(); i < n; ) {
            int m = Math.min(n - i, room());
            for (int e = i + m; i < e; i++) {
                if (precision == Precision.FLOAT64) {
                    buffer.putDouble(src.get(i));
                } else {
                    buffer.putFloat((float) src.get(i));
                }
            }
            flushIfFull();
        }
    }

    private void copy(FloatBuffer src) {
        for (int i = 0, n = src.limit(); i < n; ) {
            int m = Math.min(n - i, room());
            for (int e = i + m; i < e; i++) {
                if (precision == Precision.FLOAT64) {
                    buffer.putDouble(src.get(i));
                } else {
                    buffer.putFloat(src.get(i));
                }
            }
            flushIfFull();
        }
    }

    /** Checks that {@code count} more values fit the shape (and the writer is open). Array writes count them here. */
    private void reserve(long count) {
        if (closed) {
            throw new IllegalStateException(file + ": writer is closed");
        }
        if (count > expected - written) {
            throw new IllegalStateException(file + ": writing " + count + " more values after " + written
                    + " would exceed the " + expected + " that shape " + NpyHeader.shapeText(shape) + " holds");
        }
    }

    /** Values that fit in the staging buffer now. */
    private int room() {
        return buffer.remaining() / precision.bytes();
    }

    private void flushIfFull() {
        if (buffer.remaining() < precision.bytes()) {
            flush();
        }
    }

    private void flush() {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        try {
            writeFully(ch, buffer);
        } catch (IOException e) {
            throw failed(e);
        } finally {
            buffer.clear();
        }
    }

    private UncheckedIOException failed(IOException e) {
        failed = true;
        return new UncheckedIOException("cannot write " + file + ": " + IoErrors.reason(e), e);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
