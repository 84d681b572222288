package dev.downhill.cuda;

import dev.downhill.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The launch shape of the fused gradient kernel for n columns: clusters of {@code cluster} blocks
 * share each row (block r of a cluster owns a contiguous n/cluster of the columns), {@code threads}
 * per block, each thread holding {@code columnsPerThread} columns of {@code rowsPerGroup} rows in
 * registers. Chosen so that the registers hold a whole row of the block's share
 * (ceil(n/cluster) ≤ threads·columnsPerThread): X is then read from memory once per pass.
 *
 * <p>The smallest cluster that fits is used; clusters of 16 are non-portable (Hopper allows them
 * when the kernel opts in). Narrow rows get smaller blocks and several rows per barrier so that
 * the per-row reduction does not dominate. Past {@code 16 · 512 · maxColumnsPerThread} columns
 * there is no fused shape and the backend uses cuBLAS for full passes.
 *
 * <p>{@code stages} ≥ 2 ({@link #staged}, strategy {@link CudaGradientStrategy#STAGED}): X reaches the registers through
 * shared memory instead, {@code stages} groups of {@code rowsPerGroup} rows in flight (asynchronous copies), so the
 * row groups can be larger than the registers allow; 0: the register path.
 */
record FusedShape(int cluster, int threads, int columnsPerThread, int rowsPerGroup, int stages) {
    static final int MAX_THREADS = 512;
    static final int[] CLUSTERS = {1, 2, 4, 8, 16};
    /** Largest cluster the CUDA programming guide calls portable. */
    static final int MAX_PORTABLE_CLUSTER = 8;
    /** Dynamic shared memory a staged shape may use per block on sm_90 (227 KiB there; the rest for the kernel's own). */
    static final int STAGED_BUDGET_BYTES = 200 * 1024;
    /** Shared memory left for the kernel's static arrays (block sums, cluster slots) beside the staged buffer. */
    static final int STATIC_SHARED_RESERVE = 8 * 1024;
    /** Most rows per group of a staged shape (an explicit staging's limit). */
    static final int MAX_STAGED_ROWS = 16;

    /**
     * Rows per group of the default staged shape where they fit: two stages of four rows were the fastest or within 0.5 %
     * of it at every width measured on an H200 (2026-12-04, float32, ms per step, default three stages of up to 16 rows →
     * two of up to 4): 20,000,000 × 100: 13.88 → 11.89; 4,000,000 × 500: 12.53 → 10.13; 2,000,000 × 1,000: 8.21 → 6.43;
     * 400,000 × 5,000: 3.97 → 3.82; 100,000 × 20,000: 5.45 → 5.17; at 100,000 columns, where 3 rows are all that fit two
     * stages, 6.12 → 5.62. More rows a group (6, 8) or a third stage were slower: more shared memory a block leaves
     * fewer blocks resident.
     */
    static final int DEFAULT_STAGED_ROWS = 4;

    /**
     * Fewest columns for which the default strategy (staged, {@code cudaKernel} unset) stages full passes: on an H200 at
     * 100 float32 columns the staged kernel was 2.5× the register kernel's speed, at 20 columns 3 % slower (17.64 vs
     * 17.06 ms at 100,000,000 × 20, three stages of 16 rows; two of 4 not measured there). Narrower X keeps the register
     * kernel unless {@code staged} is asked for.
     */
    static final int STAGED_DEFAULT_MIN_COLUMNS = 100;

    /** The register path's shape (no staging). */
    FusedShape(int cluster, int threads, int columnsPerThread, int rowsPerGroup) {
        this(cluster, threads, columnsPerThread, rowsPerGroup, 0);
    }

    /** Columns per thread that compile without register spills at 512 threads (ptxas, sm_90, CUDA 13). */
    static int maxColumnsPerThread(Precision precision) {
        return precision == Precision.FLOAT64 ? 16 : 14;
    }

    /** Largest n with a fused shape. */
    static long maxColumns(Precision precision) {
        return (long) CLUSTERS[CLUSTERS.length - 1] * MAX_THREADS * maxColumnsPerThread(precision);
    }

    /** The shape for {@code n} columns, or empty when n exceeds {@link #maxColumns}. */
    static Optional<FusedShape> forColumns(long n, Precision precision) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be ≥ 1, got " + n);
        }
        int limit = maxColumnsPerThread(precision);
        for (int cluster : CLUSTERS) {
            long width = (n + cluster - 1) / cluster;
            int threads = cluster == 1 ? (int) Math.min(MAX_THREADS, Math.max(32, Long.highestOneBit(Math.max(1, width - 1)) << 1)) : MAX_THREADS;
            long perThread = (width + threads - 1) / threads;
            if (perThread <= limit) {
                int k = (int) perThread;
                int rows = cluster == 1 ? Math.max(1, Math.min(16, 16 / k)) : 1;
                return Optional.of(new FusedShape(cluster, threads, k, rows));
            }
        }
        return Optional.empty();
    }

    /**
     * The staged shape for {@code n} columns: {@link #forColumns}'s blocks and columns per thread, X staged through
     * {@link #dynamicSharedBytes} of shared memory — two stages of the most rows (≤ {@value #DEFAULT_STAGED_ROWS}) that
     * fit {@value #STAGED_BUDGET_BYTES} bytes with the block's θ slice. Empty when n has no fused shape or not even two
     * single-row stages fit.
     */
    static Optional<FusedShape> staged(long n, Precision precision) {
        return staged(n, precision, STAGED_BUDGET_BYTES);
    }

    /**
     * The staged shape for a device whose blocks may opt in to {@code sharedPerBlockOptin} bytes of shared memory: the
     * budget is that less {@value #STATIC_SHARED_RESERVE} for the kernel's static arrays, at most
     * {@value #STAGED_BUDGET_BYTES} (an A100's 163 KiB or an sm_89's 99 KiB would refuse 200 KiB at launch).
     */
    static Optional<FusedShape> stagedFor(long n, Precision precision, int sharedPerBlockOptin) {
        return staged(n, precision, Math.min(STAGED_BUDGET_BYTES, sharedPerBlockOptin - STATIC_SHARED_RESERVE));
    }

    private static Optional<FusedShape> staged(long n, Precision precision, long budget) {
        Optional<FusedShape> plain = forColumns(n, precision);
        if (plain.isEmpty()) {
            return plain;
        }
        FusedShape s = plain.get();
        long unit = (long) s.columnsPerThread() * s.threads() * precision.bytes(); // one row of the block's slice
        long units = Math.max(0, budget) / unit; // rows of X plus θ's slice
        long rows = Math.min(DEFAULT_STAGED_ROWS, (units - 1) / 2);
        return rows >= 1 ? Optional.of(new FusedShape(s.cluster(), s.threads(), s.columnsPerThread(), (int) rows, 2))
                : Optional.empty();
    }

    /** Dynamic shared memory per block (bytes): (stages · rows + 1) · columns per thread · threads values; 0 unstaged. */
    long dynamicSharedBytes(Precision precision) {
        return stages == 0 ? 0 : ((long) stages * rowsPerGroup + 1) * columnsPerThread * threads * precision.bytes();
    }

    /** The NVRTC macros of this shape's kernel module. */
    Map<String, String> macros(Precision precision) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("REAL", precision == Precision.FLOAT64 ? "double" : "float");
        m.put("THREADS", Integer.toString(threads));
        m.put("KPT", Integer.toString(columnsPerThread));
        m.put("CLUSTER", Integer.toString(cluster));
        m.put("ROWS", Integer.toString(rowsPerGroup));
        if (stages > 0) {
            m.put("STAGES", Integer.toString(stages));
        }
        return m;
    }

    /** The macros of the module with the other kernels (vectors, reductions, least squares): 256 threads, no clusters. */
    static Map<String, String> utilityMacros(Precision precision) {
        return new FusedShape(1, UTILITY_THREADS, 1, 1).macros(precision);
    }

    /** Block size of the utility kernels. */
    static final int UTILITY_THREADS = 256;

    @Override
    public String toString() {
        return "clusters of " + cluster + " × " + threads + " threads, " + columnsPerThread + " columns/thread, "
                + rowsPerGroup + " rows/barrier" + (stages > 0 ? ", " + stages + " stages through shared memory" : "");
    }
}
