package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.Solver;
import java.util.Locale;

/**
 * What {@link Solver#AUTO} resolves to for one problem, and why (recorded in the model and printed).
 *
 * <p>The rule, from the shape, the precision and the memory budget of the direct solvers:
 * <ol>
 *   <li>more than {@value #MAX_DIRECT_COLUMNS} columns, whatever the rows — the direct solvers' n × n matrices (the
 *       normal equations' Gram matrix, the SVD's V, the ridge's augmented factor) would not fit a Java array; wide X of a
 *       few rows and 50,000 columns went to the SVD, which refused it, until 2026-12-02 — or a direct solve needing more
 *       than the budget
 *       ({@link dev.downhill.FitConfig#directMemoryBudget()}): {@link Solver#CG}, which reads X once per
 *       iteration, needs no step size, and from θ = 0 converges to the minimum-norm answer on wide X;</li>
 *   <li>otherwise {@link Solver#SVD} — exact, certified, rank-revealing — when its work is cheap against an
 *       iterative solve: QR of the m × (n+1) augmented matrix and the SVD of its k × n factor (k = min(m, n+1))
 *       cost about 2m(n+1)k + 4k²n + 4k³ flops — for wide X (m < n) the factor's SVD is taken through its LQ
 *       factorization, 2k²n, and the k × k SVD of L with its vectors, about 8k³ (as LAPACK's gelsd does; before
 *       2026-12-02 the SVD of the whole k × n factor was made twice, ~12k²n, and the estimate claimed a third of
 *       the cost that ran) — and a solve to a tight tolerance is taken to read X
 *       {@value #ITERATIVE_PASSES} times; a flop is counted as {@value #FLOPS_PER_BYTE} of a byte read
 *       (LAPACK's blocked QR runs at about four times the flop rate of the memory bandwidth in bytes on the
 *       project's 2-core AVX-512 hosts);</li>
 *   <li>else {@link Solver#CG}.</li>
 * </ol>
 * Where the exact answer is chosen for tall X (more rows than columns) it is asked of {@link Solver#NORMAL} first — the
 * Gram pass costs about half the QR and the normal equations' answer is certified to the same digits below their
 * refusal threshold — and of {@link Solver#SVD} when they refuse (rank deficiency, a condition estimate over the
 * threshold): {@code LinearRegression} makes that switch and records it in the reason. Wide or square X go to the SVD
 * directly (their normal equations are singular or nearly so).
 * So tall data with up to ~1–2 thousand columns, wide data with up to a few thousand rows and every
 * ill-conditioned problem of those sizes get the exact answer; wider, bigger or over-budget problems get
 * conjugate gradients. Sparse X is weighed by its stored entries instead ({@link #chooseSparse}).
 *
 * <p>When the normal equations are chosen (tall X) and their solve costs more than 2·{@value #MIN_TRIAL_PASSES} passes
 * over X, conjugate gradients get the first try, limited to half that cost in passes ({@code cgTrialPasses}): on
 * well-conditioned data cg converges in a few dozen passes, far sooner than the Gram pass; when it does not, the
 * normal equations follow (and the SVD if they refuse), so the fit costs at most ~1.5× theirs. Their cost: the Gram
 * pass of the augmented [X | y], m(n+1)² flops, and its Cholesky factor, (n+1)³/3 — so the trial's budget is about
 * n/64 passes in float64 (n/32 in float32), and X needs about 630 columns (float32 about 320) for a trial at all. (Against
 * the QR + SVD's cost, as before 2026-12-02, the budget was twice that: on 20,000 × 500 the trial's 13 passes took
 * longer than the normal equations' whole solve.) X with at most {@value #MIN_TRIAL_ROWS_PER_COLUMN}n
 * rows gets no trial: certifying cg's answer ({@link TrialCertificate}) then needs X's exact Gram matrix — the pass the
 * normal equations make — so the certificate alone would cost about what the exact answer costs.
 *
 * @param solver        the solver chosen
 * @param reason        one line: the choice and the numbers behind it
 * @param cgTrialPasses passes of conjugate gradients to try before the SVD (0: none)
 */
public record SolverChoice(Solver solver, String reason, long cgTrialPasses) {
    static final int MAX_DIRECT_COLUMNS = 46_340;
    static final double FLOPS_PER_BYTE = 0.25;
    static final double ITERATIVE_PASSES = 300;
    static final long MIN_TRIAL_PASSES = 10;
    /** The same choice without the conjugate-gradient trial (the exact solve straight away). */
    public SolverChoice withoutTrial() {
        return new SolverChoice(solver, reason, 0);
    }

    /**
     * The trial needs more than this many rows per column: {@link SketchedCondition}'s sketch samples
     * {@link SketchedCondition#ROWS_PER_BUCKET}·{@link SketchedCondition#OVERSAMPLING}·n rows, and below that it reads
     * the exact Gram matrix, which is the normal equations' own O(mn²) pass.
     */
    static final long MIN_TRIAL_ROWS_PER_COLUMN = (long) SketchedCondition.ROWS_PER_BUCKET * SketchedCondition.OVERSAMPLING;

    public static SolverChoice choose(long rows, long cols, Precision precision, long directMemoryBudget) {
        double m = rows;
        double n = cols;
        if (cols > MAX_DIRECT_COLUMNS) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                    "cg: %,d × %,d is beyond the direct solvers' n × n matrices (n ≤ %,d)", rows, cols, MAX_DIRECT_COLUMNS), 0);
        }
        double memory = directMemory(rows, cols);
        if (memory > directMemoryBudget) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                    "cg: a direct solve of %,d × %,d needs ~%s of float64 work, over its budget of %s",
                    rows, cols, bytes(memory), ByteSizes.format(directMemoryBudget)), 0);
        }
        double directFlops = directFlops(m, n);
        double iterativeBytes = ITERATIVE_PASSES * m * n * precision.bytes();
        double ratio = directFlops * FLOPS_PER_BYTE / iterativeBytes;
        if (ratio <= 1) {
            if (rows > cols) { // the normal equations first, the SVD if they refuse (LinearRegression switches)
                double normalFlops = m * (n + 1) * (n + 1) + (n + 1) * (n + 1) * (n + 1) / 3;
                double normalPasses = normalFlops * FLOPS_PER_BYTE / (m * n * precision.bytes());
                long trial = rows > MIN_TRIAL_ROWS_PER_COLUMN * cols ? (long) (0.5 * normalPasses) : 0;
                return new SolverChoice(Solver.NORMAL, String.format(Locale.ROOT,
                        "normal: the exact answer is cheap for %,d × %,d (at most QR + SVD ~%.2g flops, %.2g× the cost of ~%.0f "
                                + "passes over X; the normal equations first, refined, and svd if they refuse)",
                        rows, cols, directFlops, ratio, ITERATIVE_PASSES), trial >= MIN_TRIAL_PASSES ? trial : 0);
            }
            return new SolverChoice(Solver.SVD, String.format(Locale.ROOT, // square or wide: no trial (at most 8n rows)
                    "svd: the exact answer is cheap for %,d × %,d (QR + SVD ~%.2g flops, %.2g× the cost of ~%.0f passes over X)",
                    rows, cols, directFlops, ratio, ITERATIVE_PASSES), 0);
        }
        return new SolverChoice(Solver.CG, String.format(Locale.ROOT,
                "cg: a direct solve of %,d × %,d (~%.2g flops) would cost %.2g× ~%.0f passes over X",
                rows, cols, directFlops, ratio, ITERATIVE_PASSES), 0);
    }

    /**
     * Passes of cg a sparse normal-equations solve may cost and still be chosen ({@link #chooseSparse}): about what cg
     * takes on well-conditioned standardized data, so the exact answer never costs much more than cg's would.
     */
    static final double SPARSE_NORMAL_PASSES = 20;
    /**
     * Passes of cg the normal equations' refinement is counted as: its few steps of double-double residuals, each a Java pass
     * over the stored entries on one thread, several times a cg pass.
     */
    static final double REFINEMENT_PASSES = 6;
    /** Units (a cg pass's multiply-add) a pair product of the sparse Gram pass is counted as (a scattered update). */
    static final double GRAM_PAIR_WEIGHT = 2;
    /** Units a row of the sparse Gram pass is counted as beyond its pairs (its setup, its target's products). */
    static final double GRAM_ROW_WEIGHT = 20;
    /** Units an entry of the n × n matrices is counted as (made, centred, mirrored, copied, inverted's diagonal read). */
    static final double GRAM_ENTRY_WEIGHT = 2;
    /**
     * Units per n³ of the cubic work (Cholesky, condition estimate, the inverse for standard errors: blocked BLAS, hundreds
     * of flops a unit).
     */
    static final double CUBIC_WEIGHT = 0.002;

    /**
     * What {@link Solver#AUTO} resolves to without an l1 term on a sparse X of {@code rows} × {@code cols} with {@code
     * nonZeros} stored entries whose sparse Gram pass makes {@code gramPairs} multiply-adds ({@link
     * SparseL1Choice#gramPairs}): {@link Solver#NORMAL} where X is tall, n ≤ {@value #MAX_DIRECT_COLUMNS}, the n × n
     * float64 matrices (24·n² bytes: the Gram matrix, the pass's accumulator and the Cholesky factor) fit {@code
     * directMemoryBudget}, and the solve costs at most {@value #SPARSE_NORMAL_PASSES} cg passes — {@code
     * standardErrors}: at most {@value #ITERATIVE_PASSES}, as on dense X, for cg gives none — else {@link Solver#CG}.
     * Counted in units of a cg pass's multiply-add:
     * <pre>
     *   normal:     a·P_G + b·m + c·n² + d·n³ + R·(2·nnz + 2m)
     *   a cg pass:  2·nnz + 2m                                 (Xθ and Xᵀr)
     * </pre>
     * a = {@value #GRAM_PAIR_WEIGHT}, b = {@value #GRAM_ROW_WEIGHT}, c = {@value #GRAM_ENTRY_WEIGHT}, d = {@value
     * #CUBIC_WEIGHT}, R = {@value #REFINEMENT_PASSES}: fitted on the project's 2-core VM (cpu backend, {@code gen
     * --density}, whole fits {@code --solver normal} against cg's time per iteration, medians of 3, 2026-12-03), counted
     * against measured passes: 1,000,000 × 200 at 2 % 10 against 14; 100,000 × 1,000 at 1 % 14 against 21; 100,000 ×
     * 2,000 at 5 % 57 against 87; 100,000 × 500 at 0.4 % 12 against 15; 200,000 × 50 at 20 % 12 against 8; 20,000 ×
     * 2,000 at 0.5 % 66 against 41; 20,000 × 500 at 10 % 31 against 15; 400,000 × 100 at 1 % 12 against 6; 50,000 ×
     * 3,000 at 0.2 % 113 against 80 — within 2× either way. So tall sparse X with short
     * rows and up to a few hundred columns gets the exact, certified answer and its standard errors, as dense X of that
     * shape does, and wide, long-rowed or many-columned X keeps cg. Where the normal equations refuse (rank deficiency,
     * a condition estimate over their threshold) {@code LinearRegression} continues with svd on a dense copy of X where
     * the entry point holds the dataset and the copy fits the budget (the minimum-norm or ill-conditioned answer, as
     * on dense X), else with cg, whose answer the reason then says may be far off; it says which in the reason.
     */
    public static SolverChoice chooseSparse(long rows, long cols, long nonZeros, double gramPairs, long directMemoryBudget,
                                            boolean standardErrors) {
        double m = rows;
        double n = cols;
        double pass = 2.0 * nonZeros + 2 * m;
        String dims = String.format(Locale.ROOT, "(%,d × %,d, %,d non-zeros)", rows, cols, nonZeros);
        String shape = "X is sparse " + dims;
        String cgReads = "cg reads its stored entries once per iteration";
        if (rows <= cols) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT, "cg: %s; %s, while its normal equations are singular "
                    + "or nearly so (at least as many columns as rows) and svd would need a dense copy", shape, cgReads), 0);
        }
        double memory = 24 * n * n;
        if (cols > MAX_DIRECT_COLUMNS || memory > directMemoryBudget) {
            return new SolverChoice(Solver.CG, String.format(Locale.ROOT, "cg: %s; %s, while the normal equations' n × n "
                    + "matrices would need ~%s, over %s", shape, cgReads, cols > MAX_DIRECT_COLUMNS ? "more than a Java array "
                    + "holds" : bytes(memory), cols > MAX_DIRECT_COLUMNS ? String.format(Locale.ROOT, "n ≤ %,d", MAX_DIRECT_COLUMNS)
                    : "their budget of " + ByteSizes.format(directMemoryBudget)), 0);
        }
        double normal = GRAM_PAIR_WEIGHT * gramPairs + GRAM_ROW_WEIGHT * m + GRAM_ENTRY_WEIGHT * n * n
                + CUBIC_WEIGHT * n * n * n + REFINEMENT_PASSES * pass;
        double passes = normal / pass;
        double limit = standardErrors ? ITERATIVE_PASSES : SPARSE_NORMAL_PASSES;
        if (passes <= limit) {
            return new SolverChoice(Solver.NORMAL, String.format(Locale.ROOT, "normal: the exact answer is cheap for sparse X %s: "
                    + "the sparse Gram pass and solve, counted ~%.2g multiply-adds, cost %.2g cg passes (at most %.0f%s; the normal "
                    + "equations, refined, then svd on a dense copy of X, or cg, if they refuse)", dims, normal, passes,
                    limit, standardErrors ? ": the standard errors asked for need them" : ""), 0);
        }
        return new SolverChoice(Solver.CG, String.format(Locale.ROOT, "cg: %s; %s, while the normal equations' sparse Gram "
                + "pass and solve (counted ~%.2g multiply-adds) would cost %.0f of its passes (more than %.0f)", shape, cgReads, normal,
                passes, limit), 0);
    }

    /**
     * The direct solve's flops for m × n X: the QR pass over the m × (n+1) augmented matrix, 2m(n+1)k (k = min(m, n+1)),
     * then for tall or square X the SVD of the n × n factor, 4k²n + 4k³, and for wide X (m &lt; n: the factor is k × n,
     * k = m) its LQ factorization, 2k²n, and the SVD of the k × k L with its vectors, 8k³ (V applied through Q, not
     * formed).
     */
    static double directFlops(double m, double n) {
        double k = Math.min(m, n + 1);
        double qr = 2 * m * (n + 1) * k;
        return m < n ? qr + 2 * k * k * n + 8 * k * k * k : qr + 4 * k * k * n + 4 * k * k * k;
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
        return ByteSizes.format(Math.max(b, 1e3)); // at least "1 kB", as before
    }
}
