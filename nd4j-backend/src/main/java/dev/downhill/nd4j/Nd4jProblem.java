package dev.downhill.nd4j;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.HostExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A dataset held as ND4J arrays: X as an [m, n] c-order {@link INDArray} and y as [m, 1], both over
 * the dataset's own memory on ND4J's host backend (no copy, so the dataset must stay open; every
 * operation checks it is), or converted copies owned here when the precision differs (or when ND4J's
 * backend is not host memory).
 *
 * <p>Every operation is made of ND4J calls:
 * <ul>
 * <li>gradient over all rows: r = Xθ by {@code Nd4j.gemm} (no transpose), r ← r − τy and r ← r + b·1
 * by BLAS axpy through ND4J's level-1 wrapper, ‖r‖² and Σr by ddot (float32 r is first cast to a
 * float64 copy), then out = s·Xᵀr by {@code Nd4j.gemm} with transposeA. Two reads of X, as in any
 * two-call gemv formulation. (ND4J's {@code level2().gemv} is not used: it ignores its transpose
 * flag.)
 * <li>gradient over a {@link RowSlice} of an epoch order: the k rows are gathered with
 * {@code Nd4j.pullRows} into a k × n work array (<b>a copy</b> of the selected rows, k·n values, and of
 * their k targets), then the same calls as above on the gathered block. Work arrays for the last
 * two slice sizes are cached (an epoch has at most two). A single row (SGD) is neither gathered
 * nor multiplied: r from a BLAS dot on a view of the row, out = (s·r)·xᵢ by a BLAS copy and scal.
 * ND4J's per-call overhead (10–50 µs for an op on small arrays, under 1 µs for a level-1 BLAS
 * call through its wrapper) is why. pullRows takes int row indices, so slices need m &lt; 2³¹.
 * <li>column statistics and per-column deviations: row blocks of about 4 MiB as float64 (views of X;
 * float32 blocks are cast to a float64 copy), reduced with ND4J's sum; blocks are combined in order
 * in float64.
 * <li>axpy, scale, copy: BLAS axpy/scal/copy on the vectors (in the vectors' precision); multiply:
 * ND4J's muli; dot: ddot, float32 vectors cast to float64 first.
 * <li>normal equations and SVD: {@link Nd4jLeastSquares}.
 * <li>sample weights (when the dataset has them): a float64 [m, 1] copy w, and √w for the direct passes. The
 * gradient forms w∘r in float64 (muli) before the reductions and Xᵀ(w∘r); the statistics are Xᵀw per block
 * (gemm) over Σw; the Gram and QR passes scale their float64 row copies by √w (muliColumnVector).
 * </ul>
 * Each operation runs with ND4J's op threads and OpenBLAS's threads set to {@link #threads()} and
 * restores them afterwards (both are process-wide). One fit at a time; not thread-safe.
 */
final class Nd4jProblem implements ResidentProblem {
    /** Bytes of float64 per row block in the statistics and the direct solvers. */
    static final long BLOCK_BYTES = 4L << 20;
    private static final int CACHED_SLICE_SIZES = 2;
    /** Targets of slices up to this many rows are gathered through the data buffers instead of {@code Nd4j.pullRows}. */
    private static final int LOOP_GATHER_ROWS = 256;

    private final Dataset source;
    private final Precision precision;
    private final DataType type;
    private final long rows;
    private final long cols;
    private final int threads;
    private final INDArray x;
    private final INDArray y;
    private final boolean wrapsDataset;
    /** Sample weights as float64 [m, 1] and their square roots, or null when unweighted. */
    private final INDArray weights;
    private final INDArray rootWeights;
    private final double weightSum;
    private Work full;
    private final Map<Integer, Work> slices = new LinkedHashMap<>(4, 0.75f, true);
    private ColumnStatistics statistics;
    private final double[][] columnDeviations = new double[2][];
    /** The extended-precision residual passes (uncentred, centred), made on first use: they hold the double-double means. */
    private final HostExtendedResidual[] extendedResiduals = new HostExtendedResidual[2];
    private boolean closed;

    /** Loads on ND4J's current backend: wraps the dataset on host memory, copies otherwise. */
    Nd4jProblem(Dataset source, Precision precision, int threads) {
        this(source, precision, threads, Nd4jRuntime.hostMemory());
    }

    /**
     * @param wrap view the dataset's memory (host backend only); false copies X and y into ND4J
     *             memory through Java arrays, as on a device backend (tests use it on the host too)
     */
    Nd4jProblem(Dataset source, Precision precision, int threads, boolean wrap) {
        this.source = source;
        this.precision = precision;
        this.type = dataType(precision);
        this.threads = threads;
        this.rows = source.rows();
        this.cols = source.cols();
        INDArray xa = null;
        INDArray ya = null;
        INDArray wa = null;
        INDArray ra = null;
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            if (source.isWeighted()) {
                wa = Nd4jData.copyFromHost(source.weightsPointer(), Precision.FLOAT64, rows, 1, Precision.FLOAT64);
                ra = org.nd4j.linalg.ops.transforms.Transforms.sqrt(wa, true);
            }
            if (wrap) {
                xa = Nd4jData.wrap(source.xPointer(), rows, cols, source.precision());
                ya = Nd4jData.wrap(source.yPointer(), rows, 1, source.precision());
                if (source.precision() != precision) {
                    INDArray xc = xa.castTo(type);
                    Nd4jRuntime.release(xa);
                    xa = xc;
                    INDArray yc = ya.castTo(type);
                    Nd4jRuntime.release(ya);
                    ya = yc;
                }
            } else {
                xa = Nd4jData.copyFromHost(source.xPointer(), source.precision(), rows, cols, precision);
                ya = Nd4jData.copyFromHost(source.yPointer(), source.precision(), rows, 1, precision);
            }
        } catch (RuntimeException | Error e) {
            Nd4jRuntime.release(ra, wa, ya, xa);
            throw e;
        }
        this.x = xa;
        this.y = ya;
        this.weights = wa;
        this.rootWeights = ra;
        this.weightSum = source.weightSum();
        this.wrapsDataset = wrap && source.precision() == precision;
    }

    static DataType dataType(Precision p) {
        return Nd4jData.dataType(p);
    }

    @Override
    public String backendName() {
        return Nd4jBackend.NAME;
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

    /** The thread count the problem was loaded with (ND4J's OpenMP pool and OpenBLAS get this many). */
    int threads() {
        return threads;
    }

    /** ND4J's op threads and OpenBLAS's threads for every operation: the count that decides the sums' order. */
    @Override
    public int hostThreads() {
        return threads;
    }

    @Override
    public String description() {
        return threads + (threads == 1 ? " thread" : " threads") + (wrapsDataset ? ", X wrapped without copying" : ", X copied");
    }

    /**
     * ŷ = Xθ + b by ND4J ops on row blocks of about {@value #BLOCK_BYTES} bytes of float64: the block (a view;
     * float32 blocks cast to a float64 copy) times θ as a float64 column ({@code mmul}), plus b ({@code addi}),
     * copied into {@code out}.
     */
    @Override
    public void predict(double[] theta, double intercept, org.bytedeco.javacpp.DoublePointer out) {
        ensureOpen();
        long base = out.position();
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            INDArray t = Nd4j.createFromArray(theta).reshape(cols, 1);
            try {
                long block = blockRows();
                for (long r0 = 0; r0 < rows; r0 += block) {
                    INDArray view = x.get(NDArrayIndex.interval(r0, Math.min(rows, r0 + block)), NDArrayIndex.all());
                    INDArray d = view.dataType() == DataType.DOUBLE ? view : view.castTo(DataType.DOUBLE);
                    INDArray p = d.mmul(t);
                    p.addi(intercept);
                    double[] v = p.toDoubleVector();
                    new org.bytedeco.javacpp.DoublePointer(out).position(base + r0).put(v, 0, v.length);
                    Nd4jRuntime.release(p);
                    if (d != view) {
                        Nd4jRuntime.release(d);
                    }
                }
            } finally {
                Nd4jRuntime.release(t);
            }
        }
    }

    /** Whether X and y are the dataset's own memory (no copy was made). */
    boolean wrapsDataset() {
        return wrapsDataset;
    }

    @Override
    public BackendVector allocateVector(long length) {
        ensureOpen();
        return new Nd4jVector(length, precision);
    }

    @Override
    public synchronized ColumnStatistics columnStatistics() {
        ensureOpen();
        if (statistics == null) {
            INDArray sums = Nd4j.zeros(DataType.DOUBLE, cols);
            try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
                long block = blockRows();
                for (long r0 = 0; r0 < rows; r0 += block) {
                    INDArray view = x.get(NDArrayIndex.interval(r0, Math.min(rows, r0 + block)), NDArrayIndex.all());
                    INDArray d = view.dataType() == DataType.DOUBLE ? view : view.castTo(DataType.DOUBLE);
                    INDArray s = weights == null ? d.sum(0) : weightedColumnSums(d, r0);
                    sums.addi(s);
                    Nd4jRuntime.release(s);
                    if (d != view) {
                        Nd4jRuntime.release(d);
                    }
                }
                double[] means = sums.toDoubleVector();
                INDArray yd = y.dataType() == DataType.DOUBLE ? y : y.castTo(DataType.DOUBLE);
                if (weights != null) { // Σwx/Σw, Σwy/Σw
                    for (int j = 0; j < means.length; j++) {
                        means[j] /= weightSum;
                    }
                    double targetSum = Nd4j.getBlasWrapper().level1().dot(rows, 1.0, yd, weights);
                    statistics = new ColumnStatistics(means, targetSum / weightSum);
                } else {
                    for (int j = 0; j < means.length; j++) {
                        means[j] /= rows;
                    }
                    double targetSum = yd.sumNumber().doubleValue();
                    statistics = new ColumnStatistics(means, targetSum / rows);
                }
                if (yd != y) {
                    Nd4jRuntime.release(yd);
                }
            } finally {
                Nd4jRuntime.release(sums);
            }
        }
        return new ColumnStatistics(statistics.means().clone(), statistics.targetMean());
    }

    /**
     * Row blocks in float64 (centred with subiRowVector), squared in place and summed per column with
     * ND4J's sum(0); blocks added in order in float64; cached.
     */
    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (columnDeviations[slot] == null) {
            INDArray c = centred ? Nd4j.createFromArray(columnStatistics().means()).reshape(1, cols) : null;
            INDArray sums = Nd4j.zeros(DataType.DOUBLE, cols);
            try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
                long block = blockRows();
                for (long r0 = 0; r0 < rows; r0 += block) {
                    INDArray view = x.get(NDArrayIndex.interval(r0, Math.min(rows, r0 + block)), NDArrayIndex.all());
                    INDArray d = view.dataType() == DataType.DOUBLE ? view.dup('c') : view.castTo(DataType.DOUBLE);
                    if (c != null) {
                        d.subiRowVector(c);
                    }
                    d.muli(d);
                    INDArray s = weights == null ? d.sum(0) : weightedColumnSums(d, r0);
                    sums.addi(s);
                    Nd4jRuntime.release(s, d);
                }
                double[] out = sums.toDoubleVector();
                for (int j = 0; j < out.length; j++) {
                    out[j] /= weights == null ? rows : weightSum;
                }
                columnDeviations[slot] = out;
            } finally {
                Nd4jRuntime.release(sums, c);
            }
        }
        return columnDeviations[slot].clone();
    }

    /** dᵀw over the block's rows (d: a float64 block of rows from r0), a new [n] float64 array (gemm). */
    private INDArray weightedColumnSums(INDArray d, long r0) {
        INDArray w = weights.get(NDArrayIndex.interval(r0, r0 + d.size(0)), NDArrayIndex.all());
        INDArray out = Nd4j.create(DataType.DOUBLE, cols, 1);
        Nd4j.gemm(d, w, out, true, false, 1.0, 0.0);
        return out.reshape(cols);
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                                 RowSlice slice, BackendVector out) {
        ensureOpen();
        INDArray t = vector(theta).array();
        INDArray g = vector(out).array();
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            return gradient(t, intercept, targetWeight, scale, slice, g);
        }
    }

    private ResidualSums gradient(INDArray t, double intercept, double targetWeight, double scale, RowSlice slice, INDArray g) {
        Work w;
        INDArray xs;
        INDArray ys;
        Level1 blas = Nd4j.getBlasWrapper().level1();
        if (slice.isAll()) {
            w = fullWork();
            xs = x;
            ys = y;
        } else {
            checkGatherable();
            int k = slice.to() - slice.from();
            if (k == 1) {
                return singleRow(blas, t, intercept, targetWeight, scale, slice.order()[slice.from()], g);
            }
            w = sliceWork(k);
            gather(slice, w);
            xs = w.x;
            ys = w.y;
        }
        long k = w.r.length();
        // r = Xθ + (b − τy): b − τyᵢ first, exact when y is far from 0 and b ≈ τȳ (Sterbenz), so a large offset of y
        // does not round every residual at ulp(b) (y ≈ 1e12 + noise lost digits in proportion to |ȳ|/noise)
        if (targetWeight != 0 || intercept != 0) {
            w.r.assign(intercept);
            if (targetWeight != 0) {
                blas.axpy(k, -targetWeight, ys, w.r);
            }
            Nd4j.gemm(xs, t, w.r, false, false, 1.0, 1.0);
        } else {
            Nd4j.gemm(xs, t, w.r, false, false, 1.0, 0.0);
        }
        INDArray r64 = w.r;
        if (w.r64 != null) {
            w.r64.assign(w.r);
            r64 = w.r64;
        }
        if (weights != null) { // w∘r in float64: Σwr² = (w∘r)ᵀr, Σwr, then Xᵀ(w∘r)
            INDArray wk = slice.isAll() ? weights : w.w64;
            w.wr64.assign(r64).muli(wk);
            double sumOfSquares = blas.dot(k, 1.0, w.wr64, r64);
            double sum = blas.dot(k, 1.0, w.wr64, w.ones64);
            INDArray wr = w.wr64;
            if (type != DataType.DOUBLE) {
                w.r.assign(w.wr64);
                wr = w.r;
            }
            Nd4j.gemm(xs, wr, g, true, false, scale, 0.0);
            return new ResidualSums(sumOfSquares, sum);
        }
        double sumOfSquares = blas.dot(k, 1.0, r64, r64);
        double sum = blas.dot(k, 1.0, r64, w.ones64);
        Nd4j.gemm(xs, w.r, g, true, false, scale, 0.0);
        return new ResidualSums(sumOfSquares, sum);
    }

    /**
     * One row i (SGD): r = xᵢᵀθ + b − τyᵢ with xᵢᵀθ a BLAS dot on a view of row i (no gather), then
     * out = (s·r)·xᵢ as a BLAS copy of the row and a scal: one small view and three level-1 calls
     * instead of a gather and two matrix products.
     */
    private ResidualSums singleRow(Level1 blas, INDArray theta, double intercept, double targetWeight, double scale,
                                   long i, INDArray out) {
        INDArray row = x.get(NDArrayIndex.point(i), NDArrayIndex.all());
        double r = blas.dot(cols, 1.0, row, theta) + (intercept - targetWeight * y.data().getDouble(i));
        blas.copy(row, out);
        if (weights != null) {
            double wr = weights.data().getDouble(i) * r;
            blas.scal(cols, scale * wr, out);
            return new ResidualSums(wr * r, wr);
        }
        blas.scal(cols, scale * r, out);
        return new ResidualSums(r * r, r);
    }

    /**
     * Copies the slice's rows of X (and y) into the work arrays with {@code Nd4j.pullRows}; targets of
     * small slices are copied through the data buffers instead (a pullRows call costs ≈ 20 µs).
     */
    private void gather(RowSlice slice, Work w) {
        int k = slice.to() - slice.from();
        long[] order = slice.order();
        int[] index = new int[k];
        for (int q = 0; q < k; q++) {
            index[q] = (int) order[slice.from() + q];
        }
        Nd4j.pullRows(x, w.x, 1, index);
        if (k <= LOOP_GATHER_ROWS) {
            for (int q = 0; q < k; q++) {
                w.y.data().put(q, y.data().getDouble(index[q]));
            }
        } else {
            Nd4j.pullRows(y, w.y, 1, index);
        }
        if (weights != null) {
            for (int q = 0; q < k; q++) {
                w.w64.data().put(q, weights.data().getDouble(index[q]));
            }
        }
    }

    /** BLAS axpy in the vectors' precision (α rounded to float32 for float32 vectors). */
    @Override
    public void axpy(double alpha, BackendVector x, BackendVector y) {
        ensureOpen();
        Nd4jVector a = vector(x);
        Nd4jVector b = vector(y);
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            Nd4j.getBlasWrapper().level1().axpy(cols, alpha, a.array(), b.array());
        }
    }

    /** BLAS scal in the vector's precision. */
    @Override
    public void scale(double alpha, BackendVector x) {
        ensureOpen();
        Nd4jVector a = vector(x);
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            Nd4j.getBlasWrapper().level1().scal(cols, alpha, a.array());
        }
    }

    /** x ← d∘x by ND4J's in-place multiply (in the vectors' precision). */
    @Override
    public void multiply(BackendVector d, BackendVector x) {
        ensureOpen();
        INDArray a = vector(d).array();
        INDArray b = vector(x).array();
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            b.muli(a);
        }
    }

    /** to ← from by a BLAS copy. */
    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        INDArray a = vector(from).array();
        INDArray b = vector(to).array();
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            Nd4j.getBlasWrapper().level1().copy(a, b);
        }
    }

    /** ddot; float32 vectors are cast to float64 copies first. */
    @Override
    public double dot(BackendVector x, BackendVector y) {
        ensureOpen();
        INDArray a = vector(x).array();
        INDArray b = vector(y).array();
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            if (precision == Precision.FLOAT64) {
                return Nd4j.getBlasWrapper().level1().dot(cols, 1.0, a, b);
            }
            INDArray a64 = a.castTo(DataType.DOUBLE);
            INDArray b64 = b.castTo(DataType.DOUBLE);
            try {
                return Nd4j.getBlasWrapper().level1().dot(cols, 1.0, a64, b64);
            } finally {
                Nd4jRuntime.release(a64, b64);
            }
        }
    }

    @Override
    public CrossProducts crossProducts(boolean centred) {
        ensureOpen();
        ColumnStatistics s = centred ? columnStatistics() : null;
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            return Nd4jDirectPasses.crossProducts(x, y, rootWeights, s, blockRows());
        }
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ensureOpen();
        if (rows > Integer.MAX_VALUE || (rows + 1) * (cols + 1) > Integer.MAX_VALUE) {
            throw new IllegalStateException("the QR pass on ND4J needs a float64 copy of X beyond 2³¹ elements; use a gradient solver or the cpu backend");
        }
        ColumnStatistics s = centred ? columnStatistics() : null;
        try (Nd4jRuntime.ThreadScope scope = Nd4jRuntime.threads(threads)) {
            return Nd4jDirectPasses.qrReduction(x, y, rootWeights, s, columnScales);
        }
    }

    /** On the host dataset the problem was loaded from, read in the problem's precision. */
    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (extendedResiduals[slot] == null) {
            extendedResiduals[slot] = new HostExtendedResidual(source, precision, centred, Math.max(1, threads));
        }
        return extendedResiduals[slot];
    }

    /** {@link dev.downhill.spi.HostRowNorms} of the host dataset the problem was loaded from. */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        ensureOpen();
        return dev.downhill.spi.HostRowNorms.max(source, centre, squaredFactors, Math.max(1, threads));
    }

    /** The Gram matrix (plain Java) of {@link dev.downhill.spi.HostRowSketch} of the host dataset the problem was loaded from. */
    @Override
    public double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        ensureOpen();
        double[] means = centred ? columnStatistics().means() : null;
        return dev.downhill.spi.HostRowSketch.gram(source, means, sketchRows, rowRate, seed, Math.max(1, threads),
                denseKernels());
    }

    /** Rows per float64 block of about {@link #BLOCK_BYTES}. */
    private long blockRows() {
        return Math.max(1, Math.min(rows, BLOCK_BYTES / (8L * cols)));
    }

    private Work fullWork() {
        if (full == null) {
            full = new Work(rows, null);
        }
        return full;
    }

    private Work sliceWork(int k) {
        Work w = slices.get(k);
        if (w == null) {
            if (slices.size() >= CACHED_SLICE_SIZES) {
                Map.Entry<Integer, Work> eldest = slices.entrySet().iterator().next();
                slices.remove(eldest.getKey());
                eldest.getValue().close();
            }
            w = new Work(k, Nd4j.create(type, k, cols));
            slices.put(k, w);
        }
        return w;
    }

    /** Work arrays for a pass over k rows: gathered rows and targets (slices only), r, ones, and float64 copies for float32. */
    private final class Work implements AutoCloseable {
        final INDArray x;
        final INDArray y;
        final INDArray r;
        final INDArray ones;
        final INDArray r64;
        final INDArray ones64;
        /** Weighted problems: w∘r in float64, and the gathered weights of a slice (null for the full pass). */
        final INDArray wr64;
        final INDArray w64;

        Work(long k, INDArray gathered) {
            List<INDArray> made = new ArrayList<>();
            try {
                this.x = gathered;
                made.add(gathered);
                this.y = gathered == null ? null : add(made, Nd4j.create(type, k, 1));
                this.r = add(made, Nd4j.create(type, k, 1));
                this.ones = add(made, Nd4j.ones(type, k, 1));
                this.r64 = type == DataType.DOUBLE ? null : add(made, Nd4j.create(DataType.DOUBLE, k, 1));
                this.ones64 = type == DataType.DOUBLE ? ones : add(made, Nd4j.ones(DataType.DOUBLE, k, 1));
                this.wr64 = weights == null ? null : add(made, Nd4j.create(DataType.DOUBLE, k, 1));
                this.w64 = weights == null || gathered == null ? null : add(made, Nd4j.create(DataType.DOUBLE, k, 1));
            } catch (RuntimeException | Error e) {
                Nd4jRuntime.release(made.toArray(new INDArray[0]));
                throw e;
            }
        }

        private INDArray add(List<INDArray> made, INDArray a) {
            made.add(a);
            return a;
        }

        @Override
        public void close() {
            Nd4jRuntime.release(w64, wr64, ones64 == ones ? null : ones64, r64, ones, r, y, x);
        }
    }

    /** Mini-batches gather rows by int index here (the order's length is checked in core, {@code CheckedProblem}). */
    private void checkGatherable() {
        if (rows > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("the nd4j backend gathers rows with Nd4j.pullRows, whose row indices are ints; "
                    + "X has " + rows + " rows: use a full-batch solver or the cpu backend");
        }
    }

    private Nd4jVector vector(BackendVector v) {
        if (!(v instanceof Nd4jVector)) {
            throw new IllegalArgumentException("not an nd4j-backend vector: " + v.getClass().getName());
        }
        Nd4jVector c = (Nd4jVector) v;
        if (c.length() != cols || c.precision() != precision) {
            throw new IllegalArgumentException("vector of " + c.length() + " " + c.precision() + " values does not match "
                    + cols + " columns in " + precision);
        }
        return c;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("problem is closed");
        }
        if (!source.isOpen()) {
            throw new IllegalStateException("the dataset this problem was loaded from has been closed; keep it open while the problem is used");
        }
    }

    /** Releases the work arrays, then X and y (the wrappers only, when they view the dataset). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Work w : slices.values()) {
            w.close();
        }
        slices.clear();
        if (full != null) {
            full.close();
        }
        Nd4jRuntime.release(rootWeights, weights, y, x);
    }
}
