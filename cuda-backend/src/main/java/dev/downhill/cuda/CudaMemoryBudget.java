package dev.downhill.cuda;

import java.util.Locale;

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
        return v == null || v.isBlank() ? (long) (DEFAULT_FRACTION * freeBytes) : parse(v, PROPERTY);
    }

    /** Rows per chunk for rows of {@code rowBytes} (at least one). */
    static long chunkRows(long rowBytes) {
        String v = System.getProperty(CHUNK_PROPERTY);
        long bytes = v == null || v.isBlank() ? DEFAULT_CHUNK_BYTES : parse(v, CHUNK_PROPERTY);
        return Math.max(1, bytes / rowBytes);
    }

    /** Parses "123", "64k", "512m", "16g", "1t" (binary multiples). */
    static long parse(String text, String name) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k': unit = 1L << 10; break;
                case 'm': unit = 1L << 20; break;
                case 'g': unit = 1L << 30; break;
                case 't': unit = 1L << 40; break;
                default: unit = 1;
            }
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long value = Long.parseLong(digits.trim());
            if (value > 0) {
                return Math.multiplyExact(value, unit);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // fall through
        }
        throw new IllegalArgumentException(name + " must be a positive size such as 512m or 16g, got '" + text + "'");
    }
}
