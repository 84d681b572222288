package dev.downhill.internal;

import dev.downhill.FittedModel;
import dev.downhill.StopReason;
import java.util.Locale;
import java.util.Optional;

/**
 * The warning for a fit that ended short of a tolerance &gt; 0 (scikit-learn's {@code ConvergenceWarning}): the model is
 * returned as usual, but a caller who reads only the coefficients would not know how far it got.
 * <ul>
 * <li>At its iteration limit: the coefficients may be far from the minimiser. It says how far the solver got — the
 * gradient norm relative to its start for the full-batch solvers, the relative duality gap with an l1 term (the
 * stochastic solvers' rule, an epoch loss that stopped improving, has no one figure) — and what to change.</li>
 * <li>With an l1 term, stopped for want of progress ({@link StopReason#NO_PROGRESS}) at a relative duality gap above the
 * tolerance. cd stops so only with θ at rest (its sweeps' rule, {@code SweepState.Stall}): a rounding floor, where the
 * coefficients are as close as cd gets; the warning names the tolerance that accepts them. The full-batch rule also
 * stops a fit that moves too slowly for its loss to show it: the coefficients may be far off, and the warning names cd
 * (and float64 for a float32 fit). (Without an l1 term a no-progress stop is {@link AccuracyWarning}'s to judge.)</li>
 * </ul>
 * A limit reached with tolerance 0 (a fixed number of iterations, asked for), a limit of no iteration (a front end's
 * maxIter 0, {@link FrontEnds#restated}) or a stop asked by a listener is not warned about.
 */
public final class ConvergenceWarning {
    private ConvergenceWarning() {
    }

    /**
     * The one-line warning for {@code model}, or empty when it met its stopping rule (or had none to meet).
     *
     * @param iterationsSetting how the caller names the iteration limit ({@code maxIterations}, {@code --iterations})
     * @param toleranceSetting  how the caller names the tolerance ({@code tolerance}, {@code --tol})
     * @param solverSetting     how the caller names the solver setting ({@code solver}, {@code --solver})
     */
    public static Optional<String> of(FittedModel model, String iterationsSetting, String toleranceSetting, String solverSetting) {
        return of(model, iterationsSetting, toleranceSetting, solverSetting, model.solver().cliName());
    }

    /**
     * {@link #of(FittedModel, String, String, String)} for a caller that names the solver that ran in its own terms: the
     * warning opens with {@code solverName} where the other names the model's solver ({@code cg}) — the Spark estimator's
     * {@code l-bfgs (run as cg)}.
     *
     * @param solverName how the caller names the solver that ran
     */
    public static Optional<String> of(FittedModel model, String iterationsSetting, String toleranceSetting, String solverSetting,
                                      String solverName) {
        double tolerance = model.tolerance();
        if (!(tolerance > 0)) {
            return Optional.empty();
        }
        if (model.stopReason() == StopReason.NO_PROGRESS) {
            return gapShortfall(model, toleranceSetting, solverSetting, solverName);
        }
        if (model.stopReason() != StopReason.ITERATION_LIMIT || model.iterations() == 0) {
            return Optional.empty();
        }
        String solver = solverName;
        boolean stochastic = model.solver().isStochastic();
        String unit = stochastic ? "epochs" : model.solver() == dev.downhill.Solver.CD ? "sweeps" : "steps";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s stopped at its iteration limit (%s %,d %s) "
                + "before meeting %s %s", solver, iterationsSetting, model.iterations(), unit, toleranceSetting, compact(tolerance)));
        String reached = progress(model, stochastic);
        if (!reached.isEmpty()) {
            s.append(" (").append(reached).append(')');
        }
        boolean gapMet = model.solver() == dev.downhill.Solver.CD && model.config().penalty().hasL1()
                && model.report().dualityGap() <= tolerance;
        s.append(gapMet ? ": the objective is within the tolerance of its minimum, but the coefficients still move (nearly "
                + "dependent columns leave the minimiser ill-determined), so they may be far from it; raise "
                : ": the coefficients may be far from the minimiser; raise ").append(iterationsSetting);
        boolean l1 = model.config().penalty().hasL1();
        if (stochastic) {
            s.append(", or use a full-batch ").append(l1 ? "" : "or exact ").append(solverSetting)
                    .append(l1 ? " (gd, nesterov, cd)" : " (gd, cg, normal, svd)");
        } else if (l1) {
            if (!model.report().solverChoice().startsWith(DenseL1Choice.CD_CONTINUED)) { // (there nesterov ran first)
                s.append(", or try ").append(solverSetting).append(model.solver() == dev.downhill.Solver.CD ? " nesterov" : " cd");
            }
        } else if (!model.report().solverChoice().isEmpty() && model.solver() == dev.downhill.Solver.CG) {
            String why = model.report().solverChoice(); // no exact solver to point to: auto found them too costly here
            s.append(" (auto chose cg: ").append(why.startsWith("cg: ") ? why.substring(4) : why).append(')');
        } else {
            s.append(", or use an exact ").append(solverSetting).append(" (normal, svd)");
        }
        return Optional.of(s.toString());
    }

    /** The no-progress case with an l1 term (see the class Javadoc); empty without one, or with the gap met. */
    private static Optional<String> gapShortfall(FittedModel model, String toleranceSetting, String solverSetting,
                                                 String solverName) {
        double gap = model.report().dualityGap();
        if (!model.config().penalty().hasL1() || !(gap > model.tolerance())) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s stopped making progress (no_progress) at relative "
                + "duality gap %s, short of %s %s", solverName, compact(gap), toleranceSetting, compact(model.tolerance())));
        if (model.solver() == dev.downhill.Solver.CD) { // its rule also asks θ to be at rest: a rounding floor
            s.append(": its gap and objective stopped falling with θ at rest (a rounding floor: at a tiny α the rounding of "
                    + "X̃ᵀr rules the gap), so these coefficients are as close as cd gets in float64; ").append(toleranceSetting)
                    .append(' ').append(compact(roundedUp(gap))).append(" accepts them");
        } else { // the full-batch rule also stops a fit moving too slowly for its loss to show it
            s.append(": the coefficients may be far from the minimiser; ").append(solverSetting).append(" cd may get further");
            if (model.precision() == dev.downhill.Precision.FLOAT32) {
                s.append(", as may float64 precision");
            }
        }
        return Optional.of(s.toString());
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v} &gt; 0: a tolerance to suggest. */
    public static double roundedUp(double v) {
        double decade = Math.pow(10, Math.floor(Math.log10(v)));
        for (double f : new double[] {1, 2, 5, 10}) {
            if (f * decade >= v) {
                return Double.parseDouble(String.format(Locale.ROOT, "%.0e", f * decade));
            }
        }
        return v;
    }

    /**
     * How far the fit got, in the terms of its stopping rule; empty when the model recorded nothing to say it. The
     * gradient's ratio is given only for a cold start: a warm-started fit (given or random initial coefficients, the fits
     * of an α path) measures its rule against the gradient at θ = 0, which the model does not record, not against its
     * first entry.
     */
    private static String progress(FittedModel model, boolean stochastic) {
        double gap = model.report().dualityGap();
        if (model.config().penalty().hasL1() && gap >= 0) {
            return "relative duality gap " + compact(gap) + (model.solver() == dev.downhill.Solver.CD && gap <= model.tolerance()
                    ? ", but the last sweep still moved θ by more than the tolerance allows" : "");
        }
        if (stochastic) { // its rule (the epoch loss stopped improving by tol for patience epochs) has no one figure
            return "";
        }
        boolean coldStart = model.config().initialCoefficients().kind() == dev.downhill.InitialCoefficients.Kind.ZEROS
                && model.report().crossValidation() == null;
        double[] norms = model.gradientNormHistory();
        if (coldStart && norms.length >= 2 && norms[0] > 0) {
            return "‖∇‖/‖∇₀‖ = " + compact(norms[norms.length - 1] / norms[0]);
        }
        return "";
    }

    /** Three significant digits without trailing zeros: 1e-10, 0.001, 5.07e-07. */
    public static String compact(double v) {
        String t = String.format(Locale.ROOT, "%.3g", v);
        int e = t.indexOf('e');
        String mantissa = e < 0 ? t : t.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return e < 0 ? mantissa : mantissa + t.substring(e);
    }
}
