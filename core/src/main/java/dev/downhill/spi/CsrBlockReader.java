package dev.downhill.spi;

import dev.downhill.Precision;
import dev.downhill.io.CsrMatrix;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Bulk reads of a host CSR matrix and its y and weights into Java arrays, for the Java passes over sparse X
 * ({@link SparseHostPasses}, {@link SparseExtendedResidual}): a block of rows' pointers, targets and weights, then a row's
 * entries piece by piece. Values and targets are widened to double (float32 exactly). Holds its float32 scratch and
 * what {@link #rowEntries} read last: one reader per thread, never shared.
 */
final class CsrBlockReader {
    /** Rows per block of pointers, targets and weights. */
    static final int ROWS = 1 << 12;
    /** Entries per piece of a row. */
    static final int PIECE = 1 << 16;

    private final CsrMatrix x;
    /** Views of x's arrays, y and the weights with positions of their own (readers on other threads move theirs). */
    private final org.bytedeco.javacpp.LongPointer rowPointers;
    private final org.bytedeco.javacpp.IntPointer columnIndices;
    private final Pointer values;
    private final Pointer y;
    private final DoublePointer weights;
    private final boolean float64;
    private final float[] yf;
    private float[] valf = new float[0];

    /**
     * @param values  x's values as the problem holds them (a {@link FloatPointer} or {@link DoublePointer}, per precision)
     * @param y       m targets in the same precision
     * @param weights m float64 weights, or null for all ones
     */
    CsrBlockReader(CsrMatrix x, Pointer values, Pointer y, DoublePointer weights, Precision precision) {
        this.x = x;
        this.float64 = precision == Precision.FLOAT64;
        this.rowPointers = new org.bytedeco.javacpp.LongPointer(x.rowPointers());
        this.columnIndices = new org.bytedeco.javacpp.IntPointer(x.columnIndices());
        this.values = float64 ? new DoublePointer((DoublePointer) values) : new FloatPointer((FloatPointer) values);
        this.y = float64 ? new DoublePointer((DoublePointer) y) : new FloatPointer((FloatPointer) y);
        this.weights = weights == null ? null : new DoublePointer(weights);
        this.yf = float64 ? null : new float[ROWS];
    }

    /**
     * Rows [first, first + count), count = min({@value #ROWS}, m − first): their count + 1 row pointers into
     * {@code pointers}, targets into {@code ys}, weights into {@code ws} (1 when unweighted). Returns count.
     */
    int rows(long first, long[] pointers, double[] ys, double[] ws) {
        return rows(first, x.rows(), pointers, ys, ws);
    }

    /** {@link #rows(long, long[], double[], double[])} for rows before {@code end}: count = min({@value #ROWS}, end − first). */
    int rows(long first, long end, long[] pointers, double[] ys, double[] ws) {
        int count = (int) Math.min(ROWS, end - first);
        rowPointers.position(first).get(pointers, 0, count + 1);
        rowPointers.position(0);
        if (float64) {
            ((DoublePointer) y).position(first).get(ys, 0, count);
        } else {
            ((FloatPointer) y).position(first).get(yf, 0, count);
            for (int r = 0; r < count; r++) {
                ys[r] = yf[r];
            }
        }
        y.position(0);
        if (weights != null) {
            weights.position(first).get(ws, 0, count);
            weights.position(0);
        } else {
            Arrays.fill(ws, 0, count, 1.0);
        }
        return count;
    }

    /** The entries {@link #rowEntries} last read into its arrays, [heldFrom, heldTo) (none: −1, −1). */
    private long heldFrom = -1;
    private long heldTo = -1;
    /** The arrays that hold them (a pass with arrays of its own reads again). */
    private int[] heldColumns;
    private double[] heldValues;

    /**
     * Row r's entries of the block whose {@code count} rows' pointers {@code pointers} holds (from {@link #rows}), for a
     * row of at most {@code columns.length} entries: returns the index in {@code columns} and {@code vals} of its first
     * entry. When they do not hold it, the row and the following rows of the block that fit are read in one bulk copy
     * (a row at a time cost three JNI copies a row: at 4 entries a row they were most of a pass's time). What the arrays
     * hold is known only while they are the ones passed last and {@link #entries} has not been called since.
     */
    int rowEntries(long[] pointers, int r, int count, int[] columns, double[] vals) {
        long from = pointers[r];
        long to = pointers[r + 1];
        if (columns != heldColumns || vals != heldValues || from < heldFrom || to > heldTo) {
            int end = r + 1;
            while (end < count && pointers[end + 1] - from <= columns.length) {
                end++;
            }
            entries(from, (int) (pointers[end] - from), columns, vals);
            heldFrom = from;
            heldTo = pointers[end];
            heldColumns = columns;
            heldValues = vals;
        }
        return (int) (from - heldFrom);
    }

    /** Entries [from, from + count): column indices into {@code columns}, values widened into {@code vals}. */
    void entries(long from, int count, int[] columns, double[] vals) {
        heldFrom = -1;
        heldTo = -1;
        if (count <= 0) {
            return;
        }
        columnIndices.position(from).get(columns, 0, count);
        columnIndices.position(0);
        if (float64) {
            ((DoublePointer) values).position(from).get(vals, 0, count);
        } else {
            if (valf.length < count) {
                valf = new float[Math.max(count, Math.min(PIECE, count * 2))];
            }
            ((FloatPointer) values).position(from).get(valf, 0, count);
            for (int e = 0; e < count; e++) {
                vals[e] = valf[e];
            }
        }
        values.position(0);
    }
}
