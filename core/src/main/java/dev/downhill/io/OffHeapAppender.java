package dev.downhill.io;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Fills a new off-heap array of a known length front to back, through a Java buffer of at most
 * {@link #BUFFER_ELEMENTS} values that is copied over in bulk when full. The text readers use
 * one for X and one for y after their first pass has counted the rows.
 *
 * <p>Ownership: the appender owns the memory until {@link #release()} hands it over (after which
 * {@link #close()} does nothing); {@link #close()} without a release frees it, so
 * try-with-resources frees the memory on every error path. Not thread-safe.
 */
final class OffHeapAppender implements AutoCloseable {
    static final int BUFFER_ELEMENTS = 1 << 16;

    private final Precision precision;
    private final long capacity;
    private final float[] floats;
    private final double[] doubles;
    private Pointer memory;
    /** The element of memory this appender's first value goes to (0, or a slice's start). */
    private final long start;
    /** Whether close frees memory (false for a slice: its parent owns the memory). */
    private final boolean owner;
    private long flushed;
    private int buffered;

    /** Allocates {@code capacity} elements of {@code precision}; {@code file} and {@code what} name it in an allocation failure. */
    OffHeapAppender(Precision precision, long capacity, Path file, String what) {
        this(precision, capacity, OffHeap.allocate(precision, capacity, file, what), 0, true);
    }

    private OffHeapAppender(Precision precision, long capacity, Pointer memory, long start, boolean owner) {
        this.precision = precision;
        this.capacity = capacity;
        int buffer = (int) Math.min(BUFFER_ELEMENTS, Math.max(1, capacity));
        this.floats = precision == Precision.FLOAT32 ? new float[buffer] : null;
        this.doubles = precision == Precision.FLOAT64 ? new double[buffer] : null;
        this.memory = memory;
        this.start = start;
        this.owner = owner;
    }

    /**
     * An appender of this one's elements [from, from + count), for one thread of a reader that fills the array in parts:
     * it owns nothing (its {@link #close()} only writes out what it buffered), and this appender, unfilled, must stay open
     * until every slice is closed; then {@link #filledBySlices()}.
     */
    OffHeapAppender slice(long from, long count) {
        if (from < 0 || count < 0 || from + count > capacity || flushed + buffered != 0) {
            throw new IllegalStateException("a slice [" + from + ", " + (from + count) + ") of " + capacity + " values");
        }
        return new OffHeapAppender(precision, count, memory, start + from, false);
    }

    /** Marks this appender full: its slices, each closed after it was filled, wrote every element. */
    void filledBySlices() {
        if (flushed + buffered != 0) {
            throw new IllegalStateException("appended to and filled by slices");
        }
        flushed = capacity;
    }

    /** Appends {@code value}, already rounded to this precision (a float32 value widened to double is exact). */
    void append(double value) {
        if (flushed + buffered >= capacity) {
            throw new IllegalStateException("appending beyond the " + capacity + " values allocated");
        }
        if (floats != null) {
            floats[buffered++] = (float) value;
            if (buffered == floats.length) {
                flush();
            }
        } else {
            doubles[buffered++] = value;
            if (buffered == doubles.length) {
                flush();
            }
        }
    }

    /** Appends {@code count} zeros. */
    void appendZeros(long count) {
        if (count > capacity - size()) {
            throw new IllegalStateException("appending " + count + " zeros beyond the " + capacity + " values allocated");
        }
        int length = floats != null ? floats.length : doubles.length;
        while (count > 0) {
            int n = (int) Math.min(count, length - buffered);
            if (floats != null) {
                java.util.Arrays.fill(floats, buffered, buffered + n, 0f);
            } else {
                java.util.Arrays.fill(doubles, buffered, buffered + n, 0.0);
            }
            buffered += n;
            count -= n;
            if (buffered == length) {
                flush();
            }
        }
    }

    /** The values this appender takes. */
    long capacity() {
        return capacity;
    }

    /** Values appended so far. */
    long size() {
        return flushed + buffered;
    }

    /** Hands the filled memory to the caller, who must free it exactly once; every value must have been appended. */
    Pointer release() {
        requireFull();
        flush();
        Pointer p = memory;
        memory = null;
        return p;
    }

    /**
     * A dataset owning the memory of {@code x} (rows × cols values) and {@code y} (rows values),
     * both of which must be full; checked before either is released, so no memory can be left
     * without an owner.
     */
    static Dataset toDataset(OffHeapAppender x, OffHeapAppender y, long rows, long cols) {
        x.requireFull();
        y.requireFull();
        Pointer px = x.release();
        Pointer py = y.release();
        return Dataset.adopt(px, py, rows, cols); // frees both if it rejects them
    }

    /**
     * A weighted dataset owning the memory of {@code x}, {@code y} and {@code weights} (float64, rows values), all of
     * which must be full; checked before any is released, so no memory can be left without an owner.
     */
    static Dataset toDataset(OffHeapAppender x, OffHeapAppender y, OffHeapAppender weights, long rows, long cols) {
        x.requireFull();
        y.requireFull();
        weights.requireFull();
        Pointer px = x.release();
        Pointer py = y.release();
        Pointer pw = weights.release();
        return Dataset.adopt(px, py, (org.bytedeco.javacpp.DoublePointer) pw, rows, cols); // frees all three if it rejects them
    }

    private void requireFull() {
        if (memory == null) {
            throw new IllegalStateException("memory already released or freed");
        }
        if (size() != capacity) {
            throw new IllegalStateException("released after " + size() + " of " + capacity + " values");
        }
    }

    /** Frees the memory unless it was released (a slice: writes out what it buffered). */
    @Override
    public void close() {
        Pointer p = memory;
        if (!owner) {
            if (p != null) {
                flush();
            }
            memory = null;
            return;
        }
        memory = null;
        if (p != null) {
            p.close();
        }
    }

    private void flush() {
        if (buffered == 0) {
            return;
        }
        if (floats != null) {
            OffHeapViews.floats(memory, start + flushed, buffered).put(floats, 0, buffered);
        } else {
            OffHeapViews.doubles(memory, start + flushed, buffered).put(doubles, 0, buffered);
        }
        flushed += buffered;
        buffered = 0;
    }
}
