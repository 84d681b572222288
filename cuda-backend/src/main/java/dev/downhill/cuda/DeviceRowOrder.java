package dev.downhill.cuda;

import dev.downhill.spi.RowSlice;
import org.bytedeco.javacpp.LongPointer;

/**
 * An epoch's row order in device memory for the mini-batch passes: m int64 positions, allocated on first use and
 * uploaded again only when a new order array arrives (once per epoch). Its memory belongs to the context (freed with it).
 */
final class DeviceRowOrder {
    private final CudaContext context;
    private final long rows;
    private DeviceMemory order;
    private long[] uploaded;

    DeviceRowOrder(CudaContext context, long rows) {
        this.context = context;
        this.rows = rows;
    }

    /** The slice's order on the device (all m positions). */
    DeviceMemory of(RowSlice slice) {
        long[] o = slice.order();
        if (o != uploaded) {
            if (order == null) {
                order = context.allocate(8 * rows, "row order");
            }
            try (LongPointer host = new LongPointer(o)) {
                context.toDevice(host, order, 0, 8 * rows);
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
