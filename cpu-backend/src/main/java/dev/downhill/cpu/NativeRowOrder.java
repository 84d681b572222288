package dev.downhill.cpu;

import org.bytedeco.javacpp.LongPointer;

/**
 * An off-heap copy of a row order (a {@link dev.downhill.spi.RowSlice}'s array) for the native gather passes: copied
 * when a new array arrives (a new block of an epoch), reused for the same array's other slices. Owns the copy; closing
 * frees it (closing twice is harmless). One per problem; not thread-safe (a problem runs one fit at a time).
 */
final class NativeRowOrder implements AutoCloseable {
    private long[] last;
    private LongPointer copy;

    /** The native copy of {@code order} (the same array as last time: the same copy, not copied again). */
    LongPointer of(long[] order) {
        if (order != last) {
            close();
            copy = new LongPointer(order);
            last = order;
        }
        return copy;
    }

    @Override
    public void close() {
        if (copy != null) {
            copy.close();
            copy = null;
            last = null;
        }
    }
}
