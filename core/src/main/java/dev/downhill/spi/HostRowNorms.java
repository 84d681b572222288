package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.internal.ParallelParts;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The row pass of {@link ResidentProblem#maxSquaredRowNorm} over a dense host dataset: maxᵢ wᵢ·Σⱼ qⱼ(Xᵢⱼ − cⱼ)², each
 * row's sum in float64 in column order, rows split into contiguous ranges, one per thread (the maximum does not depend
 * on the split: the same bits on any number of threads). Host memory in, X read through windows of at most
 * {@link OffHeapViews#MAX_WINDOW} elements; y is not read.
 */
public final class HostRowNorms {
    /** Rows per window onto X (at most {@link OffHeapViews#MAX_WINDOW} elements). */
    private static final int BLOCK_ROWS = 4096;
    /** The fewest rows a thread takes (fewer rows: fewer threads). */
    private static final long MIN_ROWS = 1024;

    private HostRowNorms() {
    }

    /**
     * @param centre         c, n values, or null for 0
     * @param squaredFactors q, n values (≥ 0), or null for all ones
     * @param threads        threads to read X on (≥ 1)
     * @return the largest weighted squared row norm (0 when every row is at c)
     */
    public static double max(Dataset data, double[] centre, double[] squaredFactors, int threads) {
        int n = Math.toIntExact(data.cols());
        if (centre != null && centre.length != n || squaredFactors != null && squaredFactors.length != n) {
            throw new IllegalArgumentException("a row pass over " + n + " columns needs " + n + " centres and factors, got "
                    + (centre == null ? "none" : centre.length) + " and " + (squaredFactors == null ? "none" : squaredFactors.length));
        }
        long m = data.rows();
        int workers = (int) Math.max(1, Math.min(Math.max(1, threads), m / MIN_ROWS));
        double[] largest = new double[workers];
        AtomicBoolean stop = new AtomicBoolean();
        Runnable[] parts = new Runnable[workers];
        for (int t = 0; t < workers; t++) {
            int part = t;
            long from = m * t / workers;
            long to = m * (t + 1) / workers;
            parts[t] = () -> {
                try {
                    largest[part] = max(data, centre, squaredFactors, from, to, stop, part == 0);
                } catch (RuntimeException | Error e) {
                    stop.set(true); // the other parts stop at their next window
                    throw e;
                }
            };
        }
        ParallelParts.run("downhill-row-norms", parts, stop);
        Interrupts.stopIfInterrupted();
        double max = 0;
        for (double v : largest) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** The largest weighted squared row norm of rows [from, to); the caller's thread also watches interrupts. */
    private static double max(Dataset data, double[] c, double[] q, long from, long to, AtomicBoolean stop, boolean caller) {
        int n = Math.toIntExact(data.cols());
        boolean float64 = data.precision() == Precision.FLOAT64;
        org.bytedeco.javacpp.Pointer xs = data.xPointer(); // a view of this thread's own
        int width = Math.max(1, Math.min(n, OffHeapViews.MAX_WINDOW)); // columns a window holds of a row longer than one
        int blockRows = Math.max(1, Math.min(BLOCK_ROWS, OffHeapViews.MAX_WINDOW / Math.max(1, n))); // rows a window holds
        double[] sums = new double[blockRows];
        double max = 0;
        for (long start = from; start < to; start += blockRows) {
            if (stop.get()) {
                return max;
            }
            if (caller && Thread.currentThread().isInterrupted()) {
                stop.set(true);
                return max; // max(Dataset, ...) throws FitInterruptedException once every part has stopped
            }
            int rows = (int) Math.min(blockRows, to - start);
            java.util.Arrays.fill(sums, 0, rows, 0.0);
            for (int j0 = 0; j0 < n; j0 += width) { // one window a block, or pieces of one row longer than a window
                int count = Math.min(width, n - j0);
                int length = rows == 1 ? count : rows * n; // rows > 1 only when whole rows fit: then width = n
                if (float64) {
                    add(OffHeapViews.doubles(xs, start * n + j0, length), rows, count, c, q, j0, sums);
                } else {
                    add(OffHeapViews.floats(xs, start * n + j0, length), rows, count, c, q, j0, sums);
                }
            }
            for (int r = 0; r < rows; r++) {
                max = Math.max(max, (data.isWeighted() ? data.weight(start + r) : 1) * sums[r]);
            }
        }
        return max;
    }

    /** Adds Σ qⱼ(xⱼ − cⱼ)² over columns [j0, j0 + count) of each of {@code rows} consecutive rows (stride count) to sums. */
    private static void add(DoubleBuffer x, int rows, int count, double[] c, double[] q, int j0, double[] sums) {
        for (int r = 0, at = 0; r < rows; r++) {
            double sum = 0;
            for (int k = 0; k < count; k++, at++) {
                sum += term(x.get(at), c, q, j0 + k);
            }
            sums[r] += sum;
        }
    }

    private static void add(FloatBuffer x, int rows, int count, double[] c, double[] q, int j0, double[] sums) {
        for (int r = 0, at = 0; r < rows; r++) {
            double sum = 0;
            for (int k = 0; k < count; k++, at++) {
                sum += term(x.get(at), c, q, j0 + k);
            }
            sums[r] += sum;
        }
    }

    private static double term(double x, double[] c, double[] q, int j) {
        double d = c == null ? x : x - c[j];
        return (q == null ? 1 : q[j]) * d * d;
    }
}
