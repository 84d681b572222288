package dev.downhill.cuda;

import dev.downhill.internal.ByteSizes;

/**
 * How much device memory a problem may use, and the chunk size passes are cut into. The budget is
 * system property {@value #PROPERTY} (bytes, or with a k/m/g/t suffix), default
 * {@value #DEFAULT_FRACTION} of the device's free memory when the problem is loaded. X larger than
 * what the budget leaves for it is streamed in chunks of {@value #CHUNK_PROPERTY} bytes (default
 * 1 GiB, whole rows); the chunk size also fixes the order of the pass's float64 sums, so it must be
 * the same for two problems whose results should agree bit for bit.
 */
final class CudaMemoryBudget {
    static final String PROPERTY = "downhill.cuda.memoryBudget";
    static final String CHUNK_PROPERTY = "downhill.cuda.chunkBytes";
    static final double DEFAULT_FRACTION = 0.9;
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    private CudaMemoryBudget() {
    }

    /** The budget in bytes given the device's free memory now. */
    static long budget(long freeBytes) {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? (long) (DEFAULT_FRACTION * freeBytes) : ByteSizes.parse(v, PROPERTY);
    }

    /** Rows per chunk for rows of {@code rowBytes} (at least one). */
    static long chunkRows(long rowBytes) {
        String v = System.getProperty(CHUNK_PROPERTY);
        long bytes = v == null || v.isBlank() ? DEFAULT_CHUNK_BYTES : ByteSizes.parse(v, CHUNK_PROPERTY);
        return Math.max(1, bytes / rowBytes);
    }
}
