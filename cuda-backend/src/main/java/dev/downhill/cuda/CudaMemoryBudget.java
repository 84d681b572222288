package dev.downhill.cuda;

import dev.downhill.spi.BackendOptions;

/**
 * How much device memory a problem may use, and the chunk size passes are cut into. The budget is
 * {@link BackendOptions#deviceMemoryBudget()} (default from system property {@value #PROPERTY}, read by
 * {@link BackendOptions#defaults()}), else {@value #DEFAULT_FRACTION} of the device's free memory when the
 * problem is loaded. X larger than what the budget leaves for it is streamed in chunks of
 * {@link BackendOptions#chunkBytes()} bytes (default from {@value #CHUNK_PROPERTY}, else 1 GiB, whole rows);
 * the chunk size also fixes the order of the pass's float64 sums, so it must be the same for two problems
 * whose results should agree bit for bit.
 */
final class CudaMemoryBudget {
    static final String PROPERTY = "downhill.cuda.memoryBudget";
    static final String CHUNK_PROPERTY = "downhill.cuda.chunkBytes";
    static final double DEFAULT_FRACTION = 0.9;
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    private CudaMemoryBudget() {
    }

    /** What to raise or lower, in error messages. */
    static final String BUDGET_NAME = "the device memory budget (BackendOptions.deviceMemoryBudget, --device-memory-budget, "
            + "default -D" + PROPERTY + ")";
    static final String CHUNK_NAME = "the chunk size (BackendOptions.chunkBytes, default -D" + CHUNK_PROPERTY + ")";

    /** The budget in bytes given the options and the device's free memory now. */
    static long budget(BackendOptions options, long freeBytes) {
        return options.deviceMemoryBudget().orElse((long) (DEFAULT_FRACTION * freeBytes));
    }

    /** Rows per chunk for rows of {@code rowBytes} (at least one). */
    static long chunkRows(BackendOptions options, long rowBytes) {
        return Math.max(1, options.chunkBytes().orElse(DEFAULT_CHUNK_BYTES) / rowBytes);
    }
}
