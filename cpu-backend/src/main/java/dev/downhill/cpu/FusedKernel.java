package dev.downhill.cpu;

import dev.downhill.internal.OffHeapViews;
import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One thread's share of the fused operations over X (host off-heap, row-major m × n), with its own
 * workspace: a float64 accumulator of n values that the passes add into (never cleared by them;
 * call {@link #clear()}). Each instance is used by one thread at a time; the problem combines
 * the accumulators of its kernels in thread order, so results are bit-identical run to run.
 */
abstract class FusedKernel implements AutoCloseable {
    protected final long cols;
    protected final int n;
    protected final int rowsPerBlock;
    protected final DoublePointer accumulator;
    protected final DoubleBuffer accumulatorView;
    protected final GradientStrategy strategy;
    /** Scratch for the native kernel's two reductions. */
    protected final DoublePointer nativeSums;
    /** Reductions of the last pass: Σr² and Σr (Σyᵢ in {@code sum} for the statistics pass). */
    protected double sumOfSquares;
    protected double sum;

    protected FusedKernel(long cols, int rowsPerBlock, GradientStrategy strategy) {
        this.strategy = strategy;
        this.nativeSums = new DoublePointer(2);
        this.cols = cols;
        this.n = Math.toIntExact(cols);
        this.rowsPerBlock = rowsPerBlock;
        this.accumulator = new DoublePointer(cols);
        this.accumulatorView = OffHeapViews.doubles(accumulator, 0, n);
        clear();
    }

    /** Adds the native kernel's reductions (left in {@link #nativeSums}) to this kernel's. */
    protected final void takeNativeSums() {
        sumOfSquares += nativeSums.get(0);
        sum += nativeSums.get(1);
        nativeSums.put(0, 0.0).put(1, 0.0);
    }

    /** Zeroes the accumulator and the reductions. */
    final void clear() {
        Pointer.memset(accumulator, 0, cols * 8);
        nativeSums.put(0, 0.0).put(1, 0.0);
        sumOfSquares = 0;
        sum = 0;
    }

    /**
     * Adds Σᵢ xᵢ rᵢ over rows [start, end) to the accumulator, rᵢ = xᵢᵀθ + b − τyᵢ, and adds Σr², Σr
     * to the reductions. Blocks of {@code rowsPerBlock} rows: r_B = X_Bθ, then X_Bᵀr_B while X_B is
     * still in cache.
     */
    abstract void gradientRows(long start, long end, Pointer theta, double intercept, double targetWeight);

    /** As {@link #gradientRows} for rows {@code order[from..to)} (the SGD gather path, one row at a time). */
    abstract void gradientGather(long[] order, int from, int to, Pointer theta, double intercept, double targetWeight);

    /**
     * The same gather pass through the native row kernels of {@link EpochKernels} (which the native epoch loop shares):
     * the accumulator and the reductions are set (they were cleared), from {@code order}'s entries [from, to).
     */
    abstract void gradientGatherNative(org.bytedeco.javacpp.LongPointer order, int from, int to, Pointer theta, double intercept,
                                       double targetWeight);

    /** X, y and the weights (null when unweighted) this kernel reads. */
    abstract Pointer x();

    abstract Pointer y();

    abstract org.bytedeco.javacpp.DoublePointer weights();

    /** The float32 partial (zero between passes); null for float64. */
    abstract org.bytedeco.javacpp.FloatPointer partial();

    /** The float64 accumulator's memory (n values). */
    final org.bytedeco.javacpp.DoublePointer accumulatorPointer() {
        return accumulator;
    }

    /**
     * Runs a native column-sums call that adds Σyᵢ into {@link #nativeSums}[0]: the running Σy goes in and comes back
     * into {@link #sum}.
     */
    protected final void carryingSum(Runnable nativeCall) {
        nativeSums.put(0, sum);
        nativeCall.run();
        sum = nativeSums.get(0);
        nativeSums.put(0, 0.0);
    }

    /** Adds column sums of rows [start, end) to the accumulator and Σyᵢ to sum. */
    final void statisticsRows(long start, long end) {
        statisticsRows(start, end, null);
    }

    /**
     * As {@link #statisticsRows(long, long)}, also adding Σ wᵢxᵢⱼ² over the rows, in row order, into {@code squares}
     * (n float64 values, host memory; null: none) where this kernel can in the same pass; returns whether it did (false:
     * squares untouched, a separate pass needed).
     */
    abstract boolean statisticsRows(long start, long end, org.bytedeco.javacpp.DoublePointer squares);

    double sumOfSquares() {
        return sumOfSquares;
    }

    double sum() {
        return sum;
    }

    DoubleBuffer accumulator() {
        return accumulatorView;
    }

    @Override
    public void close() {
        nativeSums.close();
        accumulator.close();
    }
}
