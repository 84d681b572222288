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
 * cpu and cuda backends take it.
 *
 * <p>Made from a reader's result ({@link #adopt(SparseData)}: {@code SvmLightReader.readSparse}) or from a matrix and
 * targets ({@link #of(CsrMatrix, double[])}). y is checked finite; X was checked when it was built. Ownership:
 * {@link #close()} frees X and y (closing twice is harmless); a backend problem loaded from this dataset borrows its
 * memory, so close the problem first. Immutable and safe to read from several threads.
 */
public final class SparseDataset implements AutoCloseable {
    private final CsrMatrix x;
    private final Pointer y;
    /** Per-row sample weights (float64, owned), or null. */
    private final DoublePointer weights;
    private final double weightSum;
    /** The dataset whose X and y a view shares ({@link #withWeightsScaledBy}), or null when this one owns them. */
    private final SparseDataset parent;
    private volatile boolean closed;
    /** Whether {@link #withWeights} moved X and y into a weighted dataset (this one is then closed and says so). */
    private volatile boolean movedIntoWeighted;
    /** Open uses ({@link #use()}): fits and predictions reading X and y; {@link #close()} refuses while there are any. */
    private int users;

    private SparseDataset(CsrMatrix x, Pointer y) {
        this(x, y, null, x.rows());
    }

    private SparseDataset(CsrMatrix x, Pointer y, DoublePointer weights, double weightSum) {
        this(x, y, weights, weightSum, null);
    }

    private SparseDataset(CsrMatrix x, Pointer y, DoublePointer weights, double weightSum, SparseDataset parent) {
        checkShape(x);
        this.x = x;
        this.y = y;
        this.weights = weights;
        this.weightSum = weightSum;
        this.parent = parent;
    }

    /** The largest n: θ and the gradient are Java arrays of n values. */
    public static final long MAX_FEATURES = Integer.MAX_VALUE - 8;

    /** At least one row and one feature, and no more features than a Java array holds. */
    private static void checkShape(CsrMatrix x) {
        if (x.rows() == 0 || x.cols() == 0) {
            throw new IllegalArgumentException("need at least one row and one feature, got " + x.rows() + " × " + x.cols());
        }
        if (x.cols() > MAX_FEATURES) {
            throw new IllegalArgumentException(x.cols() + " features: θ is a Java array, so at most " + MAX_FEATURES
                    + " features (2^31 − 9)");
        }
    }

    /** The matrices a dataset owns ({@link #of}, {@link #adopt}), by identity; weakly held, so a freed one leaves. */
    private static final java.util.Set<CsrMatrix> OWNED = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /**
     * Marks {@code x} as owned by the dataset being made: a second {@link #of} with the same matrix would close it under
     * the first (each dataset closes its X), so it is refused, and the matrix is left as it was.
     *
     * @throws IllegalStateException when a dataset already owns {@code x}
     */
    private static void claim(CsrMatrix x) {
        if (!OWNED.add(x)) {
            throw new IllegalStateException("this CsrMatrix already belongs to a SparseDataset (or did, until that dataset closed "
                    + "it): SparseDataset.of takes ownership of X (closing the dataset closes it), so one matrix makes one "
                    + "dataset: make a second matrix for a second dataset");
        }
    }

    /** Takes over the memory of a sparse reader's result ({@code data} must not be used or closed afterwards). */
    public static SparseDataset adopt(SparseData data) {
        Objects.requireNonNull(data, "data");
        try {
            checkShape(data.x());
        } catch (IllegalArgumentException e) {
            data.close();
            throw e;
        }
        claim(data.x());
        HostArray y = data.y();
        Pointer memory = y.release();
        return new SparseDataset(data.x(), memory);
    }

    /**
     * Takes ownership of {@code x} and copies {@code y} (m finite values, converted to x's precision): closing the dataset
     * closes {@code x}, so one matrix makes one dataset (a second {@code of} with it throws IllegalStateException and
     * leaves it to its owner). When it throws otherwise, {@code x} is closed (as {@link Dataset#adopt} frees what it was
     * given), a null {@code y} included: the caller never owns it again.
     *
     * @throws NullPointerException     when {@code x} ("x", and nothing is closed) or {@code y} ("y") is null
     * @throws IllegalArgumentException when y's length is not m or a value is not finite (naming the row)
     */
    public static SparseDataset of(CsrMatrix x, double[] y) {
        Objects.requireNonNull(x, "x");
        claim(x); // before the try: a matrix another dataset owns is not closed here
        try {
            return ofOwned(x, y);
        } catch (RuntimeException | Error e) {
            x.close();
            throw e;
        }
    }

    private static SparseDataset ofOwned(CsrMatrix x, double[] y) {
        Objects.requireNonNull(y, "y"); // x was taken over: closed by the caller, as for every refusal
        checkShape(x);
        if (y.length != x.rows()) {
            throw new IllegalArgumentException("X has " + x.rows() + " rows but y has " + y.length + " values");
        }
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                throw Dataset.badValue("y", y[i], i, -1); // the dense dataset's message
            }
        }
        Pointer p;
        if (x.precision() == Precision.FLOAT64) {
            p = new DoublePointer(y);
        } else {
            float[] f = new float[y.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) y[i];
                if (dev.downhill.internal.Float32Range.lost(y[i])) {
                    throw new IllegalArgumentException("y at row " + i + " (zero-based): " + dev.downhill.internal.Float32Range.problem(y[i])
                            + "; keep the data in float64 (" + dev.downhill.internal.Float32Range.FLOAT64_SETTING + ") or rescale it");
                }
            }
            p = new FloatPointer(f);
        }
        return new SparseDataset(x, p);
    }

    /**
     * A new dataset that takes over this one's X and y with per-row sample weights (a copy of {@code weights}: m values,
     * each finite and ≥ 0, not all zero, else an {@link IllegalArgumentException} naming the row); this dataset is
     * emptied (closing it afterwards frees nothing). The fit then minimises (1/Σw)·Σᵢ wᵢ(yᵢ − xᵢᵀθ − b)², as
     * {@link Dataset#withWeights(double[])} describes.
     */
    public synchronized SparseDataset withWeights(double[] weights) {
        Objects.requireNonNull(weights, "weights");
        ensureOpen();
        if (weights.length != rows()) {
            throw new IllegalArgumentException("X has " + rows() + " rows but the weights have " + weights.length + " values");
        }
        double sum = 0;
        double largest = 0;
        for (int i = 0; i < weights.length; i++) {
            Dataset.checkWeight(weights[i], i); // the dense dataset's messages
            sum += weights[i];
            largest = Math.max(largest, weights[i]);
        }
        if (!(sum > 0)) {
            throw Dataset.allZeroWeights();
        }
        Dataset.checkWeightScale(largest);
        if (sum == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("the weights sum to more than the largest double (about 1.8e308): scale them down "
                    + "(only their ratios matter)");
        }
        if (users > 0) {
            throw new IllegalStateException("cannot move " + this + " into a weighted dataset: a fit or prediction still reads it");
        }
        movedIntoWeighted = true;
        closed = true; // the new dataset owns the memory now
        if (this.weights != null) {
            this.weights.close();
        }
        return new SparseDataset(x, y, new DoublePointer(weights), sum);
    }

    /**
     * A view sharing this dataset's X and y (closing it frees only its weights) whose weights are this one's multiplied
     * by 2ᵏ ({@link dev.downhill.internal.WeightScale}); this dataset must stay open while the view is used.
     */
    synchronized SparseDataset withWeightsScaledBy(int k) {
        ensureOpen();
        if (weights == null) {
            throw new IllegalStateException("an unweighted dataset has no weights to scale");
        }
        DoublePointer pw = dev.downhill.internal.WeightScale.scaledCopy(weights, rows(), k);
        try {
            return new SparseDataset(x, y, pw, Dataset.sumOfWeights(pw, rows()), this);
        } catch (RuntimeException e) {
            pw.close();
            throw e;
        }
    }

    /** Whether the rows carry sample weights. */
    public boolean isWeighted() {
        return weights != null;
    }

    /** The m float64 weights (owned by this dataset), or null when unweighted. */
    public DoublePointer weightsPointer() {
        ensureOpen();
        return weights == null ? null : dev.downhill.internal.OffHeapViews.unowned(weights); // a view owning nothing
    }

    /** Σw, or m when unweighted. */
    public double weightSum() {
        return weightSum;
    }

    /** X (owned by this dataset: do not close it). */
    public CsrMatrix x() {
        ensureOpen();
        return x;
    }

    /** y: m values, a {@link DoublePointer} for float64 or a {@link FloatPointer} for float32 (owned by this dataset). */
    public Pointer yPointer() {
        ensureOpen();
        return dev.downhill.internal.OffHeapViews.unowned(y); // a view owning nothing: moving or closing it changes nothing
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
        if (closed || parent != null && parent.closed) {
            throw new IllegalStateException(movedIntoWeighted ? "the sparse dataset's X and y were moved into the weighted dataset "
                    + "withWeights returned (unlike Dataset.withWeights, which gives a view): use that one"
                    : closed ? "the sparse dataset is closed"
                    : "the sparse dataset this weighted view shares X and y with is closed");
        }
    }

    /**
     * Marks the dataset in use until the returned handle is closed: while any use is open, {@link #close()} throws
     * instead of freeing X and y. {@code LinearRegression.fit(SparseDataset, …)} and the model's sparse predictions and
     * scores take one; code that fits a problem loaded from this dataset while another thread may close it should too.
     *
     * @throws IllegalStateException when the dataset is already closed
     */
    public synchronized Use use() {
        ensureOpen();
        users++;
        return new Use();
    }

    /** A mark that the dataset is in use (see {@link #use()}); closing it twice is harmless. */
    public final class Use implements AutoCloseable {
        private boolean released;

        private Use() {
        }

        @Override
        public void close() {
            synchronized (SparseDataset.this) {
                if (!released) {
                    released = true;
                    users--;
                }
            }
        }
    }

    /**
     * Frees X, y and the weights; a second call does nothing.
     *
     * @throws IllegalStateException while a fit or a prediction still uses the dataset (see {@link #use()}); nothing is
     *                               freed then
     */
    @Override
    public synchronized void close() {
        if (users > 0) {
            throw new IllegalStateException("cannot close " + this + ": " + users + (users == 1 ? " fit or prediction (or other "
                    + "use) still reads it" : " fits or predictions (or other uses) still read it") + "; close it after they finish");
        }
        if (!closed) {
            closed = true;
            if (parent == null) { // a view frees only its weights
                x.close();
                y.close();
            }
            if (weights != null) {
                weights.close();
            }
        }
    }

    @Override
    public String toString() {
        return x + " and " + rows() + " targets";
    }
}
