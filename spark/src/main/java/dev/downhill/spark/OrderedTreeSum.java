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
 * <p>combine is elementwise addition ({@link #SUM}), the R factor of two stacked R factors ({@link #QR}, TSQR), the
 * parallel update of weighted sums, means and squared deviations ({@link #MOMENTS}, {@link MetricSums}), or of weight
 * sums and weighted means alone ({@link #MEANS}).
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
    /** {@link #combineMeans} (payload: [W, Σw², double-double weighted means: high parts, then low parts]). */
    static final int MEANS = 3;

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
        if (mode == MEANS) {
            return combineMeans(left, right);
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

    /**
     * Two blocks' weight sums W, weight square sums and double-double weighted means combined (payload [W, Σw², the k
     * means' high parts, their k low parts]): W = W_a + W_b, x̄ = x̄_a + (x̄_b − x̄_a)·W_b/W with the difference formed from
     * both parts and added to x̄_a in double-double, so the rounding of the weights' share errs by ~ε of the difference
     * (the spread of the blocks' means), not of the means themselves. Equal means give that mean exactly (a plain
     * Σ Wₚx̄ₚ / W rounds it: a constant column's global mean then differed from its value in the last bit, and its centred
     * Gram entry and R column held that rounding as a spread, which svd scaled up to a coefficient of 1e13); a block of
     * weight 0 is no block.
     */
    static double[] combineMeans(double[] left, double[] right) {
        if (right[0] == 0) {
            return left.clone();
        }
        if (left[0] == 0) {
            return right.clone();
        }
        int k = (left.length - 2) / 2;
        double[] out = new double[left.length];
        double w = left[0] + right[0];
        out[0] = w;
        out[1] = left[1] + right[1];
        double share = right[0] / w;
        for (int i = 0; i < k; i++) {
            double ah = left[2 + i];
            double al = left[2 + k + i];
            double difference = (right[2 + i] - ah) + (right[2 + k + i] - al);
            if (!Double.isFinite(difference)) { // ±huge means: the weighted average of the high parts
                out[2 + i] = ah * (left[0] / w) + right[2 + i] * share;
                continue;
            }
            double t = difference * share;
            double sum = ah + t; // (ah, al) + t in double-double, normalised
            double v = sum - ah;
            double low = al + ((ah - (sum - v)) + (t - v));
            double high = sum + low;
            out[2 + i] = high;
            out[2 + k + i] = low - (high - sum);
        }
        return out;
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
