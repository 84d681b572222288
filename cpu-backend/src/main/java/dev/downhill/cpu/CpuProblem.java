package dev.downhill.cpu;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.HostRowNorms;
import dev.downhill.spi.HostRowSketch;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.HostExtendedResidual;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.spi.WideRows;
import org.bytedeco.javacpp.LongPointer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A dataset resident in host memory for the CPU backend. X is the dataset's own memory (a
 * converted copy, owned here, only when the requested precision differs), so the dataset must
 * stay open; every operation checks that it is and throws {@link IllegalStateException} if not.
 * Full passes split the rows into min(threads, m) contiguous ranges, one {@link FusedKernel} per
 * range, run on a fixed pool; their float64 accumulators are combined in range order. Gather
 * passes (SGD slices) run on the calling thread. A pass always waits for all its workers, even
 * when the calling thread is interrupted, so no worker outlives the memory it reads.
 */
final class CpuProblem implements ResidentProblem {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CpuProblem.class);

    private final Dataset source;
    private final Dataset converted;
    private final Dataset data;
    private final long rows;
    private final long cols;
    private final Precision precision;
    /** The dataset's sample weights (float64), or null when unweighted. */
    private final DoublePointer weights;
    private final double weightSum;
    private final int threads;
    private final GradientStrategy strategy;
    private final FusedKernel[] kernels;
    private final long[] rangeStart;
    private final RangePool pool;
    private ColumnStatistics statistics;
    private final double[][] columnDeviations = new double[2][];
    /** The extended-precision residual passes (uncentred, centred), made on first use: they hold the double-double means. */
    private final HostExtendedResidual[] extendedResiduals = new HostExtendedResidual[2];
    private boolean closed;

    /** @param threads the thread count asked for (≥ 1); at most one worker per row is used */
    CpuProblem(Dataset source, Precision precision, int threads, BlockShape shape, GradientStrategy strategy) {
        this.source = source;
        this.strategy = strategy;
        this.precision = precision;
        this.threads = threads;
        this.rows = source.rows();
        this.cols = source.cols();
        int workers = (int) Math.max(1, Math.min(threads, rows));
        this.kernels = new FusedKernel[workers];
        this.rangeStart = new long[workers + 1];
        for (int t = 0; t <= workers; t++) {
            rangeStart[t] = rows * t / workers;
        }
        Dataset copy = null;
        try {
            copy = source.precision() == precision ? null : source.toPrecision(precision);
            Dataset d = copy == null ? source : copy;
            for (int t = 0; t < workers; t++) {
                kernels[t] = precision == Precision.FLOAT64
                        ? new DoubleKernel((DoublePointer) d.xPointer(), (DoublePointer) d.yPointer(), d.weightsPointer(), cols,
                                shape, strategy)
                        : new FloatKernel((FloatPointer) d.xPointer(), (FloatPointer) d.yPointer(), d.weightsPointer(), cols,
                                shape, strategy);
            }
        } catch (RuntimeException | Error e) {
            for (int t = workers - 1; t >= 0; t--) {
                if (kernels[t] != null) {
                    kernels[t].close();
                }
            }
            if (copy != null) {
                copy.close();
            }
            throw e;
        }
        this.converted = copy;
        this.data = copy == null ? source : copy;
        this.weights = data.weightsPointer();
        this.weightSum = source.weightSum();
        this.pool = new RangePool(workers, "downhill-cpu");
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

    /** The thread count the problem was loaded with (it uses at most one worker per row). */
    int threads() {
        return threads;
    }

    /** The thread count the passes, the epoch kernels' chunks and the LAPACK kernels use: it decides the sums' order. */
    @Override
    public int hostThreads() {
        return threads;
    }

    @Override
    public String description() {
        return threads + (threads == 1 ? " thread, " : " threads, ") + CpuBackend.kernelName(strategy);
    }

    /** The kernel full passes use. */
    GradientStrategy strategy() {
        return strategy;
    }

    @Override
    public BackendVector allocateVector(long length) {
        ensureOpen();
        return new CpuVector(length, precision);
    }

    @Override
    public synchronized ColumnStatistics columnStatistics() {
        ensureOpen();
        if (statistics == null) {
            int ranges = rangeStart.length - 1;
            DoublePointer[] squares = new DoublePointer[ranges]; // the mean squares about 0, where the pass can sum them
            boolean[] summed = new boolean[ranges];
            try {
                for (int t = 0; t < ranges; t++) {
                    squares[t] = new DoublePointer(cols);
                    squares[t].fill(0);
                }
                forEachRange(t -> {
                    kernels[t].clear();
                    summed[t] = kernels[t].statisticsRows(rangeStart[t], rangeStart[t + 1], squares[t]);
                });
                boolean all = true;
                for (boolean b : summed) {
                    all &= b;
                }
                if (all && columnDeviations[0] == null) {
                    columnDeviations[0] = meanOfParts(squares);
                }
            } finally {
                for (DoublePointer p : squares) {
                    if (p != null) {
                        p.close();
                    }
                }
            }
            double[] means = new double[Math.toIntExact(cols)];
            double targetSum = 0;
            for (FusedKernel k : kernels) {
                DoubleBuffer acc = k.accumulator();
                for (int j = 0; j < means.length; j++) {
                    means[j] += acc.get(j);
                }
                targetSum += k.sum();
            }
            if (weights != null) { // weighted means: Σwx/Σw
                for (int j = 0; j < means.length; j++) {
                    means[j] /= weightSum;
                }
                statistics = new ColumnStatistics(means, targetSum / weightSum);
            } else {
                for (int j = 0; j < means.length; j++) {
                    means[j] /= rows;
                }
                statistics = new ColumnStatistics(means, targetSum / rows);
            }
        }
        return new ColumnStatistics(statistics.means().clone(), statistics.targetMean());
    }

    /**
     * Σᵢ wᵢ(xᵢⱼ − cⱼ)²/Σw (c = the means when centred, else 0) in float64, cached: one pass over X after the means, each
     * thread's row range summed in row order and the ranges' sums added in range order from 0 — so the bits depend on
     * the thread count, as every full pass's do (one thread: the plain row-order sum).
     */
    @Override
    public synchronized double[] columnMeanSquaredDeviations(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (columnDeviations[slot] == null) {
            double[] c = centred ? columnStatistics().means() : new double[Math.toIntExact(cols)];
            int n = c.length;
            double[][] parts = new double[rangeStart.length - 1][];
            forEachRange(t -> parts[t] = squaredDeviations(c, rangeStart[t], rangeStart[t + 1]));
            columnDeviations[slot] = meanOfParts(parts);
        }
        return columnDeviations[slot].clone();
    }

    /** (Σ over the ranges, in range order from 0, of each range's sums)/Σw (or /m): the ranges' parts as one mean. */
    private double[] meanOfParts(double[][] parts) {
        int n = Math.toIntExact(cols);
        double[] sums = new double[n];
        for (double[] part : parts) {
            for (int j = 0; j < n; j++) {
                sums[j] += part[j];
            }
        }
        for (int j = 0; j < n; j++) {
            sums[j] /= weights != null ? weightSum : rows;
        }
        return sums;
    }

    private double[] meanOfParts(DoublePointer[] parts) {
        double[][] host = new double[parts.length][Math.toIntExact(cols)];
        for (int t = 0; t < parts.length; t++) {
            parts[t].get(host[t]);
        }
        return meanOfParts(host);
    }

    /** Σᵢ wᵢ(xᵢⱼ − cⱼ)² over rows [start, end) in row order, float64 (natively when the epoch library loaded: the same bits). */
    private double[] squaredDeviations(double[] c, long start, long end) {
        int n = c.length;
        double[] sums = new double[n];
        if (EpochKernels.available()) { // the loop below in C: the same order and bits
            Pointer x = dev.downhill.internal.OffHeapViews.offset(data.xPointer(), start * cols);
            DoublePointer w = weights == null ? null : (DoublePointer) dev.downhill.internal.OffHeapViews.offset(weights, start);
            try (DoublePointer cp = new DoublePointer(c); DoublePointer sp = new DoublePointer(n)) {
                sp.fill(0);
                if (precision == Precision.FLOAT64) {
                    EpochKernels.squared_deviations_double((DoublePointer) x, cols, w, end - start, cp, sp);
                } else {
                    EpochKernels.squared_deviations_float((FloatPointer) x, cols, w, end - start, cp, sp);
                }
                sp.get(sums);
            }
            return sums;
        }
        for (long i = start; i < end; i++) {
            double w = weights != null ? weights.get(i) : 1;
            java.nio.Buffer row = precision == Precision.FLOAT64 ? OffHeapViews.doubles(data.xPointer(), i * cols, n)
                    : OffHeapViews.floats(data.xPointer(), i * cols, n);
            for (int j = 0; j < n; j++) {
                double v = row instanceof DoubleBuffer db ? db.get(j) : ((FloatBuffer) row).get(j);
                double d = v - c[j];
                if (weights != null) { // Σ wᵢ(xᵢⱼ − cⱼ)², as (w·d)·d
                    sums[j] += w * d * d;
                } else {
                    sums[j] += d * d;
                }
            }
        }
        return sums;
    }

    @Override
    public ResidualSums gradient(BackendVector theta, double intercept, double targetWeight, double scale,
                                 RowSlice slice, BackendVector out) {
        ensureOpen();
        CpuVector t = vector(theta);
        CpuVector g = vector(out);
        int used;
        if (slice.isAll()) {
            forEachRange(k -> {
                kernels[k].clear();
                kernels[k].gradientRows(rangeStart[k], rangeStart[k + 1], t.pointer(), intercept, targetWeight);
            });
            used = kernels.length;
        } else if (EpochKernels.available()) { // the row kernels the native epoch loop uses: the same bits batch by batch
            // cut into the chunks the epoch loop sums on its threads (one per kernel), summed here one after another
            int rows = slice.to() - slice.from();
            used = (int) EpochKernels.batch_chunks(rows, cols, kernels.length);
            LongPointer order = rowOrder.of(slice.order());
            for (int c = 0; c < used; c++) {
                kernels[c].clear();
                kernels[c].gradientGatherNative(order, slice.from() + chunkStart(rows, used, c),
                        slice.from() + chunkStart(rows, used, c + 1), t.pointer(), intercept, targetWeight);
            }
        } else {
            kernels[0].clear();
            kernels[0].gradientGather(slice.order(), slice.from(), slice.to(), t.pointer(), intercept, targetWeight);
            used = 1;
        }
        return combine(used, scale, g);
    }

    /** The first position of chunk c of a batch of {@code rows} rows cut into {@code chunks} (EpochKernels.batch_chunks). */
    static int chunkStart(int rows, int chunks, int c) {
        return (int) ((long) rows * c / chunks);
    }

    /** η for the {@code count} batches from batch {@code first} of {@code plan} into {@code rates} (through {@code scratch}). */
    static void stepSizes(dev.downhill.spi.StochasticEpoch plan, long first, int count, double[] scratch, DoublePointer rates) {
        for (int q = 0; q < count; q++) {
            scratch[q] = plan.stepSize(plan.firstStep() + first + q);
        }
        rates.put(scratch, 0, count);
    }

    /**
     * The averaging factors ({@link dev.downhill.spi.StochasticEpoch#averagingFactor}) of the {@code count} batches from
     * batch {@code first} of {@code plan} into {@code factors} (through {@code scratch}); nothing when {@code factors} is
     * null (no averaging).
     */
    static void averagingFactors(dev.downhill.spi.StochasticEpoch plan, long first, int count, double[] scratch,
                                 DoublePointer factors) {
        if (factors == null) {
            return;
        }
        for (int q = 0; q < count; q++) {
            scratch[q] = plan.averagingFactor(plan.firstStep() + first + q);
        }
        factors.put(scratch, 0, count);
    }

    /** The native copy of the slices' order arrays (one per block of an epoch). */
    private final NativeRowOrder rowOrder = new NativeRowOrder();

    /** Batches per native call of the epoch loop (their step sizes are handed over in one array), at least. */
    static final int EPOCH_CHUNK = 1 << 14;

    /**
     * Rows per native call of the epoch loop, at least (small batches: more than {@link #EPOCH_CHUNK} batches a call).
     * Each call starts the thread that computes the rows ahead and waits for its first rows (~0.1 ms): with B = 1 and
     * 16,384 rows a call that was ~15 % of an epoch of 2,000,000 × 20 (C harness: 73–78 → 57–70 ms an epoch at 2¹⁸
     * rows a call). 2¹⁸ step sizes are 2 MiB. Tests lower it to make the loop resume across calls at small sizes.
     */
    private static volatile int epochRowsPerCall = 1 << 18;

    /** Batches of {@code batchSize} rows per native call of the epoch loop. */
    static int epochChunk(long batchSize) {
        return (int) Math.max(EPOCH_CHUNK, Math.min(Integer.MAX_VALUE, epochRowsPerCall / Math.max(1, batchSize)));
    }

    /** Tests: sets the rows per native call of the epoch loop (at least {@link #EPOCH_CHUNK} batches), returns the old value. */
    static int epochRowsPerCall(int rows) {
        int old = epochRowsPerCall;
        epochRowsPerCall = Math.max(1, rows);
        return old;
    }

    /**
     * The whole epoch in native code ({@code epoch_float}/{@code epoch_double} of {@code downhill_epoch.h}) on the
     * calling thread, {@link #epochChunk} batches per JNI call (the step sizes of those batches computed here from the
     * schedule); the same bits as {@link StochasticEpoch#runPerBatch} on this problem (which the gather pass makes
     * through the same row kernels). With 2 or more threads, batches of enough values of X
     * ({@link EpochKernels#batch_chunks}) are cut into chunks summed on that many native threads (the gather pass of
     * {@link #gradient} on a slice cuts them alike, so the bits depend on the thread count, as full passes' do); for
     * other batches a second native thread computes the rows (the sampler's Feistel network) ahead of the loop. Without
     * the native library: the per-batch default.
     */
    @Override
    public StochasticEpoch.EpochSums epoch(StochasticEpoch plan, BackendVector theta, BackendVector gradient) {
        ensureOpen();
        if (!EpochKernels.available()) {
            return ResidentProblem.super.epoch(plan, theta, gradient);
        }
        CpuVector t = vector(theta);
        CpuVector g = vector(gradient);
        long batches = plan.batches();
        int chunk = (int) Math.min(batches, epochChunk(plan.batchSize()));
        double[] kappa = plan.l1Thresholds();
        double[] l1s2 = plan.l1SquaredScales();
        FusedKernel k = kernels[0];
        EpochRows order = plan.rows();
        boolean f64 = precision == Precision.FLOAT64;
        // batches cut into chunks summed on the problem's threads, or else a second core computes the rows (the sampler) ahead
        boolean split = plan.batchSize() > 1 && EpochKernels.batch_chunks(plan.batchSize(), cols, kernels.length) > 1;
        boolean producer = threads > 1 && batches > 1 && !split;
        try (DoublePointer rates = new DoublePointer(chunk);
             LongPointer rowScratch = new LongPointer(EpochKernels.ring_size(plan.batchSize(), producer));
             DoublePointer sumSquares = new DoublePointer(1);
             CpuVector tt = new CpuVector(cols, precision);
             DoublePointer kappaP = kappa == null ? null : new DoublePointer(kappa);
             DoublePointer l1s2P = l1s2 == null ? null : new DoublePointer(l1s2);
             DoublePointer averaging = plan.average() == null ? null : new DoublePointer(chunk);
             DoublePointer average = plan.average() == null ? null : new DoublePointer(plan.average())) { // θ̄, float64
            sumSquares.put(0, 0.0);
            double[] r = new double[chunk];
            for (long first = 0; first < batches; first += chunk) {
                int count = (int) Math.min(chunk, batches - first);
                stepSizes(plan, first, count, r, rates);
                averagingFactors(plan, first, count, r, averaging);
                if (f64) {
                    EpochKernels.epoch_double((DoublePointer) k.x(), cols, (DoublePointer) k.y(), k.weights(), rows, order.seed(),
                            order.epoch(), order.train(), order.validationSeed(), plan.batchSize(), first, count, rates,
                            (DoublePointer) t.pointer(), (DoublePointer) g.pointer(), plan.targetWeight(), plan.targetMean(),
                            (DoublePointer) pointer(plan.means()), (DoublePointer) pointer(plan.columnFactors()),
                            (DoublePointer) pointer(plan.ridge()), (DoublePointer) pointer(plan.squaredScales()), kappaP, l1s2P,
                            (DoublePointer) tt.pointer(), k.accumulatorPointer(), rowScratch, rowScratch.capacity(), producer, kernels.length,
                            average, averaging, sumSquares);
                } else {
                    EpochKernels.epoch_float((FloatPointer) k.x(), cols, (FloatPointer) k.y(), k.weights(), rows, order.seed(),
                            order.epoch(), order.train(), order.validationSeed(), plan.batchSize(), first, count, rates,
                            (FloatPointer) t.pointer(), (FloatPointer) g.pointer(), plan.targetWeight(), plan.targetMean(),
                            (FloatPointer) pointer(plan.means()), (FloatPointer) pointer(plan.columnFactors()),
                            (FloatPointer) pointer(plan.ridge()), (FloatPointer) pointer(plan.squaredScales()), kappaP, l1s2P,
                            (FloatPointer) tt.pointer(), k.partial(), k.accumulatorPointer(), rowScratch, rowScratch.capacity(), producer, kernels.length,
                            average, averaging, sumSquares);
                }
            }
            if (average != null) {
                average.get(plan.average());
            }
            return new StochasticEpoch.EpochSums(sumSquares.get(0), batches);
        }
    }

    private org.bytedeco.javacpp.Pointer pointer(BackendVector v) {
        return v == null ? null : vector(v).pointer();
    }

    /** out = scale · Σ_k accumulator_k (k in order); returns the combined reductions. */
    private ResidualSums combine(int used, double scale, CpuVector out) {
        int n = Math.toIntExact(cols);
        double ss = 0;
        double s = 0;
        for (int k = 0; k < used; k++) {
            ss += kernels[k].sumOfSquares();
            s += kernels[k].sum();
        }
        if (precision == Precision.FLOAT64) {
            DoubleBuffer o = OffHeapViews.doubles(out.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < used; k++) {
                    v += kernels[k].accumulator().get(j);
                }
                o.put(j, scale * v);
            }
        } else {
            FloatBuffer o = OffHeapViews.floats(out.pointer(), 0, n);
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < used; k++) {
                    v += kernels[k].accumulator().get(j);
                }
                o.put(j, (float) (scale * v));
            }
        }
        return new ResidualSums(ss, s);
    }

    /**
     * ŷ = Xθ + b on the problem's threads, one contiguous row range each (the ranges of the gradient pass): each row's
     * dot product accumulated in float64 in index order, then + b, so a row's prediction does not depend on the other
     * rows (with {@code cblas_dgemv} on row blocks it moved by an ulp with the block's length).
     */
    @Override
    public void predict(double[] theta, double intercept, DoublePointer out) {
        ensureOpen();
        int n = theta.length;
        forEachRange(k -> {
            long from = rangeStart[k];
            long to = rangeStart[k + 1];
            final int window = Math.max(1, Math.min(1 << 14, OffHeapViews.MAX_WINDOW / Math.max(1, n)));
            for (long i = from; i < to; i += window) {
                int rowsHere = (int) Math.min(window, to - i);
                DoubleBuffer yb = OffHeapViews.doubles(out, i, rowsHere);
                java.util.function.IntToDoubleFunction xv; // X's values of these rows, as float64
                if (precision == Precision.FLOAT64) {
                    DoubleBuffer xb = OffHeapViews.doubles(data.xPointer(), i * cols, rowsHere * n);
                    xv = xb::get;
                } else {
                    FloatBuffer xb = OffHeapViews.floats(data.xPointer(), i * cols, rowsHere * n);
                    xv = xb::get;
                }
                for (int r = 0; r < rowsHere; r++) {
                    double s = 0;
                    int o = r * n;
                    for (int j = 0; j < n; j++) {
                        s += theta[j] * xv.applyAsDouble(o + j);
                    }
                    yb.put(r, s + intercept);
                }
            }
        });
    }

    @Override
    public void axpy(double alpha, BackendVector x, BackendVector y) {
        ensureOpen();
        VectorOps.axpy(alpha, vector(x), vector(y));
    }

    @Override
    public void scale(double alpha, BackendVector x) {
        ensureOpen();
        VectorOps.scale(alpha, vector(x));
    }

    @Override
    public void multiply(BackendVector d, BackendVector x) {
        ensureOpen();
        VectorOps.multiply(vector(d), vector(x));
    }

    @Override
    public void copy(BackendVector from, BackendVector to) {
        ensureOpen();
        VectorOps.copy(vector(from), vector(to));
    }

    @Override
    public double dot(BackendVector x, BackendVector y) {
        ensureOpen();
        return VectorOps.dot(vector(x), vector(y));
    }

    @Override
    public CrossProducts crossProducts(boolean centred) {
        ensureOpen();
        ColumnStatistics s = centringMeans(centred);
        return OpenBlas.withThreads(kernels.length, () -> DirectPasses.crossProducts(data, s, null, kernels.length));
    }

    /**
     * What the direct passes centre by: the refinement pass's correctly rounded means (which the direct solver needs
     * anyway: no separate statistics pass, and the same Gram and R whatever ran on this problem before); null uncentred.
     */
    private ColumnStatistics centringMeans(boolean centred) {
        return centred ? centredResidual(false).roundedMeans() : null;
    }

    /**
     * The centred refinement pass, made on first use — with X_cᵀy_c accumulated by its means' pass when {@code moment}
     * asks for it and the data are unweighted (then the Gram pass needs no read of X for c). A pass made earlier without
     * the moment is made again with it when the moment is asked for: the Gram pass's own c is summed otherwise, and a
     * normal fit after an svd or cd fit on the same loaded problem then differed from a fresh one in the last bit (the
     * means are the same bits either way).
     */
    private HostExtendedResidual centredResidual(boolean moment) {
        synchronized (this) {
            boolean momentMissing = moment && !data.isWeighted() && extendedResiduals[1] != null
                    && extendedResiduals[1].centredMoment() == null;
            if (extendedResiduals[1] == null || momentMissing) {
                long started = System.nanoTime();
                extendedResiduals[1] = new HostExtendedResidual(data, precision, true, kernels.length, NativeRangeKernel.orJava(),
                        moment && !data.isWeighted());
                LOG.debug("direct pass: the means (double-double column sums{}) {} ms", moment ? " and X_cᵀy_c" : "",
                        (System.nanoTime() - started) / 1_000_000);
            }
            return extendedResiduals[1];
        }
    }

    /**
     * G kept off the Java heap, scaled and factored in place (up to order {@value OffHeapGramSystem#MAX_VIEW_ORDER}). With
     * {@code float32Products}, unweighted data get {@link DirectPasses#float32Products} where it applies (ssyrk on rows
     * centred and rounded to float32); otherwise the float64 Gram pass.
     */
    @Override
    public GramSystem gramSystem(boolean centred, boolean float32Products) {
        ensureOpen();
        if (data.cols() > OffHeapGramSystem.MAX_VIEW_ORDER) {
            return ResidentProblem.super.gramSystem(centred, false);
        }
        HostExtendedResidual pass = centred ? centredResidual(true) : null;
        ColumnStatistics s = centred ? pass.roundedMeans() : null;
        double[] moment = centred ? pass.centredMoment() : null;
        return OpenBlas.withThreads(kernels.length, () -> {
            OffHeapGramSystem fast = float32Products ? DirectPasses.float32Products(data, s, moment, kernels.length) : null;
            return fast != null ? fast : DirectPasses.gram(data, s, moment, kernels.length);
        });
    }

    @Override
    public QrReduction qrReduction(boolean centred, double[] columnScales) {
        ensureOpen();
        ColumnStatistics s = centringMeans(centred);
        return OpenBlas.withThreads(kernels.length, () -> DirectPasses.qrReduction(data, s, columnScales.clone()));
    }

    /** [X_c·D | y_c] itself, copied to the heap ({@link DirectPasses#wideRows}): no QR pass. */
    @Override
    public WideRows wideRows(boolean centred, double[] columnScales) {
        ensureOpen();
        ColumnStatistics s = centringMeans(centred);
        return DirectPasses.wideRows(data, s, columnScales.clone());
    }

    @Override
    public synchronized ExtendedResidual extendedResidual(boolean centred) {
        ensureOpen();
        int slot = centred ? 1 : 0;
        if (centred) {
            return centredResidual(false);
        }
        if (extendedResiduals[slot] == null) {
            extendedResiduals[slot] = new HostExtendedResidual(data, precision, false, kernels.length, NativeRangeKernel.orJava());
        }
        return extendedResiduals[slot];
    }

    /**
     * dsyrk of {@link HostRowSketch} of the dataset (centred by the column statistics' means), both on the problem's
     * threads.
     */
    @Override
    public double[] sketchGram(int sketchRows, double rowRate, long seed, boolean centred) {
        ensureOpen();
        double[] means = centred ? columnStatistics().means() : null;
        return HostRowSketch.gram(data, means, sketchRows, rowRate, seed, kernels.length, denseKernels());
    }

    /** {@link HostRowNorms} of the dataset on the problem's threads. */
    @Override
    public double maxSquaredRowNorm(double[] centre, double[] squaredFactors) {
        ensureOpen();
        return HostRowNorms.max(data, centre, squaredFactors, kernels.length);
    }

    @Override
    public DenseKernels denseKernels() {
        return new LapackDenseKernels(kernels.length);
    }

    /** Runs body(k) for every range k on the problem's threads (see {@link RangePool#run}). */
    private void forEachRange(IntConsumer body) {
        pool.run(body);
    }


    private CpuVector vector(BackendVector v) {
        if (!(v instanceof CpuVector)) {
            throw new IllegalArgumentException("not a cpu-backend vector: " + v.getClass().getName());
        }
        CpuVector c = (CpuVector) v;
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

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.close();
        rowOrder.close();
        for (int t = kernels.length - 1; t >= 0; t--) {
            kernels[t].close();
        }
        if (converted != null) {
            converted.close();
        }
    }
}
