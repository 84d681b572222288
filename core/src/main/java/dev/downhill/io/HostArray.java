package dev.downhill.io;

import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A float32 or float64 array of one or two dimensions in host off-heap memory that this object
 * owns: what a reader returns when a file holds X alone (a matrix) or y alone (a vector). A
 * matrix is row-major and contiguous: element (i, j) sits at offset i·cols + j. A vector of
 * length m reports {@code rows() == m} and {@code cols() == 1}.
 *
 * <p>Ownership: {@link #close()} frees the memory (a second close is harmless).
 * {@link #release()} hands the memory to the caller instead (for example to
 * {@link dev.downhill.Dataset#adopt}), after which this object is closed and frees nothing.
 * Not thread-safe for close/release; reading from several threads is fine.
 */
public final class HostArray implements AutoCloseable {
    private final long[] shape;
    private final long rows;
    private final long cols;
    private final Precision precision;
    private Pointer memory;

    /**
     * Takes ownership of {@code memory} (a {@link FloatPointer} for float32 or a
     * {@link DoublePointer} for float64, holding at least the shape's element count from
     * position 0). Package-private: readers build these.
     */
    HostArray(Pointer memory, Precision precision, long... shape) {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(precision, "precision");
        if (shape.length != 1 && shape.length != 2) {
            throw new IllegalArgumentException("a HostArray has 1 or 2 dimensions, got " + shape.length);
        }
        this.shape = shape.clone();
        this.rows = shape[0];
        this.cols = shape.length == 2 ? shape[1] : 1;
        this.precision = precision;
        this.memory = memory;
    }

    /** 1 for a vector, 2 for a matrix. */
    public int rank() {
        return shape.length;
    }

    /** The shape as a new array: {@code {m}} or {@code {m, n}}. */
    public long[] shape() {
        return shape.clone();
    }

    /** Rows of a matrix, or the length of a vector. */
    public long rows() {
        return rows;
    }

    /** Columns of a matrix; 1 for a vector. */
    public long cols() {
        return cols;
    }

    /** rows × cols. */
    public long length() {
        return rows * cols;
    }

    public Precision precision() {
        return precision;
    }

    /**
     * The memory: a {@link FloatPointer} (float32) or {@link DoublePointer} (float64), element k at
     * offset k. Still owned by this object: do not close it, and do not use it after {@link #close()}.
     */
    public Pointer pointer() {
        ensureOpen();
        return memory;
    }

    /** Element k (row-major flat index) widened to double. */
    public double get(long k) {
        ensureOpen();
        if (k < 0 || k >= length()) {
            throw new IndexOutOfBoundsException("index " + k + " outside an array of " + length() + " elements");
        }
        return precision == Precision.FLOAT64 ? ((DoublePointer) memory).get(k) : ((FloatPointer) memory).get(k);
    }

    /** Element (i, j) of a matrix (or (i, 0) of a vector) widened to double. */
    public double get(long i, long j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") outside " + rows + " × " + cols);
        }
        return get(i * cols + j);
    }

    /** All elements, row-major, as a new double array (at most 2³¹−1 elements; for small data and tests). */
    public double[] toDoubleArray() {
        ensureOpen();
        long n = length();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(n + " elements do not fit in a Java array");
        }
        double[] out = new double[(int) n];
        for (long start = 0; start < n; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, n - start);
            if (precision == Precision.FLOAT64) {
                OffHeapViews.doubles(memory, start, len).get(out, (int) start, len);
            } else {
                java.nio.FloatBuffer fb = OffHeapViews.floats(memory, start, len);
                for (int k = 0; k < len; k++) {
                    out[(int) start + k] = fb.get(k);
                }
            }
        }
        return out;
    }

    /**
     * Hands the memory to the caller, who must free it exactly once (for example by passing it to
     * {@link dev.downhill.Dataset#adopt}). This object is closed afterwards.
     */
    public Pointer release() {
        ensureOpen();
        Pointer p = memory;
        memory = null;
        return p;
    }

    /** Frees the memory unless it was released; harmless when called again. */
    @Override
    public void close() {
        Pointer p = memory;
        memory = null;
        if (p != null) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "HostArray[" + Arrays.toString(shape) + ", " + precision.name().toLowerCase(java.util.Locale.ROOT)
                + (memory == null ? ", closed" : "") + "]";
    }

    private void ensureOpen() {
        if (memory == null) {
            throw new IllegalStateException("array is closed or its memory was released");
        }
    }
}
