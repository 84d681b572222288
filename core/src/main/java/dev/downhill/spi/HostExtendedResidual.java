package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link ExtendedResidual} over a host {@link Dataset} (for backends whose X is in host memory, or that keep
 * the host copy they were loaded from): rᵢ = (yᵢ − ȳ) − Σⱼ (Xᵢⱼ − x̄ⱼ)θⱼ and X_cᵀr with the means and every
 * product and sum carried in double-double (products split exactly with {@link Math#fma}, sums by two-sum;
 * ≈ 106 bits less log₂ of the terms per row). Streams X in row blocks through windows (no per-row
 * allocation, nothing of length m); reads X, y (host memory) and θ, writes nothing it does not return.
 *
 * <p>Weighted datasets ({@link Dataset#isWeighted()}): the means are the weighted ones, (1/Σw)Σᵢ wᵢxᵢ with the
 * products wᵢxᵢ and Σw carried in double-double, and the pass returns X_cᵀW r, each wᵢrᵢ formed in double-double.
 *
 * <p>The rows are split into {@code threads} contiguous ranges whose partial sums are combined in range
 * order: the same inputs and thread count give bit-identical results. The means are computed (one pass)
 * when the object is made; a backend may keep the object for later fits of the same problem.
 *
 * <p>Interrupts: each range is handed to the {@link RangeKernel} in chunks of whole blocks (about
 * {@value #CHUNK_ELEMENTS} values; the same bits as one call, since the sums carry over and are renormalised at the
 * same rows). Between chunks the calling thread looks at its interrupt flag, and the other ranges' threads at whether it
 * was seen: an interrupted pass ends with {@link dev.downhill.FitInterruptedException} ({@link Interrupts}) once every
 * range has stopped.
 *
 * <p>The per-range arithmetic is this class's Java code unless a {@link RangeKernel} is given: a backend may run
 * the same operations natively (the cpu backend does, with AVX2), and must then give the same bits.
 */
public final class HostExtendedResidual implements ExtendedResidual {

    /**
     * The two passes' arithmetic over one row range, operation for operation as this class's Java code: the same
     * double-double operations in the same order, the dot product xᵢᵀθ in four interleaved chains (column j in
     * chain j mod 4, the tail past the last multiple of four in chain 0, then chains 1, 2, 3 added to chain 0), and
     * every (hi, lo) pair renormalised after each {@code blockRows} rows counted from {@code from}. {@code hi} and
     * {@code lo} hold n + 1 sums (the n columns, then the total), zero on entry; X, y and the weights are read as
     * the dataset holds them, rounded to float32 first when {@code round}.
     */
    public interface RangeKernel {
        /** The Java code: the reference a native kernel is tested against. */
        static RangeKernel java() {
            return JavaRangeKernel.INSTANCE;
        }

        /**
         * Adds Σᵢ xᵢ and Σᵢ yᵢ (weighted: Σ wᵢxᵢ, Σ wᵢyᵢ, each product split exactly) over rows [from, to); with
         * {@code momentHi} non-null (unweighted data only) also Σᵢ xᵢyᵢ, each product split exactly, into the n sums
         * {@code momentHi}/{@code momentLo} (zero on entry, renormalised with the others) — in the same pass.
         */
        void columnSums(Dataset data, boolean round, long from, long to, int blockRows, double[] hi, double[] lo,
                        double[] momentHi, double[] momentLo);

        /**
         * Adds Σᵢ xᵢrᵢ and Σᵢ rᵢ over rows [from, to), rᵢ = yᵢ − xᵢᵀθ + offset in double-double (weighted: wᵢrᵢ in
         * place of rᵢ).
         */
        void residualSums(Dataset data, boolean round, long from, long to, int blockRows, double[] theta,
                          double offsetHi, double offsetLo, double[] hi, double[] lo);
    }

    /** Elements per window (a block of whole rows, at least one). */
    private static final int WINDOW = OffHeapViews.MAX_WINDOW;
    /** Values of X per kernel call (whole blocks, at least one): the interrupt flag is read between calls. */
    static final int CHUNK_ELEMENTS = 1 << 22;

    private final Dataset data;
    private final boolean round;
    private final int n;
    private final int blockRows;
    /** Rows per kernel call: a whole number of blocks. */
    private final long chunkRows;
    private final int threads;
    /** x̄ and ȳ in double-double ({@link DoubleDoubleMeans#NONE} when uncentred). */
    private final DoubleDoubleMeans means;
    /** The dataset's weights, or null when unweighted. */
    private final org.bytedeco.javacpp.DoublePointer weights;
    /** The per-range arithmetic: {@link JavaRangeKernel} or a backend's native code with the same bits. */
    private final RangeKernel kernel;
    /** X_cᵀy_c rounded, when asked for at construction; else null. */
    private final double[] centredMoment;

    public HostExtendedResidual(Dataset data, boolean centred) {
        this(data, data.precision(), centred, 1);
    }

    /**
     * @param precision the precision the backend holds X and y in: with FLOAT32 over float64 data every value
     *                  is rounded to float32 as it is read (the problem the backend solves), with FLOAT64 it is
     *                  read as stored
     * @param threads   threads for each pass (≥ 1)
     */
    public HostExtendedResidual(Dataset data, Precision precision, boolean centred, int threads) {
        this(data, precision, centred, threads, null);
    }

    /**
     * @param kernel the per-range arithmetic, or null for this class's Java code
     */
    public HostExtendedResidual(Dataset data, Precision precision, boolean centred, int threads, RangeKernel kernel) {
        this(data, precision, centred, threads, kernel, false);
    }

    /**
     * @param kernel the per-range arithmetic, or null for this class's Java code
     * @param moment whether the means' pass also accumulates Σᵢ xᵢyᵢ, for {@link #centredMoment()} (centred and
     *               unweighted only)
     */
    public HostExtendedResidual(Dataset data, Precision precision, boolean centred, int threads, RangeKernel kernel,
                                boolean moment) {
        if (moment && (!centred || data.isWeighted())) {
            throw new IllegalArgumentException("the moment X_cᵀy_c comes with a centred pass over unweighted data");
        }
        this.kernel = kernel == null ? JavaRangeKernel.INSTANCE : kernel;
        this.data = data;
        this.round = precision == Precision.FLOAT32 && data.precision() == Precision.FLOAT64;
        this.n = Math.toIntExact(data.cols());
        this.blockRows = (int) Math.max(1, Math.min(4096, WINDOW / Math.max(1, n)));
        this.chunkRows = (long) blockRows * Math.max(1, CHUNK_ELEMENTS / ((long) blockRows * Math.max(1, n)));
        this.threads = (int) Math.max(1, Math.min(threads, data.rows()));
        this.weights = data.isWeighted() ? data.weightsPointer() : null;
        if (centred) {
            Partial total = run(() -> new Partial(n, moment), (from, to, p) -> columnSums(from, to, p));
            double[] w = weights == null ? new double[] {data.rows(), 0} : weightSum();
            this.means = DoubleDoubleMeans.of(total.hi, total.lo, n, total.totalHi(), total.totalLo(), w[0], w[1]);
            this.centredMoment = moment ? means.centre(total.momentHi, total.momentLo, n, total.totalHi(), total.totalLo()) : null;
        } else {
            this.means = DoubleDoubleMeans.NONE;
            this.centredMoment = null;
        }
    }

    /**
     * X_cᵀy_c = Σᵢ xᵢyᵢ − x̄·Σᵢ yᵢ, each of the n values the double nearest its double-double value, from the means'
     * pass (no pass of its own); null unless this object was made with {@code moment}. A fresh array.
     */
    public double[] centredMoment() {
        return centredMoment == null ? null : centredMoment.clone();
    }

    /**
     * The column means and ȳ this pass centres with, each the double nearest its double-double value (zeros for an
     * uncentred pass): correctly rounded means, from the pass made when this object was.
     */
    public ColumnStatistics roundedMeans() {
        return means.rounded(n);
    }

    /**
     * The low parts of the means this pass centres with — x̄ⱼ − {@link #roundedMeans()}'s x̄ⱼ for each column, then ȳ's
     * (n + 1 values, zeros for an uncentred pass): with the rounded means, the double-double means, for a caller that
     * moves this pass's sums to other means (Spark's partitions, to the global means) to ~106 bits.
     */
    public double[] meanLowParts() {
        return means.lowParts(n);
    }

    @Override
    public double intercept(double[] theta) {
        return means.intercept(theta);
    }

    /**
     * X_cᵀr for r = r(θ), in one streaming pass: each rᵢ in double-double, and the n sums Σᵢ Xᵢⱼrᵢ and Σᵢ rᵢ
     * carried in double-double too, then X_cᵀr = Σᵢ xᵢrᵢ − x̄·Σᵢ rᵢ. Returns n values rounded to double.
     */
    @Override
    public double[] transposedResidual(double[] theta) {
        double[] offset = means.offset(theta); // x̄ᵀθ − ȳ, so that rᵢ = yᵢ − xᵢᵀθ + offset
        Partial total = run(() -> new Partial(n), (from, to, p) -> residualSums(from, to, theta, offset[0], offset[1], p));
        return means.centre(total.hi, total.lo, n, total.totalHi(), total.totalLo());
    }

    /** Per-range double-double sums: n column sums and one total, the total at index n; n moments Σxᵢyᵢ or none. */
    private static final class Partial {
        final double[] hi;
        final double[] lo;
        final double[] momentHi;
        final double[] momentLo;

        Partial(int n) {
            this(n, false);
        }

        Partial(int n, boolean moment) {
            hi = new double[n + 1];
            lo = new double[n + 1];
            momentHi = moment ? new double[n] : null;
            momentLo = moment ? new double[n] : null;
        }

        double totalHi() {
            return hi[hi.length - 1];
        }

        double totalLo() {
            return lo[lo.length - 1];
        }

        /** this += other, in double-double. */
        void add(Partial other) {
            add(hi, lo, other.hi, other.lo);
            if (momentHi != null) {
                add(momentHi, momentLo, other.momentHi, other.momentLo);
            }
        }

        private static void add(double[] hi, double[] lo, double[] otherHi, double[] otherLo) {
            for (int j = 0; j < hi.length; j++) {
                double[] s = twoSumAdd(hi[j], lo[j], otherHi[j], otherLo[j]);
                hi[j] = s[0];
                lo[j] = s[1];
            }
        }
    }

    /** Adds Σᵢ xᵢ and Σᵢ yᵢ (weighted: Σ wᵢxᵢ, Σ wᵢyᵢ) over rows [from, to) into {@code p}. */
    private void columnSums(long from, long to, Partial p) {
        kernel.columnSums(data, round, from, to, blockRows, p.hi, p.lo, p.momentHi, p.momentLo);
    }

    /** Adds Σᵢ xᵢrᵢ and Σᵢ rᵢ over rows [from, to), rᵢ = yᵢ − xᵢᵀθ + offset in double-double, into {@code p}. */
    private void residualSums(long from, long to, double[] theta, double offsetHi, double offsetLo, Partial p) {
        kernel.residualSums(data, round, from, to, blockRows, theta, offsetHi, offsetLo, p.hi, p.lo);
    }

    /** Adds a chunk's sums (rows [from, to), from a whole number of blocks into its range) into a range's partial. */
    private interface ChunkTask {
        void add(long from, long to, Partial into);
    }

    /**
     * Runs the task over rows [from, to) in chunks of {@link #chunkRows} into a fresh partial; before each chunk the
     * calling thread ({@code caller}) looks at its interrupt flag and, when set, raises {@code stop}; the others look at
     * {@code stop}. Returns the partial, incomplete when stopped.
     */
    private Partial range(long from, long to, java.util.function.Supplier<Partial> fresh, ChunkTask task,
                          java.util.concurrent.atomic.AtomicBoolean stop, boolean caller) {
        Partial p = fresh.get();
        for (long start = from; start < to; start += chunkRows) {
            if (caller && Thread.currentThread().isInterrupted()) {
                stop.set(true);
            }
            if (stop.get()) {
                break;
            }
            task.add(start, Math.min(to, start + chunkRows), p);
        }
        return p;
    }

    /**
     * Runs the task on {@code threads} contiguous row ranges (range 0 on the calling thread) and combines the partials in
     * range order; when the calling thread is interrupted, every range stops at its next chunk and, once all have, the
     * pass throws {@link dev.downhill.FitInterruptedException}.
     */
    private Partial run(java.util.function.Supplier<Partial> fresh, ChunkTask task) {
        long m = data.rows();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        if (threads == 1) {
            Partial total = range(0, m, fresh, task, stop, true);
            if (stop.get()) {
                throw stopped();
            }
            return total;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "downhill-extended-residual");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Partial>> futures = new ArrayList<>();
            for (int t = 1; t < threads; t++) {
                long from = m * t / threads;
                long to = m * (t + 1) / threads;
                Callable<Partial> c = () -> range(from, to, fresh, task, stop, false);
                futures.add(pool.submit(c));
            }
            Partial total;
            try {
                total = range(0, m / threads, fresh, task, stop, true);
            } catch (RuntimeException | Error e) {
                stop.set(true); // a failure: the other ranges stop at their next chunk
                throw e;
            }
            for (Future<Partial> f : futures) {
                total.add(get(f));
            }
            if (stop.get()) {
                throw stopped(); // every range has stopped
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Partial get(Future<Partial> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The exception of a pass the calling thread's interrupt stopped; its flag stays set (get() keeps it). */
    private static RuntimeException stopped() {
        Thread.currentThread().interrupt(); // set already: never lose it
        return new dev.downhill.FitInterruptedException(0, null, true);
    }

    /** (ah + al) + (bh + bl) in double-double, normalised. */
    private static double[] twoSumAdd(double ah, double al, double bh, double bl) {
        double s = ah + bh;
        double v = s - ah;
        double e = (ah - (s - v)) + (bh - v) + al + bl;
        double h = s + e;
        return new double[] {h, e - (h - s)};
    }

    /** Σw in double-double, in row order. */
    private double[] weightSum() {
        double hi = 0;
        double lo = 0;
        long m = data.rows();
        for (long start = 0; start < m; start += WINDOW) {
            int len = (int) Math.min(WINDOW, m - start);
            DoubleBuffer b = OffHeapViews.doubles(weights, start, len);
            for (int i = 0; i < len; i++) {
                double wi = b.get(i);
                double s = hi + wi;
                double v = s - hi;
                lo += (hi - (s - v)) + (wi - v);
                hi = s;
            }
        }
        double s = hi + lo;
        return new double[] {s, lo - (s - hi)};
    }

}
