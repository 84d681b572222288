package dev.downhill.cuda;

import dev.downhill.spi.RowSlice;
import org.bytedeco.javacpp.LongPointer;

/**
 * A block of an epoch's row order in device memory for the mini-batch passes: the order array's int64 row indices
 * (any length, at most m), allocated on first use (grown when a longer array arrives) and uploaded again only when a
 * new order array arrives (once per block of the epoch). Its memory belongs to the context (freed with it).
 */
final class DeviceRowOrder {
    private final CudaContext context;
    private final long rows;
    private DeviceMemory order;
    private long capacity;
    private long[] uploaded;

    DeviceRowOrder(CudaContext context, long rows) {
        this.context = context;
        this.rows = rows;
    }

    /** The slice's order array on the device (all its entries; the slice indexes into it). */
    DeviceMemory of(RowSlice slice) {
        long[] o = slice.order();
        if (o != uploaded) {
            if (order == null || capacity < o.length) {
                if (order != null) {
                    context.free(order);
                }
                capacity = Math.max(o.length, Math.min(rows, 1L << 16));
                order = context.allocate(8 * capacity, "row order");
            }
            try (LongPointer host = new LongPointer(o)) {
                context.toDevice(host, order, 0, 8L * o.length);
            }
            uploaded = o;
        }
        return order;
    }

    /** Forget the uploaded order (the device copy may have been overwritten). */
    void invalidate() {
        uploaded = null;
    }
}
