package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasDgemv_v2_64;
import static org.bytedeco.cuda.global.cublas.cublasSgemv_v2_64;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.HostExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.StochasticEpoch;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset resident on a CUDA device: X (row-major, m × n), y, and every vector of the fits live in
 * device memory, uploaded once by the constructor; the host dataset is not read afterwards (it must
 * still stay open, as for every backend).
 * A full-batch gradient step moves only the two float64 reductions (16 bytes) back to the host;
 * {@link #dot} moves 8. Mini-batch passes upload each block of the epoch's row order once (8 bytes a
 * row) and gather rows on the device.
 *
 * <p>Gradient passes use the fused kernel ({@link FusedShape}, {@link FusedKernel}). With
 * {@link CudaGradientStrategy#CUBLAS} configured, full passes are two cuBLAS gemv calls instead, and with
 * {@link CudaGradientStrategy#STAGED} the staged kernel (X through shared memory), while slices (sgd, mini-batches) and
 * the device epoch still run the register kernel through the uploaded row order when X is resident; when n has no fused shape, full passes use cuBLAS and slices copy their
 * rows into a gather buffer first (two or three device copies a row). Reductions are float64 in a fixed order:
 * bit-identical run to run on the same device. Not thread-safe: one fit at a time.
 */
final class CudaProblem implements ResidentProblem {
    private static final Logger LOG = LoggerFactory.getLogger(CudaProblem.class);
    static final int UTILITY_THREADS = FusedShape.UTILITY_THREADS;
    /** Row chunks of the column-statistics pass (fixed: the sums' order does not depend on the device). */
    private static final int STATISTICS_CHUNKS = 512;
    /** gemv's α = 1 and β = 0 in host memory (cuBLAS's host pointer mode reads them at the call), allocated once. */
    private static final DoublePointer ONE64 = new DoublePointer(1.0);
    private static final DoublePointer ZERO64 = new DoublePointer(0.0);
    private static final FloatPointer ONE32 = new FloatPointer(1f);
    private static final FloatPointer ZERO32 = new FloatPointer(0f);

    private final Dataset source;
    private final Dataset converted;
    private final CudaContext context;
    private final long rows;
    private final long cols;
    private final int n;
    private final Precision precision;
    private final KernelModule utility;
    /**
     * The register kernel (rows in registers): slices (sgd, mini-batches), the device epoch, and full passes unless
     * {@link #passes} is the staged kernel; null when n has no fused shape or the device refused its clusters.
     */
    private FusedKernel registers;
    /** The kernel of full passes: {@link #registers}, or with {@link CudaGradientStrategy#STAGED} the staged kernel. */
    private FusedKernel passes;
    /** The shape of the fused kernel the last full pass launched (null: none yet, or cuBLAS): for tests. */
    private FusedShape lastFullPass;
    private final long workBytes;
    private final DeviceRows x;
    private final DeviceMemory y;
    /** Sample weights and their square roots on the device (float64, m values each), or null when unweighted. */
    private final DeviceMemory weights;
    private final DeviceMemory rootWeights;
    private final double weightSum;
    private DeviceMemory gatherW;
    private final DeviceMemory gradientPartials;
    private final DeviceMemory sumPartials;
    private final DeviceMemory total;
    private final DeviceMemory sums;
    private DeviceMemory residual;
    private DeviceMemory residualPartials;
    private DeviceMemory chunkGradient;
    private final DeviceRowOrder orders;
    /** The level-1 vector operations (the same kernels and grid as the CSR problem's). */
    private final DeviceVectors vectors;
    private DeviceMemory gatherX;
    private DeviceMemory gatherY;
    private DeviceMemory columnMeans;
    private ColumnStatistics statistics;
    private final double[][] columnDeviations = new double[2][];
    /** The extended-precision residual passes (uncentred, centred), made on first use: they hold the double-double means. */
    private final HostExtendedResidual[] extendedResiduals = new HostExtendedResidual[2];
    private final CudaGradientStrategy strategy;
    /** The device-side epoch's buffers, made on the first epoch it runs. */
    private DeviceEpoch epochs;
    private DeviceMemory predictTheta;
    private DeviceMemory predictOut;
    private boolean closed;

    /** @param options the device, the device memory budget and the chunk size (see {@link CudaMemoryBudget}) */
    CudaProblem(Dataset source, Precision precision, CudaGradientStrategy strategy, BackendOptions options) {
        this(Objects.requireNonNull(source, "source"), source.rows(), source.cols(), precision, strategy, options, 0, null);
    }

    /**
     * A problem whose X and y are generated on the device (uniform in [−1, 1] from {@code seed}; see the
     * kernel {@code fill_uniform}): for benchmarks on matrices the host could not hold or upload quickly.
     */
    static CudaProblem generated(long rows, long cols, Precision precision, CudaGradientStrategy strategy, BackendOptions options,
                                 long seed) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("need at least one row and one column, got " + rows + " × " + cols);
        }
        return new CudaProblem(null, rows, cols, precision, strategy, options, seed, null);
    }

    /**
     * {@link #generated} with the staged kernel in a shape of {@code stages} stages of {@code rowsPerGroup} rows (the
     * blocks and columns per thread of {@link FusedShape#staged}): for benchmarks that compare stagings.
     *
     * @throws IllegalArgumentException when n has no fused shape, or the stages do not fit 227 KiB of shared memory
     */
    static CudaProblem generatedStaged(long rows, long cols, Precision precision, int stages, int rowsPerGroup,
                                       BackendOptions options, long seed) {
        FusedShape base = FusedShape.staged(cols, precision)
                .orElseThrow(() -> new IllegalArgumentException("n = " + cols + " has no fused shape"));
        if (stages < 2 || stages > 8 || rowsPerGroup < 1 || rowsPerGroup > FusedShape.MAX_STAGED_ROWS) {
            throw new IllegalArgumentException("stages must be 2..8 and rows 1.." + FusedShape.MAX_STAGED_ROWS + ", got "
                    + stages + " × " + rowsPerGroup);
        }
        FusedShape shape = new FusedShape(base.cluster(), base.threads(), base.columnsPerThread(), rowsPerGroup, stages);
        if (shape.dynamicSharedBytes(precision) > 227 * 1024 - FusedShape.STATIC_SHARED_RESERVE) {
            throw new IllegalArgumentException(shape + " needs " + shape.dynamicSharedBytes(precision)
                    + " bytes of shared memory, over 227 KiB");
        }
        return new CudaProblem(null, rows, cols, precision, CudaGradientStrategy.STAGED, options, seed, shape);
    }

    /** @param forcedShape the fused shape to use instead of the strategy's choice (benchmarks), or null */
    private CudaProblem(Dataset source, long rows, long cols, Precision precision, CudaGradientStrategy strategy,
                        BackendOptions options, long seed, FusedShape forcedShape) {
        this.source = source;
        this.strategy = strategy;
        int device = options.device();
        this.rows = rows;
        this.cols = cols;
        if (cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the cuda backend supports at most 2^31 - 9 columns, got " + cols);
        }
        this.n = (int) cols;
        this.precision = precision;
        this.context = CudaContext.open(device);
        this.orders = new DeviceRowOrder(context, rows);
        Dataset copy = null;
        try {
            long rowBytes = Math.multiplyExact(cols, (long) precision.bytes());
            long bytesX = Math.multiplyExact(rows, rowBytes);
            long bytesY = rows * precision.bytes();
            long chunkRows = Math.min(rows, CudaMemoryBudget.chunkRows(options, rowBytes));
            long[] memory = context.memory();
            long budget = CudaMemoryBudget.budget(options, memory[0]);
            // the cublas strategy compiles the fused kernel too, for its slices (full passes are cuBLAS's); the staged
            // strategy compiles the register kernel beside the staged one, for its slices and the device epoch
            boolean asyncCopies = context.device().major() >= 8; // cp.async: sm_80 and later
            // the staged kernel is the default: below FusedShape.STAGED_DEFAULT_MIN_COLUMNS it runs only when asked
            // for, and only whoever asked for it hears why it does not run
            boolean stagedAsked = options.setting(BackendOptions.CUDA_KERNEL).isPresent();
            boolean staging = strategy == CudaGradientStrategy.STAGED && asyncCopies
                    && (stagedAsked || cols >= FusedShape.STAGED_DEFAULT_MIN_COLUMNS);
            FusedShape s = forcedShape != null ? forcedShape : staging
                    ? FusedShape.stagedFor(cols, precision, context.device().sharedPerBlockOptin())
                            .or(() -> FusedShape.forColumns(cols, precision)).orElse(null)
                    : FusedShape.forColumns(cols, precision).orElse(null);
            if (strategy == CudaGradientStrategy.STAGED && stagedAsked && s != null && s.stages() == 0) {
                LOG.warn("{}: the fused kernel keeps rows in registers ({})", context.device().name(), asyncCopies
                        ? "n = " + cols + " leaves no room for a staged shape in " + precision + " within "
                        + context.device().sharedPerBlockOptin() + " bytes of shared memory a block"
                        : "the staged kernel's asynchronous copies need compute capability 8.0, the device has "
                        + context.device().major() + "." + context.device().minor());
            }
            if ((strategy == CudaGradientStrategy.FUSED || strategy == CudaGradientStrategy.STAGED) && s == null) {
                LOG.warn("n = {} exceeds the fused kernel's {} columns in {}: full passes use cuBLAS (two gemv calls)",
                        cols, FusedShape.maxColumns(precision), precision);
            }
            this.utility = context.kernels(FusedShape.utilityMacros(precision));
            if (s != null) {
                this.passes = FusedKernel.compile(context, s, precision);
                this.registers = s.stages() == 0 ? passes
                        : FusedKernel.compile(context, FusedShape.forColumns(cols, precision).orElseThrow(), precision);
            }
            long maxClusters = passes == null ? 1 : Math.max(passes.maxClusters(), registers.maxClusters());
            // everything but X: y, partials, running totals, the cuBLAS residual and chunk gradient
            boolean weighted = source != null && source.isWeighted();
            long work = bytesY + 8 * maxClusters * cols + 16 * maxClusters + 8 * cols + 16
                    + chunkRows * precision.bytes() + rowBytes + 16L * 4 * context.device().multiprocessors()
                    + (weighted ? 16 * rows : 0); // the weights and their square roots
            this.workBytes = work;
            if (source == null && bytesX + work > memory[0]) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "X (%d × %d %s) does not fit on %s: needs %,d bytes (X %,d, y and work buffers %,d), %,d free of %,d",
                        rows, cols, precision.name().toLowerCase(Locale.ROOT), context.device().name(), bytesX + work, bytesX,
                        work, memory[0], memory[1]));
            }
            if (work >= budget) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the device memory budget (%,d bytes of %,d free on %s) cannot hold y and the work buffers (%,d bytes); raise %s",
                        budget, memory[0], context.device().name(), work, CudaMemoryBudget.BUDGET_NAME));
            }
            this.y = context.allocate(bytesY, "y");
            if (weighted) {
                this.weights = context.allocate(8 * rows, "sample weights");
                this.rootWeights = context.allocate(8 * rows, "square roots of the sample weights");
                context.toDevice(source.weightsPointer(), weights, 0, 8 * rows);
                try (DoublePointer roots = new DoublePointer(rows)) {
                    DoublePointer given = source.weightsPointer(); // a view, taken once
                    for (long i = 0; i < rows; i++) {
                        roots.put(i, Math.sqrt(given.get(i)));
                    }
                    context.toDevice(roots, rootWeights, 0, 8 * rows);
                }
                this.weightSum = source.weightSum();
            } else {
                this.weights = null;
                this.rootWeights = null;
                this.weightSum = rows;
            }
            if (source == null) {
                DeviceMemory all = context.allocate(bytesX, "X");
                context.launch(utility, "fill_uniform", 4096, 1, UTILITY_THREADS, all, rows * cols, seed, -1.0, 1.0);
                context.launch(utility, "fill_uniform", 1024, 1, UTILITY_THREADS, y, rows, seed ^ 0x5DEECE66DL, -1.0, 1.0);
                context.synchronize();
                this.x = DeviceRows.resident(context, rows, rowBytes, chunkRows, all);
            } else {
                Dataset host = source.precision() == precision ? source : (copy = source.toPrecision(precision));
                this.x = DeviceRows.load(context, host.xPointer(), rows, rowBytes, chunkRows, budget - work);
                context.toDevice(host.yPointer(), y, 0, bytesY);
                if (copy != null && x.allResident()) {
                    copy.close(); // everything is on the device
                    copy = null;
                }
            }
            this.gradientPartials = context.allocate(8 * maxClusters * cols, "gradient partials");
            this.sumPartials = context.allocate(16 * maxClusters, "residual-sum partials");
            this.total = context.allocate(8 * cols, "gradient running total");
            this.sums = context.allocate(16, "residual sums");
            this.vectors = new DeviceVectors(context, utility, cols, precision);
        } catch (RuntimeException | Error e) {
            try {
                context.close();
            } finally {
                if (copy != null) {
                    copy.close();
                }
            }
            throw e;
        }
        this.converted = copy;
    }

    /** The context (for benchmarks and tests in this package). */
    CudaContext context() {
        return context;
    }

    /** Device bytes besides X that the problem budgets for (y, partial sums, running totals, cuBLAS buffers). */
    long workBytes() {
        return workBytes;
    }

    /** Where X's rows are (resident chunks, streamed chunks). */
    DeviceRows deviceRows() {
        return x;
    }

    /** Bytes copied between host and device since the problem was made (the upload of X and y included). */
    long bytesTransferred() {
        return context.bytesTransferred();
    }

    /**
     * The shape of the fused kernel of full passes (staged with {@link CudaGradientStrategy#STAGED}), or null when it is
     * not used (n has no fused shape, or the device refused it).
     */
    FusedShape shape() {
        return passes != null ? passes.shape() : null;
    }

    /** The shape of the fused kernel the last full pass ran (null: none yet, or cuBLAS ran it): for tests. */
    FusedShape lastFullPassShape() {
        return lastFullPass;
    }

    /** The register kernel's shape (slices, the device epoch), or null when it is not used. */
    FusedShape registerShape() {
        return registers != null ? registers.shape() : null;
    }

    DeviceInfo device() {
        return context.device();
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
        return cols;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public boolean weighted() {
        return weights != null;
    }

    @Override
    public double weightSum() {
        return weights == null ? rows : weightSum;
    }

    /** The weights from row {@code first} on (device address), or null when unweighted. */
    private Pointer weightsFrom(long first) {
        return weights == null ? null : new RawPointer(weights.address(8 * first));
    }

    /** The square roots of the weights from row {@code first} on (device address), or null when unweighted. */
    Pointer rootWeightsFrom(long first) {
        return rootWeights == null ? null : new RawPointer(rootWeights.address(8 * first));
    }

    /**
     * The device ({@link DeviceInfo#arithmetic()}) and the fused kernels' grids, which sum X's rows in up to
     * {@code maxClusters} partials (sized to the multiprocessors); or cuBLAS, whose sums follow the device and runtime.
     */
    @Override
    public String sumsLayout() {
        String gradient = registers == null ? "cuBLAS"
                : (strategy == CudaGradientStrategy.CUBLAS ? "cuBLAS for full passes, " : "") + "fused kernel: " + registers.grid()
                + (passes != registers ? "; full passes: " + passes.grid() : "");
        return context.device().arithmetic() + ", " + gradient;
    }

    @Override
    public String description() {
        String where = x.allResident() ? "X resident" : String.format(Locale.ROOT, "X streamed (%d of %d chunks resident)",
                x.residentChunks(), x.chunks());
        String gradient = registers == null ? "cuBLAS" : strategy == CudaGradientStrategy.CUBLAS
                ? "cuBLAS for full passes, fused kernel for mini-batches"
                : passes != registers ? "fused kernel, X staged through shared memory for full passes" : "fused kernel";
        return context.device().name() + ", " + where + ", gradient: " + gradient
                + (strategy == CudaGradientStrategy.CUBLAS ? " (configured)" : "");
    }

    /**
     * ŷ = Xθ + b on the device, chunk by chunk ({@link DeviceRows}: resident chunks in place, streamed ones
     * through the staging buffers): the kernel {@code predict_rows} (one block per row, float64 products and
     * a fixed-order block sum) into a device buffer of one chunk's rows, copied to {@code out} after each chunk.
     */
    @Override
    public synchronized void predict(double[] theta, double intercept, DoublePointer out) {
        ensureOpen();
        if (predictTheta == null) {
            predictTheta = context.allocate(8 * cols, "prediction θ");
            predictOut = context.allocate(8 * x.chunkRows(), "predictions");
        }
        context.doublesToDevice(theta, predictTheta, 0);
        long base = out.position();
        x.forEachChunk((address, first, count) -> {
            long blocks = Math.min(count, 65535L * 16);
            context.launch(utility, "predict_rows", blocks, 1, UTILITY_THREADS,
                    new RawPointer(address), count, n, predictTheta, intercept, predictOut);
            context.toHost(predictOut, 0, new RawPointer(out.address() + 8 * (base + first)), count * 8);
        });
    }

    @Override
    public BackendVector allocateVector(long length) {
        ensureOpen();
        return new CudaVector(context, length, precision);
    }

    // ------------------------------------------------------------------ statistics

    @Override
    public synchronized ColumnStatistics columnStatistics() {
        ensureOpen();
        if (statistics == null) {
            double[] means = columnMoments(null, false);
            DeviceMemory targetMean = context.allocate(8, "target mean");
            try {
                context.zero(targetMean); // momentsOfChunk adds into it
                momentsOfChunk(y.address(0), weightsFrom(0), rows, 1, null, false, targetMean);
                double ybar = context.doublesToHost(targetMean, 0, 1)[0] / (weights == null ? rows : weightSum);
                statistics = new ColumnStatistics(means, ybar);
            } finally {
                context.free(targetMean);
            }
            columnMeans = context.allocate(8 * cols, "column means");
            context.doublesToDevice(means, columnMeans, 0);
        }
        return new ColumnStatistics(statistics.means().clone(), statistics.targetMean());
    }

    /** The column means on the device (float64), after {@link #columnStatistics()}. */
    DeviceMemory columnMeansOnDevice() {
        columnStatistics();
        return columnMeans;
    }

    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (columnDeviations[slot] == null) {
            columnDeviations[slot] = columnMoments(centred ? columnMeansOnDevice() : null, true);
        }
        return columnDeviations[slot].clone();
    }

    /** (1/m)Σᵢ (X_ij − c_j)^(squared ? 2 : 1) per column (weighted: (1/Σw)Σᵢ wᵢ(…)), chunk by chunk (totals in chunk order, float64). */
    private double[] columnMoments(DeviceMemory center, boolean squared) {
        DeviceMemory sumsOfChunks = context.allocate(8 * cols, "column moments");
        try {
            context.zero(sumsOfChunks);
            x.forEachChunk((address, first, count) -> momentsOfChunk(address, weightsFrom(first), count, n, center, squared,
                    sumsOfChunks));
            double[] out = context.doublesToHost(sumsOfChunks, 0, n);
            for (int j = 0; j < n; j++) {
                out[j] /= weights == null ? rows : weightSum;
            }
            return out;
        } finally {
            context.free(sumsOfChunks);
        }
    }

    /** into[j] += Σ over the {@code count} rows at {@code address} (row-major, width columns) of w_i·(A_ij − c_j)^p (w null: 1). */
    private void momentsOfChunk(long address, Pointer w, long count, long width, DeviceMemory center, boolean squared,
                                DeviceMemory into) {
        int parts = (int) Math.min(count, STATISTICS_CHUNKS);
        DeviceMemory partial = context.allocate(8L * parts * width, "column-moment partials");
        long blocks = (width + UTILITY_THREADS - 1) / UTILITY_THREADS;
        context.launch(utility, "column_moments", blocks, parts, UTILITY_THREADS,
                new RawPointer(address), count, (int) width, center, squared ? 1 : 0, w, partial);
        context.launch(utility, "accumulate_partials", blocks, 1, UTILITY_THREADS,
                partial, parts, (int) width, into, null, null, 1.0, null);
        context.free(partial);
    }

    // ------------------------------------------------------------------ the fused gradient

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                                 RowSlice slice, BackendVector out) {
        queueGradient(theta, intercept, targetWeight, scale, slice, out);
        return lastSums();
    }

    /** The two sums of the last pass (downloads 16 bytes). */
    ResidualSums lastSums() {
        double[] s = context.doublesToHost(sums, 0, 2);
        return new ResidualSums(s[0], s[1]);
    }

    /**
     * Queues the pass of {@link #gradient} on the stream and returns without waiting: {@code out} and
     * the device copy of the two sums are written when the stream gets there. Full passes go chunk by
     * chunk ({@link DeviceRows}) into float64 running totals; slices run on the resident rows through
     * the epoch order (fused kernel) or on rows gathered into a buffer.
     */
    void queueGradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice slice, BackendVector out) {
        ensureOpen();
        CudaVector t = vector(theta);
        CudaVector g = vector(out);
        context.zero(total);
        context.zero(sums);
        if (slice.isAll()) {
            long last = x.chunks() - 1;
            boolean blas = passes == null || strategy == CudaGradientStrategy.CUBLAS;
            x.forEachChunk((address, first, count) -> chunk(blas, true, address, y.address(first * precision.bytes()), weightsFrom(first),
                    null, 0, count, t, intercept, targetWeight, scale, first / x.chunkRows() == last ? g : null));
            return;
        }
        long count = slice.size(rows);
        if (registers != null && x.allResident()) {
            chunk(false, false, x.residentMemory().address(0), y.address(0), weightsFrom(0), orders.of(slice), slice.from(), count,
                    t, intercept, targetWeight, scale, g);
        } else {
            gather(slice);
            chunk(registers == null, false, gatherX.address(0), gatherY.address(0), gatherW == null ? null : new RawPointer(gatherW.address(0)),
                    null, 0, count, t, intercept, targetWeight, scale, g);
        }
    }

    /** Queues a full pass with the cuBLAS strategy whatever the configured one (benchmarks compare the two). */
    void queueBlasGradient(BackendVector theta, double intercept, double targetWeight, double scale, BackendVector out) {
        ensureOpen();
        CudaVector t = vector(theta);
        CudaVector g = vector(out);
        context.zero(total);
        context.zero(sums);
        long last = x.chunks() - 1;
        x.forEachChunk((address, first, count) -> chunk(true, true, address, y.address(first * precision.bytes()), weightsFrom(first),
                null, 0, count, t, intercept, targetWeight, scale, first / x.chunkRows() == last ? g : null));
    }

    /**
     * One chunk of a pass: rows {@code order[first + r]} (or {@code first + r}) for r < count of the X at
     * {@code xAddress}, targets at {@code yAddress} and weights at {@code w} (null when unweighted) indexed the same
     * way. Adds the chunk's gradient and sums to the running totals; with {@code out} (the last chunk) writes out = s·total.
     * Unless {@code blas}, runs the fused kernel of full passes ({@code fullPass}) or the register kernel (slices).
     */
    private void chunk(boolean blas, boolean fullPass, long xAddress, long yAddress, Pointer w, DeviceMemory rowOrder, long first,
                       long count, CudaVector theta, double intercept, double targetWeight, double scale, CudaVector out) {
        FusedKernel kernel = blas ? null : fullPass ? passes : registers;
        while (kernel != null) {
            if (launchFused(kernel, xAddress, yAddress, w, rowOrder, first, count, theta, intercept, targetWeight, scale, out)) {
                if (fullPass) {
                    lastFullPass = kernel.shape();
                }
                return;
            }
            FusedKernel fallback = fullPass ? passes : registers; // after the refusal: the register kernel, or null
            kernel = fallback == kernel ? null : fallback;
        }
        if (fullPass) {
            lastFullPass = null;
        }
        blasChunk(xAddress, yAddress, w, count, theta, intercept, targetWeight, scale, out);
    }

    /**
     * Queues {@code kernel} and its accumulation. Returns false (after one warning, and for the rest of
     * the problem's life) when the device refuses a non-portable cluster of 16 blocks at launch: the staged kernel's
     * refusal leaves full passes to the register kernel (its blocks need less shared memory), the register kernel's
     * leaves every pass to cuBLAS.
     */
    private boolean launchFused(FusedKernel kernel, long xAddress, long yAddress, Pointer w, DeviceMemory rowOrder, long first,
                                long count, CudaVector t, double intercept, double targetWeight, double scale, CudaVector g) {
        FusedShape shape = kernel.shape();
        long clusters = Math.max(1, Math.min(kernel.maxClusters(), (count + shape.rowsPerGroup() - 1) / shape.rowsPerGroup()));
        try {
            context.launchShared(kernel.module(), "fused_gradient", clusters * shape.cluster(), 1, shape.threads(),
                    shape.dynamicSharedBytes(precision), new RawPointer(xAddress), new RawPointer(yAddress), w, t.memory(), intercept, targetWeight, n, rowOrder,
                    first, count, gradientPartials, sumPartials);
        } catch (CudaException e) {
            if (shape.cluster() <= FusedShape.MAX_PORTABLE_CLUSTER) {
                throw e;
            }
            if (kernel == passes && passes != registers) {
                LOG.warn("{} refused the staged kernel's clusters of {} blocks ({}); full passes use the register kernel from now on",
                        context.device().name(), shape.cluster(), e.getMessage());
                passes = registers;
                return false;
            }
            LOG.warn("{} refused the fused kernel's clusters of {} blocks ({}); gradient passes use cuBLAS from now on",
                    context.device().name(), shape.cluster(), e.getMessage());
            registers = null;
            passes = null;
            orders.invalidate();
            return false;
        }
        context.launch(kernel.module(), "accumulate_partials", (cols + shape.threads() - 1) / shape.threads(), 1, shape.threads(),
                gradientPartials, (int) clusters, n, total, sumPartials, sums, scale, g == null ? null : g.memory());
        return true;
    }

    /**
     * The cuBLAS strategy on one chunk of {@code count} rows: r = Aθ (gemv), rᵢ += b − τyᵢ with the sums
     * (kernel), c = Aᵀr (gemv), total += c; with {@code out}: out = s·total. cuBLAS sees row-major A as
     * the column-major n × count matrix Aᵀ with leading dimension n.
     */
    private void blasChunk(long xAddress, long yAddress, Pointer w, long count, CudaVector theta, double intercept,
                           double targetWeight, double scale, CudaVector out) {
        if (residual == null || residual.bytes() < count * precision.bytes()) {
            context.free(residual);
            residual = context.allocate(Math.max(count, x.chunkRows()) * precision.bytes(), "residual");
        }
        if (residualPartials == null) {
            residualPartials = context.allocate(16L * residualBlocks(), "residual partials");
            chunkGradient = context.allocate(cols * precision.bytes(), "chunk gradient");
        }
        context.enter();
        Pointer a = new RawPointer(xAddress);
        if (precision == Precision.FLOAT64) {
            CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_T, cols, count, ONE64, new DoublePointer(a), cols,
                    theta.memory().doubles(0), 1, ZERO64, residual.doubles(0), 1), "cublasDgemv_v2_64(Xθ)");
            finishResidual(count, yAddress, w, intercept, targetWeight);
            CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_N, cols, count, ONE64, new DoublePointer(a), cols,
                    residual.doubles(0), 1, ZERO64, chunkGradient.doubles(0), 1), "cublasDgemv_v2_64(Xᵀr)");
        } else {
            CudaStatus.checkBlas(cublasSgemv_v2_64(context.blas(), CUBLAS_OP_T, cols, count, ONE32, new FloatPointer(a), cols,
                    theta.memory().floats(0), 1, ZERO32, residual.floats(0), 1), "cublasSgemv_v2_64(Xθ)");
            finishResidual(count, yAddress, w, intercept, targetWeight);
            CudaStatus.checkBlas(cublasSgemv_v2_64(context.blas(), CUBLAS_OP_N, cols, count, ONE32, new FloatPointer(a), cols,
                    residual.floats(0), 1, ZERO32, chunkGradient.floats(0), 1), "cublasSgemv_v2_64(Xᵀr)");
        }
        long blocks = vectors.blocks();
        context.launch(utility, "accumulate_vector", blocks, 1, UTILITY_THREADS, n, chunkGradient, total);
        if (out != null) {
            context.launch(utility, "scale_total", blocks, 1, UTILITY_THREADS, n, total, scale, out.memory());
        }
    }

    private void finishResidual(long count, long yAddress, Pointer w, double intercept, double targetWeight) {
        int blocks = residualBlocks();
        context.launch(utility, "residual_finish", blocks, 1, UTILITY_THREADS,
                count, residual, new RawPointer(yAddress), w, intercept, targetWeight, residualPartials);
        context.launch(utility, "accumulate_partials", 1, 1, UTILITY_THREADS,
                null, blocks, 0, null, residualPartials, sums, 1.0, null);
    }

    /** Blocks of the residual kernel: fixed per device (4 per multiprocessor), so its sums have a fixed order. */
    private int residualBlocks() {
        return 4 * context.device().multiprocessors();
    }

    /**
     * Copies the slice's rows of X and y, in slice order, to the gather buffers: device to device from
     * resident rows, host to device (counted) from streamed ones.
     */
    private void gather(RowSlice slice) {
        long count = slice.size(rows);
        int es = precision.bytes();
        long rowBytes = cols * es;
        if (gatherX == null || gatherX.bytes() < count * rowBytes) {
            context.free(gatherX);
            context.free(gatherY);
            gatherX = context.allocate(count * rowBytes, "gathered rows");
            gatherY = context.allocate(count * es, "gathered targets");
            if (weights != null) {
                context.free(gatherW);
                gatherW = context.allocate(8 * count, "gathered weights");
            }
        }
        long[] o = slice.order();
        long residentRows = x.residentChunks() * x.chunkRows();
        Dataset host = converted != null ? converted : source;
        for (int q = 0; q < count; q++) {
            long i = o[slice.from() + q];
            if (i < residentRows) {
                context.copy(x.residentMemory(), i * rowBytes, gatherX, q * rowBytes, rowBytes);
            } else {
                context.toDeviceAsync(new RawPointer(host.xPointer().address() + i * rowBytes), gatherX, q * rowBytes, rowBytes,
                        context.stream());
            }
            context.copy(y, i * es, gatherY, (long) q * es, es);
            if (weights != null) {
                context.copy(weights, 8 * i, gatherW, 8L * q, 8);
            }
        }
    }

    // ------------------------------------------------------------------ stochastic epochs

    /**
     * The whole epoch on the device ({@link DeviceEpoch}: one launch per block of the row order, the bits of the per-batch
     * loop) when the fused kernel runs with clusters of 1 on resident X and a batch is at most
     * {@link DeviceEpoch#MAX_SERIAL_GROUPS} row groups and {@link DeviceEpoch#MAX_BATCH_ROWS} rows (one block runs a batch's groups one after another, where the
     * per-batch launch runs them on as many blocks), without averaging of the iterates; otherwise
     * {@link StochasticEpoch#runPerBatch}.
     */
    @Override
    public StochasticEpoch.EpochSums epoch(StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        ensureOpen();
        // averaging (θ̄ after every step) is not in the device epoch's kernel: the per-batch loop averages through the vectors
        if (!deviceEpochApplies() || !DeviceEpoch.batchFits(registers.shape(), plan.batchSize()) || plan.average() != null) {
            return StochasticEpoch.runPerBatch(this, plan, theta, gradient);
        }
        return epochOnDevice(plan, theta, gradient);
    }

    /** Whether the device epoch can run here at all (the register kernel with clusters of 1, X resident). */
    boolean deviceEpochApplies() {
        return registers != null && DeviceEpoch.applies(registers.shape()) && x.allResident();
    }

    /** The device epoch whatever the batch size (benchmarks measure where it stops paying); needs {@link #deviceEpochApplies}. */
    StochasticEpoch.EpochSums epochOnDevice(StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        ensureOpen();
        if (!deviceEpochApplies()) {
            throw new IllegalStateException("the device epoch needs the fused kernel with clusters of 1 and X resident");
        }
        if (plan.average() != null) {
            throw new IllegalStateException("the device epoch does not average the iterates: use the per-batch loop");
        }
        if (epochs == null) {
            epochs = new DeviceEpoch(context, registers.module(), registers.shape(), registers.maxClusters(), n, precision);
        }
        return epochs.run(plan, new DeviceEpoch.Rows(x.residentMemory().address(0), y.address(0), weightsFrom(0)),
                vector(theta), vector(gradient), vectorOrNull(plan.means()), vectorOrNull(plan.columnFactors()),
                vectorOrNull(plan.ridge()), vectorOrNull(plan.squaredScales()));
    }

    /** Whether an epoch has run on the device ({@link DeviceEpoch}) rather than batch by batch (tests). */
    boolean ranEpochOnDevice() {
        return epochs != null;
    }

    private CudaVector vectorOrNull(BackendVector v) {
        return v == null ? null : vector(v);
    }

    // ------------------------------------------------------------------ vectors

    @Override
    public void axpy(double alpha, BackendVector xv, BackendVector yv) {
        ensureOpen();
        vectors.axpy(alpha, xv, yv);
    }

    @Override
    public void scale(double alpha, BackendVector xv) {
        ensureOpen();
        vectors.scale(alpha, xv);
    }

    @Override
    public void multiply(BackendVector d, BackendVector xv) {
        ensureOpen();
        vectors.multiply(d, xv);
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        vectors.copy(from, to);
    }

    @Override
    public double dot(BackendVector xv, BackendVector yv) {
        ensureOpen();
        return vectors.dot(xv, yv);
    }

    // ------------------------------------------------------------------ direct solvers

    @Override
    public CrossProducts crossProducts(boolean centred) {
        ensureOpen();
        return passes().crossProducts(centred ? columnMeansOnDevice() : null, centred ? columnStatistics().targetMean() : 0);
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ensureOpen();
        return passes().qrReduction(centred ? columnMeansOnDevice() : null, centred ? columnStatistics().targetMean() : 0,
                columnScales);
    }

    /**
     * On the host dataset the problem was loaded from (read in the problem's precision): the device has no
     * double-double kernels yet, so each refinement step reads X on the host.
     */
    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        ensureOpen();
        if (source == null) {
            throw new IllegalStateException("this problem was generated on the device and has no host copy of X to refine with");
        }
        int slot = centred ? 1 : 0;
        if (extendedResiduals[slot] == null) {
            extendedResiduals[slot] = new HostExtendedResidual(source, precision, centred,
                    Runtime.getRuntime().availableProcessors());
        }
        return extendedResiduals[slot];
    }

    /**
     * {@link dev.downhill.spi.HostRowSketch} of the host dataset the problem was loaded from, on every host core (no
     * device kernel yet), and its Gram matrix by cublasDsyrk; null for a problem generated on the device (no host copy:
     * no sketch, so auto runs no trial).
     */
    @Override
    public double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        ensureOpen();
        if (source == null) {
            return null;
        }
        double[] means = centred ? columnStatistics().means() : null;
        return dev.downhill.spi.HostRowSketch.gram(source, means, sketchRows, rowRate, seed,
                Runtime.getRuntime().availableProcessors(), passes());
    }

    /**
     * {@link dev.downhill.spi.HostRowNorms} of the host dataset X was copied from (no device pass: the step bound is read
     * once a fit); NaN when the problem was made without one.
     */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        ensureOpen();
        if (source == null || !source.isOpen()) {
            return Double.NaN;
        }
        return dev.downhill.spi.HostRowNorms.max(source, centre, squaredFactors, Runtime.getRuntime().availableProcessors());
    }

    /** cuSOLVER's potrf and gesvd on device copies of the small host matrices. */
    @Override
    public DenseKernels denseKernels() {
        ensureOpen();
        return passes();
    }

    private DevicePasses passes() {
        return new DevicePasses(context, utility, x, y, rootWeights, rows, cols);
    }

    // ------------------------------------------------------------------ housekeeping

    private CudaVector vector(BackendVector v) {
        return vectors.vector(v);
    }

    /**
     * The problem works on its device copy, but keeps the SPI's lifecycle (the dataset stays open
     * while the problem is used) so that code written against one backend behaves the same on all.
     */
    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("problem is closed");
        }
        if (source != null && !source.isOpen()) {
            throw new IllegalStateException("the dataset this problem was loaded from has been closed; keep it open while the problem is used");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            x.close();
            context.close();
        } finally {
            if (converted != null) {
                converted.close();
            }
        }
    }
}
