package dev.downhill.bench.report;

import java.util.Locale;

/**
 * Host memory a solve needs on the cpu backend, estimated from the shape before anything is
 * allocated, so that a cell that cannot fit is reported as infeasible with the bytes it needs instead
 * of being run into the kernel's OOM killer. X itself counts only when it is read into memory (an X
 * over the budget is memory-mapped: page cache, not allocated memory).
 */
final class MemoryNeed {
    private static final int SMLSIZ = 25;

    private MemoryNeed() {
    }

    /** Bytes of X that are allocated (0 when it is mapped because it exceeds {@code budget}). */
    static long residentX(long rows, long cols, int bytesPerValue, long budget) {
        long x = rows * cols * bytesPerValue;
        return x > budget ? 0 : x;
    }

    /**
     * The SVD solve (dgelsd on a float64 column-major copy): the copy m·n·8, the right-hand side, and
     * LAPACK's minimum workspace (12k + 2k·SMLSIZ + 8k·NLVL + (SMLSIZ+1)² doubles and 3k·NLVL + 11k ints,
     * k = min(m, n)) plus a QR/LQ stage of k² doubles when one side is much longer.
     */
    static long svd(long rows, long cols, long residentX) {
        long k = Math.min(rows, cols);
        long nlvl = Math.max(0, (long) (Math.log((double) k / (SMLSIZ + 1)) / Math.log(2)) + 1);
        long work = 8 * (12 * k + 2 * k * SMLSIZ + 8 * k * nlvl + (SMLSIZ + 1) * (SMLSIZ + 1) + k * k)
                + 4 * (3 * k * nlvl + 11 * k);
        return residentX + 8 * rows * cols + 8 * Math.max(rows, cols) + work;
    }

    /** The normal equations: XᵀX (n² doubles) and a 4 MiB block of rows. */
    static long normal(long cols, long residentX) {
        return residentX + 8 * cols * cols + (4L << 20);
    }

    /** numpy.linalg.lstsq on a centred float64 copy (peers.py): X (float32), the copy, gelsd's own Fortran copy. */
    static long numpyLstsq(long rows, long cols) {
        return 4 * rows * cols + 16 * rows * cols + 8 * (rows + cols) * 64;
    }

    /** scikit-learn LinearRegression on float32 X (peers.py's estimate): X, the centred copy, scipy's copy, slack. */
    static long sklearnLinear(long rows, long cols) {
        return 16 * rows * cols + 8 * (rows + cols) * 64;
    }

    static String gigabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
