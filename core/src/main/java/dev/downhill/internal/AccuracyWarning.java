package dev.downhill.internal;

import dev.downhill.FittedModel;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.spi.ResidentProblem;
import java.util.Locale;
import java.util.Optional;

/**
 * The warning for a full-batch gradient fit (gd, nesterov, cg; no l1 term) that stopped {@link StopReason#CONVERGED} or
 * {@link StopReason#NO_PROGRESS} with coefficients its gradient does not vouch for: an a-posteriori check of the answer.
 * sgd and minibatch (without a validation split) are checked from one full gradient pass at their answer, which gives
 * an estimate of their error itself ({@link StochasticError}), warned where it passes
 * {@value #STOCHASTIC_RELATIVE_ERROR_LIMIT} (their answers are approximate by design).
 *
 * <p>The stopping rule bounds the gradient, not the error. In the standardized coordinates β (β = S⁻¹θ, S the fit's
 * column scaling, {@link SketchedCondition}) the gradient is g = H(β − β*) with H cg's operator, so
 * <pre>
 *   ‖β − β*‖ ≤ ‖g‖/λ_min(H),     ρ = ‖g‖ / (λ̂_min·‖β‖)   (from 0 also ≤ κ̂·‖g‖/‖g₀‖, the smaller taken)
 * </pre>
 * bounds the answer's relative error through the smallest eigenvalue of H, which the rule never sees: with nearly dependent
 * columns (κ(H) = 4e10: a column equal to another plus 1e-5 noise) gd, nesterov and cg met the default tolerance 1e-10 with
 * θ₀ = 0.748 against the least-squares −3,091.7. When ρ &gt; {@value #RELATIVE_ERROR_LIMIT} the warning names κ̂ and ρ and
 * advises an exact solver, or cg with a smaller tolerance; when Ĥ is singular to working precision
 * ({@link SketchedCondition.Spectrum#condition} +∞) the gradient bounds nothing and the warning says so. ‖g‖ is the last
 * entry of the model's gradient-norm history (a true gradient pass for every one of these solvers), in the same units
 * and coordinates as H here (an objective without internal rescaling, the fit's standardization and l2 term).
 *
 * <p>λ̂_min comes from X's exact Gram matrix when that pass (m·n² flops) costs no more than the fit's own passes (about
 * 2·m·n each), else from {@link SketchedCondition}'s row sketch ({@value SketchedCondition#ROWS_PER_BUCKET}·s of X's rows),
 * which may understate λ_min by its spread (ρ then overstated by up to ~10, a warning that errs loud); the check is left
 * out when that too would cost more than the fit (its O(s·n² + n³/3) host work), beyond {@value #MAX_COLUMNS} columns
 * (an n × n host matrix), for a y constant up to rounding ({@link #CONSTANT_TARGET_SPREAD}), when X has no more rows than columns and no ridge (H singular: gradient methods from 0 find a
 * minimiser, not a unique one), when the backend has no sketch pass (or no Gram pass), and where ρ cannot be formed in
 * the user's units (β = 0, or X and y scaled near float64's ends, which the fit's internal rescaling handles). It
 * is an estimate (power iteration gives λ_min from above, near exactly when it is well separated: ρ came out 8 % below
 * the true error on a well-conditioned 2,000 × 10), not a proof; its job is to make the silent failure loud.
 */
public final class AccuracyWarning {
    /** The largest bound ρ on the relative error of β that passes without a warning. */
    static final double RELATIVE_ERROR_LIMIT = 1e-3;
    /**
     * The largest estimated relative error of β that passes without a warning for sgd and minibatch, which stop on their
     * epoch loss, not on a gradient, and whose answers are approximate by design. Their error is estimated, not bounded
     * ({@link StochasticError}: exact with X's Gram matrix, refined from a sketch otherwise), so the limit can sit where
     * an answer stops being a fit of the least-squares coefficients: 10 %. With defaults on correlated columns they stop
     * 1–44 % off (measured: 20,000 × 20, neighbouring columns correlated 0.99 and scales over 100×, minibatch 12 %; 5,000
     * × 100 the same, 44 %; iid columns 0.5–6 %). A bound ‖g‖/λ_min, loose by up to κ for a noisy answer, had needed a
     * limit of 1e3, and left those silent.
     */
    static final double STOCHASTIC_RELATIVE_ERROR_LIMIT = 0.1;
    /** Hessian passes a sketched stochastic estimate (or a lower bound) may take: the fit's epochs, within these limits. */
    static final int MIN_REFINEMENT_PASSES = 12;
    static final int MAX_REFINEMENT_PASSES = 30;
    /** What a library (and CLI) user can do about coefficients the gradient does not vouch for. */
    public static final String LIBRARY_ADVICE = "use the normal or svd solver, or cg with a smaller tolerance";
    /**
     * A y whose spread about its mean (the root of the first loss of a centred fit from 0) is at most this fraction of
     * |ȳ| is constant up to rounding (2^−40: its centred values keep at most 13 of float64's 53 bits): the least-squares θ
     * is then rounding noise, and no bound relative to it means anything (a review: y = 4.2 on every row warned "X is
     * ill-conditioned" with κ̂ = 1.2). No check is made.
     */
    static final double CONSTANT_TARGET_SPREAD = 0x1p-40;
    /** Beyond this many columns no check is made (its n × n host matrix and O(n³) factorization). */
    static final int MAX_COLUMNS = 2_048;

    private AccuracyWarning() {
    }

    /**
     * The estimate for {@code model}, fitted on {@code problem}, or empty when no check applies or it is not affordable.
     *
     * @param conditionNumber κ̂ of the standardized Hessian (+∞: singular to working precision)
     * @param errorBound      ρ: for gd, nesterov and cg the bound on ‖β − β*‖/‖β‖ (+∞ when κ̂ is); for sgd and minibatch
     *                        the estimate of ‖β − β*‖/‖β*‖ ({@code errorEstimated}), or a lower bound on it ({@code lowerBound})
     * @param standardizedCondition where an unstandardized fit's κ̂ is +∞, the standardized Hessian's (from the same Gram
     *                        matrix: {@link SketchedCondition.Spectrum#unitDiagonalCondition}); NaN otherwise
     * @param errorEstimated  whether ρ estimates the error itself, ‖Ĥ⁻¹g‖/‖β − Ĥ⁻¹g‖ (sgd and minibatch), not a bound on it
     * @param lowerBound      whether ρ is a lower bound on the relative error (sgd and minibatch where no Ĥ is affordable:
     *                        {@link StochasticError#lowerBound}; κ̂ NaN then)
     */
    public record Estimate(double conditionNumber, double errorBound, double standardizedCondition, boolean errorEstimated,
                           boolean lowerBound) {
    }

    /**
     * The one-line warning for {@code model}, fitted on {@code problem} (still loaded), or empty: no check applies, the
     * check is not affordable, or ρ ≤ {@value #RELATIVE_ERROR_LIMIT} ({@value #STOCHASTIC_RELATIVE_ERROR_LIMIT} for sgd and
     * minibatch).
     */
    public static Optional<String> of(ResidentProblem problem, FittedModel model) {
        return of(problem, model, model.solver().cliName(), LIBRARY_ADVICE);
    }

    /**
     * {@link #of(ResidentProblem, FittedModel)} in a front end's words: {@code ranAs} names the solver as its user asked
     * for it (e.g. "l-bfgs (run as cg)"), {@code advice} what that user can do instead (its own solver and tolerance
     * settings; {@link #LIBRARY_ADVICE} for the library).
     */
    public static Optional<String> of(ResidentProblem problem, FittedModel model, String ranAs, String advice) {
        java.util.Objects.requireNonNull(ranAs, "ranAs");
        java.util.Objects.requireNonNull(advice, "advice");
        Optional<Estimate> e = estimate(problem, model);
        boolean stochastic = model.solver().isStochastic();
        if (e.isEmpty() || !(e.get().errorBound() > (stochastic ? STOCHASTIC_RELATIVE_ERROR_LIMIT : RELATIVE_ERROR_LIMIT))) {
            return Optional.empty();
        }
        String solver = ranAs;
        String how;
        if (stochastic) { // its own rule says nothing of the gradient: the error is from a full gradient at the answer
            how = solver + (model.stopReason() == StopReason.CONVERGED ? " converged" : " stopped (no_progress)")
                    + " (its epoch loss stopped improving)";
            if (e.get().errorEstimated()) {
                double percent = 100 * e.get().errorBound();
                return Optional.of(String.format(Locale.ROOT, "%s, but its coefficients are %s %s %% from the %s (%stheir "
                        + "relative error%s, from the full gradient at them); more epochs (a smaller tolerance or a larger "
                        + "patience) or a smaller learning rate bring them closer, or %s", how, e.get().lowerBound()
                        ? "at least" : "an estimated", percent < 1e4 ? String.format(Locale.ROOT, "%,.0f", percent)
                        : String.format(Locale.ROOT, "%.1e", percent), model.config().penalty().isActive()
                        ? "penalised objective's minimiser" : "least-squares minimiser", e.get().lowerBound() ? "a lower bound on "
                        : "", model.report().standardized() ? ", each scaled by its column's spread" : "", advice));
            }
        } else {
            how = model.stopReason() == StopReason.CONVERGED
                    ? solver + " converged (its gradient norm met the tolerance " + ConvergenceWarning.compact(model.tolerance()) + ")"
                    : solver + " stopped making progress (no_progress) short of the tolerance "
                    + ConvergenceWarning.compact(model.tolerance());
        }
        double kappa = e.get().conditionNumber();
        double scaled = e.get().standardizedCondition();
        if (Double.isFinite(scaled)) { // a review: columns spread over 1e-4 … 1e4, --standardize off, cg
            return Optional.of(String.format(Locale.ROOT, "%s, but the Hessian of the unstandardized problem is singular to "
                    + "working precision (its condition number beyond 1/ε) while the standardized one's is %.2g: %s; the "
                    + "gradient does not bound the coefficients' error, so they may be far from the least-squares answer; "
                    + "standardizing (the default, turned off here) %s, or %s", how, scaled, scaled < 1 / RELATIVE_ERROR_LIMIT
                    ? "the columns' scales, not their dependence" : "mostly the columns' scales", scaled < 1 / RELATIVE_ERROR_LIMIT
                    ? "avoids it" : "helps", advice));
        }
        if (Double.isInfinite(kappa)) {
            return Optional.of(how + ", but X's columns are dependent to working precision (the Hessian is "
                    + "singular or its condition number beyond 1/ε): the gradient does not bound the coefficients' error, so they "
                    + "may be far from the least-squares answer (or, with exactly dependent columns, one of many); the svd "
                    + "solver gives the minimum-norm answer");
        }
        return Optional.of(String.format(Locale.ROOT, "%s, but the coefficients may be far from the least-squares minimiser: "
                        + "X is ill-conditioned (estimated condition number of the %sHessian %.2g), so the gradient "
                        + "bounds their relative error%s only by %.2g; %s",
                how, model.report().standardized() ? "standardized " : "", kappa, model.report().standardized() ? " (each scaled by its column's spread)" : "", e.get().errorBound(),
                advice) + (kappa > dev.downhill.FitConfig.NORMAL_EQUATIONS_MAX_CONDITION ? String.format(Locale.ROOT, " (at this "
                + "condition number the normal equations refuse, beyond %.0e: svd)", dev.downhill.FitConfig.NORMAL_EQUATIONS_MAX_CONDITION)
                : ""));
    }

    /** κ̂ and ρ for {@code model}, or empty when no check applies or it is not affordable (see the class Javadoc). */
    public static Optional<Estimate> estimate(ResidentProblem problem, FittedModel model) {
        Solver solver = model.solver();
        boolean stochastic = solver.isStochastic() && !(model.config().validationFraction() > 0); // (fitted on part of the rows)
        boolean full = solver == Solver.GD || solver == Solver.NESTEROV || solver == Solver.CG || stochastic;
        StopReason stop = model.stopReason();
        boolean stopped = stop == StopReason.CONVERGED || stop == StopReason.NO_PROGRESS;
        var penalty = model.config().penalty();
        double[] norms = model.gradientNormHistory();
        long m = problem.rows();
        long n = problem.cols();
        if (!full || !stopped || penalty.hasL1() || norms.length == 0 || !(model.tolerance() > 0)
                || n != model.coefficients().length || m <= n && !(penalty.l2Strength() > 0)) {
            return Optional.empty();
        }
        double fitFlops = 2.0 * (model.iterations() + 1) * m * n; // a pass per iteration, and the first
        double factor = (double) n * n * n / 3;
        boolean exactGram = (double) m * n * n + factor <= fitFlops;
        boolean sketchSmall = m <= (long) SketchedCondition.ROWS_PER_BUCKET * SketchedCondition.OVERSAMPLING * n; // it reads every row
        double sketchFlops = sketchSmall ? (double) m * n * n + factor
                : (double) SketchedCondition.ROWS_PER_BUCKET * SketchedCondition.OVERSAMPLING * n * n * n + factor;
        if (n > MAX_COLUMNS || !exactGram && sketchFlops > fitFlops) {
            // no Ĥ (an n × n host matrix) is affordable: sgd and minibatch get a lower bound by passes over X alone
            return stochastic ? lowerBound(problem, model) : Optional.empty();
        }
        SketchedCondition.Hessian hessian;
        double[] squaredScales;
        boolean zeroStart = model.config().initialCoefficients().kind() == dev.downhill.InitialCoefficients.Kind.ZEROS;
        try (CentredObjective objective = new CentredObjective(problem, model.config().fitIntercept(),
                model.report().standardized(), penalty)) {
            double[] losses = model.lossHistory();
            if (objective.centred() && zeroStart && losses.length > 0
                    && Math.sqrt(losses[0]) <= CONSTANT_TARGET_SPREAD * Math.abs(objective.userTargetMean())) {
                return Optional.empty(); // y constant up to rounding: the least-squares θ is rounding noise, nothing to vouch for
            }
            hessian = SketchedCondition.hessian(objective, exactGram);
            squaredScales = objective.squaredScales();
            if (stochastic && hessian != null && Double.isFinite(hessian.spectrum().condition())) {
                // its history holds mini-batch gradients: one full gradient at the answer, and the error itself from it
                int passes = (int) Math.max(MIN_REFINEMENT_PASSES, Math.min(MAX_REFINEMENT_PASSES, model.iterations()));
                return StochasticError.of(objective, hessian, model.coefficients(), squaredScales, passes)
                        .map(error -> new Estimate(hessian.spectrum().condition(), error, Double.NaN, true, false));
            }
        } catch (ArithmeticException | UnsupportedOperationException noCheck) {
            return Optional.empty(); // X's squares beyond float64, or a backend without the pass: the fit stands unchecked
        }
        SketchedCondition.Spectrum spectrum = hessian == null ? null : hessian.spectrum();
        if (spectrum == null || !Double.isFinite(spectrum.largest())) {
            return Optional.empty(); // no sketch pass, or X's squares beyond float64 in the user's units: unchecked
        }
        double kappa = spectrum.condition();
        if (Double.isInfinite(kappa)) {
            return Optional.of(new Estimate(kappa, Double.POSITIVE_INFINITY, spectrum.unitDiagonalCondition(), false, false));
        }
        double last = norms[norms.length - 1];
        double rho = last / norm(standardized(model.coefficients(), squaredScales)) / spectrum.smallest();
        // a second bound, relative to β* itself: from 0 the first gradient is g₀ = −Hβ*, so ‖β*‖ ≥ ‖g₀‖/λ_max and
        // ‖β − β*‖/‖β*‖ ≤ κ̂·‖g‖/‖g₀‖ — the one that holds where β* ≈ 0 (y constant up to rounding: ‖β‖ is then rounding
        // noise, and the bound through it, 3.7 on a κ̂ of 6.7, warned about nothing)
        double fromStart = zeroStart && norms[0] > 0 ? kappa * last / norms[0] : Double.NaN;
        if (Double.isFinite(fromStart) && !(rho <= fromStart)) {
            rho = fromStart;
        }
        // not finite: β = 0 (no relative error to bound), or magnitudes at float64's ends in the user's units (X scaled
        // by 1e±150: the fit itself works in rescaled internal units, this check does not) — unchecked rather than wrong
        return Double.isFinite(rho) ? Optional.of(new Estimate(kappa, rho, Double.NaN, false, false)) : Optional.empty();
    }

    /**
     * {@link StochasticError#lowerBound} for a stochastic {@code model} where no Ĥ is affordable: wide X beyond
     * {@value #MAX_COLUMNS} columns with a ridge (a review: sgd 25 % off on 2,000 × 50,000 sparse, in silence), or an Ĥ
     * that would cost more than the fit.
     */
    private static Optional<Estimate> lowerBound(ResidentProblem problem, FittedModel model) {
        int passes = (int) Math.max(MIN_REFINEMENT_PASSES, Math.min(MAX_REFINEMENT_PASSES, model.iterations()));
        try (CentredObjective objective = new CentredObjective(problem, model.config().fitIntercept(),
                model.report().standardized(), model.config().penalty())) {
            return StochasticError.lowerBound(objective, model.coefficients(), objective.squaredScales(), passes)
                    .map(bound -> new Estimate(Double.NaN, bound, Double.NaN, true, true));
        } catch (ArithmeticException | UnsupportedOperationException noCheck) {
            return Optional.empty();
        }
    }

    /** β with βⱼ = θⱼ/sⱼ (sⱼ² = {@code squaredScales[j]}; 0 for a constant column, whose θ is 0). */
    static double[] standardized(double[] theta, double[] squaredScales) {
        double[] beta = new double[theta.length];
        for (int j = 0; j < theta.length; j++) {
            beta[j] = squaredScales[j] > 0 ? theta[j] / Math.sqrt(squaredScales[j]) : 0;
        }
        return beta;
    }

    /** ‖v‖, scaled by its largest entry (no overflow); that entry when it is 0 or not finite. */
    static double norm(double[] v) {
        double largest = 0;
        for (double b : v) {
            largest = Math.max(largest, Math.abs(b));
        }
        if (!(largest > 0) || !Double.isFinite(largest)) {
            return largest;
        }
        double sum = 0;
        for (double b : v) {
            sum += (b / largest) * (b / largest);
        }
        return largest * Math.sqrt(sum);
    }
}
