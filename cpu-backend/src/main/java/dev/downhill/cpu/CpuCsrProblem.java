package dev.downhill.cpu;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import dev.downhill.io.HugePages;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.SparseHostPasses;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.Interrupts;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.SparseExtendedResidual;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import java.util.Locale;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A CSR X (and y) on the cpu backend: the passes of {@link ResidentProblem} over the stored entries only — X is never
 * densified — with the native kernels of {@code downhill_sparse.h} on a pool of threads. Rows are split into contiguous
 * ranges of about equal non-zeros, one per thread, each with its own float64 accumulator of n values (rows of one
 * off-heap block); accumulators are combined in thread order, natively, so results are bit-identical for the same
 * inputs and thread count. Centring stays implicit (core removes x̄·Σr from the gradient), so the centred problem
 * costs no more than the raw one.
 *
 * <p>The direct solvers: the Gram pass accumulates XᵀX over each row's pairs of entries (n² float64 on the host, O(Σᵢ
 * nnzᵢ²) work, in blocks of rows between which it looks at the thread's interrupt flag) and centres it by the rank-one
 * downdate G − m·x̄x̄ᵀ; the QR reduction is refused (it would densify X; the message gives the memory and points to
 * {@code cg}); the extended-precision residual is {@link SparseExtendedResidual}.
 *
 * <p>Memory: the matrix and y are borrowed (the caller keeps them open while this problem is used); values in a
 * precision other than the problem's are converted into a copy this problem owns. Not thread-safe: one pass at a time.
 */
final class CpuCsrProblem implements ResidentProblem {
    private final CsrMatrix x;
    private final Pointer values;
    private final Pointer ownedValues;
    private final Pointer y;
    private final Pointer ownedY;
    private final DoublePointer weights;
    private final Precision precision;
    private final long rows;
    private final int n;
    /** The thread count loaded with ({@link #hostThreads()}); the passes use {@link #workers} of it. */
    private final int threads;
    private final long[] rangeStart;
    private final long stride;
    private final DoublePointer accumulatorBlock;
    private final DoublePointer[] accumulators;
    private final DoublePointer[] sums;
    private final RangePool pool;
    /** Whether the gradient pass prefetches θⱼ and accⱼ ahead of the entries (n ≥ {@link #COLUMNS_AHEAD_FROM}). */
    private final boolean columnsAhead;
    private ColumnStatistics statistics;
    private final double[][] deviations = new double[2][];
    private final SparseExtendedResidual[] residuals = new SparseExtendedResidual[2];
    private boolean closed;
    /** The lazy sparse epoch's off-heap scratch, kept from one epoch to the next. */
    private final CsrLazyEpoch lazyEpoch = new CsrLazyEpoch();

    /**
     * @param x         the CSR matrix (borrowed)
     * @param y         m targets in {@code x}'s value precision (borrowed)
     * @param weights   m float64 row weights (borrowed), or null for all ones
     * @param precision the working precision (values and y are converted into owned copies when it differs)
     * @param threads   threads for full passes (≥ 1; at most one per row and one per n stored entries, {@link #workers})
     */
    CpuCsrProblem(CsrMatrix x, Pointer y, DoublePointer weights, Precision precision, int threads) {
        SparseKernels.load();
        this.x = x;
        this.rows = x.rows();
        this.n = Math.toIntExact(x.cols());
        this.precision = precision;
        this.weights = weights;
        boolean convert = x.precision() != precision;
        this.ownedValues = convert ? converted(x.values(), x.nonZeros(), precision) : null;
        this.ownedY = convert ? converted(y, rows, precision) : null;
        this.values = convert ? ownedValues : x.values();
        this.y = convert ? ownedY : y;
        this.threads = threads;
        int workers = workers(threads, rows, x.nonZeros(), n);
        this.rangeStart = balancedRanges(x.rowPointers(), rows, workers);
        this.stride = Math.max(1, n);
        this.accumulatorBlock = HugePages.advise(new DoublePointer(workers * stride));
        this.accumulators = new DoublePointer[workers];
        this.sums = new DoublePointer[workers];
        for (int t = 0; t < workers; t++) {
            accumulators[t] = accumulatorBlock.getPointer(t * stride); // a view: the block owns the memory
            sums[t] = new DoublePointer(2);
        }
        this.pool = new RangePool(workers, "downhill-cpu-csr");
        this.columnsAhead = n >= COLUMNS_AHEAD_FROM;
    }

    /**
     * Threads for the full passes: at most one per row, and one per n stored entries — each thread beyond the first adds
     * an n-value accumulator to zero and combine on every pass (~1 ns a value), which only pays when its share of the
     * entries (a gather and a scatter each, ~2–3 ns) is at least about as large. Hashed features (n = 2²⁰, 2,000 rows of
     * ~50 entries) thus get one thread; E2006-tfidf's shape (129 entries per column) keeps them all.
     */
    static int workers(int threads, long rows, long nonZeros, long cols) {
        long byEntries = Math.max(1, nonZeros / Math.max(1, cols));
        return (int) Math.max(1, Math.min(threads, Math.min(rows, byEntries)));
    }

    /** Row ranges of about equal non-zeros (and at least one row each): boundaries found by binary search on the pointers. */
    static long[] balancedRanges(LongPointer pointers, long rows, int workers) {
        long nnz = pointers.get(rows);
        long[] start = new long[workers + 1];
        start[workers] = rows;
        for (int t = 1; t < workers; t++) {
            long target = nnz * t / workers;
            long lo = start[t - 1] + 1;
            long hi = rows - (workers - t);
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (pointers.get(mid) < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            start[t] = Math.max(start[t - 1] + 1, Math.min(lo, rows - (workers - t)));
        }
        return start;
    }

    private static Pointer converted(Pointer from, long count, Precision to) {
        Pointer out = to == Precision.FLOAT64 ? new DoublePointer(Math.max(1, count)) : new FloatPointer(Math.max(1, count));
        int chunk = 1 << 16;
        double[] d = new double[chunk];
        float[] f = new float[chunk];
        for (long k = 0; k < count; k += chunk) {
            int c = (int) Math.min(chunk, count - k);
            if (from instanceof DoublePointer dp) {
                dp.position(k).get(d, 0, c);
                dp.position(0);
                for (int e = 0; e < c; e++) {
                    f[e] = (float) d[e];
                }
                ((FloatPointer) out).position(k).put(f, 0, c).position(0);
            } else {
                ((FloatPointer) from).position(k).get(f, 0, c);
                from.position(0);
                for (int e = 0; e < c; e++) {
                    d[e] = f[e];
                }
                ((DoublePointer) out).position(k).put(d, 0, c).position(0);
            }
        }
        return out;
    }

    @Override
    public String backendName() {
        return CpuBackend.NAME;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long cols() {
        return n;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "%d thread%s, CSR X (%,d non-zeros, %.3g%% dense), native sparse kernels",
                accumulators.length, accumulators.length == 1 ? "" : "s", x.nonZeros(), 100.0 * x.nonZeros() / ((double) rows * n));
    }

    @Override
    public boolean isSparse() {
        return true;
    }

    /**
     * The thread count the problem was loaded with (the backend's default resolved): the full passes' workers follow
     * from it ({@link #workers}), so equal counts give equal sums. (Two counts capped to the same workers would too; the
     * loaded count is reported all the same, as checkpoints saved before this method recorded it.)
     */
    @Override
    public int hostThreads() {
        return threads;
    }

    @Override
    public boolean weighted() {
        return weights != null;
    }

    /** Σw from the statistics pass (m exactly when unweighted). */
    @Override
    public synchronized double weightSum() {
        return weights == null ? rows : columnStatistics0()[1];
    }

    @Override
    public BackendVector allocateVector(long length) {
        ensureOpen();
        return new CpuVector(length, precision);
    }

    /**
     * {ȳ·Σw, Σw}. The first call makes the one-time moments pass: the column means (sums in the accumulators' combination)
     * and, from the same pass, the mean squares about 0 — {@link #columnMeanSquaredDeviations}{@code (false)}, the bits its
     * own pass would give — in per-thread blocks of 2n side-by-side values, freed after.
     */
    private double[] columnStatistics0() {
        if (statistics == null) {
            long momentStride = 2L * stride;
            try (DoublePointer block = HugePages.advise(new DoublePointer(accumulators.length * momentStride));
                 DoublePointer means = HugePages.advise(new DoublePointer(stride));
                 DoublePointer squares = HugePages.advise(new DoublePointer(stride))) {
                forEachRange(t -> {
                    DoublePointer moments = block.getPointer(t * momentStride);
                    Pointer.memset(moments, 0, 8L * momentStride);
                    sums[t].put(0, 0.0).put(1, 0.0);
                    if (precision == Precision.FLOAT64) {
                        SparseKernels.csr_column_moments_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y,
                                weights, rangeStart[t], rangeStart[t + 1], moments, sums[t]);
                    } else {
                        SparseKernels.csr_column_moments_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y,
                                weights, rangeStart[t], rangeStart[t + 1], moments, sums[t]);
                    }
                });
                double sy = 0;
                double sw = 0;
                for (DoublePointer s : sums) {
                    sy += s.get(0);
                    sw += s.get(1);
                }
                SparseKernels.csr_moments_finish(block, accumulators.length, momentStride, n, sw, means, squares);
                double[] m = new double[n];
                double[] q = new double[n];
                means.get(m);
                squares.get(q);
                statistics = new ColumnStatistics(m, sy / sw);
                if (deviations[0] == null) {
                    deviations[0] = q;
                }
                totalWeight = sw;
            }
        }
        return new double[] {statistics.targetMean() * totalWeight, totalWeight};
    }

    private double totalWeight;

    @Override
    public synchronized ColumnStatistics columnStatistics() {
        ensureOpen();
        columnStatistics0();
        return new ColumnStatistics(statistics.means().clone(), statistics.targetMean());
    }

    /**
     * The largest x̄ⱼ²/E[xⱼ²] for which the deviations about the means come from the moments pass as E[xⱼ²] − x̄ⱼ² (see
     * {@link #columnMeanSquaredDeviations}): at most 1/2, the difference is at least half of E[xⱼ²], so its rounding error
     * is at most about twice the error of E[xⱼ²] itself — that of the exact pass's sum.
     */
    static final double ONE_PASS_DEVIATIONS_MAX_RATIO = 0.5;

    /**
     * From this many columns on, the gradient pass prefetches θⱼ and the accumulator's entry j ahead of the stored
     * entries: θ and a thread's accumulator (8 bytes a column each) no longer stay in a core's caches, and the random
     * reads went to memory one at a time (a 2,000,000 × 1,000,000 X of 40 entries a row: 1.3–1.8× faster with it). Below,
     * where the columns a row hits are mostly cached (E2006-tfidf's 150,360), the prefetches cost ~15 % of the pass.
     */
    static final int COLUMNS_AHEAD_FROM = 1 << 19;

    /** One Java pass over the stored entries, row order ({@link SparseHostPasses#maxSquaredRowNorm}). */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        ensureOpen();
        return new SparseHostPasses(x, values, y, weights, precision).maxSquaredRowNorm(centre, squaredFactors);
    }

    /**
     * About 0 (not centred): E[xⱼ²] = Σwx²/Σw, from the moments pass ({@link #columnStatistics0}). Centred, the mean
     * squared deviations dⱼ = Σᵢ wᵢ(xᵢⱼ − x̄ⱼ)²/Σw: when every column has x̄ⱼ² ≤ {@value #ONE_PASS_DEVIATIONS_MAX_RATIO}·E[xⱼ²]
     * (sparse columns: x̄ⱼ² is about the density times E[xⱼ²]), dⱼ = E[xⱼ²] − x̄ⱼ² from the moments pass, with no pass
     * of its own; otherwise (a column with a large offset, where that difference would cancel) one exact pass over the
     * stored entries, Σ over them of wᵢ(xᵢⱼ − x̄ⱼ)² plus x̄ⱼ² times the weight of the rows where xᵢⱼ = 0: no cancellation.
     */
    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (centred && deviations[1] == null) {
            // made again on each call from the kept moments (the same bits), not kept: n values fewer for the problem's life
            double[] fromMoments = deviationsFromMoments(); // null when a column would cancel: the exact pass, kept
            if (fromMoments != null) {
                return fromMoments;
            }
        }
        if (deviations[slot] == null) {
            double[] c = centred ? columnStatistics().means() : new double[n];
            double total = columnStatistics0()[1];
            try (DoublePointer cp = new DoublePointer(c);
                 DoublePointer storedBlock = HugePages.advise(new DoublePointer(accumulators.length * stride));
                 DoublePointer out = HugePages.advise(new DoublePointer(stride))) {
                Pointer.memset(storedBlock, 0, 8L * accumulators.length * stride);
                DoublePointer[] stored = new DoublePointer[accumulators.length];
                for (int t = 0; t < stored.length; t++) {
                    stored[t] = storedBlock.getPointer(t * stride);
                }
                forEachRange(t -> {
                    clear(t);
                    if (precision == Precision.FLOAT64) {
                        SparseKernels.csr_column_deviations_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, weights,
                                rangeStart[t], rangeStart[t + 1], cp, accumulators[t], stored[t]);
                    } else {
                        SparseKernels.csr_column_deviations_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, weights,
                                rangeStart[t], rangeStart[t + 1], cp, accumulators[t], stored[t]);
                    }
                });
                SparseKernels.csr_deviations_finish(accumulatorBlock, storedBlock, accumulators.length, stride, n, cp, total, out);
                double[] dev = new double[n];
                out.get(dev);
                deviations[slot] = dev;
            }
        }
        return deviations[slot].clone();
    }

    /** dⱼ = E[xⱼ²] − x̄ⱼ² from the moments pass, or null when some column has x̄ⱼ² > the ratio's share of E[xⱼ²]. */
    private double[] deviationsFromMoments() {
        columnStatistics0();
        double[] squares = deviations[0];
        double[] means = statistics.means();
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            double mean = means[j];
            double squareOfMean = mean * mean;
            if (!(squareOfMean <= ONE_PASS_DEVIATIONS_MAX_RATIO * squares[j])) { // also NaN: the exact pass says what is wrong
                return null;
            }
            d[j] = squares[j] - squareOfMean;
        }
        return d;
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice slice,
                                 BackendVector out) {
        ensureOpen();
        CpuVector t = vector(theta);
        CpuVector g = vector(out);
        if (slice.isAll()) {
            forEachRange(k -> {
                clear(k);
                if (precision == Precision.FLOAT64) {
                    SparseKernels.csr_gradient_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y, weights,
                            rangeStart[k], rangeStart[k + 1], (DoublePointer) t.pointer(), intercept, targetWeight, accumulators[k], sums[k],
                            columnsAhead);
                } else {
                    SparseKernels.csr_gradient_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y, weights,
                            rangeStart[k], rangeStart[k + 1], (FloatPointer) t.pointer(), intercept, targetWeight, accumulators[k], sums[k],
                            columnsAhead);
                }
            });
            return write(accumulators.length, scale, g);
        }
        clear(0);
        LongPointer order = rowOrder.of(slice.order());
        {
            if (precision == Precision.FLOAT64) {
                SparseKernels.csr_gather_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y, weights, order,
                        slice.from(), slice.to(), (DoublePointer) t.pointer(), intercept, targetWeight, accumulators[0], sums[0]);
            } else {
                SparseKernels.csr_gather_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y, weights, order,
                        slice.from(), slice.to(), (FloatPointer) t.pointer(), intercept, targetWeight, accumulators[0], sums[0]);
            }
        }
        return write(1, scale, g);
    }

    /**
     * Without an l1 term and with a uniform λ∘S² (no penalty factors under standardization): the lazy epoch
     * ({@link SparseLazyEpoch}, θ = a·v + c·S²∘x̄), whose steps cost each batch's stored entries instead of n — the same
     * steps as {@link dev.downhill.spi.StochasticEpoch#runPerBatch} up to rounding, not bit for bit; a non-uniform λ∘S²
     * without an intercept runs {@link SparseLazyEpoch}'s per-column form (in Java: the native
     * lazy epoch has the uniform form only). Otherwise the whole
     * epoch in native code ({@code csr_epoch_float}/{@code csr_epoch_double} of {@code downhill_csr_epoch.h})
     * on the calling thread, {@value CpuProblem#EPOCH_CHUNK} batches per JNI call: per batch the gather of
     * {@link #gradient} on a slice (the same C function) and the step; the same bits as
     * {@link dev.downhill.spi.StochasticEpoch#runPerBatch} on this problem. Without the epoch library: the per-batch default.
     */
    @Override
    public dev.downhill.spi.StochasticEpoch.EpochSums epoch(dev.downhill.spi.StochasticEpoch plan, BackendVector theta,
                                                          BackendVector gradient) {
        ensureOpen();
        if (SparseLazyEpoch.applies(plan)) { // a step costs the batch's entries, not n (same steps, other roundings)
            // a decay per column (no intercept; SparseLazyEpoch.decaysPerColumn) runs in Java only
            // (and averaging, which the native lazy epoch does not do, in Java too)
            boolean uniform = !Double.isNaN(SparseLazyEpoch.uniformRidgeRate(plan)) && plan.average() == null;
            return EpochKernels.available() && uniform ? lazyEpoch.run(x, values, y, weights, precision, plan, theta, gradient)
                    : SparseLazyEpoch.run(x, values, y, weights, precision, plan, theta, gradient);
        }
        if (!EpochKernels.available()) {
            return ResidentProblem.super.epoch(plan, theta, gradient);
        }
        CpuVector t = vector(theta);
        CpuVector g = vector(gradient);
        long batches = plan.batches();
        int chunk = (int) Math.min(batches, CpuProblem.EPOCH_CHUNK);
        double[] kappa = plan.l1Thresholds();
        double[] l1s2 = plan.l1SquaredScales();
        dev.downhill.spi.EpochRows order = plan.rows();
        try (DoublePointer rates = new DoublePointer(chunk);
             LongPointer rowScratch = new LongPointer(plan.batchSize());
             DoublePointer sumSquares = new DoublePointer(1);
             DoublePointer acc = HugePages.advise(new DoublePointer(Math.max(1, n)));
             CpuVector tt = new CpuVector(n, precision);
             DoublePointer kappaP = kappa == null ? null : new DoublePointer(kappa);
             DoublePointer l1s2P = l1s2 == null ? null : new DoublePointer(l1s2);
             DoublePointer averaging = plan.average() == null ? null : new DoublePointer(chunk);
             DoublePointer average = plan.average() == null ? null : new DoublePointer(plan.average())) { // θ̄, float64
            sumSquares.put(0, 0.0);
            double[] r = new double[chunk];
            for (long first = 0; first < batches; first += chunk) {
                int count = (int) Math.min(chunk, batches - first);
                CpuProblem.stepSizes(plan, first, count, r, rates);
                CpuProblem.averagingFactors(plan, first, count, r, averaging);
                if (precision == Precision.FLOAT64) {
                    EpochKernels.csr_epoch_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y,
                            weights, rows, n, order.seed(), order.epoch(), order.train(), order.validationSeed(), plan.batchSize(),
                            first, count, rates, (DoublePointer) t.pointer(), (DoublePointer) g.pointer(), plan.targetWeight(),
                            plan.targetMean(), (DoublePointer) pointer(plan.means()), (DoublePointer) pointer(plan.columnFactors()),
                            (DoublePointer) pointer(plan.ridge()), (DoublePointer) pointer(plan.squaredScales()), kappaP, l1s2P,
                            (DoublePointer) tt.pointer(), acc, rowScratch, average, averaging,
                            sumSquares);
                } else {
                    EpochKernels.csr_epoch_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y,
                            weights, rows, n, order.seed(), order.epoch(), order.train(), order.validationSeed(), plan.batchSize(),
                            first, count, rates, (FloatPointer) t.pointer(), (FloatPointer) g.pointer(), plan.targetWeight(),
                            plan.targetMean(), (FloatPointer) pointer(plan.means()), (FloatPointer) pointer(plan.columnFactors()),
                            (FloatPointer) pointer(plan.ridge()), (FloatPointer) pointer(plan.squaredScales()), kappaP, l1s2P,
                            (FloatPointer) tt.pointer(), acc, rowScratch, average, averaging,
                            sumSquares);
                }
            }
            if (average != null) {
                average.get(plan.average());
            }
            return new dev.downhill.spi.StochasticEpoch.EpochSums(sumSquares.get(0), batches);
        }
    }

    private Pointer pointer(BackendVector v) {
        return v == null ? null : vector(v).pointer();
    }

    /** The native copy of the slices' order arrays (one per block of an epoch). */
    private final NativeRowOrder rowOrder = new NativeRowOrder();

    /**
     * out = scale · Σ_k accumulator_k (k in thread order, from 0), natively from the accumulators into {@code out}'s
     * memory — no n-length heap arrays per pass (for n in the hundreds of thousands each would be a humongous allocation
     * whose fresh pages the kernel zeroes every step), and no Java loop over n that runs interpreted in a fit's first
     * passes. Returns the combined reductions.
     */
    private ResidualSums write(int used, double scale, CpuVector out) {
        double ss = 0;
        double s = 0;
        for (int k = 0; k < used; k++) {
            ss += sums[k].get(0);
            s += sums[k].get(1);
        }
        if (precision == Precision.FLOAT64) {
            SparseKernels.accumulators_scaled_double(accumulatorBlock, used, stride, n, scale, (DoublePointer) out.pointer());
        } else {
            SparseKernels.accumulators_scaled_float(accumulatorBlock, used, stride, n, scale, (FloatPointer) out.pointer());
        }
        return new ResidualSums(ss, s);
    }

    @Override
    public void predict(double[] theta, double intercept, DoublePointer out) {
        ensureOpen();
        long base = out.position();
        try (DoublePointer t64 = new DoublePointer(theta)) {
            forEachRange(k -> {
                DoublePointer o = new DoublePointer(out).position(base + rangeStart[k]);
                if (precision == Precision.FLOAT64) {
                    SparseKernels.csr_predict_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, rangeStart[k],
                            rangeStart[k + 1], t64, intercept, o);
                } else {
                    SparseKernels.csr_predict_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, rangeStart[k],
                            rangeStart[k + 1], t64, intercept, o);
                }
            });
        }
    }

    @Override
    public void axpy(double alpha, BackendVector a, BackendVector b) {
        ensureOpen();
        VectorOps.axpy(alpha, vector(a), vector(b));
    }

    @Override
    public void scale(double alpha, BackendVector a) {
        ensureOpen();
        VectorOps.scale(alpha, vector(a));
    }

    @Override
    public void multiply(BackendVector d, BackendVector a) {
        ensureOpen();
        VectorOps.multiply(vector(d), vector(a));
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        VectorOps.copy(vector(from), vector(to));
    }

    @Override
    public double dot(BackendVector a, BackendVector b) {
        ensureOpen();
        return VectorOps.dot(vector(a), vector(b));
    }

    /**
     * G = XᵀWX and c = XᵀWy from each row's pairs of entries (one thread: the n × n accumulator is shared), centred by
     * the rank-one downdate G − Σw·x̄x̄ᵀ, c − Σw·x̄ȳ when asked, the columns where that cancelled (a large mean against
     * the spread) recomputed from their deviations ({@link SparseHostPasses#centre}).
     */
    @Override
    public CrossProducts crossProducts(boolean centred) {
        ensureOpen();
        long cells = SparseHostPasses.gramCells(n); // refused here, before the pass, when the heap cannot hold it
        double[] g = new double[(int) cells];
        double[] c = new double[n];
        try (DoublePointer gram = new DoublePointer(cells); DoublePointer rhs = new DoublePointer(Math.max(1, n))) {
            Pointer.memset(gram, 0, 8 * cells);
            Pointer.memset(rhs, 0, 8L * Math.max(1, n));
            long blockRows = gramBlockRows(rows, x.nonZeros());
            for (long start = 0; start < rows; start += blockRows) { // rows added one by one: the same bits as one call
                Interrupts.stopIfInterrupted();
                long end = Math.min(rows, start + blockRows);
                if (precision == Precision.FLOAT64) {
                    SparseKernels.csr_gram_double(x.rowPointers(), x.columnIndices(), (DoublePointer) values, (DoublePointer) y, weights,
                            start, end, n, gram, rhs);
                } else {
                    SparseKernels.csr_gram_float(x.rowPointers(), x.columnIndices(), (FloatPointer) values, (FloatPointer) y, weights,
                            start, end, n, gram, rhs);
                }
            }
            gram.get(g);
            rhs.get(c, 0, n);
        }
        if (centred) {
            new SparseHostPasses(x, values, y, weights, precision).centre(g, c, columnStatistics(), columnStatistics0()[1]);
        } else {
            DirectPasses.mirrorUpper(g, n);
        }
        return new CrossProducts(g, c);
    }

    /** Pairs of entries (Gram updates) per block of the sparse Gram pass, about: the interrupt flag is read between blocks. */
    static final long GRAM_BLOCK_PAIRS = 1L << 26;

    /**
     * Rows per block of the sparse Gram pass: about {@value #GRAM_BLOCK_PAIRS} pairs of entries at the average row's length
     * (a row of k entries adds k(k + 1)/2), at least one row.
     */
    static long gramBlockRows(long rows, long nonZeros) {
        double k = Math.max(1.0, (double) nonZeros / Math.max(1, rows));
        return Math.max(1, Math.min(Math.max(1, rows), (long) (GRAM_BLOCK_PAIRS / (k * (k + 1) / 2))));
    }

    /**
     * The direct solvers' small dense kernels on LAPACK (OpenBLAS), as for dense X: the sparse Gram system is factored
     * there (the SPI's default, plain Java on one thread, took ~20× as long at n = 5,000).
     */
    @Override
    public dev.downhill.spi.DenseKernels denseKernels() {
        return new LapackDenseKernels(accumulators.length);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ensureOpen();
        throw SparseHostPasses.densifyingQr(rows, n, x.nonZeros());
    }

    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (residuals[slot] == null) {
            // on the problem's threads: the refinement's passes were one Java thread beside the native passes' several
            residuals[slot] = new SparseExtendedResidual(x, values, y, weights, precision, centred, accumulators.length,
                    this::forEachRange);
        }
        return residuals[slot];
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
        lazyEpoch.close();
        accumulatorBlock.close();
        for (DoublePointer s : sums) {
            s.close();
        }
        if (ownedValues != null) {
            ownedValues.close();
        }
        rowOrder.close();
        if (ownedY != null) {
            ownedY.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void clear(int t) {
        Pointer.memset(accumulators[t], 0, 8L * stride);
        sums[t].put(0, 0.0).put(1, 0.0);
    }

    private CpuVector vector(BackendVector v) {
        if (!(v instanceof CpuVector c) || c.precision() != precision) {
            throw new IllegalArgumentException("not a cpu-backend " + precision + " vector: " + v);
        }
        return c;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the problem is closed");
        }
    }

    private void forEachRange(IntConsumer body) {
        pool.run(body);
    }
}
