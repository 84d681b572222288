package dev.downhill.io;

import java.nio.file.Path;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Fills a new off-heap integer array of a known length front to back through a Java buffer: int64 (the CSR row pointers
 * a sparse reader writes) or int32 (its column indices). Owns the memory until {@link #releaseLongs()} /
 * {@link #releaseInts()}; {@link #close()} frees it otherwise. Not thread-safe.
 */
final class IndexAppender implements AutoCloseable {
    private final long capacity;
    private final boolean wide;
    private final long[] longs;
    private final int[] ints;
    private Pointer memory;
    private long flushed;
    private int buffered;

    /**
     * @param wide int64 elements when true, int32 otherwise
     * @param what names the array in an allocation failure
     */
    IndexAppender(long capacity, boolean wide, Path file, String what) {
        this.capacity = capacity;
        this.wide = wide;
        int buffer = (int) Math.min(OffHeapAppender.BUFFER_ELEMENTS, Math.max(1, capacity));
        this.longs = wide ? new long[buffer] : null;
        this.ints = wide ? null : new int[buffer];
        try {
            this.memory = HugePages.advise(wide ? new LongPointer(Math.max(1, capacity)) : new IntPointer(Math.max(1, capacity)));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError wrapped = new OutOfMemoryError(file + ": cannot allocate " + capacity + " " + what + " ("
                    + (wide ? 8 : 4) * capacity + " bytes off-heap): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    /** Appends {@code value} (an int32 array takes values that fit an int). */
    void append(long value) {
        if (flushed + buffered >= capacity) {
            throw new IllegalStateException("appending beyond the " + capacity + " values allocated");
        }
        if (wide) {
            longs[buffered++] = value;
        } else {
            ints[buffered++] = (int) value;
        }
        if (buffered == (wide ? longs.length : ints.length)) {
            flush();
        }
    }

    long size() {
        return flushed + buffered;
    }

    /** Hands the filled int64 memory over; every value must have been appended. */
    LongPointer releaseLongs() {
        return (LongPointer) release(true);
    }

    /** Hands the filled int32 memory over; every value must have been appended. */
    IntPointer releaseInts() {
        return (IntPointer) release(false);
    }

    private Pointer release(boolean asWide) {
        if (asWide != wide || memory == null || size() != capacity) {
            throw new IllegalStateException("released after " + size() + " of " + capacity + " values");
        }
        flush();
        Pointer p = memory;
        memory = null;
        return p;
    }

    @Override
    public void close() {
        Pointer p = memory;
        memory = null;
        if (p != null) {
            p.close();
        }
    }

    private void flush() {
        if (buffered > 0) {
            if (wide) {
                ((LongPointer) memory).position(flushed).put(longs, 0, buffered);
            } else {
                ((IntPointer) memory).position(flushed).put(ints, 0, buffered);
            }
            memory.position(0);
            flushed += buffered;
            buffered = 0;
        }
    }
}
