package dev.downhill;

import dev.downhill.internal.Float32Range;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.spi.OffHeapAllocation;
import java.util.Objects;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Locale;
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
 * first bad value's row and column. A null argument (X, y, the weights, a pointer, a buffer, the precision) is a
 * {@link NullPointerException} whose message is the parameter's name ({@code "x"}, {@code "weights"}), as everywhere in
 * {@code dev.downhill} (see the package documentation), thrown before anything is copied or wrapped; a null row
 * inside X is a bad value of X ({@link IllegalArgumentException} "X row 1 is null"). {@link #adopt} takes ownership
 * even when it throws: it frees the pointers it was given, a null argument's NullPointerException included. The
 * caller's arrays and memory are never modified.
 *
 * <p>{@link #close()} frees owned memory (closing twice is harmless; wrapped memory is left to
 * its owner). Backends read the memory directly, so {@code LinearRegression.fit(Dataset, …)} and
 * a prediction mark the dataset in use ({@link #use()}) while they run: closing it then from
 * another thread throws {@link IllegalStateException} and frees nothing, instead of pulling the
 * memory from under the fit. A problem loaded with {@code LinearRegression.load} does not pin the
 * dataset: close the problem first; a pass started after the dataset was closed throws
 * {@link IllegalStateException}, but closing it while another thread runs a fit on that problem is
 * not guarded (take a {@link #use()} around such fits). Immutable and safe to read from several threads.
 *
 * <p>Sample weights (optional): m float64 values wᵢ ≥ 0 beside X and y ({@link #of(double[][], double[], double[])},
 * {@link #withWeights(double[])}); every backend's passes are then weighted and the fit minimises
 * (1/Σw)·Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)². Negative or non-finite weights and all-zero weights are refused naming the row.
 */
public final class Dataset implements AutoCloseable {
    private final Pointer x;
    private final Pointer y;
    /** Per-row weights (float64), or null when unweighted. */
    private final DoublePointer weights;
    /** Σw (float64, summed in row order), or m when unweighted. */
    private final double weightSum;
    /**
     * The dataset whose memory this view shares (it must stay open; it may itself be a view), or null: X and y for a
     * {@link #withWeights} view, X, y and the weights for a same-precision {@link #toPrecision} view.
     */
    private final Dataset base;
    private final long rows;
    private final long cols;
    private final Precision precision;
    private final boolean owned;
    private final Pointer[] ownedMemory;
    /**
     * The caller's Pointer objects whose memory this dataset reads without a copy of its own ({@link #wrap(Pointer,
     * Pointer, long, long)}, {@link #adopt}, {@link #withWeights(DoublePointer)}): a caller who closes one frees the
     * memory under the dataset, which JavaCPP marks by a null address ({@link Pointer#isNull()}) — checked before each
     * use, so that a fit refuses instead of reading freed memory.
     */
    private final Pointer[] callerMemory;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Open {@link Use}s; guarded by {@code this}. */
    private int users;

    private Dataset(Pointer x, Pointer y, long rows, long cols, Precision precision, boolean owned) {
        this(x, y, rows, cols, precision, owned ? new Pointer[] {x, y} : new Pointer[0]);
    }

    /** {@code ownedMemory}: the allocations to free on close (possibly other Pointer objects than x, y). */
    private Dataset(Pointer x, Pointer y, long rows, long cols, Precision precision, Pointer[] ownedMemory) {
        this(x, y, null, rows, rows, cols, precision, ownedMemory, null, new Pointer[0]);
    }

    private Dataset(Pointer x, Pointer y, DoublePointer weights, double weightSum, long rows, long cols, Precision precision,
                    Pointer[] ownedMemory, Dataset base, Pointer[] callerMemory) {
        this.x = x;
        this.y = y;
        this.weights = weights;
        this.weightSum = weightSum;
        this.base = base;
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
        this.owned = ownedMemory.length > 0 && base == null;
        this.ownedMemory = ownedMemory;
        this.callerMemory = callerMemory;
    }

    // ---------------------------------------------------------------- copying factories

    /** Copies {@code x} (m rows of n values) and {@code y} into a float64 dataset. */
    public static Dataset of(double[][] x, double[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        int n = checkRows(x, y.length);
        long m = x.length;
        validateFinite(y, "y", 1);
        DoublePointer px = dev.downhill.io.HugePages.advise(OffHeapAllocation.doubles(m * n, copyOfX(m, n)));
        DoublePointer py = copyOfY(px, m, Precision.FLOAT64);
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
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        int n = checkRows(x, y.length);
        long m = x.length;
        for (int i = 0; i < y.length; i++) {
            if (!Float.isFinite(y[i])) {
                throw badValue("y", y[i], i, -1);
            }
        }
        FloatPointer px = dev.downhill.io.HugePages.advise(OffHeapAllocation.floats(m * n, copyOfX(m, n)));
        FloatPointer py = copyOfY(px, m, Precision.FLOAT32);
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
        DoublePointer px = OffHeapAllocation.doubles(x.length, copyOfX(rows, cols)).put(x);
        DoublePointer py = Dataset.<DoublePointer>copyOfY(px, y.length, Precision.FLOAT64).put(y);
        return new Dataset(px, py, rows, cols, Precision.FLOAT64, true);
    }

    /** Copies a row-major flat {@code x} of {@code rows × cols} values and {@code y} into a float32 dataset. */
    public static Dataset ofRowMajor(float[] x, long rows, long cols, float[] y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        checkShape(rows, cols, x.length, y.length);
        FloatPointer px = OffHeapAllocation.floats(x.length, copyOfX(rows, cols)).put(x);
        FloatPointer py = Dataset.<FloatPointer>copyOfY(px, y.length, Precision.FLOAT32).put(y);
        Dataset d = new Dataset(px, py, rows, cols, Precision.FLOAT32, true);
        return d.validatedOrClosed();
    }

    /**
     * Copies {@code x}, {@code y} and the per-row sample weights {@code weights} (m values, each finite and ≥ 0,
     * not all zero) into a float64 dataset: the fit then minimises (1/Σw)·Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)².
     */
    public static Dataset of(double[][] x, double[] y, double[] weights) {
        requireAllNonNull(x, y, weights);
        return of(x, y).adoptWeights(weights);
    }

    /** Copies {@code x}, {@code y} (float32) and float64 sample weights; see {@link #of(double[][], double[], double[])}. */
    public static Dataset of(float[][] x, float[] y, double[] weights) {
        requireAllNonNull(x, y, weights);
        return of(x, y).adoptWeights(weights);
    }

    /** Copies a row-major flat {@code x}, {@code y} and sample weights into a float64 dataset (see {@link #withWeights(double[])}). */
    public static Dataset ofRowMajor(double[] x, long rows, long cols, double[] y, double[] weights) {
        requireAllNonNull(x, y, weights);
        return ofRowMajor(x, rows, cols, y).adoptWeights(weights);
    }

    /** Copies a row-major flat {@code x}, {@code y} and sample weights into a float32 dataset (see {@link #withWeights(double[])}). */
    public static Dataset ofRowMajor(float[] x, long rows, long cols, float[] y, double[] weights) {
        requireAllNonNull(x, y, weights);
        return ofRowMajor(x, rows, cols, y).adoptWeights(weights);
    }

    /** A new dataset owning this one's memory and a copy of {@code weights} (this one is dropped, never closed). */
    private Dataset adoptWeights(double[] w) {
        DoublePointer pw;
        try {
            pw = copyWeights(w, rows);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        Pointer[] owned = java.util.Arrays.copyOf(ownedMemory, ownedMemory.length + 1);
        owned[owned.length - 1] = pw;
        return new Dataset(x, y, pw, sumOfWeights(pw, rows), rows, cols, precision, owned, null, callerMemory);
    }

    /**
     * This dataset with per-row sample weights (a copy of {@code weights}, owned by the result; m values, each
     * finite and ≥ 0, not all zero — else an {@link IllegalArgumentException} naming the row). The result shares
     * X and y with this dataset without copying them: keep this dataset open while the result is used (a pass
     * over the result after this one was closed throws {@link IllegalStateException}); closing the result frees
     * only its weights. Weights replace any this dataset had.
     *
     * <p>The fit then minimises (1/Σw)·Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)² (the MSE convention: gradient (2/Σw)·X_cᵀW r with X, y
     * centred by their weighted means); a row of weight 0 contributes nothing, and integer weights fit as
     * duplicated rows would. Weights are always float64, whatever the precision of X.
     */
    public Dataset withWeights(double[] weights) {
        Objects.requireNonNull(weights, "weights");
        ensureOpen();
        DoublePointer pw = copyWeights(weights, rows);
        return new Dataset(x, y, pw, sumOfWeights(pw, rows), rows, cols, precision, new Pointer[] {pw}, root(), new Pointer[0]);
    }

    /**
     * As {@link #withWeights(double[])} over caller-owned off-heap weights (m float64 values from the pointer's
     * position), wrapped without copying; they are read once here to validate them and must outlive the result.
     */
    public Dataset withWeights(DoublePointer weights) {
        Objects.requireNonNull(weights, "weights");
        ensureOpen();
        if (weights.isNull()) {
            throw new IllegalArgumentException("cannot wrap a null weights pointer");
        }
        long limit = weights.limit() > 0 ? weights.limit() - weights.position() : Long.MAX_VALUE;
        if (limit < rows) {
            throw new IllegalArgumentException("X has " + rows + " rows but the weights hold " + limit + " values");
        }
        DoublePointer pw = new DoublePointer(weights).getPointer(weights.position());
        pw.position(0).capacity(rows).limit(rows);
        validateWeights(pw, rows);
        return new Dataset(x, y, pw, sumOfWeights(pw, rows), rows, cols, precision, new Pointer[0], root(),
                new Pointer[] {weights});
    }

    /**
     * This dataset's weights multiplied by 2ᵏ ({@link dev.downhill.internal.WeightScale}), as a view like
     * {@link #withWeights(double[])}'s: X and y shared, the scaled copy owned by the result.
     */
    Dataset withWeightsScaledBy(int k) {
        ensureOpen();
        if (weights == null) {
            throw new IllegalStateException("an unweighted dataset has no weights to scale");
        }
        DoublePointer pw = dev.downhill.internal.WeightScale.scaledCopy(weights, rows, k);
        try {
            return new Dataset(x, y, pw, sumOfWeights(pw, rows), rows, cols, precision, new Pointer[] {pw}, root(), new Pointer[0]);
        } catch (RuntimeException e) {
            pw.close();
            throw e;
        }
    }

    /** The dataset that owns X and y (this one unless it is a weighted view). */
    private Dataset root() {
        return base == null ? this : base;
    }

    /** The name of X's copy in an allocation failure's message ({@link OffHeapAllocation}). */
    private static String copyOfX(long rows, long cols) {
        return String.format(java.util.Locale.ROOT, "the dataset's copy of X (%,d × %,d)", rows, cols);
    }

    /**
     * y's copy ({@code rows} values of {@code precision}), allocated after X's: when it fails, X's copy is freed first and
     * the error names y.
     */
    @SuppressWarnings("unchecked")
    private static <P extends Pointer> P copyOfY(Pointer xCopy, long rows, Precision precision) {
        try {
            return (P) OffHeapAllocation.of(precision, rows, String.format(java.util.Locale.ROOT, "the dataset's copy of y (%,d)", rows));
        } catch (OutOfMemoryError e) {
            xCopy.close();
            throw e;
        }
    }

    private static DoublePointer copyWeights(double[] w, long rows) {
        Objects.requireNonNull(w, "weights");
        if (w.length != rows) {
            throw new IllegalArgumentException("X has " + rows + " rows but the weights have " + w.length + " values");
        }
        for (int i = 0; i < w.length; i++) {
            checkWeight(w[i], i);
        }
        DoublePointer pw = OffHeapAllocation.doubles(w.length, String.format(java.util.Locale.ROOT,
                "the dataset's copy of the weights (%,d)", w.length)).put(w);
        if (!(sumOfWeights(pw, rows) > 0)) {
            pw.close();
            throw allZeroWeights();
        }
        return pw;
    }

    private static void validateWeights(DoublePointer pw, long rows) {
        for (long start = 0; start < rows; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, rows - start);
            DoubleBuffer b = OffHeapViews.doubles(pw, start, len);
            for (int i = 0; i < len; i++) {
                checkWeight(b.get(i), start + i);
            }
        }
        if (!(sumOfWeights(pw, rows) > 0)) {
            throw allZeroWeights();
        }
    }

    static void checkWeight(double w, long row) {
        if (!Double.isFinite(w) || w < 0) {
            throw new IllegalArgumentException("weights contain " + w + " at row " + row
                    + " (zero-based); every weight must be finite and ≥ 0");
        }
    }

    static IllegalArgumentException allZeroWeights() {
        return new IllegalArgumentException("every weight is 0: at least one row needs a positive weight");
    }

    /** Σw in row order, float64 (overflow to ∞ is refused, and weights too small to compute with: {@link #checkWeightScale}). */
    static double sumOfWeights(DoublePointer pw, long rows) {
        double s = 0;
        double largest = 0;
        for (long start = 0; start < rows; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, rows - start);
            DoubleBuffer b = OffHeapViews.doubles(pw, start, len);
            for (int i = 0; i < len; i++) {
                s += b.get(i);
                largest = Math.max(largest, b.get(i));
            }
        }
        if (!Double.isFinite(s)) {
            throw new IllegalArgumentException("the weights sum to " + s + ": rescale them");
        }
        checkWeightScale(largest);
        return s;
    }

    /**
     * The largest weight below which a weighted fit is refused: {@value} = 2⁻⁵⁰⁰. Smaller weights (subnormal ones, such as
     * 1e-315) underflow in the products wᵢrᵢ², √wᵢ·xᵢ and Σw: the gradient solvers diverged on a NaN loss and the direct
     * ones returned wrong answers. Only the weights' ratios matter, so scaling them up changes no fit.
     */
    static final double SMALLEST_LARGEST_WEIGHT = 0x1p-500;

    /** Refuses weights whose largest (positive) value is below {@link #SMALLEST_LARGEST_WEIGHT}. */
    static void checkWeightScale(double largest) {
        if (largest > 0 && largest < SMALLEST_LARGEST_WEIGHT) {
            throw new IllegalArgumentException("the largest weight is " + largest + ", too small to compute with (its products "
                    + "underflow): scale the weights up, e.g. divide them by their largest (only their ratios matter)");
        }
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
        return new Dataset(OffHeapViews.offset(x, 0), OffHeapViews.offset(y, 0), null, rows, rows, cols, p, new Pointer[0], null,
                new Pointer[] {x, y}).validatedOrThrow();
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
            if (x != null) {
                x.close();
            }
            if (y != null) {
                y.close();
            }
            throw e;
        }
        return new Dataset(wrapped.x, wrapped.y, null, rows, rows, cols, wrapped.precision, new Pointer[] {x, y}, null,
                wrapped.callerMemory);
    }

    /**
     * As {@link #adopt(Pointer, Pointer, long, long)} with per-row sample weights: takes ownership of {@code weights}
     * (rows float64 values, validated as in {@link #withWeights(double[])}) too; on a validation error all three are freed.
     */
    public static Dataset adopt(Pointer x, Pointer y, DoublePointer weights, long rows, long cols) {
        Dataset plain;
        try {
            Objects.requireNonNull(weights, "weights");
            plain = adopt(x, y, rows, cols);
        } catch (RuntimeException e) {
            if (weights != null) {
                weights.close();
            } else { // adopting means freeing on failure: X and y too
                closeQuietly(x, y);
            }
            throw e;
        }
        double sum;
        try {
            long limit = weights.limit() > 0 ? weights.limit() - weights.position() : Long.MAX_VALUE;
            if (limit < rows) {
                throw new IllegalArgumentException("X has " + rows + " rows but the weights hold " + limit + " values");
            }
            validateWeights(weights, rows);
            sum = sumOfWeights(weights, rows);
        } catch (RuntimeException e) {
            plain.close();
            weights.close();
            throw e;
        }
        Pointer[] owned = java.util.Arrays.copyOf(plain.ownedMemory, plain.ownedMemory.length + 1);
        owned[owned.length - 1] = weights;
        Pointer[] caller = java.util.Arrays.copyOf(plain.callerMemory, plain.callerMemory.length + 1);
        caller[caller.length - 1] = weights;
        return new Dataset(plain.x, plain.y, weights, sum, rows, cols, plain.precision, owned, null, caller);
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

    /**
     * The number of rows m (samples; the length of y).
     *
     * @return m
     */
    public long rows() {
        return rows;
    }

    /**
     * The number of columns n of X (features, without the intercept).
     *
     * @return n
     */
    public long cols() {
        return cols;
    }

    /**
     * The precision X and y are stored in (a fit works in it unless {@link FitConfig#precision()} says otherwise).
     *
     * @return float32 or float64
     */
    public Precision precision() {
        return precision;
    }

    /** Whether the dataset is still open (its memory may be read; for a weighted view, also the dataset it shares X with). */
    public boolean isOpen() {
        return !closed.get() && (base == null || base.isOpen());
    }

    /** Whether the dataset carries per-row sample weights. */
    public boolean isWeighted() {
        return weights != null;
    }

    /**
     * The sample weights (m float64 values; read only), or null when the dataset is unweighted: a new view of the
     * dataset's memory each call, so moving its position moves nobody else's; it owns nothing (closing it frees nothing:
     * the dataset owns the memory).
     */
    public DoublePointer weightsPointer() {
        ensureOpen();
        return weights == null ? null : OffHeapViews.unowned(weights);
    }

    /** wᵢ (1 when the dataset is unweighted). */
    public double weight(long i) {
        ensureOpen();
        checkIndex(i, 0);
        return weights == null ? 1 : weights.get(i);
    }

    /** Σᵢ wᵢ summed in float64 in row order; m (as a double) when the dataset is unweighted. */
    public double weightSum() {
        return weightSum;
    }

    /** The weights as a new array (m below 2³¹), or null when the dataset is unweighted. */
    public double[] weights() {
        ensureOpen();
        if (weights == null) {
            return null;
        }
        double[] out = new double[Math.toIntExact(rows)];
        weights.get(out);
        return out;
    }

    /** Whether this dataset owns (and will free) its memory. */
    public boolean ownsMemory() {
        return owned;
    }

    /**
     * X as a {@link FloatPointer} or {@link DoublePointer} (per {@link #precision()}), row-major,
     * element (i, j) at offset i·cols + j. Backends read it; nobody may write it. Each call returns a new view of the
     * dataset's memory (its position at element (0, 0)), so moving its position (JavaCPP's {@code p.position(k).get()})
     * moves nobody else's: the dataset's passes and other threads' views stay where they are. The view owns nothing:
     * closing it frees nothing (the dataset owns the memory).
     */
    public Pointer xPointer() {
        ensureOpen();
        return OffHeapViews.unowned(x);
    }

    /** y as a {@link FloatPointer} or {@link DoublePointer}; read only; a new view each call, as {@link #xPointer()}. */
    public Pointer yPointer() {
        ensureOpen();
        return OffHeapViews.unowned(y);
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

    /**
     * This dataset in {@code target} precision, always a dataset of its own to close. When the precision differs: a new
     * copy that owns its memory (X, y and the weights; this dataset may be closed independently). When it already
     * matches: a view sharing this dataset's X, y and weights without copying (as {@link #withWeights(double[])} views
     * do): closing the view frees nothing and leaves this dataset open, and this dataset must stay open while the view
     * is used (a pass over the view after this one was closed throws {@link IllegalStateException}; a {@link #use()} of
     * the view pins this one). So {@code try (Dataset f = d.toPrecision(p)) { … }} never closes {@code d}.
     */
    public Dataset toPrecision(Precision target) {
        Objects.requireNonNull(target, "target");
        ensureOpen();
        if (target == precision) {
            return new Dataset(x, y, weights, weightSum, rows, cols, precision, new Pointer[0], this, new Pointer[0]);
        }
        long total = rows * cols;
        Pointer nx = dev.downhill.io.HugePages.advise(OffHeapAllocation.of(target, total,
                String.format(Locale.ROOT, "the %s copy of X (%,d × %,d)", target.name().toLowerCase(Locale.ROOT), rows, cols)));
        Pointer ny = copyOfY(nx, rows, target);
        try {
            convert(x, nx, total, "X", cols);
            convert(y, ny, rows, "y", 1);
        } catch (RuntimeException e) {
            nx.close();
            ny.close();
            throw e;
        }
        if (weights != null) {
            DoublePointer nw = new DoublePointer(rows);
            Pointer.memcpy(nw, weights, rows * 8);
            return new Dataset(nx, ny, nw, weightSum, rows, cols, target, new Pointer[] {nx, ny, nw}, null, new Pointer[0])
                    .validatedOrClosed();
        }
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
        if (base != null && !closed.get() && !base.isOpen()) { // this view's own message, not its base's "dataset is closed"
            ensureOpen();
        }
        Use inner = base == null ? null : base.use();
        synchronized (this) {
            try {
                ensureOpen();
            } catch (RuntimeException e) {
                if (inner != null) {
                    inner.close();
                }
                throw e;
            }
            users++;
        }
        return new Use(inner);
    }

    /** A mark that the dataset is in use (see {@link #use()}); closing it twice is harmless. */
    public final class Use implements AutoCloseable {
        private boolean released;
        /** The use of the dataset a weighted view shares X and y with, or null. */
        private final Use inner;

        private Use(Use inner) {
            this.inner = inner;
        }

        @Override
        public void close() {
            synchronized (Dataset.this) {
                if (!released) {
                    released = true;
                    users--;
                }
            }
            if (inner != null) {
                inner.close();
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
                + (weights != null ? ", weighted" : "") + (owned || base != null ? "" : ", wrapped") + "]";
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
        if (base != null && !base.isOpen()) {
            throw new IllegalStateException("the dataset this view shares X and y with is closed");
        }
        for (Dataset d = this; d != null; d = d.base) {
            for (Pointer p : d.callerMemory) {
                if (p.isNull()) {
                    throw new IllegalStateException("the memory this dataset reads was freed: a Pointer given to "
                            + (d.owned ? "Dataset.adopt was closed by its caller (adopt takes ownership: close the dataset, "
                            + "not the pointer)" : "Dataset.wrap or withWeights was closed (wrapped memory must outlive the "
                            + "dataset)"));
                }
            }
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

    /**
     * Copies {@code count} values to the other precision; float64 → float32 refuses (naming the row, and the column
     * when {@code what} is X) a finite value that would overflow or a non-zero one that would become 0 or subnormal.
     */
    private static void convert(Pointer from, Pointer to, long count, String what, long cols) {
        for (long start = 0; start < count; start += OffHeapViews.MAX_WINDOW) {
            int len = (int) Math.min(OffHeapViews.MAX_WINDOW, count - start);
            if (from instanceof DoublePointer) {
                DoubleBuffer src = OffHeapViews.doubles(from, start, len);
                FloatBuffer dst = OffHeapViews.floats(to, start, len);
                for (int i = 0; i < len; i++) {
                    double v = src.get(i);
                    float f = (float) v;
                    if (!(Math.abs(f) >= Float.MIN_NORMAL && Float.isFinite(f)) && Float32Range.lost(v)) {
                        long k = start + i;
                        String where = what.equals("y") ? "row " + k : "row " + k / cols + ", column " + k % cols;
                        throw new IllegalArgumentException(what + " at " + where + " (zero-based): " + Float32Range.problem(v)
                                + "; keep the data in float64 or rescale it");
                    }
                    dst.put(i, f);
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

    static IllegalArgumentException badValue(String what, double v, long row, long col) {
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

    /** The null checks of the weighted copying factories, in parameter order, before anything is copied. */
    private static void requireAllNonNull(Object x, Object y, double[] weights) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(weights, "weights");
    }

    private static void closeQuietly(Pointer... pointers) {
        for (Pointer p : pointers) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static int checkRows(Object[] x, int yLength) {
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
