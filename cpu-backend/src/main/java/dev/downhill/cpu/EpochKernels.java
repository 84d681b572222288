package dev.downhill.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JNI entry points to {@code src/main/cpp/downhill_epoch.h}: the SGD gather pass (one batch per call) and the epoch
 * loop (every batch of an epoch, or a run of them, per call), which share their row kernels, plus the sampler's
 * Feistel network in C (its tests compare it with {@link dev.downhill.sampling.CounterBasedSampler}). All pointers are
 * host memory; the header states each contract. {@link #available()} loads the library once.
 */
@Platform(include = {"downhill_epoch.h", "downhill_csr_epoch.h"})
@Namespace("downhill")
final class EpochKernels {
    private static final Logger LOG = LoggerFactory.getLogger(EpochKernels.class);
    private static volatile Boolean loaded;

    private EpochKernels() {
    }

    /** Whether the library loads (tried once; the reason it does not is logged once). */
    static boolean available() {
        Boolean l = loaded;
        if (l == null) {
            synchronized (EpochKernels.class) {
                if (loaded == null) {
                    try {
                        Loader.load(EpochKernels.class);
                        loaded = true;
                    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                        LOG.warn("downhill native epoch kernels unavailable, SGD runs batch by batch through OpenBLAS: {}", e.toString());
                        loaded = false;
                    }
                }
                l = loaded;
            }
        }
        return l;
    }

    /** y ← y + αx, n values (VectorOps.axpy's bits: float32 in float64, rounded once). Writes y. */
    static native void vector_axpy_float(double alpha, @Const FloatPointer x, FloatPointer y, long n);

    static native void vector_axpy_double(double alpha, @Const DoublePointer x, DoublePointer y, long n);

    /** x ← αx, n values (VectorOps.scale's bits). Writes x. */
    static native void vector_scale_float(double alpha, FloatPointer x, long n);

    static native void vector_scale_double(double alpha, DoublePointer x, long n);

    /** x ← d∘x, n values (VectorOps.multiply's bits). Writes x. */
    static native void vector_multiply_float(@Const FloatPointer d, FloatPointer x, long n);

    static native void vector_multiply_double(@Const DoublePointer d, DoublePointer x, long n);

    /** xᵀy in float64, n values, by VectorOps.dot's rule (the same bits). */
    static native double vector_dot_float(@Const FloatPointer x, @Const FloatPointer y, long n);

    static native double vector_dot_double(@Const DoublePointer x, @Const DoublePointer y, long n);

    /** The length of the epoch loop's row ring for batch size B (a power of two ≥ B + the rows it looks ahead). */
    static native long ring_size(long batch, @Cast("bool") boolean producer);

    /**
     * How many chunks a batch of {@code rows} rows is cut into on {@code threads} threads (1 for one thread or too few
     * values of X to share out); chunk c of C holds the batch's positions [⌊c·rows/C⌋, ⌊(c + 1)·rows/C⌋). The epoch
     * loop and {@code CpuProblem.gradient} on a slice cut batches alike.
     */
    static native long batch_chunks(long rows, long cols, long threads);

    /**
     * Tests: chunks of at least {@code values} values of X from now on, in the whole process (≤ 0: the default, 8192),
     * so that small problems split their batches too; returns the previous setting.
     */
    static native long epoch_split_values(long values);

    /**
     * Tests: while {@code idle}, in the whole process, the worker threads of split epochs take no chunk, so the calling
     * thread sums every chunk itself (each as soon as its own is summed), as on a machine too busy to run them.
     */
    static native void epoch_split_workers_idle(@Cast("bool") boolean idle);

    /** out[k] = CounterBasedSampler.rowAt(seed, epoch, from + k, rows), k &lt; count. Writes out. */
    static native void sampler_fill(long seed, long epoch, long rows, long from, LongPointer out, long count);

    /**
     * Tests: one round trip of the sampler's Feistel network (no cycle-walking) over v[k], k &lt; count, in place, by the
     * flavour {@code level} (0 scalar, 1 AVX2, 2 AVX-512), keyed for (seed, epoch, rows). False (v untouched) where the
     * CPU lacks that flavour.
     */
    @Cast("bool")
    static native boolean feistel_at_level(int level, long seed, long epoch, long rows, LongPointer v, long count);

    /**
     * Tests: the epoch kernels (sampler, row dots, axpys, single-row batches) use no SIMD flavour above {@code level}
     * (0 scalar, 1 AVX2, 2 whatever the CPU has) from now on, in the whole process. Every flavour gives the same bits;
     * this makes that testable on a CPU that has the wider ones.
     */
    static native void epoch_simd_limit(int level);

    /**
     * Tests: from now on, in the whole process, each epoch call stops the thread that computes its rows at its
     * {@code wait}-th wait for them (counted from 1; 0: only when that thread falls 2 ms behind, as on a busy machine) and
     * computes the rows itself (the same rows, so the same bits); returns how many times that has happened so far.
     */
    static native long epoch_producer_handover_at(long wait);

    /** out[k] = EpochRows.of(seed, epoch, rows, train, validationSeed).training(from + k). Writes out. */
    static native void epoch_rows_fill(long seed, long epoch, long rows, long train, long validationSeed, long from,
                                       LongPointer out, long count);

    /**
     * The gather pass over rows order[from..to): acc = Σ x (w)r (float32 through the zeroed float32 partial), sums =
     * {Σwr², Σwr}. Writes acc, sums; partial is zero on entry and return.
     */
    static native void gather_float(@Const FloatPointer x, long cols, @Const FloatPointer y, @Const DoublePointer w,
                                    @Const LongPointer order, long from, long to, @Const FloatPointer theta, double b,
                                    double tau, FloatPointer partial, DoublePointer acc, DoublePointer sums);

    static native void gather_double(@Const DoublePointer x, long cols, @Const DoublePointer y, @Const DoublePointer w,
                                     @Const LongPointer order, long from, long to, @Const DoublePointer theta, double b,
                                     double tau, DoublePointer acc, DoublePointer sums);

    /**
     * Batches [firstBatch, firstBatch + batches) of an epoch (see the header); rows is a ring of {@code ring} =
     * {@link #ring_size}(B, producer) int64; {@code producer}: a second native thread computes the rows ahead (the same
     * results). With B &gt; 1 and {@link #batch_chunks}(B, cols, threads) &gt; 1 each batch is instead cut into that many
     * chunks summed on as many threads and combined in chunk order (the bits of {@link #gather_float} on each chunk
     * combined as {@code CpuProblem.gradient} does; rows and producer then unused). With {@code avg} (null: none),
     * after batch k θ̄ (float64, n values) takes the averaging step of factor avgFactors[k] ({@code
     * StochasticEpoch.averageStep}'s expressions, the same bits). Writes theta, g, avg,
     * sumSquares[0] (added to).
     */
    static native void epoch_float(@Const FloatPointer x, long cols, @Const FloatPointer y, @Const DoublePointer w, long m,
                                   long seed, long epoch, long train, long validationSeed, long batch, long firstBatch,
                                   long batches, @Const DoublePointer rates, FloatPointer theta, FloatPointer g, double tau,
                                   double ymean, @Const FloatPointer means, @Const FloatPointer factors,
                                   @Const FloatPointer ridge, @Const FloatPointer s2, @Const DoublePointer kappa,
                                   @Const DoublePointer l1s2, FloatPointer tt, FloatPointer partial, DoublePointer acc,
                                   LongPointer rows, long ring, @Cast("bool") boolean producer, long threads,
                                   DoublePointer avg, @Const DoublePointer avgFactors, DoublePointer sumSquares);

    static native void epoch_double(@Const DoublePointer x, long cols, @Const DoublePointer y, @Const DoublePointer w, long m,
                                    long seed, long epoch, long train, long validationSeed, long batch, long firstBatch,
                                    long batches, @Const DoublePointer rates, DoublePointer theta, DoublePointer g, double tau,
                                    double ymean, @Const DoublePointer means, @Const DoublePointer factors,
                                    @Const DoublePointer ridge, @Const DoublePointer s2, @Const DoublePointer kappa,
                                    @Const DoublePointer l1s2, DoublePointer tt, DoublePointer acc, LongPointer rows,
                                    long ring, @Cast("bool") boolean producer, long threads, DoublePointer avg,
                                    @Const DoublePointer avgFactors, DoublePointer sumSquares);

    /**
     * Rows [start, end) of X: acc += Σ (w)x, sum[0] += Σ (w)y and, when {@code squares} is not null,
     * squares += Σ (w)x² (the bits of {@link #squared_deviations_float} about c = 0), in row order
     * (FloatKernel.statisticsRows, DoubleKernel.statisticsRows).
     */
    static native void column_sums_float(@Const FloatPointer x, long cols, @Const FloatPointer y, @Const DoublePointer w,
                                         long start, long end, DoublePointer acc, DoublePointer sum, DoublePointer squares);

    static native void column_sums_double(@Const DoublePointer x, long cols, @Const DoublePointer y, @Const DoublePointer w,
                                          long start, long end, DoublePointer acc, DoublePointer sum, DoublePointer squares);

    /** Rows [0, m): sums += Σ (w)(x − c)², in row order (CpuProblem.columnMeanSquaredDeviations). */
    static native void squared_deviations_float(@Const FloatPointer x, long cols, @Const DoublePointer w, long m,
                                                @Const DoublePointer c, DoublePointer sums);

    static native void squared_deviations_double(@Const DoublePointer x, long cols, @Const DoublePointer w, long m,
                                                 @Const DoublePointer c, DoublePointer sums);

    /**
     * Batches [firstBatch, firstBatch + batches) of an epoch over CSR X ({@code downhill_csr_epoch.h}: the gather of
     * {@code downhill_sparse.h} and the step of {@code downhill_epoch.h}); rows: B int64 of scratch; avg, avgFactors as
     * {@link #epoch_float}'s. Writes theta, g, avg, sumSquares[0] (added to).
     */
    static native void csr_epoch_float(@Const LongPointer ptr, @Const org.bytedeco.javacpp.IntPointer col, @Const FloatPointer val,
                                       @Const FloatPointer y, @Const DoublePointer w, long m, long cols, long seed, long epoch,
                                       long train, long validationSeed, long batch, long firstBatch, long batches,
                                       @Const DoublePointer rates, FloatPointer theta, FloatPointer g, double tau, double ymean,
                                       @Const FloatPointer means, @Const FloatPointer factors, @Const FloatPointer ridge,
                                       @Const FloatPointer s2, @Const DoublePointer kappa, @Const DoublePointer l1s2,
                                       FloatPointer tt, DoublePointer acc, LongPointer rows, DoublePointer avg,
                                       @Const DoublePointer avgFactors, DoublePointer sumSquares);

    static native void csr_epoch_double(@Const LongPointer ptr, @Const org.bytedeco.javacpp.IntPointer col, @Const DoublePointer val,
                                        @Const DoublePointer y, @Const DoublePointer w, long m, long cols, long seed, long epoch,
                                        long train, long validationSeed, long batch, long firstBatch, long batches,
                                        @Const DoublePointer rates, DoublePointer theta, DoublePointer g, double tau, double ymean,
                                        @Const DoublePointer means, @Const DoublePointer factors, @Const DoublePointer ridge,
                                        @Const DoublePointer s2, @Const DoublePointer kappa, @Const DoublePointer l1s2,
                                        DoublePointer tt, DoublePointer acc, LongPointer rows, DoublePointer avg,
                                        @Const DoublePointer avgFactors, DoublePointer sumSquares);

    /** Before a lazy CSR epoch's first batch ({@code csr_lazy_begin}): d = S²∘x̄ (0 without means), state = {1, 0, x̄ᵀv, x̄ᵀd}. */
    static native void csr_lazy_begin(@Const DoublePointer v, @Const DoublePointer mean, @Const DoublePointer s2, long n,
                                      DoublePointer d, DoublePointer state);

    /** θ = a·v + c·d into out (n float64). */
    static native void csr_lazy_materialize(@Const DoublePointer v, @Const DoublePointer d, @Const DoublePointer state, long n,
                                            DoublePointer out);

    /**
     * Batches [firstBatch, firstBatch + batches) of a lazy epoch over CSR X ({@code csr_lazy_batches}:
     * {@link dev.downhill.spi.SparseLazyEpoch}'s arithmetic, the same bits). Writes v, state, wr (B, scratch), rows (2·B
     * scratch: a batch's rows, then the next one's),
     * lastTheta and g (n each, when the epoch's last batch is among these), sumSquares[0] (added to); columns: 5·n
     * float64 of scratch.
     */
    static native void csr_lazy_float(@Const LongPointer ptr, @Const org.bytedeco.javacpp.IntPointer col, @Const FloatPointer val,
                                      @Const FloatPointer y, @Const DoublePointer w, long m, long n, long seed, long epoch,
                                      long train, long validationSeed, long batch, long firstBatch, long batches,
                                      @Const DoublePointer rates, DoublePointer v, @Const DoublePointer d,
                                      @Const DoublePointer mean, @Const DoublePointer factor, @Const DoublePointer s2,
                                      @Const DoublePointer lambda, double lambdaS2, double targetMean, double tau,
                                      DoublePointer state, DoublePointer wr, LongPointer rows, DoublePointer lastTheta,
                                      DoublePointer g, DoublePointer sumSquares, DoublePointer columns);

    static native void csr_lazy_double(@Const LongPointer ptr, @Const org.bytedeco.javacpp.IntPointer col, @Const DoublePointer val,
                                       @Const DoublePointer y, @Const DoublePointer w, long m, long n, long seed, long epoch,
                                       long train, long validationSeed, long batch, long firstBatch, long batches,
                                       @Const DoublePointer rates, DoublePointer v, @Const DoublePointer d,
                                       @Const DoublePointer mean, @Const DoublePointer factor, @Const DoublePointer s2,
                                       @Const DoublePointer lambda, double lambdaS2, double targetMean, double tau,
                                       DoublePointer state, DoublePointer wr, LongPointer rows, DoublePointer lastTheta,
                                       DoublePointer g, DoublePointer sumSquares, DoublePointer columns);
}
