package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.Solver;
import java.util.Locale;

/**
 * What {@link Solver#AUTO} resolves to for one problem, and why (recorded in the model and printed).
 *
 * <p>The rule, from the shape, the precision and the memory budget of the direct solvers:
 * <ol>
 *   <li>more than {@value #MAX_DIRECT_COLUMNS} columns and more than that many rows — the direct solvers' dense
 *       factor would not fit a Java array — or a direct solve needing more than the budget
 *       ({@link dev.downhill.FitConfig#directMemoryBudget()}): {@link Solver#CG}, which reads X once per
 *       iteration, needs no step size, and from θ = 0 converges to the minimum-norm answer on wide X;</li>
 *   <li>otherwise {@link Solver#SVD} — exact, certified, rank-revealing — when its work is cheap against an
 *       iterative solve: QR of the m × (n+1) augmented matrix and the SVD of its k × n factor (k = min(m, n+1))
 *       cost about 2m(n+1)k + 4k²n + 4k³ flops, and a solve to a tight tolerance is taken to read X
 *       {@value #ITERATIVE_PASSES} times; a flop is counted as {@value #FLOPS_PER_BYTE} of a byte read
 *       (LAPACK's blocked QR runs at about four times the flop rate of the memory bandwidth in bytes on the
 *       project's 2-core AVX-512 hosts);</li>
 *   <li>else {@link Solver#CG}.</li>
 * </ol>
 * So tall data with up to ~1–2 thousand columns, wide data with up to a few thousand rows and every
 * ill-conditioned problem of those sizes get the exact answer; wider, bigger or over-budget problems get
 * conjugate gradients. (Sparse X will weigh its non-zeros here when it lands.)
 *
 * @param solver the solver chosen
 * @param reason one line: the choice and the numbers behind it
 */
public record SolverChoice(Solver solver, String reason) {
    static final int MAX_DIRECT_COLUMNS = 46_340;
    static final double FLOPS_PER_BYTE = 0.25;
    static final double ITERATIVE_PASSES = 300;

    public static SolverChoice choose(long rows, long cols, Precision precision, long directMemoryBudget) {
        double m = rows;
        double n = cols;
        double k = Math.min(m, n + 1);
        if (Math.min(rows, cols) > MAX_DIRECT_COLUMNS) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                    "cg: %,d × %,d is beyond the direct solvers' dense factor (min(m, n) ≤ %,d)", rows, cols, MAX_DIRECT_COLUMNS));
        }
        double memory = directMemory(rows, cols);
        if (memory > directMemoryBudget) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                    "cg: a direct solve of %,d × %,d needs ~%s of float64 work, over its budget of %s",
                    rows, cols, bytes(memory), bytes(directMemoryBudget)));
        }
        double directFlops = 2 * m * (n + 1) * k + 4 * k * k * n + 4 * k * k * k;
        double iterativeBytes = ITERATIVE_PASSES * m * n * precision.bytes();
        double ratio = directFlops * FLOPS_PER_BYTE / iterativeBytes;
        if (ratio <= 1) {
            return new SolverChoice(Solver.SVD, String.format(Locale.ROOT,
                    "svd: the exact answer is cheap for %,d × %,d (QR + SVD ~%.2g flops, %.2g× the cost of ~%.0f passes over X)",
                    rows, cols, directFlops, ratio, ITERATIVE_PASSES));
        }
        return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                "cg: a direct solve of %,d × %,d (~%.2g flops) would cost %.2g× ~%.0f passes over X",
                rows, cols, directFlops, ratio, ITERATIVE_PASSES));
    }

    /** Bytes of float64 work a direct solve needs: a QR row block (≤ 1 GiB, else 256 MiB blocks) plus ~6 k × n matrices. */
    static double directMemory(long rows, long cols) {
        double width = cols + 1.0;
        double whole = 8 * (double) rows * width;
        double block = whole <= (1L << 30) ? whole : Math.min(whole, Math.max(8 * 4 * width * width, 256.0 * (1 << 20)) + 8 * width * width);
        double k = Math.min(rows, cols + 1.0);
        return block + 6 * 8 * k * width;
    }

    private static String bytes(double b) {
        return b >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", b / 1e9) : String.format(Locale.ROOT, "%.0f MB", b / 1e6);
    }
}
