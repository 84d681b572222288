package dev.downhill;

import dev.downhill.internal.OffHeapViews;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Training data in host off-heap memory: X (m rows × n columns, row-major, contiguous) and y
 * (m values), both float32 or both float64. Sizes and offsets are {@code long}: X may hold more
 * than 2³¹ elements.
 *
 * <p>Factories either copy Java arrays into memory the dataset owns ({@code of}, {@code ofRowMajor})
 * or wrap memory the caller owns without copying ({@code wrap}); every factory checks the
 * shapes and that every value is finite, and throws {@link IllegalArgumentException} naming the
 * first bad value's row and column. The caller's arrays and memory are never modified.
 *
 * <p>{@link #close()} frees owned memory (closing twice is harmless; wrapped memory is left to
 * its owner). Backends read the memory directly, so {@code LinearRegression.fit(Dataset, …)} and
 * a prediction mark the dataset in use ({@link #use()}) while they run: closing it then from
 * another thread throws {@link IllegalStateException} and frees nothing, instead of pulling the
 * memory from under the fit. A problem loaded with {@code LinearRegression.load} does not pin the
 * dataset: close the problem first; a pass started after the dataset was closed throws
 * {@link IllegalStateException}, but closing it while another thread runs a fit on that problem is
 * not guarded (take a {@link #use()} around such fits). Immutable and safe to read from several threads.
 */
public final class Dataset implements AutoCloseable {
    private final Pointer x;
    private final Pointer y;
    private final long rows;
    private final long cols;
    private final Precision precision;
    private final boolean owned;
    private final Pointer[] ownedMemory;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Open {@link Use}s; guarded by {@code this}. */
    private int users;

    private Dataset(Pointer x, Pointer y, long rows, long cols, Precision precision, boolean owned) {
        this(x, y, rows, cols, precision, owned ? new Pointer[] {x, y} : new Pointer[0]);
    }

    /** {@code ownedMemory}: the allocations to free on close (possibly other Pointer objects than x, y). */
    private Dataset(Pointer x, Pointer y, long rows, long cols, Precision precision, Pointer[] ownedMemory) {
        this.x = x;
        this.y = y;
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
        this.owned = ownedMemory.length > 0;
        this.ownedMemory = ownedMemory;
    }

    // ---------------------------------------------------------------- copying factories

    /** Copies {@code x} (m rows of n values) and {@code y} into a float64 dataset. */
    public static Dataset of(double[][] x, double[] y) {
        int n = checkRows(x, y == null ? -1 : y.length);
        long m = x.length;
        validateFinite(y, "y", 1);
        DoublePointer px = dev.downhill.io.HugePages.advise(new DoublePointer(m * n));
        DoublePointer py = new DoublePointer(m);
        try {
            for (int i = 0; i < m; i++) {
                if (x[i].length != n) {
                    throw new IllegalArgumentException("X is ragged: row 0 has " + n + " columns, row " + i + " has " + x[i].length);
                }
                for (int j = 0; j < n; j++) {
                    if (!Double.isFinite(x[i][j])) {
                        throw badValue("X", x[i][j], i, j);
                    }
                }
                OffHeapViews.doubles(px, (long) i * n, n).put(x[i]);
            }
            py.put(y);
        } catch (RuntimeException e) {
            px.close();
            py.close();
            throw e;
        }
        return new Dataset(px, py, m, n, Precision.FLOAT64, true);
    }

    /** Copies {@code x} (m rows of n values) and {@code y} into a float32 dataset. */
    public static Dataset of(float[][] x, float[] y) {
        int n = checkRows(x, y == null ? -1 : y.length);
        long m = x.length;
        for (int i = 0; i < y.length; i++) {
            if (!Float.isFinite(y[i])) {
                throw badValue("y", y[i], i, -1);
            }
        }
        FloatPointer px = dev.downhill.io.HugePages.advise(new FloatPointer(m * n));
        FloatPointer py = new FloatPointer(m);
        try {
            for (int i = 0; i < m; i++) {
                if (x[i].length != n) {
                    throw new IllegalArgumentException("X is ragged: row 0 has " + n + " columns, row " + i + " has " + x[i].length);
                }
                for (int j = 0; j < n; j++) {
                    if (!Float.isFinite(x[i][j])) {
                        throw badValue("X", x[i][j], i, j);
                    }
                }
                OffHeapViews.floats(px, (long) i * n, n).put(x[i]);
            }
            py.put(y);
        } catch (RuntimeException e) {
            px.close();
            py.close();
            throw e;
        }
        return new Dataset(px, py, m, n, Precision.FLOAT32, true);
    }

    /** Copies a row-major flat {@code x} of {@code rows × cols} values and {@code y} into a float64 dataset. */
    public static Dataset ofRowMajor(double[] x, long rows, long cols, double[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        checkShape(rows, cols, x.length, y.length);
        validateFinite(x, "X", cols);
        validateFinite(y, "y", 1);
        DoublePointer px = new DoublePointer(x.length).put(x);
        DoublePointer py = new DoublePointer(y.length).put(y);
        return new Dataset(px, py, rows, cols, Precision.FLOAT64, true);
    }

    /** Copies a row-major flat {@code x} of {@code rows × cols} values and {@code y} into a float32 dataset. */
    public static Dataset ofRowMajor(float[] x, long rows, long cols, float[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        checkShape(rows, cols, x.length, y.length);
        FloatPointer px = new FloatPointer(x.length).put(x);
        FloatPointer py = new FloatPointer(y.length).put(y);
        Dataset d = new Dataset(px, py, rows, cols, Precision.FLOAT32, true);
        return d.validatedOrClosed();
    }

    // ---------------------------------------------------------------- wrapping factories

    /**
     * Wraps caller-owned off-heap memory without copying: {@code x} holds rows × cols values
     * row-major from its current position, {@code y} holds rows values. Both must be
     * {@link FloatPointer}s (float32) or both {@link DoublePointer}s (float64). The memory is read
     * once here to check every value is finite, and must outlive the dataset.
     */
    public static Dataset wrap(Pointer x, Pointer y, long rows, long cols) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Precision p;
        if (x instanceof DoublePointer && y instanceof DoublePointer) {
            p = Precision.FLOAT64;
        } else if (x instanceof FloatPointer && y instanceof FloatPointer) {
            p = Precision.FLOAT32;
        } else {
            throw new IllegalArgumentException("x and y must both be FloatPointer (float32) or both DoublePointer (float64); got "
                    + x.getClass().getSimpleName() + " and " + y.getClass().getSimpleName());
        }
        if (x.isNull() || y.isNull()) {
            throw new IllegalArgumentException("cannot wrap a null pointer");
        }
        long xLimit = x.limit() > 0 ? x.limit() - x.position() : Long.MAX_VALUE;
        long yLimit = y.limit() > 0 ? y.limit() - y.position() : Long.MAX_VALUE;
        checkShape(rows, cols, xLimit == Long.MAX_VALUE ? safeProduct(rows, cols) : xLimit,
                yLimit == Long.MAX_VALUE ? rows : yLimit, true);
        return new Dataset(OffHeapViews.offset(x, 0), OffHeapViews.offset(y, 0), rows, cols, p, false).validatedOrThrow();
    }

    /**
     * Takes ownership of off-heap memory the caller filled (a reader streaming a file into a
     * pointer, a generator): like {@link #wrap(Pointer, Pointer, long, long)} without a copy, but
     * {@link #close()} frees both pointers. On a validation error the pointers are freed too.
     */
    public static Dataset adopt(Pointer x, Pointer y, long rows, long cols) {
        Dataset wrapped;
        try {
            wrapped = wrap(x, y, rows, cols);
        } catch (RuntimeException e) {
            x.close();
            y.close();
            throw e;
        }
        return new Dataset(wrapped.x, wrapped.y, rows, cols, wrapped.precision, new Pointer[] {x, y});
    }

    /**
     * Wraps caller-owned direct buffers without copying (values in native byte order, from
     * position 0): {@code x} holds rows × cols values row-major, {@code y} holds rows values.
     * For X over 2 GiB use {@link #wrap(Pointer, Pointer, long, long)}.
     */
    public static Dataset wrap(ByteBuffer x, ByteBuffer y, long rows, long cols, Precision precision) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(precision, "precision");
        if (!x.isDirect() || !y.isDirect()) {
            throw new IllegalArgumentException("wrap needs direct buffers (ByteBuffer.allocateDirect or a mapped file); use Dataset.of to copy a heap buffer");
        }
        if (x.order() != ByteOrder.nativeOrder() || y.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("buffers must be in native byte order (" + ByteOrder.nativeOrder() + ")");
        }
        int b = precision.bytes();
        checkShape(rows, cols, x.capacity() / b, y.capacity() / b, true);
        Pointer px = typed(new Pointer(x.duplicate().clear()), precision, x.capacity() / b);
        Pointer py = typed(new Pointer(y.duplicate().clear()), precision, y.capacity() / b);
        return new Dataset(px, py, rows, cols, precision, false).validatedOrThrow();
    }

    /** Wraps direct float buffers (float32) without copying; see {@link #wrap(ByteBuffer, ByteBuffer, long, long, Precision)}. */
    public static Dataset wrap(FloatBuffer x, FloatBuffer y, long rows, long cols) {
        requireDirect(x, y);
        checkShape(rows, cols, x.capacity(), y.capacity(), true);
        return new Dataset(new FloatPointer(x.duplicate().clear()), new FloatPointer(y.duplicate().clear()), rows, cols, Precision.FLOAT32, false)
                .validatedOrThrow();
    }

    /** Wraps direct double buffers (float64) without copying. */
    public static Dataset wrap(DoubleBuffer x, DoubleBuffer y, long rows, long cols) {
        requireDirect(x, y);
        checkShape(rows, cols, x.capacity(), y.capacity(), true);
        return new Dataset(new DoublePointer(x.duplicate().clear()), new DoublePointer(y.duplicate().clear()), rows, cols, Precision.FLOAT64, false)
                .validatedOrThrow();
    }

    // ---------------------------------------------------------------- accessors

    public long rows() {
        return rows;
    }

    public long cols() {
        return cols;
    }

    public Precision precision() {
        return precision;
    }

    /** Whether the dataset is still open (its memory may be read). */
    public boolean isOpen() {
        return !closed.get();
    }

    /** Whether this dataset owns (and will free) its memory. */
    public boolean ownsMemory() {
        return owned;
    }

    /**
     * X as a {@link FloatPointer} or {@link DoublePointer} (per {@link #precision()}), row-major,
     * element (i, j) at offset i·cols + j. Backends read it; nobody may write it.
     */
    public Pointer xPointer() {
        ensureOpen();
        return x;
    }

    /** y as a {@link FloatPointer} or {@link DoublePointer}; read only. */
    public Pointer yPointer() {
        ensureOpen();
        return y;
    }

    /** X(i, j) widened to double (a slow accessor for tests and small data). */
    public double x(long i, long j) {
        ensureOpen();
        checkIndex(i, j);
        long k = i * cols + j;
        return precision == Precision.FLOAT64 ? ((DoublePointer) x).get(k) : ((FloatPointer) x).get(k);
    }

    /** yᵢ widened to double. */
    public double y(long i) {
        ensureOpen();
        checkIndex(i, 0);
        return precision == Precision.FLOAT64 ? ((DoublePointer) y).get(i) : ((FloatPointer) y).get(i);
    }

    /** Row i of X as a new double array. */
    public double[] row(long i) {
        ensureOpen();
        checkIndex(i, 0);
        double[] out = new double[Math.toIntExact(cols)];
        if (precision == Precision.FLOAT64) {
            OffHeapViews.doubles(x, i * cols, out.length).get(out);
        } else {
            FloatBuffer fb = OffHeapViews.floats(x, i * cols, out.length);
            for (int j = 0; j < out.length; j++) {
                out[j] = fb.get(j);
            }
        }
        return out;
    }

    /** y as a new double array (m must be below 2³¹). */
    public double[] targets() {
        ensureOpen();
        double[] out = new double[Math.toIntExact(rows)];
        for (int i = 0; i < out.length; i++) {
            out[i] = y(i);
        }
        return out;
    }

    /** This dataset converted to {@code target} precision: itself when it already matches, else a new owned copy. */
    public Dataset toPrecision(Precision target) {
        ensureOpen();
        if (target == precision) {
            return this;
        }
        long total = rows * cols;
        Pointer nx = dev.downhill.io.HugePages.advise(target == Precision.FLOAT64 ? new DoublePointer(total) : new FloatPointer(total));
        Pointer ny = target == Precision.FLOAT64 ? new DoublePointer(rows) : new FloatPointer(rows);
        convert(x, nx, total);
        convert(y, ny, rows);
        return new Dataset(nx, ny, rows, cols, target, true).validatedOrClosed(); // float64 → float32 may overflow
    }

    /**
     * Marks the dataset in use until the returned handle is closed: while any use is open,
     * {@link #close()} throws instead of freeing the memory. {@code LinearRegression.fit(Dataset, …)}
     * and predictions take one; code that reads {@link #xPointer()} from other threads, or fits a
     * loaded problem while another thread may close the dataset, should too.
     *
     * @throws IllegalStateException when the dataset is already closed
     */
    public Use use() {
        synchronized (this) {
            ensureOpen();
            users++;
        }
        return new Use();
    }

    /** A mark that the dataset is in use (see {@link #use()}); closing it twice is harmless. */
    public final class Use implements AutoCloseable {
        private boolean released;

        private Use() {
        }

        @Override
        public void close() {
            synchronized (Dataset.this) {
                if (!released) {
                    released = true;
                    users--;
                }
            }
        }
    }

    /**
     * Frees owned memory; a second call does nothing.
     *
     * @throws IllegalStateException while a fit or a prediction still uses the dataset (see
     *                               {@link #use()}); nothing is freed then
     */
    @Override
    public void close() {
        synchronized (this) {
            if (users > 0) {
                throw new IllegalStateException("cannot close " + this + ": " + users + (users == 1 ? " fit or prediction (or other "
                        + "use) still reads it" : " fits or predictions (or other uses) still read it")
                        + "; close it after they finish");
            }
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        for (Pointer p : ownedMemory) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "Dataset[" + rows + " × " + cols + ", " + precision.name().toLowerCase(Locale.ROOT)
                + (owned ? "" : ", wrapped") + "]";
    }

    // ---------------------------------------------------------------- validation

    private void checkIndex(long i, long j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") outside " + rows + " × " + cols);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("dataset is closed");
        }
    }

    private Dataset validatedOrClosed() {
        try {
            return validatedOrThrow();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One pass over X and y; throws naming the first non-finite value's row and column. */
    private Dataset validatedOrThrow() {
        long total = rows * cols;
        for (long start = 0; start < total; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, total - start);
            long bad = firstNonFinite(x, start, len);
            if (bad >= 0) {
                long k = start + bad;
                throw badValue("X", x(k / cols, k % cols), k / cols, k % cols);
            }
        }
        for (long start = 0; start < rows; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, rows - start);
            long bad = firstNonFinite(y, start, len);
            if (bad >= 0) {
                throw badValue("y", y(start + bad), start + bad, -1);
            }
        }
        return this;
    }

    private static long firstNonFinite(Pointer p, long start, int len) {
        if (p instanceof DoublePointer) {
            DoubleBuffer b = OffHeapViews.doubles(p, start, len);
            for (int i = 0; i < len; i++) {
                if (!Double.isFinite(b.get(i))) {
                    return i;
                }
            }
        } else {
            FloatBuffer b = OffHeapViews.floats(p, start, len);
            for (int i = 0; i < len; i++) {
                if (!Float.isFinite(b.get(i))) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static void convert(Pointer from, Pointer to, long count) {
        for (long start = 0; start < count; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, count - start);
            if (from instanceof DoublePointer) {
                DoubleBuffer src = OffHeapViews.doubles(from, start, len);
                FloatBuffer dst = OffHeapViews.floats(to, start, len);
                for (int i = 0; i < len; i++) {
                    dst.put(i, (float) src.get(i));
                }
            } else {
                FloatBuffer src = OffHeapViews.floats(from, start, len);
                DoubleBuffer dst = OffHeapViews.doubles(to, start, len);
                for (int i = 0; i < len; i++) {
                    dst.put(i, src.get(i));
                }
            }
        }
    }

    private static IllegalArgumentException badValue(String what, double v, long row, long col) {
        String where = col < 0 ? "row " + row : "row " + row + ", column " + col;
        return new IllegalArgumentException(what + " contains " + v + " at " + where + " (zero-based); every value must be finite");
    }

    private static void validateFinite(double[] a, String what, long cols) {
        for (int k = 0; k < a.length; k++) {
            if (!Double.isFinite(a[k])) {
                throw cols == 1 && what.equals("y") ? badValue(what, a[k], k, -1) : badValue(what, a[k], k / cols, k % cols);
            }
        }
    }

    private static int checkRows(Object[] x, int yLength) {
        if (x == null) {
            throw new IllegalArgumentException("X is null");
        }
        if (yLength < 0) {
            throw new IllegalArgumentException("y is null");
        }
        if (x.length == 0) {
            throw new IllegalArgumentException("X has zero rows: need at least one row");
        }
        if (x.length != yLength) {
            throw new IllegalArgumentException("X has " + x.length + " rows but y has " + yLength + " values");
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null) {
                throw new IllegalArgumentException("X row " + i + " is null");
            }
        }
        Object r0 = x[0];
        int n = r0 instanceof double[] ? ((double[]) r0).length : ((float[]) r0).length;
        if (n == 0) {
            throw new IllegalArgumentException("X has zero columns: need at least one feature");
        }
        return n;
    }

    private static void checkShape(long rows, long cols, long xLength, long yLength) {
        checkShape(rows, cols, xLength, yLength, false);
    }

    private static void checkShape(long rows, long cols, long xLength, long yLength, boolean atLeast) {
        if (rows <= 0) {
            throw new IllegalArgumentException("X has " + rows + " rows: need at least one row");
        }
        if (cols <= 0) {
            throw new IllegalArgumentException("X has " + cols + " columns: need at least one feature");
        }
        long need = safeProduct(rows, cols);
        boolean xBad = atLeast ? xLength < need : xLength != need;
        if (xBad) {
            throw new IllegalArgumentException("X holds " + xLength + " values but shape " + rows + " × " + cols + " needs " + need);
        }
        boolean yBad = atLeast ? yLength < rows : yLength != rows;
        if (yBad) {
            throw new IllegalArgumentException("X has " + rows + " rows but y has " + yLength + " values");
        }
    }

    private static long safeProduct(long rows, long cols) {
        try {
            return Math.multiplyExact(rows, cols);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + rows + " × " + cols + " overflows a long");
        }
    }

    private static Pointer typed(Pointer raw, Precision precision, long elements) {
        Pointer p = precision == Precision.FLOAT64 ? new DoublePointer(raw) : new FloatPointer(raw);
        return p.position(0).capacity(elements).limit(elements);
    }

    private static void requireDirect(Buffer x, Buffer y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (!x.isDirect() || !y.isDirect()) {
            throw new IllegalArgumentException("wrap needs direct buffers; use Dataset.of to copy heap arrays");
        }
        if (order(x) != ByteOrder.nativeOrder() || order(y) != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("buffers must be in native byte order (" + ByteOrder.nativeOrder()
                    + "): make them with ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder())");
        }
    }

    private static ByteOrder order(Buffer b) {
        if (b instanceof FloatBuffer) {
            return ((FloatBuffer) b).order();
        }
        return ((DoubleBuffer) b).order();
    }
}
