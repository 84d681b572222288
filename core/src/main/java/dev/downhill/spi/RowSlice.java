package dev.downhill.spi;

import java.util.Objects;

/**
 * The rows a gradient pass visits: all rows in storage order, or positions
 * {@code [from, to)} of an array of row indices (a block of an epoch's row order, from
 * {@link dev.downhill.sampling.CounterBasedSampler}, or the validation rows): each entry in [0, m), the array of
 * any length. Immutable; the {@code order} array is shared, never modified, and the same instance is
 * passed for every slice of one block (a GPU backend may upload it once per block: a new block is a new array).
 */
public final class RowSlice {
    private static final RowSlice ALL = new RowSlice(null, 0, -1);

    private final long[] order;
    private final int from;
    private final int to;

    private RowSlice(long[] order, int from, int to) {
        this.order = order;
        this.from = from;
        this.to = to;
    }

    /** Every row, in storage order. */
    public static RowSlice all() {
        return ALL;
    }

    /** Rows {@code order[from] … order[to-1]}. */
    public static RowSlice of(long[] order, int from, int to) {
        Objects.requireNonNull(order, "order");
        if (from < 0 || to > order.length || from >= to) {
            throw new IllegalArgumentException("bad slice [" + from + ", " + to + ") of an order of " + order.length + " rows");
        }
        return new RowSlice(order, from, to);
    }

    public boolean isAll() {
        return order == null;
    }

    /** The array of row indices the slice is part of (shared, do not modify); null for {@link #all()}. */
    public long[] order() {
        return order;
    }

    public int from() {
        return from;
    }

    public int to() {
        return to;
    }

    /** Number of rows in the slice, or {@code rows} for {@link #all()}. */
    public long size(long rows) {
        return isAll() ? rows : to - from;
    }
}
