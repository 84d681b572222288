package dev.downhill.io;

import java.nio.file.Path;
import org.bytedeco.javacpp.IntPointer;

/**
 * Fills a new off-heap int32 array of a known length front to back through a Java buffer (the CSR column indices a
 * sparse reader writes). Owns the memory until {@link #release()}; {@link #close()} frees it otherwise. Not thread-safe.
 */
final class IntAppender implements AutoCloseable {
    private final long capacity;
    private final int[] buffer;
    private IntPointer memory;
    private long flushed;
    private int buffered;

    IntAppender(long capacity, Path file) {
        this.capacity = capacity;
        this.buffer = new int[(int) Math.min(OffHeapAppender.BUFFER_ELEMENTS, Math.max(1, capacity))];
        try {
            this.memory = HugePages.advise(new IntPointer(capacity));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError wrapped = new OutOfMemoryError(file + ": cannot allocate " + capacity + " CSR column indices ("
                    + 4 * capacity + " bytes off-heap): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    void append(int value) {
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
    IntPointer release() {
        if (memory == null || size() != capacity) {
            throw new IllegalStateException("released after " + size() + " of " + capacity + " values");
        }
        flush();
        IntPointer p = memory;
        memory = null;
        return p;
    }

    @Override
    public void close() {
        IntPointer p = memory;
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
