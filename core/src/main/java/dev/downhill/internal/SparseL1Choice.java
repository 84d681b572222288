package dev.downhill.internal;

import dev.downhill.Solver;
import dev.downhill.io.CsrMatrix;
import java.util.Locale;
import org.bytedeco.javacpp.LongPointer;

/**
 * What {@link Solver#AUTO} resolves to for a penalty with an l1 term (lasso, elastic net) on a sparse X, and why
 * (recorded in the model and printed, as {@link SolverChoice}'s reason is), and which of cd's two routes a {@link
 * Solver#CD} fit on sparse X takes. Three routes, each counted in multiply-adds for a path of L fits (L = 1: one fit):
 * <pre>
 *   cd on the Gram matrix ({@link GramCoordinateDescent}):       P_G + W·n² + (L − 1)·A·n²
 *   cd over the columns ({@link ColumnCoordinateDescent}):       B·nnz(X) + L·S·(2·nnz(X) + m)
 *   nesterov (FISTA over X):                                    L·F·2·nnz(X)
 * </pre>
 * P_G = Σᵢ kᵢ(kᵢ + 1)/2 (kᵢ = pᵢ₊₁ − pᵢ, row i's stored entries, from the CSR row pointers) is the sparse Gram pass:
 * each row adds the products of its pairs of entries to the upper triangle of the n × n matrix. W·n² is what the n × n
 * matrix costs beyond its products — made, copied to the heap, centred and mirrored once, then cd's sweeps (each O(n)
 * per coordinate that moves) — W = {@value #GRAM_ENTRY_WEIGHT}; each further α of a path sweeps G again, A =
 * {@value #PATH_SWEEP_WEIGHT} per entry. The column route copies X by column once (B = {@value #COLUMN_COPY_WEIGHT} per
 * stored entry: a scattered write each) and then makes S sweeps a fit, each reading every stored entry twice (the sweep,
 * and the gradient of the gap test) and the residual once: S = {@value #COLUMN_SWEEPS} for one fit,
 * {@value #PATH_COLUMN_SWEEPS} for each warm-started fit of a path. FISTA makes F passes of two multiply-adds a stored
 * entry: F = {@value #FISTA_PASSES} for one fit, {@value #PATH_FISTA_PASSES} per fit of a path plus
 * {@link dev.downhill.LearningRate#POWER_ITERATIONS} for an automatic step's power iteration. The cheapest route whose
 * memory fits is taken (ties: Gram, then columns):
 * <pre>
 *   Gram:    n ≤ {@value SolverChoice#MAX_DIRECT_COLUMNS} and 16·n² bytes ≤ {@link dev.downhill.FitConfig#directMemoryBudget()}
 *   columns: nnz ≤ 2³¹ − 9 and 20·nnz + 48·m + 104·n bytes ≤ the same budget ({@link ColumnCoordinateDescent#memory})
 * </pre>
 * So the Gram route takes tall X with short rows and few columns (200,000 × 300 at density 0.05: 3.3·10⁷ against the
 * columns' 1.0·10⁸), the column route wide or long-rowed X (20,000 × 20,000 at 0.001: 1.3·10⁷ against FISTA's 1.6·10⁷,
 * while G needs 6.4 GB) — wherever X has more than about one stored entry a row, the column route costs less than
 * FISTA; nesterov is left for X whose column copy is over the budget, and for backends other than cpu.
 *
 * <p>The constants come from {@code fit --solver cd} against {@code --solver nesterov} on generated sparse data
 * ({@code gen --density}) on the project's 2-core machine, cpu backend (the README's "Which solver" has the table;
 * a FISTA multiply-add there is ~3 ns, a column sweep's entry ~2.4 ns, a copied entry 27–40 ns, a Gram pair ~10–35 ns,
 * an entry of G ~55 ns). cd's sweeps were 6–17 on tall and square X and 58–756 on wide X, FISTA's iterations 6–21 and
 * 1,016–1,261 (at a 10⁴× looser gap): F and S are on the low side, in the same ratio.
 *
 * @param route  the route
 * @param reason one line: the choice and the numbers behind it
 */
public record SparseL1Choice(Route route, String reason) {
    /** The three ways to fit an l1 penalty on sparse X. */
    public enum Route {
        /** {@link Solver#CD} on the Gram matrix: {@link GramCoordinateDescent}. */
        GRAM,
        /** {@link Solver#CD} over the columns of X: {@link ColumnCoordinateDescent}. */
        COLUMNS,
        /** {@link Solver#NESTEROV}: FISTA over X. */
        FISTA
    }

    /** F: the passes over X (gradients, two multiply-adds per stored entry each) a FISTA fit is taken to make. */
    static final double FISTA_PASSES = 20;
    /** W: multiply-adds counted per entry of the n × n Gram matrix, for everything but its products. */
    static final double GRAM_ENTRY_WEIGHT = 100;
    /** F_P: the FISTA passes over X a warm-started fit of a path is taken to make, its step-size estimate aside. */
    static final double PATH_FISTA_PASSES = 10;
    /** A: multiply-adds counted per entry of the n × n Gram matrix for each further α of a path (cd's sweeps). */
    static final double PATH_SWEEP_WEIGHT = 10;
    /** B: multiply-adds counted per stored entry for the column route's copy of X. */
    static final double COLUMN_COPY_WEIGHT = 12;
    /** S: the sweeps a column-route fit is taken to make. */
    static final double COLUMN_SWEEPS = 10;
    /** S_P: the sweeps a warm-started column-route fit of a path is taken to make. */
    static final double PATH_COLUMN_SWEEPS = 5;
    /** Rows per bulk read of the row pointers. */
    private static final int ROWS = 1 << 12;

    /** The solver the route runs: {@link Solver#CD} (Gram or columns) or {@link Solver#NESTEROV}. */
    public Solver solver() {
        return route == Route.FISTA ? Solver.NESTEROV : Solver.CD;
    }

    /**
     * P_G = Σᵢ kᵢ(kᵢ + 1)/2 over the rows of {@code x}, kᵢ its stored entries in row i: the multiply-adds of its sparse
     * Gram pass. One read of the m + 1 row pointers (8 bytes a row), no read of the entries.
     */
    public static double gramPairs(CsrMatrix x) {
        LongPointer pointers = new LongPointer(x.rowPointers()); // a view: the matrix's own position stays
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
     * The choice for one fit on {@code problem} when it is sparse and knows the CSR X it was loaded from ({@link
     * CheckedProblem}, as every problem of a {@link dev.downhill.LoadedProblem} does), else null (dense X, or a problem
     * made through the SPI whose rows are not known here: nesterov then, as on dense X). On a backend other than cpu:
     * nesterov (the costs are the cpu backend's; cuda's FISTA passes run on the GPU while cd's routes run on the host).
     */
    public static SparseL1Choice of(dev.downhill.spi.ResidentProblem problem, long directMemoryBudget) {
        return ofPath(problem, directMemoryBudget, 1, false);
    }

    /**
     * The choice for a regularization path of {@code fits} fits (each α of a path or of a cross-validation's fold, each
     * from the last answer) on {@code problem}, as {@link #of} decides for one fit; null where {@link #of} gives null.
     */
    public static SparseL1Choice ofPath(dev.downhill.spi.ResidentProblem problem, dev.downhill.FitConfig config, int fits) {
        return ofPath(problem, config.directMemoryBudget(), fits, config.learningRate().isAuto());
    }

    private static SparseL1Choice ofPath(dev.downhill.spi.ResidentProblem problem, long budget, int fits, boolean automaticStep) {
        CsrMatrix x = hostX(problem);
        if (x == null) {
            return null;
        }
        if (!"cpu".equals(problem.backendName())) { // the costs are the cpu backend's: elsewhere FISTA's passes run on
            // the device while cd's routes run on the host (cuda's), so cd would trade fast passes for slow ones
            return new SparseL1Choice(Route.FISTA, String.format(Locale.ROOT, "nesterov: an l1 penalty needs a proximal "
                    + "solver (FISTA with adaptive restart, stopped on the duality gap); X is sparse (%,d × %,d) on the %s "
                    + "backend, whose passes over X the cost model of cd's host routes does not weigh", problem.rows(),
                    problem.cols(), problem.backendName()));
        }
        return choosePath(problem.rows(), problem.cols(), x.nonZeros(), gramPairs(x), budget, fits, automaticStep);
    }

    /**
     * The route a fit or path with {@link Solver#CD} named takes on {@code problem}: the cheaper of cd's two by the cost
     * model whose memory fits (on any backend: both run on the host); the Gram route where neither fits (it then refuses
     * with its own message) or where X's stored entries are not known here (a problem made through the SPI).
     */
    public static SparseL1Choice cdRoute(dev.downhill.spi.ResidentProblem problem, long budget, int fits) {
        CsrMatrix x = hostX(problem);
        if (x == null) {
            return new SparseL1Choice(Route.GRAM, "cd: as configured; on the Gram matrix");
        }
        Costs c = new Costs(problem.rows(), problem.cols(), x.nonZeros(), gramPairs(x), budget, fits, false);
        boolean columns = c.columnsFit() && (!c.gramFits() || c.columns() < c.gram());
        return new SparseL1Choice(columns ? Route.COLUMNS : Route.GRAM, "cd: as configured; " + (columns
                ? c.columnsPhrase() + (c.gramFits() ? String.format(Locale.ROOT, ", %.2g× the Gram route's", c.columns() / c.gram())
                : ", the Gram route's " + c.gramMemoryPhrase())
                : c.gramPhrase() + (c.columnsFit() ? String.format(Locale.ROOT, ", %.2g× the column route's", c.gram() / c.columns())
                : "")));
    }

    /** The CSR X a sparse problem was loaded from, or null (dense X, or unknown here). */
    private static CsrMatrix hostX(dev.downhill.spi.ResidentProblem problem) {
        if (!problem.isSparse() || !(problem instanceof CheckedProblem checked) || checked.hostSparse() == null
                || checked.hostSparse().rows() != problem.rows()) {
            return null;
        }
        return checked.hostSparse().x();
    }

    /** {@link #choosePath} for one fit. */
    public static SparseL1Choice choose(long rows, long cols, long nonZeros, double gramPairs, long directMemoryBudget) {
        return choosePath(rows, cols, nonZeros, gramPairs, directMemoryBudget, 1, false);
    }

    /**
     * The choice for a path of {@code fits} fits (1: one fit) with an l1 penalty on a sparse X of {@code rows} × {@code
     * cols} with {@code nonZeros} stored entries whose Gram pass makes {@code gramPairs} multiply-adds ({@link
     * #gramPairs}), within {@code directMemoryBudget} bytes: the cheapest route of the class Javadoc's whose memory fits.
     *
     * @param automaticStep whether each FISTA fit of a path estimates its own step ({@link dev.downhill.LearningRate#auto()})
     */
    public static SparseL1Choice choosePath(long rows, long cols, long nonZeros, double gramPairs, long directMemoryBudget,
                                            int fits, boolean automaticStep) {
        if (fits < 1) {
            throw new IllegalArgumentException("a path has at least one fit, got " + fits);
        }
        Costs c = new Costs(rows, cols, nonZeros, gramPairs, directMemoryBudget, fits, automaticStep);
        String shape = String.format(Locale.ROOT, "sparse X (%,d × %,d, %,d non-zeros)%s", rows, cols, nonZeros,
                fits > 1 ? String.format(Locale.ROOT, ", a path of %,d fits", fits) : "");
        String gram = c.gramFits() ? c.gramPhrase() : "the Gram route's " + c.gramMemoryPhrase();
        String columns = c.columnsFit() ? c.columnsPhrase() : "the column route's " + c.columnsMemoryPhrase();
        String fista = c.fistaPhrase();
        double best = Math.min(c.gramFits() ? c.gram() : Double.POSITIVE_INFINITY,
                Math.min(c.columnsFit() ? c.columns() : Double.POSITIVE_INFINITY, c.fista()));
        if (c.gramFits() && c.gram() <= best) {
            return new SparseL1Choice(Route.GRAM, String.format(Locale.ROOT, "cd: coordinate descent on the Gram matrix of the "
                    + "%s: %s; against %s and %s", shape, gram, columns, fista));
        }
        if (c.columnsFit() && c.columns() <= best) {
            return new SparseL1Choice(Route.COLUMNS, String.format(Locale.ROOT, "cd: coordinate descent over the columns of "
                    + "the %s: %s; against %s and %s", shape, columns, gram, fista));
        }
        return new SparseL1Choice(Route.FISTA, String.format(Locale.ROOT, "nesterov: an l1 penalty needs a proximal solver "
                + "(FISTA with adaptive restart, stopped on the duality gap); on the %s %s; against %s and %s", shape, fista,
                gram, columns));
    }

    /** The three routes' costs (multiply-adds) and memory for a path of L fits (the class Javadoc). */
    private record Costs(long rows, long cols, long nonZeros, double gramPairs, long budget, int fits, boolean automaticStep) {
        double gramWork() {
            return GRAM_ENTRY_WEIGHT * (double) cols * cols;
        }

        double gramSweeps() {
            return (fits - 1) * PATH_SWEEP_WEIGHT * (double) cols * cols;
        }

        double gram() {
            return gramPairs + gramWork() + gramSweeps();
        }

        boolean gramFits() {
            return cols <= SolverChoice.MAX_DIRECT_COLUMNS && gramMemory(cols) <= budget;
        }

        double sweeps() {
            return fits == 1 ? COLUMN_SWEEPS : PATH_COLUMN_SWEEPS;
        }

        double columns() {
            return COLUMN_COPY_WEIGHT * nonZeros + fits * sweeps() * (2.0 * nonZeros + rows);
        }

        double columnMemory() {
            return ColumnCoordinateDescent.memory(rows, cols, nonZeros, true, true);
        }

        boolean columnsFit() {
            return nonZeros <= ColumnCoordinateDescent.MAX_VALUES && columnMemory() <= budget;
        }

        double passes() {
            return fits == 1 ? FISTA_PASSES
                    : PATH_FISTA_PASSES + (automaticStep ? dev.downhill.LearningRate.POWER_ITERATIONS : 0);
        }

        double fista() {
            return fits * passes() * 2 * (double) nonZeros;
        }

        String gramPhrase() {
            return String.format(Locale.ROOT, "the Gram route's pass (%.2g multiply-adds) and n × n work (%.2g)%s cost %.2g "
                    + "(G: %s of the %s budget)", gramPairs, gramWork(), fits > 1 ? String.format(Locale.ROOT,
                    " and sweeps over G for each further α (%.2g)", gramSweeps()) : "", gram(),
                    ByteSizes.format(gramMemory(cols)), ByteSizes.format(budget));
        }

        String gramMemoryPhrase() {
            return cols > SolverChoice.MAX_DIRECT_COLUMNS
                    ? String.format(Locale.ROOT, "n × n matrix is beyond a Java array (n > %,d)", SolverChoice.MAX_DIRECT_COLUMNS)
                    : String.format(Locale.ROOT, "G would need %s (16n²: the matrix and the pass's accumulator), over the "
                    + "budget of %s", ByteSizes.format(gramMemory(cols)), ByteSizes.format(budget));
        }

        String columnsPhrase() {
            return String.format(Locale.ROOT, "the column route's copy of X (%.2g) and ~%.0f sweeps%s (%.2g) cost %.2g",
                    COLUMN_COPY_WEIGHT * nonZeros, sweeps(), fits > 1 ? " a fit" : "",
                    fits * sweeps() * (2.0 * nonZeros + rows), columns());
        }

        String columnsMemoryPhrase() {
            return nonZeros > ColumnCoordinateDescent.MAX_VALUES
                    ? String.format(Locale.ROOT, "copy of X is beyond a Java array (%,d stored entries)", nonZeros)
                    : String.format(Locale.ROOT, "copy of X would need %s, over the budget of %s",
                    ByteSizes.format(columnMemory()), ByteSizes.format(budget));
        }

        String fistaPhrase() {
            return String.format(Locale.ROOT, "FISTA's ~%.0f passes over X%s (%.2g%s)", passes(), fits > 1 ? " a fit" : "",
                    fista(), fits > 1 && automaticStep ? ", each fit's step-size estimate included" : "");
        }
    }

    /** Bytes of host memory a cd fit on a sparse X's Gram matrix needs: the Gram pass's accumulator and G, 16·n². */
    static double gramMemory(long cols) {
        return 16.0 * cols * cols;
    }
}
