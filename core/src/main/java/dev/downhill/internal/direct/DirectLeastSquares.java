package dev.downhill.internal.direct;

import dev.downhill.SingularMatrixException;
import dev.downhill.internal.ColumnSpread;
import dev.downhill.internal.Overflows;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.ExtendedResidual;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.Interrupts;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.SingularValueDecomposition;
import dev.downhill.spi.WideRows;
import java.nio.DoubleBuffer;
import java.util.Locale;

/**
 * The direct solvers, written once against the backend's passes ({@link ResidentProblem#crossProducts},
 * {@link ResidentProblem#qrReduction}, {@link ResidentProblem#extendedResidual}) and dense kernels
 * ({@link DenseKernels}). Every decision is made here, so every backend solves or refuses the same data
 * the same way, with the same numbers in its messages:
 * <ul>
 *   <li><b>Normal equations.</b> G = X_cᵀX_c and c = X_cᵀy_c from the Gram pass; G is scaled to unit
 *       diagonal (G' = DGD, D = diag(1/√Gⱼⱼ)), factored G' = LLᵀ, and its 1-norm condition number estimated
 *       (Hager–Higham, {@link CholeskyFactor#inverseNormEstimate}). A breakdown, a zero diagonal (a constant
 *       column, or one too small to square: {@link ColumnSpread} tells which), a diagonal so small that the column's
 *       products are subnormal ({@link #checkSquarable}) or an estimate above the threshold
 *       refuses with {@link SingularMatrixException}, which names the estimate and the SVD solver. Otherwise
 *       θ = D·G'⁻¹·D·c, refined. From {@value #FLOAT32_PRODUCTS_MIN_COLUMNS} columns the backend may first form G from float32
 *       products ({@link ResidentProblem#gramSystem}); that G is kept only when the predicted contraction κ·√n·u₃₂ is at
 *       most {@value #FLOAT32_PRODUCTS_MAX_RATE} and refinement with it reaches ‖δ‖ ≤ 4ε‖θ‖ (a few more steps), else
 *       the float64 Gram pass is made and decides as above — mixed-precision refinement (LAPACK's dsposv) applied to
 *       the O(mn²) Gram pass.</li>
 *   <li><b>SVD.</b> The columns of X_c are scaled to unit norm (D), the QR pass reduces [X_c·D | y_c] to its
 *       triangular factor R (Q never formed; z = Q₁ᵀy_c comes with it) — D from the deviations pass, completed from R's
 *       column norms where that pass's squares underflowed ({@link #normalizeColumns}) — and the SVD of the small factor
 *       R₁₁ = UΣVᵀ decides the rank: singular values ≤ cutoff·σ_max count as zero. Full column rank: the
 *       unique θ = D·V·Σ⁻¹·Uᵀz, refined. When an O(n²) bound on κ₂(R₁₁) already shows that no singular value
 *       can fall below the cutoff, the SVD is skipped: θ = D·R₁₁⁻¹z by back substitution, corrections by
 *       triangular solves ({@link #clearlyFullRank}). Rank-deficient (or wide) X: the minimum-norm θ of the unscaled
 *       problem, θ = V'·Σ'⁺·U'ᵀz from the SVD of R₁₁·D⁻¹ (the factor of X_c itself), with the rank decided
 *       again on its singular values; not refined (the minimum-norm answer is not a fixed point of the
 *       corrections). Wide X (m &lt; n: R₁₁ is m × n and cannot have full column rank) skips the scaled SVD and takes
 *       R₁₁·D⁻¹'s SVD through its LQ factorization ({@link WideSvd}: O(m²n) + O(m³), as LAPACK's gelsd). There the QR
 *       pass is not made at all when the backend's LQ is native and there is no penalty: the rows pass
 *       ({@link ResidentProblem#wideRows}) hands over [X_c·D | y_c] itself (or any PᵀA, P orthogonal: the minimum-norm θ
 *       is the same), whose LQ costs what the QR pass's R would have (2m²n − 2m³/3) — one such factorization, not two.</li>
 *   <li><b>Refinement</b> (both): r = y_c − X_cθ and g = X_cᵀr in double-double (the extended residual pass,
 *       O(mn)), the correction δ = G⁻¹g from the factorization already made (O(n²): G⁻¹ = D·G'⁻¹·D, or
 *       D·V·Σ⁻²·Vᵀ·D from the SVD of R₁₁ — the corrected semi-normal equations), θ += δ, until
 *       ‖δ‖ ≤ 4ε‖θ‖, what a correction leaves behind (at most n·κ(XᵀX)·ε of it) is below ε‖θ‖, the
 *       corrections stop shrinking, or {@value #MAX_REFINEMENTS} steps — one step on well-conditioned data. Because g is
 *       accumulated from the unrounded extended residual, large-residual problems refine to full accuracy
 *       too (rounding r to double first would leave an error of order κ²ε‖r‖).</li>
 *   <li>The intercept b = ȳ − x̄ᵀθ in double-double.</li>
 *   <li><b>Standard errors</b> (asked for, no penalty): the diagonal of G⁻¹ and x̄ᵀG⁻¹x̄ read off the factorization the
 *       solve made — L of the scaled G, R of the scaled X, or V·Σ⁻²·Vᵀ; the estimable part of the pseudo-inverse when
 *       rank-deficient ({@link InverseGram}) — never a second factorization or an explicit inverse.</li>
 * </ul>
 * An interrupt of the calling thread stops a solve with {@link dev.downhill.FitInterruptedException} (iteration 0, the
 * flag left set; {@link Interrupts}): the backends' passes look at the flag between their blocks of rows, and this class
 * before each backend call and once after the Gram or QR pass, before the O(n³) factorization.
 */
public final class DirectLeastSquares {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectLeastSquares.class);
    /**
     * The first correction ends refinement on the bound alone when the bound puts what is left below this share of θ's
     * rounding: a margin for a system up to a thousand times less accurate than the bound assumes.
     */
    static final double FIRST_STEP_MARGIN = 1e-3;

    /** A refinement that ends unconverged with a last correction above this share of ‖θ‖ draws a warning. */
    static final double UNCONVERGED_WARNING = 1e-8;

    /** Refinement steps at most (each one extended-precision pass over X and O(n²) work). */
    public static final int MAX_REFINEMENTS = 8;
    /**
     * From this many columns the normal equations first try a Gram matrix of float32 products: the Gram pass's
     * O(mn²) then dominates the O(mn) refinement steps it adds.
     */
    static final int FLOAT32_PRODUCTS_MIN_COLUMNS = 256;
    /** The largest predicted contraction per refinement step (κ·√n·u₃₂) for which a float32-product G is kept. */
    static final double FLOAT32_PRODUCTS_MAX_RATE = 1e-2;

    private DirectLeastSquares() {
    }

    /**
     * θ solving X_cᵀX_c θ = X_cᵀy_c (Cholesky of the scaled Gram matrix, refined).
     *
     * @param maxCondition the refusal threshold on the estimated 1-norm condition number of the scaled XᵀX
     * @throws SingularMatrixException when XᵀX is singular or its estimated condition exceeds {@code maxCondition}
     * @throws ArithmeticException     when XᵀX is not finite in float64 (values too large to square), or, for sparse X, a
     *                                  column's values are too small to square
     */
    public static DirectSolution normalEquations(ResidentProblem problem, boolean centred, double maxCondition) {
        return normalEquations(problem, centred, maxCondition, null);
    }

    /**
     * θ solving (X_cᵀX_c + Λ)θ = X_cᵀy_c, Λ = diag({@code ridge}) ≥ 0 — ridge regression when Λ ≠ 0 (Λⱼ = m·α(1−ρ)·pⱼ
     * for {@link dev.downhill.Penalty}'s objective). The scaling D = diag(1/√(Gⱼⱼ + Λⱼ)) makes the regularised matrix
     * unit-diagonal (the penalty becomes D·Λ·D in scaled coordinates), the condition test and the refusal apply to it,
     * and refinement corrects with g = X_cᵀ(y_c − X_cθ) − Λθ. With every Λⱼ &gt; 0 the matrix is definite: p &gt; n and
     * constant columns are fine. G is the backend's {@link ResidentProblem#gramSystem}: scaled, factored and solved
     * where the backend keeps it (off the Java heap on cpu), closed before returning.
     *
     * @param ridge Λ's diagonal (length n, ≥ 0), or null for none
     */
    public static DirectSolution normalEquations(ResidentProblem problem, boolean centred, double maxCondition, double[] ridge) {
        return normalEquations(problem, centred, maxCondition, ridge, false);
    }

    /**
     * As {@link #normalEquations(ResidentProblem, boolean, double, double[])}, and with {@code inverseGram} the solution
     * carries {@link InverseGram} read off the Cholesky factor (O(n³/6) more work, {@link GramSystem#inverseDiagonal}).
     * Then G is always the float64 Gram pass's: a float32-product G is refined to an accurate θ, but its factor would
     * give G⁻¹ to only about κ·u₃₂.
     */
    public static DirectSolution normalEquations(ResidentProblem problem, boolean centred, double maxCondition, double[] ridge,
                                                 boolean inverseGram) {
        int n = denseSize(problem.cols(), "columns");
        if (n >= FLOAT32_PRODUCTS_MIN_COLUMNS && !inverseGram) {
            DirectSolution fast = attempt(problem, centred, maxCondition, ridge, true, false);
            if (fast != null) {
                return fast;
            }
        }
        return attempt(problem, centred, maxCondition, ridge, false, inverseGram);
    }

    /**
     * One attempt. With {@code float32Products} the backend may form G from X_c rounded to float32
     * ({@link GramSystem#unitRoundoff()} says whether it did): then refinement converges at a rate of about
     * ρ ≈ κ·√n·u₃₂ per step, so the attempt is abandoned — null, and the caller makes the float64 Gram pass — unless
     * ρ ≤ {@value #FLOAT32_PRODUCTS_MAX_RATE} and refinement reaches ‖δ‖ ≤ 4ε‖θ‖; every refusal (breakdown, overflow,
     * condition) is then left to the float64 pass too, so the answer and the messages are the float64 pass's.
     */
    private static DirectSolution attempt(ResidentProblem problem, boolean centred, double maxCondition, double[] ridge,
                                          boolean float32Products, boolean inverseGram) {
        int n = denseSize(problem.cols(), "columns");
        Interrupts.stopIfInterrupted(); // before the pass (the float64 one after a float32 attempt too)
        long t0 = System.nanoTime();
        try (GramSystem system = problem.gramSystem(centred, float32Products)) {
            Interrupts.stopIfInterrupted(); // an interrupt during the pass: stop before the O(n³) factorization (G is freed)
            long t1 = System.nanoTime();
            double roundoff = system.unitRoundoff();
            boolean approximate = roundoff > GramSystem.FLOAT64_ROUNDOFF;
            LOG.debug("normal: Gram pass {} ms{}", (t1 - t0) / 1_000_000, approximate ? " (float32 products)" : "");
            DoubleBuffer a = system.lower(); // G, scaled in place (not needed afterwards): no second n × n array
            String what = (centred ? "XᵀX (centred)" : "XᵀX") + (ridge != null ? " + αI" : "");
            for (int j = 0; j < n; j++) {
                int d = j + j * n;
                if (!approximate) { // a float32-product G is left to the float64 pass, which decides
                    checkSquarable(problem, centred, what, j, a.get(d));
                }
                if (ridge != null) {
                    a.put(d, a.get(d) + ridge[j]);
                }
                if (!Double.isFinite(a.get(d))) {
                    if (approximate) {
                        return null;
                    }
                    throw overflow(what, problem.isSparse());
                }
            }
            int[] zero = java.util.stream.IntStream.range(0, n).filter(j -> !(a.get(j + j * n) > 0)).toArray();
            if (zero.length > 0 && !ColumnSpread.allConstant(problem, centred, zero)) {
                for (int j : zero) { // which column is not constant: its values are too small to square
                    ArithmeticException tooSmall = zeroDiagonal(problem, centred, what, j);
                    if (tooSmall != null) {
                        if (approximate) {
                            return null; // the float64 pass decides, and says
                        }
                        throw tooSmall;
                    }
                }
            }
            // constant columns: every x̃ᵢⱼ is 0, so their rows and columns of G and their entries of X_cᵀy_c are exactly 0
            // (in float32 products too); a unit diagonal there gives θⱼ = 0, the minimum-norm answer, and leaves the other
            // columns' system as it is
            for (int j : zero) {
                a.put(j + j * n, 1);
            }
            if (zero.length == n) {
                DirectSolution constant = constantOnly(problem, centred, n, zero);
                return inverseGram ? constant.withInverseGram(InverseGram.allConstant(n)) : constant;
            }
            double[] scales = new double[n];
            for (int j = 0; j < n; j++) {
                scales[j] = 1 / Math.sqrt(a.get(j + j * n));
            }
            double norm1 = system.scale(scales); // the unit-diagonal matrix's 1-norm, from its lower triangle
            if (!(norm1 < Double.POSITIVE_INFINITY)) {
                if (approximate) {
                    return null;
                }
                throw overflow(what, problem.isSparse());
            }
            long scaled = System.nanoTime();
            int info = system.cholesky();
            long t2 = System.nanoTime();
            LOG.debug("normal: scaling {} ms, Cholesky {} ms", (scaled - t1) / 1_000_000, (t2 - scaled) / 1_000_000);
            if (info > 0) {
                if (approximate) {
                    LOG.debug("normal: the float32-product Gram matrix is not positive definite; the float64 Gram pass");
                    return null;
                }
                throw new SingularMatrixException(what + " is singular to working precision: Cholesky broke down at column "
                        + (info - 1) + ", so its condition number (after scaling to unit diagonal) exceeds 1/ε ≈ 4.5e15"
                        + " (linearly dependent columns" + (problem.rows() <= n ? ", or no more rows than columns" : "") + ")",
                        Double.POSITIVE_INFINITY, problem.isSparse());
            }
            double condition = norm1 * system.inverseNormEstimate();
            LOG.debug("normal: scaling and Cholesky {} ms, condition estimate {} ms", (t2 - t1) / 1_000_000,
                    (System.nanoTime() - t2) / 1_000_000);
            double rate = condition * Math.sqrt(n) * roundoff;
            if (approximate && !(rate <= FLOAT32_PRODUCTS_MAX_RATE)) {
                LOG.debug("normal: condition estimate {} of the float32-product Gram matrix: refinement would converge at a rate "
                        + "~{} per step; the float64 Gram pass", condition, rate);
                return null;
            }
            if (!(condition <= maxCondition)) {
                throw new SingularMatrixException(String.format(Locale.ROOT,
                        "%s is too badly conditioned for the normal equations: estimated condition number %.3g "
                                + "(1-norm, after scaling to unit diagonal) > %.0e", ridge != null ? "XᵀX + αI" : "XᵀX",
                        condition, maxCondition), condition, problem.isSparse());
            }
            Correction correction = withoutColumns(scaled(scales, system::solve), zero); // constant columns stay at 0
            double[] moment = system.moment();
            Overflows.requireFiniteTarget(moment, centred ? "X_cᵀy_c" : "Xᵀy");
            double[] theta = correction.apply(moment);
            DirectSolution refined = refine(problem, centred, theta, correction, n * condition * Math.max(roundoff, Math.ulp(1.0)), -1,
                    new double[0], condition, ridge, approximate);
            if (refined == null) {
                LOG.debug("normal: refinement with the float32-product Gram matrix did not reach full accuracy; the float64 Gram pass");
            } else if (zero.length > 0) {
                refined = refined.withConstantColumns(zero);
            }
            if (refined != null && inverseGram) { // L of the scaled G, still in the system's memory: its last use
                long t3 = System.nanoTime();
                refined = refined.withInverseGram(InverseGram.fromCholesky(system, scales, zero, meansIf(problem, centred)));
                LOG.debug("normal: G⁻¹'s diagonal off the factor {} ms", (System.nanoTime() - t3) / 1_000_000);
            }
            return refined;
        }
    }

    /**
     * Below this magnitude a float64 column's squares underflow (2⁻⁵¹⁰ ≈ 3.0e-154, the gradient solvers' limit, {@code
     * CentredObjective.FLOAT64_LOW_EXPONENT}): XᵀX cannot tell such a column's spread from 0.
     */
    static final double SMALLEST_SQUARABLE = 0x1p-510;

    /**
     * Refuses column {@code j} when its diagonal entry of XᵀX (centred or not; weighted, Σᵢ wᵢx̃ᵢⱼ²) is positive but
     * below m·2⁻¹⁰²⁰ (m the rows; {@link #SMALLEST_SQUARABLE}²·m): its products xᵢⱼxᵢₖ (wᵢxᵢⱼxᵢₖ) are then typically
     * subnormal, each with an absolute error up to 2⁻¹⁰⁷⁵, and the Gram matrix holds the column with a relative error
     * above ε/8 — up to every digit (columns of X ≈ 1e-161 with y of order 1 came back 0.3 % to 68 % off, silently,
     * since refinement trusts G to ε). At or above the bound the products' underflow costs at most ε/8 of the diagonal
     * (and of √(GⱼⱼGₖₖ) off it). A diagonal of exactly 0 is {@link #zeroDiagonal}'s (a constant column, or the ridge's).
     * The message names the column, its magnitude and the way out, as {@link #zeroDiagonal}'s does; weighted, the
     * products with the weights underflow (X ≈ 1e-90 with weights ≈ 1e-150), and scaling the weights up is a way out.
     */
    public static void checkSquarable(ResidentProblem problem, boolean centred, String what, int j, double diagonal) {
        if (!(diagonal > 0) || diagonal >= problem.rows() * SMALLEST_SQUARABLE * SMALLEST_SQUARABLE) {
            return;
        }
        throw tooSmall(problem, centred, what + " loses precision (its entries are subnormal): column " + j, ColumnSpread.of(problem, centred, j),
                "their squares are subnormal in float64 and XᵀX holds them with a lost precision");
    }

    /**
     * {@link #checkSquarable}'s test for cd (either route: its Gram matrix or its column norms dⱼ = ‖X̃ⱼ‖²_W): a column
     * whose squares are subnormal is refused with a line that names cd and the way out (rescale X).
     */
    public static void checkSquarableForCd(ResidentProblem problem, boolean centred, int j, double diagonal) {
        if (!(diagonal > 0) || diagonal >= problem.rows() * SMALLEST_SQUARABLE * SMALLEST_SQUARABLE) {
            return;
        }
        throw new ArithmeticException(String.format(Locale.ROOT, "X's values are too small for coordinate descent (cd) in "
                + "float64: column %d's root mean square%s is about %.3g (cd squares them, down to %.1e%s), so its squares "
                + "are subnormal and lose their precision; rescale X (a power of ten; θ scales back by the same factor)", j,
                centred ? " deviation" : "", ColumnSpread.of(problem, centred, j), SMALLEST_SQUARABLE,
                problem.weighted() ? "; weighted: the products wᵢxᵢⱼ²" : ""));
    }

    private static ArithmeticException tooSmall(ResidentProblem problem, boolean centred, String head, double spread, String consequence) {
        String weighted = problem.weighted() ? " (weighted: the products wᵢxᵢⱼ²)" : "";
        String detail = String.format(Locale.ROOT, "%s's values are too small for the normal equations in float64: their root "
                + "mean square%s is about %.3g (they handle down to %.1e, as XᵀX squares X)%s, so %s; rescale X (a power of ten; "
                + "θ scales back by the same factor)%s", head, centred ? " deviation" : "", spread, SMALLEST_SQUARABLE, weighted,
                consequence, "");
        if (problem.isSparse()) {
            return new ArithmeticException(detail + ": the svd solver would densify the sparse X, and cg needs X's squares too");
        }
        return new SingularMatrixException(detail, Double.POSITIVE_INFINITY, false);
    }

    /**
     * Why column {@code j}'s diagonal entry of XᵀX (centred or not) is 0, told by {@link ColumnSpread} (two extended
     * residual passes that square nothing): its values are all equal — all zero, or a constant column after centring:
     * null, and the caller gives it coefficient 0 — or they vary but are too small to square in float64 (e.g. ±1e-200:
     * the squares underflow, whatever the mean; the column statistics cannot tell this from a zero column when the mean
     * is 0). The latter is a SingularMatrixException pointing to svd, which scales the column to unit norm and keeps it,
     * and to rescaling; for sparse X, whose svd would densify it and whose cg refuses the same column, an
     * ArithmeticException saying to rescale X.
     */
    private static ArithmeticException zeroDiagonal(ResidentProblem problem, boolean centred, String what, int j) {
        double spread = ColumnSpread.of(problem, centred, j);
        if (spread > 0) {
            return tooSmall(problem, centred, what + " is singular (condition number ∞): column " + j, spread,
                    "their squares underflow and XᵀX holds 0 for a column that is not constant");
        }
        return null;
    }

    /** Every column constant: θ = 0 and b = ȳ (the extended residual's intercept), the minimum-norm answer. */
    private static DirectSolution constantOnly(ResidentProblem problem, boolean centred, int n, int[] constant) {
        double[] theta = new double[n];
        double intercept = centred ? problem.extendedResidual(true).intercept(theta) : 0;
        return new DirectSolution(theta, intercept, -1, new double[0], 1, 0, constant);
    }

    private static ArithmeticException overflow(String what, boolean sparse) {
        return new ArithmeticException(what + " overflows float64 (entries of X too large to square, beyond ~1e154); "
                + (sparse ? "rescale X (the svd solver would densify the sparse X)" : "rescale X, or use the svd solver"));
    }

    /**
     * The least-squares θ by QR and the SVD of the triangular factor: unique and refined when X_c has full
     * column rank (after scaling its columns to unit norm), the minimum-norm one otherwise.
     *
     * @param rankCutoff singular values at or below rankCutoff·σ_max count as zero
     */
    public static DirectSolution svd(ResidentProblem problem, boolean centred, double rankCutoff) {
        return svd(problem, centred, rankCutoff, null);
    }

    /**
     * Ridge by the SVD route: the least-squares solution of the augmented system [X_c; Λ^{1/2}]θ ≈ [y_c; 0], whose
     * normal equations are (X_cᵀX_c + Λ)θ = X_cᵀy_c. The backend's QR pass reduces [X_c·D | y_c] as without a penalty;
     * the n rows [Λ^{1/2}·D | 0] are appended to its triangular factor and reduced again on the host (Householder,
     * O(n³)), leaving the n × n factor R' with R'ᵀR' = D(X_cᵀX_c + Λ)D and z' = Q'ᵀ[z; 0]. Everything after that —
     * the rank test, the SVD of R' (or triangular solves when clearly of full rank), refinement with
     * g = X_cᵀ(y_c − X_cθ) − Λθ — is the unpenalised machinery unchanged. Why not filter factors σ/(σ² + α') on the
     * SVD of X_c: they are what this computes when Λ = α'I (the augmented system's solution is V·diag(σ/(σ² + α'))·Uᵀy),
     * but the augmented form also covers penalty factors (Λ ≠ α'I), keeps the backend's QR pass and the certified
     * refinement as they are, and never squares X's singular values. With every Λⱼ &gt; 0 R' is non-singular, so wide
     * X (p &gt; n) has a unique, refined answer.
     *
     * @param ridge Λ's diagonal (length n, ≥ 0), or null for none
     */
    public static DirectSolution svd(ResidentProblem problem, boolean centred, double rankCutoff, double[] ridge) {
        return svd(problem, centred, rankCutoff, ridge, false);
    }

    /**
     * As {@link #svd(ResidentProblem, boolean, double, double[])}, and with {@code inverseGram} the solution carries
     * {@link InverseGram} from the factorization that decided it: the triangular factor when clearly of full rank,
     * V·Σ⁻²·Vᵀ at full rank, the pseudo-inverse's estimable entries when rank-deficient (O(n³) host work at most).
     */
    public static DirectSolution svd(ResidentProblem problem, boolean centred, double rankCutoff, double[] ridge, boolean inverseGram) {
        int n = denseSize(problem.cols(), "columns");
        double m = problem.weightSum(); // the rows, or Σw: deviations are normalised by it
        double[] deviations = problem.columnMeanSquaredDeviations(centred);
        double[] scales = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = deviations[j] * m;
            scales[j] = sum > 0 && Double.isFinite(sum) ? 1 / Math.sqrt(sum) : 1;
        }
        Interrupts.stopIfInterrupted(); // after the deviations' pass, before the QR (or rows) pass
        // wide X the LQ route decomposes (no penalty, a native LQ): A = [X_c·D | y_c] itself, or any PᵀA, instead of R
        boolean wide = ridge == null && problem.rows() < n && problem.denseKernels().nativeLq();
        long t0 = System.nanoTime();
        int k;
        double[] factor;
        double[] z;
        if (wide) {
            WideRows rows = problem.wideRows(centred, scales);
            k = rows.rows();
            factor = java.util.Arrays.copyOf(rows.a(), k * n); // column-major: the first n columns, then z
            z = java.util.Arrays.copyOfRange(rows.a(), k * n, k * (n + 1));
        } else {
            QrReduction qr = problem.qrReduction(centred, scales);
            k = qr.factorRows();
            factor = new double[k * n];
            z = new double[k];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i <= Math.min(j, k - 1); i++) {
                    factor[i + j * k] = qr.get(i, j);
                }
            }
            for (int i = 0; i < k; i++) {
                z[i] = qr.get(i, n);
            }
        }
        Interrupts.stopIfInterrupted(); // an interrupt during the pass: stop before the O(n³) SVD
        long t1 = System.nanoTime();
        LOG.debug("svd: {} pass {} ms", wide ? "rows" : "QR", (t1 - t0) / 1_000_000);
        for (double v : factor) {
            if (!Double.isFinite(v)) {
                throw new ArithmeticException("the QR factor of X is not finite in float64 (values of X or y too large); rescale the data");
            }
        }
        Overflows.requireFiniteTarget(z, centred ? "Qᵀy_c (y transformed by X_c's QR factor)" : "Qᵀy (y transformed by X's QR factor)");
        normalizeColumns(factor, k, scales);
        if (ridge != null) { // R' of [R z; Λ^{1/2}D 0]: (k + n) × (n + 1), reduced to n × (n + 1)
            int rows = k + n;
            double[] augmented = new double[rows * (n + 1)];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < k; i++) {
                    augmented[i + j * rows] = factor[i + j * k];
                }
                augmented[k + j + j * rows] = Math.sqrt(ridge[j]) * scales[j];
            }
            for (int i = 0; i < k; i++) {
                augmented[i + n * rows] = z[i];
            }
            QrReduction reduced = HouseholderQr.reduce(augmented, rows, n + 1);
            k = n;
            factor = new double[n * n];
            z = new double[n];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i <= j; i++) {
                    factor[i + j * n] = reduced.get(i, j);
                }
                z[j] = reduced.get(j, n);
            }
        }
        if (k == n) {
            DirectSolution clear = clearlyFullRank(problem, centred, factor, z, scales, rankCutoff, ridge, inverseGram);
            if (clear != null) {
                LOG.debug("svd: QR pass {} ms; the factor is clearly of full rank (κ ≤ {}): triangular solves, no SVD",
                        (t1 - t0) / 1_000_000, clear.conditionEstimate());
                return clear;
            }
        }
        DenseKernels kernels = problem.denseKernels();
        if (k == n) { // only a square factor can have full column rank: a wide one (k < n) goes to the minimum norm directly
            SingularValueDecomposition scaled = svd(kernels, factor, k, n);
            LOG.debug("svd: QR pass {} ms, SVD of the {} × {} factor {} ms", (t1 - t0) / 1_000_000, k, n,
                    (System.nanoTime() - t1) / 1_000_000);
            DirectSolution full = fullRank(problem, centred, scaled, z, scales, rankCutoff, ridge, inverseGram);
            if (full != null) {
                return full;
            }
        }
        return minimumNorm(problem, centred, factor, z, scales, k, n, rankCutoff, inverseGram);
    }

    /**
     * The unique θ = D·V·Σ⁻¹·Uᵀz from the SVD of the square scaled factor R₁₁ = UΣVᵀ, refined with the corrections
     * D·V·Σ⁻²·Vᵀ·D, when its rank (singular values above cutoff·σ_max) is n; else null.
     */
    private static DirectSolution fullRank(ResidentProblem problem, boolean centred, SingularValueDecomposition scaled, double[] z,
                                           double[] scales, double rankCutoff, double[] ridge, boolean inverseGram) {
        int n = scales.length;
        int rank = rank(scaled.singular(), rankCutoff);
        if (rank == n) {
            double[] s = scaled.singular();
            double[] w = multiplyTransposedU(scaled, z);
            for (int l = 0; l < n; l++) {
                w[l] /= s[l];
            }
            double[] theta = multiplyV(scaled, w);
            for (int j = 0; j < n; j++) {
                theta[j] *= scales[j];
            }
            Correction correction = scaled(scales, b -> { // (RᵀR)⁻¹ = VΣ⁻²Vᵀ
                double[] c = multiplyVt(scaled, b);
                for (int l = 0; l < n; l++) {
                    c[l] /= s[l] * s[l];
                }
                return multiplyV(scaled, c);
            });
            double kappa = s[0] / s[n - 1];
            DirectSolution solution = refine(problem, centred, theta, correction, n * kappa * kappa * Math.ulp(1.0), rank, s, kappa, ridge);
            return inverseGram ? solution.withInverseGram(InverseGram.fromFullRankSvd(scaled.vt(), s, n, scales,
                    meansIf(problem, centred))) : solution;
        }
        return null;
    }

    /**
     * Rank-deficient (or wide) X: the minimum-norm θ = V'·Σ'⁺·U'ᵀz of the unscaled problem from the SVD of R₁₁·D⁻¹
     * (k × n, the factor of X_c itself; {@code factor} is overwritten with it), the rank decided on its singular values.
     * A wide factor (k &lt; n) is decomposed through its LQ factorization ({@link WideSvd}: O(k²n) + O(k³), V applied,
     * not formed unless the standard errors need it), a square one directly.
     */
    private static DirectSolution minimumNorm(ResidentProblem problem, boolean centred, double[] factor, double[] z, double[] scales,
                                              int k, int n, double rankCutoff, boolean inverseGram) {
        DenseKernels kernels = problem.denseKernels();
        long t0 = System.nanoTime();
        int[] zero = zeroColumns(factor, k, n); // X_c's zero columns: R's (exactly, Householder) — the constant columns
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < k; i++) {
                factor[i + j * k] /= scales[j];
            }
        }
        double[] singular;
        double[] w;
        java.util.function.UnaryOperator<double[]> timesV;
        SingularValueDecomposition plain = null;
        if (k < n && kernels.nativeLq()) { // (a backend without a native LQ decomposes the whole factor, as before)
            WideSvd wide = WideSvd.of(kernels, factor, k, n, (a, rows, cols) -> svd(kernels, a, rows, cols));
            singular = wide.singular();
            w = wide.transposedU(z);
            timesV = wide::timesV;
            if (inverseGram) {
                plain = wide.full();
            }
        } else {
            SingularValueDecomposition square = svd(kernels, factor, k, n);
            plain = square;
            singular = square.singular();
            w = multiplyTransposedU(square, z);
            timesV = v -> multiplyV(square, v);
        }
        int plainRank = rank(singular, rankCutoff);
        for (int l = 0; l < w.length; l++) {
            w[l] = l < plainRank ? w[l] / singular[l] : 0;
        }
        double[] theta = timesV.apply(w);
        LOG.debug("svd: minimum-norm solve of the {} × {} factor {} ms", k, n, (System.nanoTime() - t0) / 1_000_000);
        ExtendedResidual pass = problem.extendedResidual(centred);
        DirectSolution solution = new DirectSolution(theta, pass.intercept(theta), plainRank, singular, Double.POSITIVE_INFINITY, 0)
                .withConstantColumns(zero); // as the normal equations name them (θⱼ = 0 there too: V's rows for them are 0)
        return inverseGram ? solution.withInverseGram(InverseGram.fromRankDeficientSvd(plain.vt(), plain.rank(), plain.singular(),
                plainRank, n, zero, meansIf(problem, centred))) : solution;
    }

    /**
     * Completes the unit-norm scaling of X_c's columns from the factor itself: column j of R (k × n, column-major; all k
     * rows are read) has the norm of column j of X_c·D, since R = Q₁ᵀ[X_c·D] with Q₁ orthonormal (or, from the rows
     * pass, R = Pᵀ[X_c·D] with P orthogonal: P = I for the rows themselves). D came from the deviations pass, Dⱼ =
     * 1/√(Σᵢ x̃ᵢⱼ²), and that sum squares X: for a column near 1e-200 the squares underflow, the sum is 0 (or, near
     * 1e-160, a subnormal of a few bits), and Dⱼ was left 1 (or far off) — the column then had a singular value near
     * 1e-199 and was dropped by the rank cutoff, although it is independent of the others and the scaled X well
     * conditioned. Each column whose norm ‖Rⱼ‖ lies outside [1/2, 2) is multiplied, with Dⱼ, by 2^−e, e the binary
     * exponent of ‖Rⱼ‖ (exact: the factor is that of X_c·D·2^−e, with the QR pass's column-wise backward error, as if
     * the pass had been given the right scale); columns the deviations scaled, of norm 1 to rounding, are left as they
     * are. ‖Rⱼ‖ is measured without squaring the entries (each divided by a power of two near the column's largest
     * first). A zero column stays zero with Dⱼ = 1; a column whose Dⱼ would overflow (a norm below about 2⁻¹⁰²³, values
     * of a few subnormal bits, whose coefficient would overflow too) is left as it is, and counts as negligible.
     */
    private static void normalizeColumns(double[] factor, int k, double[] scales) {
        for (int j = 0; j < scales.length; j++) {
            int top = k - 1; // every row: R's zeros below its diagonal add nothing, and the rows pass's PᵀA has none
            double largest = 0;
            for (int i = 0; i <= top; i++) {
                largest = Math.max(largest, Math.abs(factor[i + j * k]));
            }
            if (largest == 0) {
                continue;
            }
            int shift = -Math.getExponent(largest);
            double sum = 0;
            for (int i = 0; i <= top; i++) {
                double v = Math.scalb(factor[i + j * k], shift);
                sum += v * v;
            }
            int exponent = Math.getExponent(Math.sqrt(sum)) - shift; // ‖Rⱼ‖ = √sum·2^−shift
            if (exponent == 0 || exponent == -1) {
                continue;
            }
            double scale = Math.scalb(scales[j], -exponent);
            if (!(scale < Double.POSITIVE_INFINITY) || scale == 0) {
                continue;
            }
            scales[j] = scale;
            for (int i = 0; i <= top; i++) {
                factor[i + j * k] = Math.scalb(factor[i + j * k], -exponent);
            }
        }
    }

    /** Largest entries within 2^±this are decomposed as they are by {@link #svd(DenseKernels, double[], int, int)}. */
    private static final int SVD_NEUTRAL_EXPONENT = 100;

    /**
     * {@code kernels.svd(a)}, with a first multiplied by a power of two that brings its largest entry to [1, 2) when that
     * entry lies outside 2^±{@value #SVD_NEUTRAL_EXPONENT} (exact), and σ divided by it after: the kernels square their
     * input's entries (Jacobi rotations, bidiagonalisation norms), which overflow near 1e155 or vanish near 1e-160 —
     * the Java kernel stopped with "did not converge", cuSOLVER's gesvd likewise. a is not modified.
     */
    private static SingularValueDecomposition svd(DenseKernels kernels, double[] a, int rows, int cols) {
        double largest = 0;
        for (double x : a) {
            largest = Math.max(largest, Math.abs(x));
        }
        if (!(largest > 0) || !Double.isFinite(largest) || Math.abs(Math.getExponent(largest)) <= SVD_NEUTRAL_EXPONENT) {
            return kernels.svd(a, rows, cols);
        }
        double factor = Math.scalb(1.0, -Math.getExponent(largest));
        double[] scaled = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            scaled[i] = a[i] * factor;
        }
        SingularValueDecomposition d = kernels.svd(scaled, rows, cols);
        double[] singular = d.singular().clone();
        for (int l = 0; l < singular.length; l++) {
            singular[l] /= factor;
        }
        return new SingularValueDecomposition(d.u(), singular, d.vt(), d.rows(), d.cols());
    }

    /**
     * When the n × n factor R of the scaled X is so well conditioned that no singular value can fall below the
     * rank cutoff, the SVD is not needed to decide the rank: θ = D·R⁻¹z by back substitution and the corrections
     * from RᵀR = (X_cD)ᵀ(X_cD) by two triangular solves, all O(n²). The test is an upper bound of κ₂(R):
     * κ₂(R)² = ‖RᵀR‖₂·‖(RᵀR)⁻¹‖₂ ≤ ‖R‖_F²·‖(RᵀR)⁻¹‖₁, with ‖(RᵀR)⁻¹‖₁ estimated (Hager–Higham, a lower bound
     * usually within a factor 3, hence the factor 3 and a further factor 10 of margin against the cutoff).
     *
     * @return the refined solution, or null when the factor is not clearly of full rank (then the SVD decides)
     */
    private static DirectSolution clearlyFullRank(ResidentProblem problem, boolean centred, double[] factor, double[] z,
                                                  double[] scales, double rankCutoff, double[] ridge, boolean inverseGram) {
        int n = z.length;
        double[] lower = new double[n * n];
        double frobenius = 0;
        for (int j = 0; j < n; j++) {
            if (!(factor[j + j * n] != 0)) {
                return null;
            }
            for (int i = 0; i <= j; i++) {
                double v = factor[i + j * n];
                lower[j + i * n] = v;
                frobenius += v * v;
            }
        }
        CholeskyFactor normal = new CholeskyFactor(lower, n); // RᵀR = LLᵀ with L = Rᵀ
        double kappa = Math.sqrt(frobenius * 3 * normal.inverseNormEstimate());
        if (!(kappa * 10 < 1 / rankCutoff)) {
            return null;
        }
        double[] theta = z.clone();
        for (int i = n - 1; i >= 0; i--) { // R θ' = z
            double sum = theta[i];
            for (int j = i + 1; j < n; j++) {
                sum -= factor[i + j * n] * theta[j];
            }
            theta[i] = sum / factor[i + i * n];
        }
        for (int j = 0; j < n; j++) {
            theta[j] *= scales[j];
        }
        Correction correction = scaled(scales, normal::solve);
        DirectSolution solution = refine(problem, centred, theta, correction, n * kappa * kappa * Math.ulp(1.0), n, new double[0], kappa, ridge);
        return inverseGram ? solution.withInverseGram(InverseGram.fromCholesky(lower, n, problem.denseKernels(), scales,
                new int[0], meansIf(problem, centred))) : solution; // RᵀR = LLᵀ: the same reading as the normal equations'
    }

    /** x̄ for a centred problem (the cached statistics pass), null for an uncentred one. */
    private static double[] meansIf(ResidentProblem problem, boolean centred) {
        return centred ? problem.columnStatistics().means().clone() : null;
    }

    /** The columns of the k × n column-major factor that are exactly zero. */
    private static int[] zeroColumns(double[] factor, int k, int n) {
        return java.util.stream.IntStream.range(0, n).filter(j -> {
            for (int i = 0; i < k; i++) {
                if (factor[i + j * k] != 0) {
                    return false;
                }
            }
            return true;
        }).toArray();
    }

    /** g ↦ G⁻¹g with the factorization already made (O(n²)). */
    private interface Correction {
        double[] apply(double[] gradient);
    }

    /**
     * {@code correction} with the entries of {@code columns} held at 0, in and out: the constant columns the normal
     * equations set aside keep θⱼ = 0 exactly (their centred values are 0, or within the double-double mean's rounding,
     * whose residue refinement would otherwise turn into corrections of ~1e-32).
     */
    private static Correction withoutColumns(Correction correction, int[] columns) {
        if (columns.length == 0) {
            return correction;
        }
        return gradient -> {
            double[] g = gradient.clone();
            for (int j : columns) {
                g[j] = 0;
            }
            double[] d = correction.apply(g);
            for (int j : columns) {
                d[j] = 0;
            }
            return d;
        };
    }

    /**
     * The correction for G = D⁻¹G'D⁻¹ given G'⁻¹ of the column-scaled problem: G⁻¹g = D·G'⁻¹(D·g). The scaled
     * inverse may overwrite the vector it is given (a fresh one), and returns a fresh one.
     */
    private static Correction scaled(double[] scales, java.util.function.UnaryOperator<double[]> scaledInverse) {
        return gradient -> {
            double[] b = new double[scales.length];
            for (int j = 0; j < b.length; j++) {
                b[j] = scales[j] * gradient[j];
            }
            double[] d = scaledInverse.apply(b);
            for (int j = 0; j < d.length; j++) {
                d[j] *= scales[j];
            }
            return d;
        };
    }

    /**
     * @param contraction a bound on how much of a correction's size is left as error after it is applied
     *                    (n·κ(XᵀX)·ε for corrections solved with a factorization of XᵀX or of X's triangle):
     *                    refinement stops as soon as that remaining error is below θ's rounding
     */
    private static DirectSolution refine(ResidentProblem problem, boolean centred, double[] theta, Correction correction,
                                         double contraction, long rank, double[] singular, double condition, double[] ridge) {
        return refine(problem, centred, theta, correction, contraction, rank, singular, condition, ridge, false);
    }

    /**
     * @param mustConverge return null unless the corrections end with ‖δ‖ ≤ 4ε‖θ‖ or the contraction bound shows the
     *                     remaining error below ε‖θ‖ (not merely stop shrinking, nor run out of steps)
     */
    private static DirectSolution refine(ResidentProblem problem, boolean centred, double[] theta, Correction correction,
                                         double contraction, long rank, double[] singular, double condition, double[] ridge,
                                         boolean mustConverge) {
        ExtendedResidual pass = problem.extendedResidual(centred);
        double eps = Math.ulp(1.0);
        double floor = Double.NaN; // the gradient's underflow floor, computed when a gradient lies near the subnormals
        double previous = Double.POSITIVE_INFINITY;
        double lastApplied = Double.NaN;
        int steps = 0;
        boolean converged = false;
        boolean noiseLimited = false;
        for (int step = 0; step < MAX_REFINEMENTS; step++) {
            Interrupts.stopIfInterrupted(); // each step is a pass over X
            long t0 = System.nanoTime();
            // θ beyond float64 (the answer overflows): refused here, before its residual's NaN reaches LAPACK's solve
            Overflows.requireFiniteAnswer(theta, 0, "the direct solve");
            double[] gradient = pass.transposedResidual(theta);
            if (ridge != null) { // X_cᵀ(y_c − X_cθ) − Λθ
                for (int j = 0; j < gradient.length; j++) {
                    gradient[j] -= ridge[j] * theta[j];
                }
            }
            double[] delta = correction.apply(gradient);
            LOG.debug("refinement step {}: ‖δ‖/‖θ‖ = {} ({} ms)", step + 1, norm(delta) / norm(theta), (System.nanoTime() - t0) / 1_000_000);
            double change = norm(delta);
            if (!(change < previous)) {
                break; // no longer contracting: the rounding floor (or a factor too inaccurate to refine with)
            }
            if (change > 4 * eps * norm(theta) && maxAbs(gradient) < UNDERFLOW_GATE * problem.rows() * 0x1p-1074
                    && change <= UNDERFLOW_MARGIN * (Double.isNaN(floor) ? floor = gradientFloor(problem, correction, theta.length) : floor)) {
                // the gradient's products X_cᵀr underflow: a correction this small is their rounding, not information
                // (X and y both near 1e-160: svd's answer, accurate as solved, was moved 5e-5 off by such corrections)
                LOG.debug("refinement: the correction {} is within the underflow floor {} of X_cᵀr; not applied", change, floor);
                noiseLimited = true;
                break;
            }
            for (int j = 0; j < theta.length; j++) {
                theta[j] += delta[j];
            }
            lastApplied = change;
            steps++;
            double size = norm(theta);
            if (size <= UNCONVERGED_WARNING * change && isZeroSolution(pass, theta.length, ridge)) {
                // the correction cancelled θ to its rounding: X_cᵀy_c is exactly 0 (y_c ≡ 0, a constant y), so θ = 0 exactly
                // (θ ≈ 1e-156 and a false refinement warning once came of corrections that each shrank θ by ε)
                java.util.Arrays.fill(theta, 0);
                converged = true;
                break;
            }
            if (change <= 4 * eps * size) {
                converged = true;
                break;
            }
            // What is left after this correction: about rate/(1 − rate) of it, the rate per step no better than the bound
            // and, from the second correction on, than the one seen (change/previous). After the first correction the
            // bound alone ends the loop only with a thousand-fold margin: a system less accurate than the bound assumes
            // (a sparse Gram's downdate that cancelled) once stopped here with θ 1e-2 off, while an accurate one's first
            // correction is so small that the margin costs no extra pass.
            double bound = Math.min(1, contraction);
            if (steps == 1 && bound * change <= FIRST_STEP_MARGIN * eps * size) {
                converged = true;
                break;
            }
            if (steps >= 2) {
                double rate = Math.max(bound, change / previous);
                if (rate < 1 && rate / (1 - rate) * change <= eps * size) {
                    converged = true;
                    break;
                }
            }
            previous = change;
        }
        if (mustConverge && !converged) {
            return null;
        }
        if (noiseLimited && !converged && steps == 0 && contraction > UNCONVERGED_WARNING) {
            LOG.warn(String.format(Locale.ROOT, "the direct solve could not be refined: X and y are so small that the products of "
                    + "X with the residual underflow float64; the answer may be accurate to only about %.2g of θ's size; rescale "
                    + "X and y (powers of ten)", Math.min(1, contraction)));
        }
        double size = norm(theta);
        if (!converged && lastApplied > UNCONVERGED_WARNING * size) {
            // the corrections stopped shrinking (or ran out) while still large: the system solved with was too inaccurate
            // for refinement to converge, and the answer is only as good as the last correction was small
            LOG.warn(String.format(Locale.ROOT, "the direct solve's refinement stopped with a correction of %.2g of θ's size: "
                    + "the answer may be accurate to only about that (a system too ill-conditioned or inaccurate to refine); "
                    + "compare with another solver", lastApplied / size));
        }
        return new DirectSolution(theta, pass.intercept(theta), rank, singular, condition, steps);
    }

    /**
     * The floor is looked at only when every |gⱼ| is below this many times m·2⁻¹⁰⁷⁴ (above it, the underflow is at most
     * 2⁻⁴⁰ of g), and only for a correction above 4ε‖θ‖ (a smaller one is θ's rounding, applied or not): ordinary data
     * never reach it, and its corrections are applied as before, bit for bit.
     */
    static final double UNDERFLOW_GATE = 0x1p40;

    private static double maxAbs(double[] v) {
        double largest = 0;
        for (double d : v) {
            largest = Math.max(largest, Math.abs(d));
        }
        return largest;
    }

    /** A correction at most this many times {@link #gradientFloor} is taken for the gradient's underflow. */
    static final double UNDERFLOW_MARGIN = 16;

    /**
     * The size of the correction that the underflow of the refinement gradient g = X_cᵀWr alone can make: each of its
     * m products per entry may be rounded to the subnormal spacing 2⁻¹⁰⁷⁴ (X and r both near 1e-160: products near
     * 1e-320), an error of up to m·2⁻¹⁰⁷⁴ per entry, whatever the double-double sums keep. The correction of that error
     * vector (each entry m·2⁻¹⁰⁷⁴, the signs unknown: the largest of ±eₖ's images bounds it within √n) is the floor
     * below which a correction is noise; estimated by the image of the all-ones vector (one correction, O(n²)). On ordinary
     * data it lies hundreds of orders of magnitude below any correction.
     */
    private static double gradientFloor(ResidentProblem problem, Correction correction, int n) {
        double unit = problem.rows() * 0x1p-1074;
        double[] g = new double[n];
        java.util.Arrays.fill(g, unit);
        double[] image = correction.apply(g);
        double size = norm(image);
        return Double.isFinite(size) ? size : Double.POSITIVE_INFINITY;
    }

    /** Whether X_cᵀW(y_c − X_c·0) − Λ·0 is exactly 0 (one extended residual pass, made only when refinement cancelled θ). */
    private static boolean isZeroSolution(ExtendedResidual pass, int n, double[] ridge) {
        for (double v : pass.transposedResidual(new double[n])) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** Number of singular values above cutoff·σ_max (σ sorted largest first). */
    private static int rank(double[] singular, double cutoff) {
        double threshold = singular.length == 0 ? 0 : cutoff * singular[0];
        int r = 0;
        for (double s : singular) {
            if (s > threshold && s > 0) {
                r++;
            }
        }
        return r;
    }

    /** Uᵀz (length k). */
    private static double[] multiplyTransposedU(SingularValueDecomposition s, double[] z) {
        return transposeTimes(s.u(), s.rows(), s.rank(), z);
    }

    /** V·w = (Vᵀ)ᵀw (length cols). */
    private static double[] multiplyV(SingularValueDecomposition s, double[] w) {
        return transposeTimes(s.vt(), s.rank(), s.cols(), w);
    }

    /** Aᵀv for the rows × cols column-major A: one dot product per column. */
    private static double[] transposeTimes(double[] a, int rows, int cols, double[] v) {
        double[] out = new double[cols];
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            int base = c * rows;
            for (int r = 0; r < rows; r++) {
                sum += a[r + base] * v[r];
            }
            out[c] = sum;
        }
        return out;
    }

    /** Vᵀb (length k). */
    private static double[] multiplyVt(SingularValueDecomposition s, double[] b) {
        int k = s.rank();
        int cols = s.cols();
        double[] out = new double[k];
        for (int j = 0; j < cols; j++) {
            double bj = b[j];
            int base = j * k;
            for (int l = 0; l < k; l++) {
                out[l] += s.vt()[l + base] * bj;
            }
        }
        return out;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** The most columns the direct solvers take: their n × n (or, wide svd, m × n) float64 matrices live in Java arrays. */
    public static final int MAX_COLUMNS = 46_340;

    /**
     * Refuses {@code columns} beyond {@link #MAX_COLUMNS} in one line (before any work: a sparse X's svd checks it before
     * its dense copy).
     */
    public static void checkColumns(long columns) {
        denseSize(columns, "columns");
    }

    private static int denseSize(long size, String what) {
        if (size > MAX_COLUMNS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%,d %s: beyond the direct solvers' limit of 46,340 columns (normal's n × n float64 matrix would take %,d "
                            + "bytes); use gd, nesterov or cg, which from 0 find svd's minimum-norm answer on wide X", size, what,
                    8 * size * size));
        }
        return (int) size;
    }
}
