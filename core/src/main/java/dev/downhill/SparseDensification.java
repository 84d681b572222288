package dev.downhill;

import dev.downhill.internal.ByteSizes;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.Interrupts;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The svd solver on a sparse X. Its QR reduction reads every entry of X, zeros included, so a sparse X is densified —
 * once, on the host, into a {@link Dataset} that the caller owns and closes once — and the dense svd path runs on that
 * copy, giving the dense fit's answer bit for bit (the same values in the same places).
 *
 * <p>The bound: the dense copy, m·n values in X's precision — {@code m·n·4} bytes for float32, {@code m·n·8} for float64
 * ({@link #denseBytes}) — must be at most the direct solvers' memory budget, {@link FitConfig#directMemoryBudget()} (the
 * configured bytes, else half the JVM's maximum heap; the CLI's JVM has {@code -Xmx2g}, so 1 GiB). That budget, and not
 * {@link dev.downhill.io.HostMemoryBudget} (which decides whether a .npy X file is read or memory-mapped, from the memory
 * free at that moment), because it is a setting of the fit: the same data and configuration are densified or refused
 * the same way on every run, and it is the bound the automatic choice already keeps every direct solve within. Above it
 * the fit is refused before any work, in one line naming the sizes ({@link #refusal}). The svd's own float64 work (a QR
 * row block and a few k × n matrices, as on dense X) comes on top of the copy, as it does for a dense X of that shape.
 */
final class SparseDensification {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LinearRegression.class);
    /** Rows per bulk read of the row pointers. */
    private static final int ROWS = 4096;

    private SparseDensification() {
    }

    /** Bytes of the dense copy of an m × n X in {@code precision}: m·n·(4 or 8), as a double (it may exceed a long's range). */
    static double denseBytes(long rows, long cols, Precision precision) {
        return (double) rows * cols * precision.bytes();
    }

    /** Whether the dense copy of an m × n X in {@code precision} fits {@code budget} bytes. */
    static boolean affordable(long rows, long cols, Precision precision, long budget) {
        return denseBytes(rows, cols, precision) <= budget;
    }

    /**
     * Refuses svd on a sparse X beyond the direct solvers' column limit, or whose dense copy exceeds {@code budget} ({@link FitConfig#directMemoryBudget()}), with one
     * line naming the shape, the copy's size, the stored entries ({@code nonZeros} −1: not said) and the budget.
     */
    static void checkAffordable(long rows, long cols, long nonZeros, Precision precision, long budget) {
        // the direct solvers' column limit first: a copy made only to be refused cost a review 915 MB and 2.5 s
        dev.downhill.internal.direct.DirectLeastSquares.checkColumns(cols);
        if (!affordable(rows, cols, precision, budget)) {
            throw new IllegalArgumentException(refusal(rows, cols, nonZeros, precision, budget));
        }
    }

    /** The refusal's line (see {@link #checkAffordable}). */
    static String refusal(long rows, long cols, long nonZeros, Precision precision, long budget) {
        return String.format(Locale.ROOT, "svd densifies a sparse X: %,d × %,d %s is %s%s, over the direct solvers' memory "
                + "budget of %s (FitConfig.directMemoryBudget: half the JVM's heap by default); use the cg solver (or normal "
                + "when n is small)", rows, cols, precision.name().toLowerCase(Locale.ROOT),
                ByteSizes.format(denseBytes(rows, cols, precision)),
                nonZeros < 0 ? "" : String.format(Locale.ROOT, " (X has %,d non-zeros)", nonZeros),
                ByteSizes.format(budget));
    }

    /** The log line saying that {@code data}'s X was densified for the svd (and how large the copy is against the budget). */
    static void logDensified(SparseDataset data, long budget) {
        LOG.info("svd: the sparse X ({} × {}, {} non-zeros) densified on the host for the QR reduction: {} of the direct "
                        + "solvers' {} budget", data.rows(), data.cols(), data.x().nonZeros(),
                ByteSizes.format(denseBytes(data.rows(), data.cols(), data.precision())),
                ByteSizes.format(budget));
    }

    /**
     * A dense copy of {@code data}: X row-major in X's precision (the stored entries in their places, zeros elsewhere), y
     * in the same precision and the weights (float64), all three owned by the returned dataset — closing it frees them.
     * One pass over the stored entries, rows in order; an interrupt stops it between blocks of rows
     * ({@link FitInterruptedException}, the copy freed). {@code data} is only read.
     */
    static Dataset densify(SparseDataset data) {
        CsrMatrix x = data.x();
        long m = data.rows();
        int n = Math.toIntExact(data.cols());
        boolean float64 = data.precision() == Precision.FLOAT64;
        Pointer dense = null;
        Pointer y = null;
        DoublePointer weights = null;
        try {
            dense = dev.downhill.spi.OffHeapAllocation.of(data.precision(), Math.multiplyExact(m, (long) n), String.format(
                    java.util.Locale.ROOT, "the dense copy of the sparse X (%,d × %,d)", m, n));
            fill(x, dense, m, n, float64);
            // y and the weights copied off-heap to off-heap (the budget counts X; m = 1e8 rows must not need heap for them)
            y = float64 ? new DoublePointer(m) : new FloatPointer(m);
            Pointer.memcpy(y, data.yPointer(), m * (float64 ? 8 : 4));
            if (data.isWeighted()) {
                weights = new DoublePointer(m);
                Pointer.memcpy(weights, data.weightsPointer(), 8 * m);
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(dense, y, weights);
            throw e;
        }
        // adopt frees what it was given if it refuses
        return weights == null ? Dataset.adopt(dense, y, m, n) : Dataset.adopt(dense, y, weights, m, n);
    }

    /** Writes every row of {@code x} into the row-major m × n {@code dense}: each row assembled in a Java array, one bulk put. */
    private static void fill(CsrMatrix x, Pointer dense, long m, int n, boolean float64) {
        LongPointer pointers = x.rowPointers();
        IntPointer columns = x.columnIndices();
        Pointer values = x.values();
        long[] p = new long[ROWS + 1];
        double[] rowD = float64 ? new double[n] : null;
        float[] rowF = float64 ? null : new float[n];
        int[] c = new int[0];
        double[] vd = new double[0];
        float[] vf = new float[0];
        for (long first = 0; first < m; first += ROWS) {
            Interrupts.stopIfInterrupted();
            int count = (int) Math.min(ROWS, m - first);
            pointers.position(first).get(p, 0, count + 1);
            for (int r = 0; r < count; r++) {
                int length = Math.toIntExact(p[r + 1] - p[r]); // ≤ n: a row's columns are distinct
                if (c.length < length) {
                    c = new int[length];
                    vd = float64 ? new double[length] : vd;
                    vf = float64 ? vf : new float[length];
                }
                if (length > 0) {
                    columns.position(p[r]).get(c, 0, length);
                }
                long at = (first + r) * n;
                if (float64) {
                    if (length > 0) {
                        ((DoublePointer) values).position(p[r]).get(vd, 0, length);
                    }
                    for (int e = 0; e < length; e++) {
                        rowD[c[e]] = vd[e];
                    }
                    ((DoublePointer) dense).position(at).put(rowD, 0, n);
                    for (int e = 0; e < length; e++) {
                        rowD[c[e]] = 0;
                    }
                } else {
                    if (length > 0) {
                        ((FloatPointer) values).position(p[r]).get(vf, 0, length);
                    }
                    for (int e = 0; e < length; e++) {
                        rowF[c[e]] = vf[e];
                    }
                    ((FloatPointer) dense).position(at).put(rowF, 0, n);
                    for (int e = 0; e < length; e++) {
                        rowF[c[e]] = 0;
                    }
                }
            }
        }
        dense.position(0);
    }

    private static void closeQuietly(Pointer... pointers) {
        for (Pointer p : pointers) {
            if (p != null) {
                p.close();
            }
        }
    }
}
