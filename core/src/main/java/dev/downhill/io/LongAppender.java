package dev.downhill.io;

import java.nio.file.Path;
import org.bytedeco.javacpp.LongPointer;

/**
 * Fills a new off-heap int64 array of a known length front to back through a Java buffer (the CSR row pointers a
 * sparse reader writes). Owns the memory until {@link #release()}; {@link #close()} frees it otherwise. Not thread-safe.
 */
final class LongAppender implements AutoCloseable {
    private final long capacity;
    private final long[] buffer;
    private LongPointer memory;
    private long flushed;
    private int buffered;

    LongAppender(long capacity, Path file) {
        this.capacity = capacity;
        this.buffer = new long[(int) Math.min(OffHeapAppender.BUFFER_ELEMENTS, Math.max(1, capacity))];
        try {
            this.memory = HugePages.advise(new LongPointer(capacity));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError wrapped = new OutOfMemoryError(file + ": cannot allocate " + capacity + " CSR row pointers ("
                    + 8 * capacity + " bytes off-heap): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    void append(long value) {
        if (flushed + buffered >= capacity) {
            throw new IllegalStateException("appending beyond the " + capacity + " values allocated");
        }
        buffer[buffered++] = value;
        if (buffered == buffer.length) {
            flush();
        }
    }

    long size() {
        return flushed + buffered;
    }

    /** Hands the filled memory over; every value must have been appended. */
    LongPointer release() {
        if (memory == null || size() != capacity) {
            throw new IllegalStateException("released after " + size() + " of " + capacity + " values");
        }
        flush();
        LongPointer p = memory;
        memory = null;
        return p;
    }

    @Override
    public void close() {
        LongPointer p = memory;
        memory = null;
        if (p != null) {
            p.close();
        }
    }

    private void flush() {
        if (buffered > 0) {
            memory.position(flushed).put(buffer, 0, buffered);
            memory.position(0);
            flushed += buffered;
            buffered = 0;
        }
    }
}
