package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.SparseExtendedResidual;
import dev.downhill.spi.SparseHostPasses;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A CSR X (and y) resident on a CUDA device: row pointers (int64, m + 1), column indices (int32) and values (the problem's
 * precision) of the stored entries, y, and the weights (float64) when present, uploaded once by the constructor; X is
 * never densified. Centring and standardization stay implicit, as on every backend (core removes x̄·Σr from the gradient
 * and scales θ).
 *
 * <p><b>Gradient</b> ({@link #gradient}): the NVRTC kernel {@code csr_gradient} in one pass over the stored entries —
 * rᵢ = xᵢᵀθ + b − τyᵢ and g += wᵢrᵢxᵢ — into {@link #parts()} float64 partial gradients (one per block, each block
 * taking a contiguous range of rows of about equal non-zeros), then {@code accumulate_partials} adds them up in part
 * order. No atomics: every sum has a fixed order that depends only on m, n and the non-zeros (not on the device), so a
 * pass is bit-identical run to run and on any device. With {@link CudaGradientStrategy#ATOMIC} the kernel
 * {@code csr_gradient_atomic} instead scatters into one float64 gradient with atomicAdd from a fixed grid of row-striding
 * blocks (8n bytes of work memory instead of 8·P·n; results vary run to run in the last bits). Mini-batch gradients visit the epoch's row order on the device (uploaded
 * once per block of the epoch). A step moves 16 bytes back to the host (Σwr², Σwr). Whole sgd/minibatch epochs without
 * an l1 term run lazily on the host copy of the CSR ({@link #epoch}).
 *
 * <p><b>Other passes</b>: {@link #predict} runs on the device ({@code csr_predict}); the once-per-problem passes (column
 * statistics, mean squared deviations), the Gram pass of {@code normal} and the extended-precision residual of the direct
 * solvers' refinement run on the host over the dataset's CSR ({@link SparseHostPasses}, {@link SparseExtendedResidual}) —
 * as the dense cuda problem runs its extended residual on its host dataset. The QR reduction is refused (it would
 * densify X), as on the cpu backend.
 *
 * <p>Memory: X, y and the weights must fit the device memory budget together with the partial gradients (8·P·n bytes);
 * otherwise the constructor refuses with one line (row blocks are not streamed yet). The dataset is borrowed (keep it
 * open while the problem is used); values in another precision are converted into a host copy this problem owns. Not
 * thread-safe: one fit at a time.
 */
final class CudaCsrProblem implements ResidentProblem {
    static final int UTILITY_THREADS = FusedShape.UTILITY_THREADS;
    /** Most parts (blocks, partial gradients) of a pass: fixed, so the sums' order does not depend on the device. */
    static final int MAX_PARTS = 1024;
    /** Rows of predictions per launch (and per device buffer of predictions). */
    private static final long PREDICT_ROWS = 1 << 20;

    private final SparseDataset source;
    private final CsrMatrix matrix;
    private final Pointer hostValues;
    private final Pointer hostY;
    private final Pointer ownedValues;
    private final Pointer ownedY;
    private final CudaContext context;
    private final long rows;
    private final int n;
    private final long nonZeros;
    private final Precision precision;
    private final KernelModule utility;
    private final KernelModule csr;
    private final int csrThreads;
    private final int parts;
    private final boolean atomic;
    private final long deviceBytes;
    private final DeviceMemory pointers;
    private final DeviceMemory columns;
    private final DeviceMemory values;
    private final DeviceMemory y;
    private final DeviceMemory weights;
    private final DeviceMemory bounds;
    private final DeviceMemory gradientPartials;
    private final DeviceMemory sumPartials;
    private final DeviceMemory total;
    private final DeviceMemory sums;
    private final SparseHostPasses hostPasses;
    private final DeviceVectors vectors;
    private final DeviceRowOrder orders;
    /** The cusparse strategy's full passes (two SpMV calls), or null with the CSR kernels' strategies. */
    private final CusparseGradient vendor;
    private long lazyEpochs;
    private DeviceMemory predictTheta;
    private DeviceMemory predictOut;
    private SparseHostPasses.Statistics statistics;
    private final double[][] deviations = new double[2][];
    private final SparseExtendedResidual[] residuals = new SparseExtendedResidual[2];
    private boolean closed;

    /**
     * Uploads {@code data} (values and y converted to {@code precision} when they differ).
     *
     * @throws IllegalStateException when X, y, the weights and the work buffers do not fit the device memory budget (one
     *                               line with the bytes needed and available)
     */
    CudaCsrProblem(SparseDataset data, Precision precision, CudaGradientStrategy strategy, BackendOptions options) {
        this.source = Objects.requireNonNull(data, "data");
        if (strategy == CudaGradientStrategy.CUBLAS || strategy == CudaGradientStrategy.STAGED) {
            throw new IllegalArgumentException("sparse X takes the fused, atomic or cusparse strategy, not " + strategy);
        }
        this.atomic = strategy == CudaGradientStrategy.ATOMIC;
        boolean vendor = strategy == CudaGradientStrategy.CUSPARSE;
        String refused = vendor ? CusparseGradient.refusal(data.x().nonZeros()) : null;
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        this.precision = Objects.requireNonNull(precision, "precision");
        this.matrix = data.x();
        this.rows = data.rows();
        this.n = Math.toIntExact(data.cols());
        this.nonZeros = matrix.nonZeros();
        boolean convert = data.precision() != precision;
        this.ownedValues = convert ? SparseHostPasses.converted(matrix.values(), nonZeros, precision) : null;
        this.ownedY = convert ? SparseHostPasses.converted(data.yPointer(), rows, precision) : null;
        this.hostValues = convert ? ownedValues : matrix.values();
        this.hostY = convert ? ownedY : data.yPointer();
        this.hostPasses = new SparseHostPasses(matrix, hostValues, hostY, data.weightsPointer(), precision);
        CudaContext c = null;
        try {
            c = CudaContext.open(options.device());
            this.context = c;
            this.orders = new DeviceRowOrder(c, rows);
            int es = precision.bytes();
            long csrBytes = 8 * (rows + 1) + (4L + es) * nonZeros;
            this.csrThreads = threads(rows, nonZeros);
            this.parts = atomic ? atomicBlocks(rows, csrThreads) : parts(rows, n, csrBytes);
            long bytesY = es * rows;
            long bytesW = data.isWeighted() ? 8 * rows : 0;
            // the partial gradients (or the one atomic gradient), their sums, the parts' bounds, the total and the sums, the
            // dot product; made on first use: the epoch's row order (mini-batches) and the prediction buffers
            long work = 8L * (atomic ? 1 : parts) * n + 16L * parts + 8L * (parts + 1) + 8L * n + 16 + 8
                    + 8 * rows + 8L * n + 8 * Math.min(rows, PREDICT_ROWS)
                    + (vendor ? CusparseGradient.workBytes(rows, n, precision, residualBlocks()) : 0);
            long need = csrBytes + bytesY + bytesW + work;
            long[] memory = context.memory();
            long budget = CudaMemoryBudget.budget(options, memory[0]);
            if (need > budget) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the sparse X (%,d × %,d, %,d non-zeros, %s) does not fit the device memory budget of %s: needs %,d bytes "
                                + "(X %,d, y and weights %,d, work buffers with %d parts %,d), budget %,d of %,d free; raise %s, or "
                                + "use the cpu backend (sparse row blocks are not streamed to the device yet)",
                        rows, n, nonZeros, precision.name().toLowerCase(Locale.ROOT), context.device().name(), need, csrBytes,
                        bytesY + bytesW, parts, work, budget, memory[0], CudaMemoryBudget.BUDGET_NAME));
            }
            this.deviceBytes = need;
            this.utility = context.kernels(FusedShape.utilityMacros(precision));
            Map<String, String> macros = new LinkedHashMap<>(new FusedShape(1, csrThreads, 1, 1).macros(precision));
            this.csr = context.kernels(macros);
            this.pointers = context.allocate(8 * (rows + 1), "CSR row pointers");
            this.columns = context.allocate(4 * Math.max(1, nonZeros), "CSR column indices");
            this.values = context.allocate(es * Math.max(1, nonZeros), "CSR values");
            this.y = context.allocate(bytesY, "y");
            context.toDevice(matrix.rowPointers(), pointers, 0, 8 * (rows + 1));
            if (nonZeros > 0) {
                context.toDevice(matrix.columnIndices(), columns, 0, 4 * nonZeros);
                context.toDevice(hostValues, values, 0, es * nonZeros);
            }
            context.toDevice(hostY, y, 0, bytesY);
            if (data.isWeighted()) {
                this.weights = context.allocate(8 * rows, "sample weights");
                context.toDevice(data.weightsPointer(), weights, 0, 8 * rows);
            } else {
                this.weights = null;
            }
            this.bounds = context.allocate(8L * (parts + 1), "row ranges of the parts");
            try (LongPointer b = new LongPointer(balancedBounds(matrix.rowPointers(), rows, parts))) {
                context.toDevice(b, bounds, 0, 8L * (parts + 1));
            }
            this.gradientPartials = context.allocate(8L * (atomic ? 1 : parts) * n, atomic ? "gradient (atomics)" : "partial gradients");
            this.sumPartials = context.allocate(16L * parts, "partial residual sums");
            this.total = context.allocate(8L * n, "gradient total");
            this.sums = context.allocate(16, "residual sums");
            this.vectors = new DeviceVectors(context, utility, n, precision);
            this.vendor = vendor ? new CusparseGradient(context, utility, rows, n, nonZeros, matrix.rowPointers(), columns, values,
                    precision, residualBlocks()) : null;
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.close();
            }
            closeHostCopies();
            throw e;
        }
    }

    /**
     * P, the parts of a full pass: at most {@value #MAX_PARTS} and m, and at most the CSR's bytes over 8n (so the partial
     * gradients, written and read once per pass, cost no more memory traffic than X itself); at least 1.
     */
    static int parts(long rows, int n, long csrBytes) {
        long byTraffic = Math.max(1, csrBytes / (8L * n));
        return (int) Math.max(1, Math.min(Math.min(MAX_PARTS, rows), byTraffic));
    }

    /**
     * Blocks of the atomic strategy: enough to fill any device (8 per multiprocessor on 132 — fixed, not queried, so
     * the residual sums' order does not depend on the device), at most one per row.
     */
    static int atomicBlocks(long rows, int threads) {
        return (int) Math.max(1, Math.min(rows, 132L * 2048 / threads));
    }

    /** The residual kernel's grid in the cusparse strategy: fixed (its sums' order must not depend on the device). */
    static int residualBlocks() {
        return 512;
    }

    /** Block size of the CSR kernels: the average row's non-zeros rounded up to a power of two, within 32..256. */
    static int threads(long rows, long nonZeros) {
        long average = Math.max(1, (nonZeros + rows - 1) / rows);
        long pow = Long.highestOneBit(average);
        if (pow < average) {
            pow <<= 1;
        }
        return (int) Math.max(32, Math.min(256, pow));
    }

    /**
     * Part p's rows are [b[p], b[p+1]): b[p] is the first row whose pointer reaches nnz·p/P (binary search), so the
     * parts hold about equal non-zeros (a part may be empty).
     */
    static long[] balancedBounds(LongPointer pointers, long rows, int parts) {
        long nnz = pointers.get(rows);
        long[] b = new long[parts + 1];
        b[parts] = rows;
        for (int p = 1; p < parts; p++) {
            long target = (long) ((double) nnz * p / parts);
            long lo = b[p - 1];
            long hi = rows;
            while (lo < hi) {
                long mid = (lo + hi) >>> 1;
                if (pointers.get(mid) < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            b[p] = lo;
        }
        return b;
    }

    /** The blocks of a full pass: partial gradients (fused) or row-striding blocks (atomic). */
    int parts() {
        return parts;
    }

    /** Block size of the CSR kernels. */
    int csrThreads() {
        return csrThreads;
    }

    /** Device bytes the problem budgets for: X, y, the weights and every work buffer (those made on first use too). */
    long deviceBytes() {
        return deviceBytes;
    }

    CudaContext context() {
        return context;
    }

    @Override
    public String backendName() {
        return CudaBackend.NAME;
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
    public boolean isSparse() {
        return true;
    }

    @Override
    public boolean weighted() {
        return weights != null;
    }

    @Override
    public double weightSum() {
        return source.weightSum();
    }

    /** The device ({@link DeviceInfo#arithmetic()}) and the CSR kernel's partition of the rows (or cuSPARSE). */
    @Override
    public String sumsLayout() {
        return String.format(Locale.ROOT, "%s, %sCSR kernel: %d %s × %d threads%s", context.device().arithmetic(),
                vendor != null ? "cuSPARSE for full passes, " : "", parts, atomic ? "blocks" : "parts", csrThreads,
                atomic ? ", float64 atomics (not reproducible)" : "");
    }

    @Override
    public String description() {
        String kernel = String.format(Locale.ROOT, "fused CSR kernel (%d %s × %d threads, %s)", parts, atomic ? "blocks" : "parts",
                csrThreads, atomic ? "float64 atomics" : "deterministic");
        return String.format(Locale.ROOT, "%s, CSR X resident (%,d non-zeros, %.3g%% dense), gradient: %s", context.device().name(),
                nonZeros, 100.0 * nonZeros / ((double) rows * n),
                vendor != null ? "cuSPARSE SpMV twice for full passes (configured), " + kernel + " for mini-batches" : kernel);
    }

    @Override
    public BackendVector allocateVector(long length) {
        ensureOpen();
        return new CudaVector(context, length, precision);
    }

    // ------------------------------------------------------------------ host passes

    private SparseHostPasses.Statistics statistics() {
        if (statistics == null) {
            statistics = hostPasses.columnStatistics();
        }
        return statistics;
    }

    /** One host pass over the CSR (float64, rows in order), then cached. */
    @Override
    public synchronized ColumnStatistics columnStatistics() {
        ensureOpen();
        ColumnStatistics s = statistics().statistics();
        return new ColumnStatistics(s.means().clone(), s.targetMean());
    }

    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (deviations[slot] == null) {
            SparseHostPasses.Statistics s = statistics();
            deviations[slot] = centred ? hostPasses.columnMeanSquaredDeviations(s.statistics().means(), s.weightSum())
                    : s.meanSquares().clone(); // about 0: from the statistics pass
        }
        return deviations[slot].clone();
    }

    /** On the host, from the CSR matrix X was copied from ({@link SparseHostPasses#maxSquaredRowNorm}). */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        ensureOpen();
        return hostPasses.maxSquaredRowNorm(centre, squaredFactors);
    }

    /** On the host: G from each row's pairs of entries, centred by the rank-one downdate ({@link SparseHostPasses}). */
    @Override
    public CrossProducts crossProducts(boolean centred) {
        ensureOpen();
        return hostPasses.crossProducts(centred ? statistics() : null);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ensureOpen();
        throw SparseHostPasses.densifyingQr(rows, n, nonZeros);
    }

    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (residuals[slot] == null) {
            residuals[slot] = new SparseExtendedResidual(matrix, hostValues, hostY, source.weightsPointer(), precision, centred);
        }
        return residuals[slot];
    }

    // ------------------------------------------------------------------ device passes

    /**
     * ŷ = Xθ + b on the device ({@code csr_predict}: one block per row, float64 products, fixed-order sums), in launches
     * of at most {@value #PREDICT_ROWS} rows, each copied to {@code out} when done.
     */
    @Override
    public synchronized void predict(double[] theta, double intercept, DoublePointer out) {
        ensureOpen();
        if (predictTheta == null) {
            predictTheta = context.allocate(8L * n, "prediction θ");
            predictOut = context.allocate(8 * Math.min(rows, PREDICT_ROWS), "predictions");
        }
        context.doublesToDevice(theta, predictTheta, 0);
        long base = out.position();
        for (long first = 0; first < rows; first += PREDICT_ROWS) {
            long count = Math.min(PREDICT_ROWS, rows - first);
            long blocks = Math.min(count, 65535L * 16);
            context.launch(csr, "csr_predict", blocks, 1, csrThreads, pointers, columns, values, first, count, predictTheta,
                    intercept, predictOut);
            context.toHost(predictOut, 0, new RawPointer(out.address() + 8 * (base + first)), count * 8);
        }
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice slice,
                                 BackendVector out) {
        ensureOpen();
        CudaVector t = vectors.vector(theta);
        CudaVector g = vectors.vector(out);
        DeviceMemory rowOrder = null;
        long first = 0;
        long count = rows;
        int p = parts;
        DeviceMemory rowBounds = bounds;
        if (slice.isAll() && vendor != null) {
            vendor.gradient(t.memory(), intercept, targetWeight, scale, y, weights, total, sums, g.memory());
            double[] s = context.doublesToHost(sums, 0, 2);
            return new ResidualSums(s[0], s[1]);
        }
        if (!slice.isAll()) {
            rowOrder = orders.of(slice);
            first = slice.from();
            count = slice.size(rows);
            p = (int) Math.max(1, Math.min(parts, count));
            rowBounds = null; // positions split evenly among the parts
        }
        if (atomic) {
            context.zero(gradientPartials);
            context.launch(csr, "csr_gradient_atomic", p, 1, csrThreads, pointers, columns, values, y, weights, t.memory(),
                    intercept, targetWeight, rowOrder, first, count, gradientPartials, sumPartials);
        } else {
            context.launch(csr, "csr_gradient", p, 1, csrThreads, pointers, columns, values, y, weights, t.memory(), intercept,
                    targetWeight, n, rowOrder, first, count, rowBounds, gradientPartials, sumPartials);
        }
        context.zero(total);
        context.zero(sums);
        long vectorBlocks = (n + UTILITY_THREADS - 1) / UTILITY_THREADS;
        if (atomic) { // one gradient, p blocks' residual sums
            context.launch(utility, "accumulate_partials", vectorBlocks, 1, UTILITY_THREADS, gradientPartials, 1, n, total, null,
                    null, scale, g.memory());
            context.launch(utility, "accumulate_partials", 1, 1, UTILITY_THREADS, null, p, 0, null, sumPartials, sums, 1.0, null);
        } else {
            context.launch(utility, "accumulate_partials", vectorBlocks, 1, UTILITY_THREADS, gradientPartials, p, n, total,
                    sumPartials, sums, scale, g.memory());
        }
        double[] s = context.doublesToHost(sums, 0, 2);
        return new ResidualSums(s[0], s[1]);
    }

    // ------------------------------------------------------------------ stochastic epochs

    /**
     * Without an l1 term and with a uniform λ∘S² (or, without an intercept, one that differs per column:
     * {@link SparseLazyEpoch#decaysPerColumn}; with one, few distinct rates: {@link SparseLazyEpoch#decaysByGroup}): core's lazy epoch ({@link SparseLazyEpoch}, θ = a·v + c·S²∘x̄) on the
     * host copy of the CSR this problem keeps for its host passes — a step costs the batch's stored entries, not n (the
     * device's per-batch loop costs several launches, two device-to-host reads and O(n) vector kernels a batch); θ comes
     * to the host once and goes back once an epoch. The same steps as {@link StochasticEpoch#runPerBatch} up to
     * rounding, not bit for bit (as on the cpu backend). Otherwise the per-batch loop on the device.
     */
    @Override
    public StochasticEpoch.EpochSums epoch(StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        ensureOpen();
        if (SparseLazyEpoch.applies(plan)) {
            lazyEpochs++;
            return SparseLazyEpoch.run(matrix, hostValues, hostY, source.weightsPointer(), precision, plan, theta, gradient);
        }
        return StochasticEpoch.runPerBatch(this, plan, theta, gradient);
    }

    /** Epochs run lazily on the host so far (tests). */
    long lazyEpochs() {
        return lazyEpochs;
    }

    // ------------------------------------------------------------------ vectors

    @Override
    public void axpy(double alpha, BackendVector a, BackendVector b) {
        ensureOpen();
        vectors.axpy(alpha, a, b);
    }

    @Override
    public void scale(double alpha, BackendVector a) {
        ensureOpen();
        vectors.scale(alpha, a);
    }

    @Override
    public void multiply(BackendVector d, BackendVector a) {
        ensureOpen();
        vectors.multiply(d, a);
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        vectors.copy(from, to);
    }

    @Override
    public double dot(BackendVector a, BackendVector b) {
        ensureOpen();
        return vectors.dot(a, b);
    }

    // ------------------------------------------------------------------ housekeeping

    /** The problem is open, and so is the dataset it borrows (its host CSR is read by the host passes). */
    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("problem is closed");
        }
        source.x(); // throws IllegalStateException when the dataset was closed
    }

    private void closeHostCopies() {
        if (ownedValues != null) {
            ownedValues.close();
        }
        if (ownedY != null) {
            ownedY.close();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            try {
                if (vendor != null) {
                    vendor.close();
                }
            } finally {
                try {
                    vectors.close();
                } finally {
                    context.close();
                }
            }
        } finally {
            closeHostCopies();
        }
    }
}
