package dev.downhill.cpu;

/**
 * How the fused kernels cut X into row blocks: a block holds about {@code blockBytes} of X
 * (so it is still in the core's L2 cache when Xᵀr re-reads it), and float32 block partials are
 * flushed into the float64 accumulator every {@code flushRows} rows.
 * Defaults from system properties {@code downhill.cpu.blockBytes} (524288) and
 * {@code downhill.cpu.flushRows} (512).
 */
record BlockShape(long blockBytes, long flushRows) {

    static BlockShape defaults() {
        return new BlockShape(Long.getLong("downhill.cpu.blockBytes", 512 * 1024),
                Long.getLong("downhill.cpu.flushRows", 512));
    }

    /** Rows per block for rows of {@code cols} elements of {@code elementBytes} each (at least 1). */
    int rowsPerBlock(long cols, int elementBytes) {
        long rows = blockBytes / Math.max(1, cols * elementBytes);
        long maxRowsForInt = Integer.MAX_VALUE / Math.max(1, cols);
        return (int) Math.max(1, Math.min(Math.min(rows, maxRowsForInt), 1 << 16));
    }

    /** Blocks between flushes (at least 1). */
    int blocksPerFlush(int rowsPerBlock) {
        return (int) Math.max(1, flushRows / rowsPerBlock);
    }
}
