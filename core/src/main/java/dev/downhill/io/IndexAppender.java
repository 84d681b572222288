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
    /** The element of memory this appender's first value goes to (0, or a slice's start). */
    private final long start;
    /** Whether close frees memory (false for a slice: its parent owns the memory). */
    private final boolean owner;
    private long flushed;
    private int buffered;

    /**
     * @param wide int64 elements when true, int32 otherwise
     * @param what names the array in an allocation failure
     */
    IndexAppender(long capacity, boolean wide, Path file, String what) {
        this(capacity, wide, allocate(capacity, wide, file, what), 0, true);
    }

    private IndexAppender(long capacity, boolean wide, Pointer memory, long start, boolean owner) {
        this.capacity = capacity;
        this.wide = wide;
        int buffer = (int) Math.min(OffHeapAppender.BUFFER_ELEMENTS, Math.max(1, capacity));
        this.longs = wide ? new long[buffer] : null;
        this.ints = wide ? null : new int[buffer];
        this.memory = memory;
        this.start = start;
        this.owner = owner;
    }

    private static Pointer allocate(long capacity, boolean wide, Path file, String what) {
        try {
            return HugePages.advise(wide ? new LongPointer(Math.max(1, capacity)) : new IntPointer(Math.max(1, capacity)));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError wrapped = new OutOfMemoryError(file + ": cannot allocate " + capacity + " " + what + " ("
                    + (wide ? 8 : 4) * capacity + " bytes off-heap): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    /**
     * An appender of this one's elements [from, from + count), for one thread of a reader that fills the array in parts
     * (its own pointer to the same memory: the slices never move a shared position); it owns nothing (its
     * {@link #close()} only writes out what it buffered), and this appender, unfilled, must stay open until every slice
     * is closed; then {@link #filledBySlices()}.
     */
    IndexAppender slice(long from, long count) {
        if (from < 0 || count < 0 || from + count > capacity || flushed + buffered != 0) {
            throw new IllegalStateException("a slice [" + from + ", " + (from + count) + ") of " + capacity + " values");
        }
        Pointer own = wide ? new LongPointer(memory) : new IntPointer(memory);
        return new IndexAppender(count, wide, own, start + from, false);
    }

    /** Marks this appender full: its slices, each closed after it was filled, wrote every element. */
    void filledBySlices() {
        if (flushed + buffered != 0) {
            throw new IllegalStateException("appended to and filled by slices");
        }
        flushed = capacity;
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

    /** Frees the memory unless it was released (a slice: writes out what it buffered). */
    @Override
    public void close() {
        Pointer p = memory;
        if (!owner) {
            if (p != null) {
                flush();
            }
            memory = null;
            return;
        }
        memory = null;
        if (p != null) {
            p.close();
        }
    }

    private void flush() {
        if (buffered > 0) {
            if (wide) {
                ((LongPointer) memory).position(start + flushed).put(longs, 0, buffered);
            } else {
                ((IntPointer) memory).position(start + flushed).put(ints, 0, buffered);
            }
            memory.position(0);
            flushed += buffered;
            buffered = 0;
        }
    }
}
