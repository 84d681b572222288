package dev.downhill;

import dev.downhill.io.CsrMatrix;
import dev.downhill.io.HostArray;
import dev.downhill.io.SparseData;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A training set with a sparse X: a {@link CsrMatrix} (m × n, stored entries only) and m targets y in the matrix's
 * precision, both in host off-heap memory this object owns. Fitted with {@link LinearRegression#fit(SparseDataset, FitConfig)}
 * without ever densifying X: the backend's passes visit the stored entries only (centring and standardization stay
 * implicit). Backends that cannot take sparse X refuse it with one line ({@link dev.downhill.spi.Backend#loadSparse}); the
 * cpu backend takes it.
 *
 * <p>Made from a reader's result ({@link #adopt(SparseData)}: {@code SvmLightReader.readSparse}) or from a matrix and
 * targets ({@link #of(CsrMatrix, double[])}). y is checked finite; X was checked when it was built. Ownership:
 * {@link #close()} frees X and y (closing twice is harmless); a backend problem loaded from this dataset borrows its
 * memory, so close the problem first. Immutable and safe to read from several threads.
 */
public final class SparseDataset implements AutoCloseable {
    private final CsrMatrix x;
    private final Pointer y;
    private volatile boolean closed;

    private SparseDataset(CsrMatrix x, Pointer y) {
        this.x = x;
        this.y = y;
    }

    /** Takes over the memory of a sparse reader's result ({@code data} must not be used or closed afterwards). */
    public static SparseDataset adopt(SparseData data) {
        Objects.requireNonNull(data, "data");
        HostArray y = data.y();
        Pointer memory = y.release();
        return new SparseDataset(data.x(), memory);
    }

    /**
     * Takes ownership of {@code x} and copies {@code y} (m finite values, converted to x's precision).
     *
     * @throws IllegalArgumentException when y's length is not m or a value is not finite (naming the row)
     */
    public static SparseDataset of(CsrMatrix x, double[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (y.length != x.rows()) {
            throw new IllegalArgumentException("X has " + x.rows() + " rows but y has " + y.length + " values");
        }
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                throw new IllegalArgumentException("y[" + i + "] is " + y[i] + ", not a finite number");
            }
        }
        Pointer p;
        if (x.precision() == Precision.FLOAT64) {
            p = new DoublePointer(y);
        } else {
            float[] f = new float[y.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) y[i];
                if (!Float.isFinite(f[i])) {
                    throw new IllegalArgumentException("y[" + i + "] = " + y[i] + " overflows float32");
                }
            }
            p = new FloatPointer(f);
        }
        return new SparseDataset(x, p);
    }

    /** X (owned by this dataset: do not close it). */
    public CsrMatrix x() {
        ensureOpen();
        return x;
    }

    /** y: m values, a {@link DoublePointer} for float64 or a {@link FloatPointer} for float32 (owned by this dataset). */
    public Pointer yPointer() {
        ensureOpen();
        return y;
    }

    /** m. */
    public long rows() {
        return x.rows();
    }

    /** n. */
    public long cols() {
        return x.cols();
    }

    /** The precision of X's values and y. */
    public Precision precision() {
        return x.precision();
    }

    /** y as a new array (m values). */
    public double[] targets() {
        ensureOpen();
        double[] out = new double[Math.toIntExact(rows())];
        if (y instanceof DoublePointer d) {
            d.get(out);
        } else {
            float[] f = new float[out.length];
            ((FloatPointer) y).get(f);
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the sparse dataset is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            x.close();
            y.close();
        }
    }

    @Override
    public String toString() {
        return x + " and " + rows() + " targets";
    }
}
