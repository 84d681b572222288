package dev.downhill.spark;

import dev.downhill.internal.direct.HouseholderQr;
import dev.downhill.spi.QrReduction;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic combination of per-partition float64 partials inside Spark's {@code treeAggregate}. Spark merges
 * partial aggregates in whatever order its tasks finish, so a plain running sum would change in its last bits from run to
 * run. Here every partial is a leaf of a fixed binary tree over the partition indices: node (level l, index k) covers
 * partitions [k·2ˡ, (k+1)·2ˡ) and its value is always combine(left child, right child), formed as soon as both children
 * are present, whichever arrives first. After all leaves are in, the nodes left are the maximal complete aligned blocks
 * — the same set in every run — and {@link #result()} combines them from the lowest partition index up. So the same
 * partitions with the same partials give the same bits, whatever the merge order.
 *
 * <p>combine is elementwise addition ({@link #SUM}), the R factor of two stacked R factors ({@link #QR}, TSQR), or the
 * parallel update of weighted sums, means and squared deviations ({@link #MOMENTS}, {@link MetricSums}).
 * Memory on the driver: at most ⌈log₂ P⌉ + 1 partials.
 */
final class OrderedTreeSum implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Elementwise addition. */
    static final int SUM = 0;
    /** R of [R_left; R_right] (payload: {@link #factor}). */
    static final int QR = 1;
    /** {@link MetricSums#combine} (payload: {@link MetricSums}'s layout). */
    static final int MOMENTS = 2;

    private final int mode;
    /** Node key (level · 2³² + index) → partial; TreeMap so the serialized form is canonical too. */
    private final TreeMap<Long, double[]> nodes = new TreeMap<>();

    OrderedTreeSum(int mode) {
        this.mode = mode;
    }

    /** Adds partition {@code index}'s partial. */
    OrderedTreeSum add(int index, double[] partial) {
        insert(0, index, partial);
        return this;
    }

    /** Merges another aggregate's nodes into this one. */
    OrderedTreeSum merge(OrderedTreeSum other) {
        for (Map.Entry<Long, double[]> e : other.nodes.entrySet()) {
            insert((int) (e.getKey() >>> 32), (int) (long) e.getKey(), e.getValue());
        }
        return this;
    }

    private void insert(int level, long index, double[] value) {
        while (true) {
            long siblingKey = ((long) level << 32) | (index ^ 1);
            double[] sibling = nodes.remove(siblingKey);
            if (sibling == null) {
                double[] previous = nodes.put(((long) level << 32) | index, value);
                if (previous != null) {
                    throw new IllegalStateException("partition block " + index + " at level " + level + " aggregated twice");
                }
                return;
            }
            value = (index & 1) == 0 ? combine(value, sibling) : combine(sibling, value);
            level++;
            index >>= 1;
        }
    }

    /** The combination of every partial added, in partition order; null when none was. */
    double[] result() {
        // the remaining nodes cover disjoint blocks; order them by their first partition
        TreeMap<Long, double[]> byStart = new TreeMap<>();
        for (Map.Entry<Long, double[]> e : nodes.entrySet()) {
            long level = e.getKey() >>> 32;
            long index = e.getKey() & 0xffffffffL;
            byStart.put(index << level, e.getValue());
        }
        double[] acc = null;
        for (double[] v : byStart.values()) {
            acc = acc == null ? v.clone() : combine(acc, v);
        }
        return acc;
    }

    private double[] combine(double[] left, double[] right) {
        if (mode == SUM) {
            double[] out = new double[left.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = left[i] + right[i];
            }
            return out;
        }
        if (mode == MOMENTS) {
            return MetricSums.combine(left, right);
        }
        int cols = (int) left[1];
        int rl = (int) left[0];
        int rr = (int) right[0];
        int rows = rl + rr;
        if (rows == 0) {
            return emptyFactor(cols);
        }
        double[] a = new double[rows * cols];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rl; i++) {
                a[i + j * rows] = left[2 + i + j * rl];
            }
            for (int i = 0; i < rr; i++) {
                a[rl + i + j * rows] = right[2 + i + j * rr];
            }
        }
        QrReduction r = HouseholderQr.reduce(a, rows, cols);
        return factor(r.r(), r.rows(), r.cols());
    }

    /** A QR payload: [rows, cols, R column-major (rows × cols)]. */
    static double[] factor(double[] r, int rows, int cols) {
        double[] out = new double[2 + rows * cols];
        out[0] = rows;
        out[1] = cols;
        System.arraycopy(r, 0, out, 2, rows * cols);
        return out;
    }

    /** The QR payload of no rows. */
    static double[] emptyFactor(int cols) {
        return new double[] {0, cols};
    }
}
