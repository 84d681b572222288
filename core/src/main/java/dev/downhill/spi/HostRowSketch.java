package dev.downhill.spi;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.internal.ParallelParts;
import dev.downhill.sampling.CounterBasedSampler;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A CountSketch (Clarkson and Woodruff 2013) of a sample of the weighted, centred rows of X, over a host
 * {@link Dataset}: the {@code sketchRows} × n matrix
 * <pre>
 *   A[b, ·] = Σ_{i ∈ K : h(i) = b} sᵢ·√(wᵢ/p)·(xᵢ − μ)ᵀ
 * </pre>
 * where K holds each row with probability p ({@code rowRate}; {@link #kept}), every kept row goes to one bucket
 * h(i) ∈ [0, sketchRows) with a sign sᵢ = ±1, both from {@link CounterBasedSampler#hash}(seed, i) ({@link #bucket},
 * {@link #sign}), μ the given means (none: uncentred) and wᵢ the dataset's weights (1 when unweighted). The signs make
 * the cross terms of AᵀA cancel in expectation, and the 1/√p the sampling: E[AᵀA] = X_cᵀWX_c, and for any fixed
 * vector v, E‖Av‖² = ‖W^½X_cv‖². Only the kept rows are read (every row's hash is computed). Core estimates X's condition number from A's
 * (far fewer rows than X) — see {@link ResidentProblem#sketchGram}.
 *
 * <p>One read of the kept rows: the columns are cut into one block per thread (at least {@value #MIN_COLUMNS}
 * columns each), each thread adding every kept row's part in its block in row order, so each sum is formed in row order
 * whatever the thread count: the same inputs give bit-identical sketches on any number of threads. Host memory in (X, y not read,
 * the weights), a new row-major array out; nothing else is written.
 */
public final class HostRowSketch {
    /** Rows per window onto X (at most {@link OffHeapViews#MAX_WINDOW} elements). */
    private static final int BLOCK_ROWS = 4096;
    /** The fewest columns a thread adds (fewer columns: fewer threads). */
    private static final int MIN_COLUMNS = 16;

    private HostRowSketch() {
    }

    /**
     * Whether row {@code row} is in the sample of rate {@code rowRate}: the upper 53 bits of a second hash of the row,
     * as a fraction of 2⁵³, below the rate (independent of the bucket and sign, which come from the first).
     */
    public static boolean kept(long seed, long row, double rowRate) {
        return (CounterBasedSampler.hash(~seed, row) >>> 11) * 0x1.0p-53 < rowRate;
    }

    /** The bucket of a row whose hash is {@code hash}: its upper 63 bits modulo {@code sketchRows}. */
    public static int bucket(long hash, int sketchRows) {
        return (int) Long.remainderUnsigned(hash >>> 1, sketchRows);
    }

    /** The sign of a row whose hash is {@code hash}: +1 when its lowest bit is 0, else −1. */
    public static double sign(long hash) {
        return (hash & 1) == 0 ? 1.0 : -1.0;
    }

    /**
     * The sketch of rows [0, m) of {@code data}, row-major: element (b, j) at {@code [b·n + j]}.
     *
     * @param means      μ, n values subtracted from every row, or null for none
     * @param sketchRows the sketch's rows (≥ 1)
     * @param rowRate    p, the probability that a row is in the sample, in (0, 1]
     * @param seed       the hash's seed
     * @param threads    threads to read X on (≥ 1)
     */
    public static double[] of(Dataset data, double[] means, int sketchRows, double rowRate, long seed, int threads) {
        int n = Math.toIntExact(data.cols());
        if (sketchRows < 1 || (long) sketchRows * n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a row sketch of " + sketchRows + " × " + n + " does not fit one array");
        }
        if (!(rowRate > 0 && rowRate <= 1)) {
            throw new IllegalArgumentException("a row sketch's sampling rate must lie in (0, 1], got " + rowRate);
        }
        if (means != null && means.length != n) {
            throw new IllegalArgumentException(means.length + " means for " + n + " columns");
        }
        double[] sketch = new double[sketchRows * n];
        int width = Math.max(MIN_COLUMNS, (n + threads - 1) / Math.max(1, threads));
        int workers = Math.max(1, (n + width - 1) / width);
        AtomicBoolean stop = new AtomicBoolean();
        Runnable[] parts = new Runnable[workers];
        for (int t = 0; t < workers; t++) {
            int part = t;
            parts[t] = () -> {
                try {
                    addRows(data, means, sketch, sketchRows, rowRate, seed, part, width, stop, part == 0);
                } catch (RuntimeException | Error e) {
                    stop.set(true); // the other parts stop at their next block
                    throw e;
                }
            };
        }
        ParallelParts.run("downhill-row-sketch", parts, stop);
        Interrupts.stopIfInterrupted();
        return sketch;
    }

    /**
     * Adds every kept row's columns [part·width, (part + 1)·width) into the sketch, in row order (each thread its own
     * columns: no two threads write the same entry). The caller's thread also watches interrupts.
     */
    private static void addRows(Dataset data, double[] means, double[] sketch, int sketchRows, double rowRate, long seed,
                                int part, int width, AtomicBoolean stop, boolean caller) {
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        int blockRows = Math.max(1, Math.min(BLOCK_ROWS, OffHeapViews.MAX_WINDOW / Math.max(1, n)));
        int[] kept = new int[blockRows];
        int[] buckets = new int[blockRows];
        double[] factors = new double[blockRows];
        double inverseRootRate = 1 / Math.sqrt(rowRate);
        for (long start = 0; start < m; start += blockRows) {
            if (stop.get()) {
                return;
            }
            if (caller && Thread.currentThread().isInterrupted()) {
                stop.set(true);
                return; // of() throws FitInterruptedException once every thread has stopped
            }
            int rows = (int) Math.min(blockRows, m - start);
            int count = 0;
            for (int i = 0; i < rows; i++) {
                if (rowRate < 1 && !kept(seed, start + i, rowRate)) {
                    continue;
                }
                long hash = CounterBasedSampler.hash(seed, start + i);
                kept[count] = i;
                buckets[count] = bucket(hash, sketchRows) * n;
                double w = data.isWeighted() ? Math.sqrt(data.weight(start + i)) : 1.0;
                factors[count] = sign(hash) * (rowRate < 1 ? w * inverseRootRate : w);
                count++;
            }
            Buffer window = data.precision() == Precision.FLOAT64
                    ? OffHeapViews.doubles(data.xPointer(), start * n, rows * n)
                    : OffHeapViews.floats(data.xPointer(), start * n, rows * n);
            add(window, kept, count, n, part * width, Math.min(n, (part + 1) * width), buckets, factors, means, sketch);
        }
    }

    /**
     * AᵀA of the sketch {@link #of} makes, by {@code kernels}' {@link DenseKernels#rowGram}: what a backend with a host
     * dataset returns from {@link ResidentProblem#sketchGram}.
     */
    public static double[] gram(Dataset data, double[] means, int sketchRows, double rowRate, long seed, int threads,
                                DenseKernels kernels) {
        return kernels.rowGram(of(data, means, sketchRows, rowRate, seed, threads), sketchRows, Math.toIntExact(data.cols()));
    }

    /** Adds columns [from, to) of the kept rows of the window {@code x} (a DoubleBuffer or FloatBuffer) into the sketch. */
    private static void add(Buffer x, int[] kept, int count, int n, int from, int to, int[] buckets, double[] factors,
                            double[] means, double[] sketch) {
        int width = to - from;
        double[] row = new double[width];
        float[] floatRow = x instanceof FloatBuffer ? new float[width] : null;
        for (int i = 0; i < count; i++) {
            int at = kept[i] * n + from;
            if (x instanceof DoubleBuffer doubles) {
                doubles.get(at, row, 0, width);
            } else {
                ((FloatBuffer) x).get(at, floatRow, 0, width);
                for (int j = 0; j < width; j++) {
                    row[j] = floatRow[j];
                }
            }
            int base = buckets[i] + from;
            double f = factors[i];
            if (means == null) {
                for (int j = 0; j < width; j++) {
                    sketch[base + j] += f * row[j];
                }
            } else {
                for (int j = 0; j < width; j++) {
                    sketch[base + j] += f * (row[j] - means[from + j]);
                }
            }
        }
    }
}
