package dev.downhill.spi;

import java.util.Objects;

/**
 * The rows a gradient pass visits: all rows in storage order, or positions
 * {@code [from, to)} of an epoch's row order (from {@link dev.downhill.sampling.CounterBasedSampler}).
 * Immutable; the {@code order} array is shared, never modified, and the same instance is
 * passed for every slice of one epoch (a GPU backend may upload it once per epoch).
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

    /** The epoch's full row order (shared, do not modify); null for {@link #all()}. */
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
