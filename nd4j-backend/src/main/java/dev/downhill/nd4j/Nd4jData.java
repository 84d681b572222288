package dev.downhill.nd4j;

import dev.downhill.Dataset;
import dev.downhill.FittedModel;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ND4J interop: {@link INDArray}s into a {@link Dataset} (without copying where the layout allows)
 * and fitted results out as {@code INDArray}s.
 *
 * <p><b>No-copy rule.</b> {@link #fromINDArray} wraps X's memory when all of these hold: ND4J runs
 * on its host backend (nd4j-native); X is rank 2, FLOAT or DOUBLE, row-major and contiguous
 * (strides [n, 1], the c-order layout ND4J gives new arrays and row ranges
 * {@code x.get(interval(a, b), all())} of them, which are wrapped at their offset); X is not
 * attached to a workspace (workspace memory is reused when the workspace closes) and not
 * closed. y is wrapped too when it is a contiguous vector (shape [m], [m, 1] or [1, m]) of the
 * same data type; otherwise y alone is copied (m values). {@link #wrapsWithoutCopy} says which
 * case applies. Anything else (f-order, a column range, strided views, other data types) is
 * copied, once, into memory the dataset owns and frees on {@code close()}.
 *
 * <p><b>Lifetime.</b> A wrapping dataset reads the INDArrays' memory directly; this class keeps
 * references to both arrays for as long as the dataset object is reachable, so ND4J's garbage-driven
 * deallocation cannot free them underneath it. Do not {@code close()} the arrays while the dataset
 * (or a problem loaded from it) is in use. Writes to the arrays are seen by the dataset (there
 * is no copy), but a dataset's values are validated (finite) once, when it is made, and backends
 * assume they do not change during a fit.
 *
 * <p>Results come out as new float64 arrays that the caller owns.
 */
public final class Nd4jData {
    /** INDArrays a wrapping dataset reads, kept reachable while the dataset is (identity keys). */
    private static final Map<Dataset, INDArray[]> KEEP_ALIVE = Collections.synchronizedMap(new WeakHashMap<>());
    /** Rows copied per chunk when data go through Java arrays (ND4J backends without host memory). */
    private static final long CHUNK_ELEMENTS = 1L << 20;

    private Nd4jData() {
    }

    /**
     * A dataset over {@code x} (m × n) and {@code y} (m values): wraps their memory when the layout
     * allows (see the class comment), else copies. The precision is X's: FLOAT gives float32, DOUBLE
     * float64; HALF, FLOAT16 and BFLOAT16 are copied to float32 and integer types to float64. y is
     * converted to the same precision.
     *
     * @throws IllegalArgumentException if the shapes do not match, an array is closed, or a value is
     *         not finite (naming its row and column)
     * @throws IllegalStateException if ND4J cannot run here
     */
    public static Dataset fromINDArray(INDArray x, INDArray y) {
        requireNd4j();
        long[] shape = checkShapes(x, y);
        long m = shape[0];
        long n = shape[1];
        Precision precision = precisionOf(x.dataType());
        if (canWrap(x, precision)) {
            INDArray yHost = canWrapVector(y, precision) ? y : copyVector(y, precision);
            Dataset d = Dataset.wrap(pointerTo(x, precision), pointerTo(yHost, precision), m, n);
            KEEP_ALIVE.put(d, new INDArray[] {x, yHost});
            return d;
        }
        Pointer px = precision == Precision.FLOAT64 ? new DoublePointer(m * n) : new FloatPointer(m * n);
        Pointer py = precision == Precision.FLOAT64 ? new DoublePointer(m) : new FloatPointer(m);
        try {
            copyInto(x, px, m, n, precision);
            copyInto(y.reshape(m, 1), py, m, 1, precision);
        } catch (RuntimeException | Error e) {
            px.close();
            py.close();
            throw e;
        }
        return Dataset.adopt(px, py, m, n); // frees both on a validation error
    }

    /**
     * Whether {@link #fromINDArray}({@code x}, {@code y}) would wrap X without copying it (y may
     * still be copied when it alone has another layout or data type).
     */
    public static boolean wrapsWithoutCopy(INDArray x, INDArray y) {
        requireNd4j();
        checkShapes(x, y);
        return canWrap(x, precisionOf(x.dataType()));
    }

    /** The coefficients θ as a new float64 vector of shape [n]. */
    public static INDArray coefficients(FittedModel model) {
        return Nd4j.createFromArray(model.coefficients());
    }

    /** [θ, b] as a new float64 vector of shape [n + 1] (the intercept last). */
    public static INDArray coefficientsWithIntercept(FittedModel model) {
        double[] c = model.coefficients();
        double[] all = java.util.Arrays.copyOf(c, c.length + 1);
        all[c.length] = model.intercept();
        return Nd4j.createFromArray(all);
    }

    /** The loss per iteration as a new float64 vector (empty for the direct solvers). */
    public static INDArray lossHistory(FittedModel model) {
        double[] h = model.lossHistory();
        return h.length == 0 ? Nd4j.empty(DataType.DOUBLE) : Nd4j.createFromArray(h);
    }

    /**
     * ŷ = Xθ + b for every row of {@code x} (m × n, m below 2³¹) as a new float64 vector of shape [m],
     * computed exactly as {@link FittedModel#predict(Dataset)} does. X is read in place when it could
     * be wrapped (see the class comment), else through one float64 row-major copy.
     */
    public static INDArray predict(FittedModel model, INDArray x) {
        requireNd4j();
        Objects.requireNonNull(x, "x");
        if (x.rank() != 2 || x.size(1) != model.features()) {
            throw new IllegalArgumentException("x must be a matrix with " + model.features() + " columns, got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        long m = x.size(0);
        Precision p = precisionOf(x.dataType());
        if (x.dataType() == dataType(p) && canWrap(x, p)) {
            return Nd4j.createFromArray(model.predict(pointerTo(x, p), m));
        }
        Pointer copy = new DoublePointer(m * x.size(1));
        try {
            copyInto(x, copy, m, x.size(1), Precision.FLOAT64);
            return Nd4j.createFromArray(model.predict(copy, m));
        } finally {
            copy.close();
        }
    }

    // ---------------------------------------------------------------- package-private, for the backend

    /**
     * A [rows, cols] c-order INDArray over {@code count = rows·cols} values of host memory starting at
     * {@code p}'s position: no copy, and ND4J does not own (never frees) the memory. Close it to
     * release ND4J's small wrapper.
     */
    static INDArray wrap(Pointer p, long rows, long cols, Precision precision) {
        long count = rows * cols;
        Pointer at = absolute(p, precision, count);
        DataBuffer buffer = Nd4j.createBuffer(at, count, dataType(precision));
        return Nd4j.create(buffer, new long[] {rows, cols}, new long[] {cols, 1}, 0, 'c', dataType(precision));
    }

    /**
     * A new ND4J array of shape [rows, cols] and type {@code precision} holding a copy of
     * {@code count} host values at {@code p}, moved through Java arrays in chunks: works with every
     * ND4J backend, including those whose arrays are not host memory.
     */
    static INDArray copyFromHost(Pointer p, Precision source, long rows, long cols, Precision precision) {
        INDArray out = Nd4j.create(dataType(precision), new long[] {rows, cols}, 'c');
        long chunkRows = Math.max(1, Math.min(rows, CHUNK_ELEMENTS / cols));
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            int r = (int) Math.min(chunkRows, rows - r0);
            int len = Math.toIntExact(r * cols);
            INDArray chunk;
            if (source == Precision.FLOAT64) {
                double[] values = new double[len];
                OffHeapViews.doubles(p, r0 * cols, len).get(values);
                chunk = Nd4j.create(values, new long[] {r, cols}, DataType.DOUBLE);
            } else {
                float[] values = new float[len];
                OffHeapViews.floats(p, r0 * cols, len).get(values);
                chunk = Nd4j.create(values, new long[] {r, cols}, DataType.FLOAT);
            }
            out.get(NDArrayIndex.interval(r0, r0 + r), NDArrayIndex.all()).assign(chunk);
            Nd4jRuntime.release(chunk);
        }
        return out;
    }

    static DataType dataType(Precision p) {
        return p == Precision.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
    }

    // ---------------------------------------------------------------- helpers

    private static void requireNd4j() {
        String failure = Nd4jRuntime.probe();
        if (failure != null) {
            throw new IllegalStateException("ND4J cannot run here: " + failure);
        }
    }

    /** Checks x is an m × n matrix and y a vector of m values; returns {m, n}. */
    private static long[] checkShapes(INDArray x, INDArray y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (x.wasClosed() || y.wasClosed()) {
            throw new IllegalArgumentException("cannot use a closed INDArray");
        }
        if (x.rank() != 2) {
            throw new IllegalArgumentException("x must be a matrix (rank 2), got shape " + java.util.Arrays.toString(x.shape()));
        }
        long m = x.size(0);
        long n = x.size(1);
        boolean vector = y.rank() == 1 || (y.rank() == 2 && (y.size(0) == 1 || y.size(1) == 1));
        if (!vector) {
            throw new IllegalArgumentException("y must be a vector ([m], [m, 1] or [1, m]), got shape " + java.util.Arrays.toString(y.shape()));
        }
        if (y.length() != m) {
            throw new IllegalArgumentException("X has " + m + " rows but y has " + y.length() + " values");
        }
        if (m == 0 || n == 0) {
            throw new IllegalArgumentException("X has shape " + m + " × " + n + ": need at least one row and one column");
        }
        return new long[] {m, n};
    }

    private static Precision precisionOf(DataType t) {
        if (t == DataType.DOUBLE) {
            return Precision.FLOAT64;
        }
        if (t.isFPType()) {
            return Precision.FLOAT32; // FLOAT, HALF, BFLOAT16
        }
        if (t.isIntType()) {
            return Precision.FLOAT64;
        }
        throw new IllegalArgumentException("cannot fit on " + t + " data; use a numeric INDArray");
    }

    /** X can be wrapped: host memory, the precision's type, row-major contiguous, not in a workspace. */
    private static boolean canWrap(INDArray x, Precision p) {
        return Nd4jRuntime.hostMemory() && x.dataType() == dataType(p) && !x.isAttached() && !x.isEmpty()
                && rowMajorContiguous(x) && addressOf(x) >= 0;
    }

    private static boolean canWrapVector(INDArray y, Precision p) {
        if (!Nd4jRuntime.hostMemory() || y.dataType() != dataType(p) || y.isAttached() || y.isEmpty()) {
            return false;
        }
        for (int d = 0; d < y.rank(); d++) {
            if (y.size(d) > 1 && y.stride(d) != 1) {
                return false;
            }
        }
        return addressOf(y) >= 0;
    }

    private static boolean rowMajorContiguous(INDArray x) {
        long m = x.size(0);
        long n = x.size(1);
        return (n == 1 || x.stride(1) == 1) && (m == 1 || x.stride(0) == n);
    }

    /** A pointer to element 0 of {@code a}, which {@link #addressOf} accepted. */
    private static Pointer pointerTo(INDArray a, Precision p) {
        return typedAt(addressOf(a), p, a.length());
    }

    /**
     * The host address of element 0 of {@code a}, or -1 when ND4J's two accounts of it disagree. In
     * 1.0.0-M2.1 a view from {@code get(...)} gets a data buffer of its own whose
     * {@code addressPointer()} already points at the view's first element, while
     * {@code data().address()} is the parent's base and {@code offset()} counts from that base; the
     * two must agree, or the array is copied rather than wrapped at a guessed address.
     */
    private static long addressOf(INDArray a) {
        DataBuffer data = a.data();
        Pointer p = data.addressPointer();
        if (p == null) {
            return -1;
        }
        long width = a.dataType().width();
        long viaPointer = p.address() + p.position() * width;
        long viaOffset = data.address() + a.offset() * width;
        return viaPointer == viaOffset && viaPointer != 0 ? viaPointer : -1;
    }

    /** A FloatPointer/DoublePointer at p's current position, position 0, limit and capacity {@code count}. */
    private static Pointer absolute(Pointer p, Precision precision, long count) {
        return typedAt(p.address() + p.position() * precision.bytes(), precision, count);
    }

    private static Pointer typedAt(long elementAddress, Precision precision, long count) {
        // (the parameter must not be called "address": inside the subclass that name is Pointer's field)
        Pointer raw = new Pointer() {
            {
                address = elementAddress;
            }
        };
        Pointer typed = precision == Precision.FLOAT64 ? new DoublePointer(raw) : new FloatPointer(raw);
        return typed.position(0).capacity(count).limit(count);
    }

    /** A c-order copy of vector y in the precision's type, shape [m] (ND4J memory). */
    private static INDArray copyVector(INDArray y, Precision p) {
        INDArray out = Nd4j.create(dataType(p), new long[] {y.length()}, 'c');
        out.assign(y.reshape(y.length()));
        return out;
    }

    /** Copies x (rows × cols, any layout and type) into host memory {@code dst} as row-major values of the precision. */
    private static void copyInto(INDArray x, Pointer dst, long rows, long cols, Precision p) {
        if (Nd4jRuntime.hostMemory()) {
            INDArray target = wrap(dst, rows, cols, p);
            try {
                target.assign(x);
            } finally {
                Nd4jRuntime.release(target);
            }
            return;
        }
        long chunkRows = Math.max(1, Math.min(rows, CHUNK_ELEMENTS / cols));
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            long r1 = Math.min(rows, r0 + chunkRows);
            INDArray block = x.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()).castTo(dataType(p)).dup('c');
            int len = Math.toIntExact((r1 - r0) * cols);
            if (p == Precision.FLOAT64) {
                DoubleBuffer out = OffHeapViews.doubles(dst, r0 * cols, len);
                out.put(block.data().asDouble(), 0, len);
            } else {
                FloatBuffer out = OffHeapViews.floats(dst, r0 * cols, len);
                out.put(block.data().asFloat(), 0, len);
            }
            Nd4jRuntime.release(block);
        }
    }
}
