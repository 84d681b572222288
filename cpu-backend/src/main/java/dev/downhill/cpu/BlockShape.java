package dev.downhill.cpu;

/**
 * How the fused kernels cut X into row blocks: a block holds about {@code blockBytes} of X
 * (so it is still in the core's L2 cache when Xᵀr re-reads it), and float32 block partials are
 * flushed into the float64 accumulator every {@code flushRows} rows.
 * From backend options {@value dev.downhill.spi.BackendOptions#CPU_BLOCK_BYTES} (default 524288) and
 * {@value dev.downhill.spi.BackendOptions#CPU_FLUSH_ROWS} (default 512).
 */
record BlockShape(long blockBytes, long flushRows) {

    static BlockShape of(dev.downhill.spi.BackendOptions options) {
        return new BlockShape(positive(options, dev.downhill.spi.BackendOptions.CPU_BLOCK_BYTES, 512 * 1024),
                positive(options, dev.downhill.spi.BackendOptions.CPU_FLUSH_ROWS, 512));
    }

    private static long positive(dev.downhill.spi.BackendOptions options, String key, long fallback) {
        String v = options.setting(key).orElse(null);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a whole number > 0, got '" + v + "'");
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
