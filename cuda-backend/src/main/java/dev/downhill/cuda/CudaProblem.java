package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasDgemv_v2_64;
import static org.bytedeco.cuda.global.cublas.cublasSgemv_v2_64;
import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveBlocksPerMultiprocessor;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.LeastSquaresSolution;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset resident on a CUDA device: X (row-major, m × n), y, and every vector of the fits live in
 * device memory, uploaded once by the constructor; the host dataset is not read afterwards (it must
 * still stay open, as for every backend).
 * A full-batch gradient step moves only the two float64 reductions (16 bytes) back to the host;
 * {@link #dot} moves 8. Mini-batch passes upload the epoch's row order once per epoch (8 bytes a
 * row) and gather rows on the device.
 *
 * <p>Gradient passes use the fused kernel ({@link FusedShape}) unless {@link CudaGradientStrategy#CUBLAS}
 * is configured or n has no fused shape, in which case full passes are two cuBLAS gemv calls and
 * slices copy their rows into a gather buffer first. Reductions are float64 in a fixed order:
 * bit-identical run to run on the same device. Not thread-safe: one fit at a time.
 */
final class CudaProblem implements ResidentProblem {
    private static final Logger LOG = LoggerFactory.getLogger(CudaProblem.class);
    static final int UTILITY_THREADS = FusedShape.UTILITY_THREADS;
    /** Row chunks of the column-statistics pass (fixed: the sums' order does not depend on the device). */
    private static final int STATISTICS_CHUNKS = 512;

    private final Dataset source;
    private final CudaContext context;
    private final long rows;
    private final long cols;
    private final int n;
    private final Precision precision;
    private final CudaGradientStrategy strategy;
    private final FusedShape shape;
    private final KernelModule utility;
    private KernelModule fused;
    private final long maxClusters;
    private final DeviceMemory x;
    private final DeviceMemory y;
    private final DeviceMemory gradientPartials;
    private final DeviceMemory sumPartials;
    private final DeviceMemory sums;
    private DeviceMemory residual;
    private DeviceMemory residualPartials;
    private DeviceMemory order;
    private long[] uploadedOrder;
    private DeviceMemory gatherX;
    private DeviceMemory gatherY;
    private DeviceMemory columnMeans;
    private ColumnStatistics statistics;
    private final double[][] columnDeviations = new double[2][];
    private boolean closed;

    CudaProblem(Dataset source, Precision precision, CudaGradientStrategy strategy, int device) {
        this(Objects.requireNonNull(source, "source"), source.rows(), source.cols(), precision, strategy, device, 0);
    }

    /**
     * A problem whose X and y are generated on the device (uniform in [−1, 1] from {@code seed}; see the
     * kernel {@code fill_uniform}): for benchmarks on matrices the host could not hold or upload quickly.
     */
    static CudaProblem generated(long rows, long cols, Precision precision, CudaGradientStrategy strategy, int device, long seed) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("need at least one row and one column, got " + rows + " × " + cols);
        }
        return new CudaProblem(null, rows, cols, precision, strategy, device, seed);
    }

    private CudaProblem(Dataset source, long rows, long cols, Precision precision, CudaGradientStrategy strategy, int device,
                        long seed) {
        this.source = source;
        this.rows = rows;
        this.cols = cols;
        if (cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the cuda backend supports at most 2^31 - 9 columns, got " + cols);
        }
        this.n = (int) cols;
        this.precision = precision;
        this.context = CudaContext.open(device);
        try {
            long bytesX = Math.multiplyExact(Math.multiplyExact(rows, cols), (long) precision.bytes());
            long bytesY = rows * precision.bytes();
            long[] memory = context.memory();
            FusedShape s = strategy == CudaGradientStrategy.FUSED ? FusedShape.forColumns(cols, precision).orElse(null) : null;
            if (strategy == CudaGradientStrategy.FUSED && s == null) {
                LOG.warn("n = {} exceeds the fused kernel's {} columns in {}: full passes use cuBLAS (two gemv calls)",
                        cols, FusedShape.maxColumns(precision), precision);
            }
            this.strategy = s == null ? CudaGradientStrategy.CUBLAS : strategy;
            this.shape = s;
            this.utility = context.kernels(FusedShape.utilityMacros(precision));
            KernelModule f = null;
            long clusters = 1;
            if (s != null) {
                f = context.kernels(s.macros(precision));
                CUfunc_st function = f.function("fused_gradient");
                if (s.cluster() > FusedShape.MAX_PORTABLE_CLUSTER) {
                    CudaStatus.checkDriver(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
                            "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)");
                }
                int[] perSm = new int[1];
                CudaStatus.checkDriver(cuOccupancyMaxActiveBlocksPerMultiprocessor(perSm, function, s.threads(), 0),
                        "cuOccupancyMaxActiveBlocksPerMultiprocessor(fused_gradient)");
                clusters = Math.max(1, (long) Math.max(1, perSm[0]) * context.device().multiprocessors() / s.cluster());
            }
            this.fused = f;
            this.maxClusters = clusters;
            long partialBytes = 8 * maxClusters * cols;
            long needed = bytesX + bytesY + partialBytes + bytesY; // + the cuBLAS residual, allocated on first use
            if (needed > memory[0]) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "X (%d × %d %s) does not fit on %s: needs %,d bytes (X %,d, y and work buffers %,d), %,d free of %,d",
                        rows, cols, precision.name().toLowerCase(Locale.ROOT), context.device().name(), needed, bytesX,
                        needed - bytesX, memory[0], memory[1]));
            }
            this.x = context.allocate(bytesX, "X");
            this.y = context.allocate(bytesY, "y");
            if (source == null) {
                context.launch(utility, "fill_uniform", 4096, 1, UTILITY_THREADS, x, rows * cols, seed, -1.0, 1.0);
                context.launch(utility, "fill_uniform", 1024, 1, UTILITY_THREADS, y, rows, seed ^ 0x5DEECE66DL, -1.0, 1.0);
                context.synchronize();
            } else {
                Dataset host = source.precision() == precision ? source : source.toPrecision(precision);
                try {
                    context.toDevice(host.xPointer(), x, 0, bytesX);
                    context.toDevice(host.yPointer(), y, 0, bytesY);
                } finally {
                    if (host != source) {
                        host.close();
                    }
                }
            }
            this.gradientPartials = context.allocate(partialBytes, "gradient partials");
            this.sumPartials = context.allocate(16 * maxClusters, "residual-sum partials");
            this.sums = context.allocate(16, "residual sums");
        } catch (RuntimeException | Error e) {
            context.close();
            throw e;
        }
    }

    /** The context (for benchmarks and tests in this package). */
    CudaContext context() {
        return context;
    }

    /** Bytes copied between host and device since the problem was made (the upload of X and y included). */
    long bytesTransferred() {
        return context.bytesTransferred();
    }

    /** The fused kernel's shape, or null when passes use cuBLAS. */
    FusedShape shape() {
        return fused != null ? shape : null;
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
    public int threads() {
        return 1;
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
            DeviceMemory means = context.allocate(8 * cols, "column means");
            columnMoments(x, cols, null, false, means);
            DeviceMemory targetMean = context.allocate(8, "target mean");
            try {
                columnMoments(y, 1, null, false, targetMean);
                double ybar = context.doublesToHost(targetMean, 0, 1)[0];
                statistics = new ColumnStatistics(context.doublesToHost(means, 0, n), ybar);
            } finally {
                context.free(targetMean);
            }
            columnMeans = means;
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
            DeviceMemory center = centred ? columnMeansOnDevice() : null;
            DeviceMemory out = context.allocate(8 * cols, "column deviations");
            try {
                columnMoments(x, cols, center, true, out);
                columnDeviations[slot] = context.doublesToHost(out, 0, n);
            } finally {
                context.free(out);
            }
        }
        return columnDeviations[slot].clone();
    }

    /** out[j] = (1/m)Σᵢ (A_ij − c_j)^(squared ? 2 : 1) for an m × width row-major A on the device (float64 out). */
    private void columnMoments(DeviceMemory a, long width, DeviceMemory center, boolean squared, DeviceMemory out) {
        int chunks = (int) Math.min(rows, STATISTICS_CHUNKS);
        DeviceMemory partial = context.allocate(8L * chunks * width, "column-moment partials");
        try {
            long blocks = (width + UTILITY_THREADS - 1) / UTILITY_THREADS;
            context.launch(utility, "column_moments", blocks, chunks, UTILITY_THREADS,
                    a, rows, (int) width, center, squared ? 1 : 0, partial);
            context.launch(utility, "reduce_partials", blocks, 1, UTILITY_THREADS,
                    partial, chunks, (int) width, 1.0 / rows, null, out, null, null);
            context.synchronize();
        } finally {
            context.free(partial);
        }
    }

    // ------------------------------------------------------------------ the fused gradient

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                                 RowSlice slice, BackendVector out) {
        queueGradient(theta, intercept, targetWeight, scale, slice, out);
        double[] s = context.doublesToHost(sums, 0, 2);
        return new ResidualSums(s[0], s[1]);
    }

    /**
     * Queues the pass of {@link #gradient} on the stream and returns without waiting: {@code out} and
     * the device copy of the two sums are written when the stream gets there.
     */
    void queueGradient(BackendVector theta, double intercept, double targetWeight, double scale, RowSlice slice, BackendVector out) {
        ensureOpen();
        CudaVector t = vector(theta);
        CudaVector g = vector(out);
        long count = slice.size(rows);
        long first = slice.isAll() ? 0 : slice.from();
        DeviceMemory rowOrder = slice.isAll() ? null : order(slice);
        if (fused != null && launchFused(t, g, intercept, targetWeight, scale, rowOrder, first, count)) {
            // done on the device
        } else if (slice.isAll()) {
            blasPass(x, y, rows, t, intercept, targetWeight, scale, g);
        } else {
            gather(slice);
            blasPass(gatherX, gatherY, count, t, intercept, targetWeight, scale, g);
        }
    }

    /** Queues a full pass with the cuBLAS strategy whatever the configured one (benchmarks compare the two). */
    void queueBlasGradient(BackendVector theta, double intercept, double targetWeight, double scale, BackendVector out) {
        ensureOpen();
        blasPass(x, y, rows, vector(theta), intercept, targetWeight, scale, vector(out));
    }

    /** The two sums of the last pass (downloads 16 bytes). */
    ResidualSums lastSums() {
        double[] s = context.doublesToHost(sums, 0, 2);
        return new ResidualSums(s[0], s[1]);
    }

    /**
     * Queues the fused kernel and its reduction. Returns false (after one warning, and for the rest of
     * the problem's life) when the device refuses a non-portable cluster of 16 blocks at launch: the
     * passes then use cuBLAS.
     */
    private boolean launchFused(CudaVector t, CudaVector g, double intercept, double targetWeight, double scale,
                                DeviceMemory rowOrder, long first, long count) {
        long clusters = Math.max(1, Math.min(maxClusters, (count + shape.rowsPerGroup() - 1) / shape.rowsPerGroup()));
        try {
            context.launch(fused, "fused_gradient", clusters * shape.cluster(), 1, shape.threads(),
                    x, y, t.memory(), intercept, targetWeight, n, rowOrder, first, count, gradientPartials, sumPartials);
        } catch (CudaException e) {
            if (shape.cluster() <= FusedShape.MAX_PORTABLE_CLUSTER) {
                throw e;
            }
            LOG.warn("{} refused the fused kernel's clusters of {} blocks ({}); gradient passes use cuBLAS from now on",
                    context.device().name(), shape.cluster(), e.getMessage());
            fused = null;
            uploadedOrder = null;
            return false;
        }
        context.launch(fused, "reduce_partials", (cols + shape.threads() - 1) / shape.threads(), 1, shape.threads(),
                gradientPartials, (int) clusters, n, scale, g.memory(), null, sumPartials, sums);
        return true;
    }

    /**
     * The cuBLAS strategy over the first {@code count} rows of {@code a} (row-major, n columns):
     * r = Aθ (gemv), rᵢ += b − τyᵢ with the sums (kernel), out = s·Aᵀr (gemv). cuBLAS sees row-major
     * A as the column-major n × count matrix Aᵀ with leading dimension n.
     */
    private void blasPass(DeviceMemory a, DeviceMemory targets, long count, CudaVector theta, double intercept,
                          double targetWeight, double scale, CudaVector out) {
        if (residual == null) {
            residual = context.allocate(rows * precision.bytes(), "residual");
            residualPartials = context.allocate(16L * residualBlocks(), "residual partials");
        }
        context.enter();
        if (precision == Precision.FLOAT64) {
            try (DoublePointer one = new DoublePointer(1.0); DoublePointer zero = new DoublePointer(0.0);
                 DoublePointer s = new DoublePointer(scale)) {
                CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_T, cols, count, one, a.doubles(0), cols,
                        theta.memory().doubles(0), 1, zero, residual.doubles(0), 1), "cublasDgemv_v2_64(Xθ)");
                finishResidual(count, targets, intercept, targetWeight);
                CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_N, cols, count, s, a.doubles(0), cols,
                        residual.doubles(0), 1, zero, out.memory().doubles(0), 1), "cublasDgemv_v2_64(Xᵀr)");
            }
        } else {
            try (FloatPointer one = new FloatPointer(1f); FloatPointer zero = new FloatPointer(0f);
                 FloatPointer s = new FloatPointer((float) scale)) {
                CudaStatus.checkBlas(cublasSgemv_v2_64(context.blas(), CUBLAS_OP_T, cols, count, one, a.floats(0), cols,
                        theta.memory().floats(0), 1, zero, residual.floats(0), 1), "cublasSgemv_v2_64(Xθ)");
                finishResidual(count, targets, intercept, targetWeight);
                CudaStatus.checkBlas(cublasSgemv_v2_64(context.blas(), CUBLAS_OP_N, cols, count, s, a.floats(0), cols,
                        residual.floats(0), 1, zero, out.memory().floats(0), 1), "cublasSgemv_v2_64(Xᵀr)");
            }
        }
    }

    private void finishResidual(long count, DeviceMemory targets, double intercept, double targetWeight) {
        int blocks = residualBlocks();
        context.launch(utility, "residual_finish", blocks, 1, UTILITY_THREADS,
                count, residual, targets, intercept, targetWeight, residualPartials);
        context.launch(utility, "reduce_partials", 1, 1, UTILITY_THREADS,
                null, blocks, 0, 1.0, null, null, residualPartials, sums);
    }

    /** Blocks of the residual kernel: fixed per device (4 per multiprocessor), so its sums have a fixed order. */
    private int residualBlocks() {
        return 4 * context.device().multiprocessors();
    }

    /** Copies the slice's rows of X and y, in slice order, to the gather buffers (device to device). */
    private void gather(RowSlice slice) {
        long count = slice.size(rows);
        long rowBytes = cols * precision.bytes();
        if (gatherX == null || gatherX.bytes() < count * rowBytes) {
            context.free(gatherX);
            context.free(gatherY);
            gatherX = context.allocate(count * rowBytes, "gathered rows");
            gatherY = context.allocate(count * precision.bytes(), "gathered targets");
        }
        long[] o = slice.order();
        for (int q = 0; q < count; q++) {
            long i = o[slice.from() + q];
            context.copy(x, i * rowBytes, gatherX, q * rowBytes, rowBytes);
            context.copy(y, i * precision.bytes(), gatherY, (long) q * precision.bytes(), precision.bytes());
        }
    }

    /** The slice's epoch order on the device, uploaded when the order array changes (once per epoch). */
    private DeviceMemory order(RowSlice slice) {
        long[] o = slice.order();
        if (o.length != rows) {
            throw new IllegalArgumentException("row order has " + o.length + " entries but X has " + rows + " rows");
        }
        if (fused == null) {
            return null; // the cuBLAS path gathers on the host's order
        }
        if (o != uploadedOrder) {
            if (order == null) {
                order = context.allocate(8 * rows, "row order");
            }
            try (LongPointer host = new LongPointer(o)) {
                context.toDevice(host, order, 0, 8 * rows);
            }
            uploadedOrder = o;
        }
        return order;
    }

    // ------------------------------------------------------------------ vectors

    @Override
    public void axpy(double alpha, BackendVector xv, BackendVector yv) {
        ensureOpen();
        CudaVector a = vector(xv);
        CudaVector b = vector(yv);
        context.launch(utility, "vector_axpy", vectorBlocks(), 1, UTILITY_THREADS, cols, alpha, a.memory(), b.memory());
    }

    @Override
    public void scale(double alpha, BackendVector xv) {
        ensureOpen();
        context.launch(utility, "vector_scale", vectorBlocks(), 1, UTILITY_THREADS, cols, alpha, vector(xv).memory());
    }

    @Override
    public void multiply(BackendVector d, BackendVector xv) {
        ensureOpen();
        context.launch(utility, "vector_multiply", vectorBlocks(), 1, UTILITY_THREADS, cols, vector(d).memory(), vector(xv).memory());
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        CudaVector a = vector(from);
        CudaVector b = vector(to);
        context.copy(a.memory(), 0, b.memory(), 0, cols * precision.bytes());
    }

    @Override
    public double dot(BackendVector xv, BackendVector yv) {
        ensureOpen();
        context.launch(utility, "vector_dot", 1, 1, UTILITY_THREADS, cols, vector(xv).memory(), vector(yv).memory(), sums);
        return context.doublesToHost(sums, 0, 1)[0];
    }

    private long vectorBlocks() {
        return Math.max(1, Math.min(1024, (cols + UTILITY_THREADS - 1) / UTILITY_THREADS));
    }

    // ------------------------------------------------------------------ direct solvers

    @Override
    public double[] solveNormalEquations(boolean centred) {
        ensureOpen();
        return new DeviceLeastSquares(context, utility, x, y, rows, cols, precision).normalEquations(
                centred ? columnMeansOnDevice() : null, centred ? columnStatistics().targetMean() : 0);
    }

    @Override
    public LeastSquaresSolution solveLeastSquares(boolean centred, double rankCutoff) {
        ensureOpen();
        double[] deviations = columnMeanSquaredDeviations(centred);
        return new DeviceLeastSquares(context, utility, x, y, rows, cols, precision).svd(
                centred ? columnMeansOnDevice() : null, centred ? columnStatistics().targetMean() : 0, deviations, rankCutoff);
    }

    // ------------------------------------------------------------------ housekeeping

    private CudaVector vector(BackendVector v) {
        if (!(v instanceof CudaVector)) {
            throw new IllegalArgumentException("not a cuda-backend vector: " + (v == null ? "null" : v.getClass().getName()));
        }
        CudaVector c = (CudaVector) v;
        if (c.length() != cols || c.precision() != precision) {
            throw new IllegalArgumentException("vector of " + c.length() + " " + c.precision() + " values does not match "
                    + cols + " columns in " + precision);
        }
        return c;
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
        context.close();
    }
}
