package dev.downhill.internal;

import dev.downhill.Solver;
import dev.downhill.io.CsrMatrix;
import java.util.Locale;
import org.bytedeco.javacpp.LongPointer;

/**
 * What {@link Solver#AUTO} resolves to for a penalty with an l1 term (lasso, elastic net) on a sparse X, and why
 * (recorded in the model and printed, as {@link SolverChoice}'s reason is): {@link Solver#CD} on the Gram matrix when a
 * cost model says that route is cheaper, else {@link Solver#NESTEROV} (FISTA over X), as on dense X.
 *
 * <p>The two routes, counted in multiply-adds:
 * <pre>
 *   cd:       P_G + W·n²,     P_G = Σᵢ kᵢ(kᵢ + 1)/2   (kᵢ = pᵢ₊₁ − pᵢ, row i's stored entries, from the CSR row pointers)
 *   nesterov: F·2·nnz(X)
 * </pre>
 * P_G is the sparse Gram pass: each row adds the products of its pairs of entries to the upper triangle of the n × n
 * matrix (and ≤ Σᵢ kᵢ² — for rows of equal length k = nnz/m it is m·k(k+1)/2). W·n² is what the n × n matrix costs
 * beyond its products: made, copied to the heap, centred and mirrored once, then cd's sweeps (each O(n) per coordinate
 * that moves, up to n² a sweep) — W = {@value #GRAM_ENTRY_WEIGHT} multiply-adds per entry. (W also carries the Gram
 * pass's scattered updates slowing once G outgrows the caches: measured, a pair costs ~10 ns with n = 300 and ~35 ns
 * with n = 1,000–2,000, an entry of G ~55 ns, a FISTA multiply-add ~3 ns.) F·2·nnz is FISTA: each
 * iteration one gradient Xᵀ(Xθ − y), two multiply-adds per stored entry, and F = {@value #FISTA_PASSES} passes taken for
 * the whole fit, its step-size estimate and column statistics included. cd is chosen when
 * <pre>
 *   P_G + W·n² ≤ F·2·nnz(X),   n ≤ {@value SolverChoice#MAX_DIRECT_COLUMNS},   16·n² bytes ≤ {@link dev.downhill.FitConfig#directMemoryBudget()}
 * </pre>
 * (16·n²: the Gram pass's float64 accumulator and the heap copy cd works on). So cd takes tall X with short rows and few
 * columns (200,000 × 300 at density 0.05: P_G + W·n² = 2.4·10⁷ + 9·10⁶ against 1.2·10⁸), nesterov many columns
 * (20,000 × 20,000 at density 0.001: W·n² = 4·10¹⁰ against 1.6·10⁷, and G's 6.4 GB over a 1 GiB budget) or long rows.
 *
 * <p>The constants come from {@code fit --solver cd} against {@code --solver nesterov} on generated sparse data
 * ({@code gen --density}) on the project's 2-core machine, cpu backend (the README's "Which solver" has the table).
 * There FISTA converged in 6–21 iterations (well-conditioned columns; 202 on the 20,000 × 20,000 one); on harder data
 * it takes more, so F is on the low side: the rule picks cd only where it wins against a quickly converging FISTA.
 * The model counts the cpu backend's costs; the cuda backend's sparse Gram pass runs on the host too.
 *
 * @param solver {@link Solver#CD} or {@link Solver#NESTEROV}
 * @param reason one line: the choice and the numbers behind it
 */
public record SparseL1Choice(Solver solver, String reason) {
    /** F: the passes over X (gradients, two multiply-adds per stored entry each) a FISTA fit is taken to make. */
    static final double FISTA_PASSES = 20;
    /** W: multiply-adds counted per entry of the n × n Gram matrix, for everything but its products. */
    static final double GRAM_ENTRY_WEIGHT = 100;
    /** F_P: the FISTA passes over X a warm-started fit of a path is taken to make, its step-size estimate aside. */
    static final double PATH_FISTA_PASSES = 10;
    /** A: multiply-adds counted per entry of the n × n Gram matrix for each further α of a path (cd's sweeps). */
    static final double PATH_SWEEP_WEIGHT = 10;
    /** Rows per bulk read of the row pointers. */
    private static final int ROWS = 1 << 12;

    /**
     * P_G = Σᵢ kᵢ(kᵢ + 1)/2 over the rows of {@code x}, kᵢ its stored entries in row i: the multiply-adds of its sparse
     * Gram pass. One read of the m + 1 row pointers (8 bytes a row), no read of the entries.
     */
    public static double gramPairs(CsrMatrix x) {
        LongPointer pointers = x.rowPointers();
        long rows = x.rows();
        long[] p = new long[ROWS + 1];
        double pairs = 0;
        for (long first = 0; first < rows; first += ROWS) {
            int count = (int) Math.min(ROWS, rows - first);
            pointers.position(first).get(p, 0, count + 1);
            for (int r = 0; r < count; r++) {
                double k = p[r + 1] - p[r];
                pairs += k * (k + 1) / 2;
            }
        }
        return pairs;
    }

    /**
     * The choice for {@code problem} when it is sparse and knows the CSR X it was loaded from ({@link CheckedProblem}, as
     * every problem of a {@link dev.downhill.LoadedProblem} does), else null (dense X, or a problem made through the SPI
     * whose rows are not known here: nesterov then, as on dense X). On a backend other than cpu: nesterov (the costs are
     * the cpu backend's; cuda's FISTA passes run on the GPU while its sparse Gram pass runs on the host).
     */
    public static SparseL1Choice of(dev.downhill.spi.ResidentProblem problem, long directMemoryBudget) {
        if (!problem.isSparse() || !(problem instanceof CheckedProblem checked) || checked.hostSparse() == null
                || checked.hostSparse().rows() != problem.rows()) {
            return null;
        }
        if (!"cpu".equals(problem.backendName())) { // the costs are the cpu backend's: elsewhere FISTA's passes run on
            // the device while the sparse Gram pass runs on the host (cuda's), so cd would trade fast passes for a slow one
            return new SparseL1Choice(Solver.NESTEROV, String.format(Locale.ROOT, "nesterov: an l1 penalty needs a proximal "
                    + "solver (FISTA with adaptive restart, stopped on the duality gap); X is sparse (%,d × %,d) on the %s "
                    + "backend, whose passes over X the cost model of cd's host Gram pass does not weigh", problem.rows(),
                    problem.cols(), problem.backendName()));
        }
        CsrMatrix x = checked.hostSparse().x();
        return choose(problem.rows(), problem.cols(), x.nonZeros(), gramPairs(x), directMemoryBudget);
    }

    /**
     * The choice for an l1 penalty on a sparse X of {@code rows} × {@code cols} with {@code nonZeros} stored entries whose
     * Gram pass makes {@code gramPairs} multiply-adds ({@link #gramPairs}), within {@code directMemoryBudget} bytes.
     */
    public static SparseL1Choice choose(long rows, long cols, long nonZeros, double gramPairs, long directMemoryBudget) {
        double n = cols;
        double memory = gramMemory(cols);
        if (cols > SolverChoice.MAX_DIRECT_COLUMNS || memory > directMemoryBudget) {
            return new SparseL1Choice(Solver.NESTEROV, String.format(Locale.ROOT, "nesterov: an l1 penalty needs a proximal "
                    + "solver (FISTA with adaptive restart, stopped on the duality gap); X is sparse (%,d × %,d) and cd on its Gram "
                    + "matrix would need %s (16n²: the matrix, 8n², and the pass's accumulator), over the direct solvers' budget "
                    + "of %s", rows, cols, ByteSizes.format(memory),
                    ByteSizes.format(directMemoryBudget)));
        }
        double gram = gramPairs + GRAM_ENTRY_WEIGHT * n * n;
        double fista = FISTA_PASSES * 2 * (double) nonZeros;
        double ratio = gram / Math.max(fista, 1);
        if (gram <= fista) {
            return new SparseL1Choice(Solver.CD, String.format(Locale.ROOT, "cd: coordinate descent on the Gram matrix of the "
                    + "sparse X (%,d × %,d, %,d non-zeros): its Gram pass (%.2g multiply-adds) and n × n work (%.2g) cost "
                    + "%.2g× ~%.0f FISTA passes over X (%.2g); G needs %s of the %s budget", rows, cols, nonZeros, gramPairs,
                    GRAM_ENTRY_WEIGHT * n * n, ratio, FISTA_PASSES, fista, ByteSizes.format(memory),
                    ByteSizes.format(directMemoryBudget)));
        }
        return new SparseL1Choice(Solver.NESTEROV, String.format(Locale.ROOT, "nesterov: an l1 penalty needs a proximal solver "
                + "(FISTA with adaptive restart, stopped on the duality gap); on the sparse X (%,d × %,d, %,d non-zeros) "
                + "cd's Gram pass (%.2g multiply-adds) and n × n work (%.2g) would cost %.2g× ~%.0f FISTA passes over X (%.2g)",
                rows, cols, nonZeros, gramPairs, GRAM_ENTRY_WEIGHT * n * n, ratio, FISTA_PASSES, fista));
    }

    /**
     * The choice for a regularization path of {@code fits} fits (each α of a path or of a cross-validation's fold, each from
     * the last answer) on {@code problem}, as {@link #of} decides for one fit but with {@link #choosePath}'s costs; null
     * where {@link #of} gives null. With an automatic step ({@link dev.downhill.LearningRate#auto()}) each FISTA fit of the
     * path estimates its own step by power iteration.
     */
    public static SparseL1Choice ofPath(dev.downhill.spi.ResidentProblem problem, dev.downhill.FitConfig config, int fits) {
        SparseL1Choice one = of(problem, config.directMemoryBudget());
        if (one == null || !"cpu".equals(problem.backendName())) {
            return one;
        }
        CsrMatrix x = ((CheckedProblem) problem).hostSparse().x();
        return choosePath(problem.rows(), problem.cols(), x.nonZeros(), gramPairs(x), config.directMemoryBudget(), fits,
                config.learningRate().isAuto());
    }

    /**
     * The choice for a path of {@code fits} fits with an l1 penalty on a sparse X (as {@link #choose}'s arguments). One
     * Gram matrix serves every fit of the path: cd makes one Gram pass and its n × n work, then for each further α only
     * sweeps over G, warm-started; FISTA makes a fit's passes over X for every α. Counted in multiply-adds:
     * <pre>
     *   cd:       P_G + W·n² + (L − 1)·A·n²
     *   nesterov: L·(F_P + S)·2·nnz(X)
     * </pre>
     * with L = {@code fits}; A = {@value #PATH_SWEEP_WEIGHT} per entry of G for each further α (a warm-started sweep
     * touches only the coordinates that move, n each; measured on the project's machine, 2.5–32 ns per entry of G per α,
     * the most on 2,000 × 2,000 at density 0.005, whose wide G needs many sweeps); F_P =
     * {@value #PATH_FISTA_PASSES} FISTA passes per warm-started fit (observed 14–16 on the paths measured, more on harder
     * data: on the low side, as F); S = {@link dev.downhill.LearningRate#POWER_ITERATIONS} when the step is automatic (every
     * fit of the path runs its own power iteration, one gradient-like pass each), else 0. cd is chosen when its cost is at
     * most nesterov's, within the same memory rule as one fit ({@link #choose}). A path takes cd wherever one fit does.
     * On a 5,000 × 300 X at density 0.05 with 100 α's: cd 5.4·10⁵ + 9·10⁶ + 8.9·10⁷ against nesterov 4.8·10⁸ (one fit
     * alone: nesterov).
     */
    public static SparseL1Choice choosePath(long rows, long cols, long nonZeros, double gramPairs, long directMemoryBudget,
                                            int fits, boolean automaticStep) {
        if (fits < 1) {
            throw new IllegalArgumentException("a path has at least one fit, got " + fits);
        }
        SparseL1Choice one = choose(rows, cols, nonZeros, gramPairs, directMemoryBudget);
        if (one.solver() == Solver.CD || cols > SolverChoice.MAX_DIRECT_COLUMNS || gramMemory(cols) > directMemoryBudget) {
            return one; // cd for one fit is cd for a path (A·n² ≤ (A/W)·F·2·nnz ≤ F_P·2·nnz); no room for G: nesterov
        }
        double n = cols;
        double passes = PATH_FISTA_PASSES + (automaticStep ? dev.downhill.LearningRate.POWER_ITERATIONS : 0);
        double setup = gramPairs + GRAM_ENTRY_WEIGHT * n * n;
        double sweeps = (fits - 1) * PATH_SWEEP_WEIGHT * n * n;
        double gram = setup + sweeps;
        double fista = fits * passes * 2 * (double) nonZeros;
        double ratio = gram / Math.max(fista, 1);
        String costs = String.format(Locale.ROOT, "on the sparse X (%,d × %,d, %,d non-zeros) a path of %,d fits costs cd one "
                + "Gram pass (%.2g multiply-adds), its n × n work (%.2g) and sweeps over G for each further α (%.2g): %.2g× "
                + "nesterov's %,d × ~%.0f passes over X (%.2g%s)", rows, cols, nonZeros, fits, gramPairs,
                GRAM_ENTRY_WEIGHT * n * n, sweeps, ratio, fits, passes, fista,
                automaticStep ? ", each fit's step-size estimate included" : "");
        if (gram <= fista) {
            return new SparseL1Choice(Solver.CD, "cd: one Gram matrix serves every fit of the path; " + costs);
        }
        return new SparseL1Choice(Solver.NESTEROV, "nesterov: an l1 penalty needs a proximal solver (FISTA with adaptive "
                + "restart, stopped on the duality gap); " + costs);
    }

    /** Bytes of host memory a cd fit on a sparse X's Gram matrix needs: the Gram pass's accumulator and G, 16·n². */
    static double gramMemory(long cols) {
        return 16.0 * cols * cols;
    }
}
