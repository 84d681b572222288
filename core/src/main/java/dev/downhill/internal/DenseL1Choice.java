package dev.downhill.internal;

import dev.downhill.Precision;
import dev.downhill.Solver;
import java.util.Locale;

/**
 * What {@link Solver#AUTO} resolves to for one fit with an l1 term (lasso, elastic net) on a dense X: cd on the Gram
 * matrix ({@link GramCoordinateDescent}, as {@code --solver cd} runs on tall dense X) or nesterov (FISTA over X), the
 * cheaper by a count of multiply-adds, each weighed by what it costs on the cpu backend:
 * <pre>
 *   cd on the Gram matrix:   G·m·n(n + 1)/2 + W·n²        (the Gram pass, compute-bound; the n × n work and sweeps)
 *   nesterov:                F·2·m·n·b/8                   (F gradients over X, memory-bound: b bytes a value)
 * </pre>
 * with G = {@value #GRAM_MULTIPLY_ADD} (a Gram pass's multiply-add against a FISTA pass's float64 one), W =
 * {@value SparseL1Choice#GRAM_ENTRY_WEIGHT} (as {@link SparseL1Choice}) and F = {@value SparseL1Choice#FISTA_PASSES}
 * (FISTA's passes for one fit, as there). For m ≫ n the Gram route is taken up to about n = 640 columns in float64 and
 * 320 in float32. Only where X has at least as many rows as columns (on wide X the Gram matrix is larger than X and cd
 * crawls near interpolation: nesterov), its n × n float64 matrices fit {@link dev.downhill.FitConfig#directMemoryBudget()}
 * (16·n² bytes, as the sparse Gram route) and the backend is cpu (its passes are what was measured; cuda's FISTA passes
 * run on the device).
 *
 * <p>Measured (2-core VM, `gen` data, α 0.01 unless said, default tolerance 1e-10, one run each; {@code fit --solver cd}
 * against {@code --solver nesterov}): 100,000 × 100 float64, correlation 0.9: cd 0.18 s against 2.0 s (530 FISTA
 * iterations; α 0.001: 0.13 against 1.8 s); 20,000 × 500 float64, correlation 0.5: 0.28 against 0.54 s (α 0.001: 0.43
 * against 0.55); 100,000 × 300 float64: 0.30 against 0.49 s; 200,000 × 200 float32: 0.39 against 0.34 s; 100,000 × 50
 * float32: 0.12 against 0.11 s; and beyond the threshold 50,000 × 500 float32: 0.39–0.49 against 0.32–0.34 s, 50,000 ×
 * 1,000 float32: 1.06 against 0.46 s, 5,000 × 2,000 float64: 0.61 against 0.55 s. cd meets the tolerance in float64 on
 * its Gram matrix (gaps 1e-11–1e-16), FISTA's float32 passes stop near 1e-7.
 *
 * <p>Where nesterov is chosen but cd would fit (n ≤ m, the budget, cpu), F = {@value SparseL1Choice#FISTA_PASSES} is
 * a guess that conditioning decides: on correlated columns FISTA needs hundreds of passes where cd on the Gram matrix needs
 * its pass and a few hundred cheap sweeps. So nesterov runs first for as many passes as cd's whole cost would buy,
 * ⌈(G·m·n(n + 1)/2 + W·n²)/(2·m·n·b/8)⌉ ({@link #cdAfterPasses}; about n/32 in float64, n/16 in float32, for m ≫ n), and if
 * it has not met the gap by then, cd on the Gram matrix continues from its coefficients ({@code LinearRegression}): the
 * rent-or-buy rule, at most about twice the better route's cost (plus cd's own sweeps) whichever the conditioning. cd
 * continues sooner where the rate of nesterov's lowest gap, at passes 8, 16, 32, …, predicts more than twice those
 * passes to the tolerance ({@link TrialBudget#onDualityGap}): on correlated columns after 8 or 16 passes. With
 * a checkpoint asked for, cd from the start ({@link #cdForCheckpoint}: one folder, one solver's state).
 * Measured (2-core VM, `gen` data, float64, default tolerance, α 0.01 and 0.001, one run each; nesterov against cd):
 * iid columns 20,000 × 1,000: 25 passes, 0.43 s against 0.51 s; 3,000 × 1,000: 86 passes, 0.23 against 0.24–0.27 s;
 * neighbouring columns correlated 0.9: 20,000 × 1,000: 667–691 passes, 3.8–4.0 s against 0.51–0.73 s; 3,000 × 1,000:
 * 1,216–1,508 passes, 1.0–1.4 s against 0.36–0.37 s.
 *
 * @param solver {@link Solver#CD} (on the Gram matrix) or {@link Solver#NESTEROV}
 * @param reason one line: the choice and the numbers behind it
 * @param cdAfterPasses with nesterov: the passes after which, its gap not met, cd on the Gram matrix continues from its
 *                      coefficients (0: nesterov alone — cd would not fit, or another backend)
 * @param costs         with {@code cdAfterPasses} &gt; 0: the shape and the two costs, for the reason of a cd that
 *                      continued ({@link #cdContinued}); else empty
 */
public record DenseL1Choice(Solver solver, String reason, long cdAfterPasses, String costs) {
    /** A choice with no cd to follow: {@code cdAfterPasses} 0. */
    public DenseL1Choice(Solver solver, String reason) {
        this(solver, reason, 0, "");
    }

    /** How the reason of a cd that continued after nesterov's passes ({@link #cdContinued}) begins. */
    public static final String CD_CONTINUED = "cd: nesterov had not met the gap in ";

    /**
     * auto's reason where cd on the Gram matrix continued after nesterov's passes, which ended {@code stop} at relative
     * duality gap {@code gap}: all {@link #cdAfterPasses}, or fewer where {@code trial} abandoned them (predicted to
     * miss the gap within twice as many).
     */
    public String cdContinued(long passes, double gap, dev.downhill.StopReason stop, TrialBudget trial) {
        if (trial.abandoned()) {
            return String.format(Locale.ROOT, "%s%,d of the %,d passes cd's cost allows (relative gap %s; %s), so cd continued "
                    + "from its coefficients (%s)", CD_CONTINUED, passes, cdAfterPasses, ConvergenceWarning.compact(gap),
                    trial.why(), costs);
        }
        return String.format(Locale.ROOT, "%s%,d passes (relative gap %s, %s), as many as cd on the Gram matrix costs, so "
                + "cd continued from its coefficients (%s)", CD_CONTINUED, passes, ConvergenceWarning.compact(gap),
                stop.name().toLowerCase(Locale.ROOT), costs);
    }

    /**
     * auto's reason for cd on the Gram matrix from the start where nesterov would run first ({@link #cdAfterPasses} &gt; 0)
     * but a checkpoint was asked for: one folder holds one solver's state, and cd's cost is bounded whatever the
     * conditioning, where nesterov alone may take hundreds of times FISTA's ~20 passes (a review: 20,000 × 600, columns
     * correlated 0.995, α 1e-6: nesterov alone hit its 10,000-step limit in 28 s; nesterov then cd met the gap in 0.75 s).
     */
    public String cdForCheckpoint() {
        return "cd: coordinate descent on the Gram matrix, as a checkpoint was asked for (one solver's state a folder: not "
                + "nesterov first, then cd); " + costs;
    }

    /** auto's reason where nesterov runs alone though cd could follow it ({@link #cdAfterPasses} &gt; 0), because {@code why}. */
    public String nesterovAlone(String why) {
        return PROXIMAL + "; " + costs + "; nesterov alone, with no cd to follow: " + why;
    }

    /** auto's reason for nesterov where nothing else is weighed (an l1 term on X no cost model covers). */
    public static final String PROXIMAL = "nesterov: an l1 penalty needs a proximal solver (FISTA with adaptive restart, "
            + "stopped on the duality gap)";
    /** G: a multiply-add of the dense Gram pass (BLAS, compute-bound) counted against one of a float64 FISTA pass. */
    static final double GRAM_MULTIPLY_ADD = 0.125;

    /** The choice for one fit on the dense {@code problem} (its backend, shape and precision) within {@code budget} bytes. */
    public static DenseL1Choice of(dev.downhill.spi.ResidentProblem problem, long budget) {
        return choose(problem.backendName(), problem.rows(), problem.cols(), problem.precision(), budget);
    }

    /** {@link #of} from the problem's backend name, shape and precision. */
    static DenseL1Choice choose(String backend, long rows, long cols, Precision precision, long budget) {
        if (!"cpu".equals(backend) || rows < cols) {
            return new DenseL1Choice(Solver.NESTEROV, PROXIMAL);
        }
        double gram = GRAM_MULTIPLY_ADD * rows * cols * (cols + 1.0) / 2 + SparseL1Choice.GRAM_ENTRY_WEIGHT * (double) cols * cols;
        double pass = 2.0 * rows * cols * precision.bytes() / 8.0; // one gradient over X, in float64 multiply-adds
        double fista = SparseL1Choice.FISTA_PASSES * pass;
        String shape = String.format(Locale.ROOT, "X is dense (%,d × %,d, %s)", rows, cols, precision.name().toLowerCase(Locale.ROOT));
        boolean fits = cols <= SolverChoice.MAX_DIRECT_COLUMNS && SparseL1Choice.gramMemory(cols) <= budget;
        if (!fits) {
            return new DenseL1Choice(Solver.NESTEROV, PROXIMAL);
        }
        if (!(gram < fista)) {
            long after = (long) Math.ceil(gram / pass);
            String costs = String.format(Locale.ROOT, "%s: cd on its Gram matrix would cost %.2g (the pass and the n × n work), "
                    + "more than FISTA's ~%.0f passes (%.2g)", shape, gram, SparseL1Choice.FISTA_PASSES, fista);
            return new DenseL1Choice(Solver.NESTEROV, String.format(Locale.ROOT, "%s; %s; if nesterov has not met the gap "
                    + "in %,d passes (cd's cost), cd on the Gram matrix continues from its coefficients", PROXIMAL, costs, after),
                    after, costs);
        }
        return new DenseL1Choice(Solver.CD, String.format(Locale.ROOT, "cd: coordinate descent on the Gram matrix (%s: cd on "
                + "its Gram matrix costs %.2g (the pass and the n × n work), FISTA's ~%.0f passes %.2g)", shape, gram,
                SparseL1Choice.FISTA_PASSES, fista));
    }
}
