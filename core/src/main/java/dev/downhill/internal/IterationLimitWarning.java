package dev.downhill.internal;

import dev.downhill.FittedModel;
import dev.downhill.StopReason;
import java.util.Locale;
import java.util.Optional;

/**
 * The warning for a fit that ended at its iteration limit before meeting a tolerance &gt; 0 (scikit-learn's
 * {@code ConvergenceWarning}): the model is returned as usual, but its coefficients may be far from the minimiser, and
 * a caller who reads only the coefficients would not know. It says how far the solver got — the gradient norm relative
 * to its start for the full-batch solvers, the relative duality gap with an l1 term (the stochastic solvers' rule, an
 * epoch loss that stopped improving, has no one figure) — and what to change. A limit reached with tolerance 0 (a fixed number of iterations,
 * asked for), a limit of no iteration (a front end's maxIter 0, {@link FrontEnds#restated}) or a stop asked by a
 * listener is not warned about.
 */
public final class IterationLimitWarning {
    private IterationLimitWarning() {
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
        if (model.stopReason() != StopReason.ITERATION_LIMIT || model.iterations() == 0) {
            return Optional.empty();
        }
        double tolerance = model.tolerance();
        if (!(tolerance > 0)) {
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
        s.append(": the coefficients may be far from the minimiser; raise ").append(iterationsSetting);
        boolean l1 = model.config().penalty().hasL1();
        if (stochastic) {
            s.append(", or use a full-batch ").append(l1 ? "" : "or exact ").append(solverSetting)
                    .append(l1 ? " (gd, nesterov, cd)" : " (gd, cg, normal, svd)");
        } else if (l1) {
            s.append(", or try ").append(solverSetting).append(model.solver() == dev.downhill.Solver.CD ? " nesterov" : " cd");
        } else if (!model.report().solverChoice().isEmpty() && model.solver() == dev.downhill.Solver.CG) {
            String why = model.report().solverChoice(); // no exact solver to point to: auto found them too costly here
            s.append(" (auto chose cg: ").append(why.startsWith("cg: ") ? why.substring(4) : why).append(')');
        } else {
            s.append(", or use an exact ").append(solverSetting).append(" (normal, svd)");
        }
        return Optional.of(s.toString());
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
    static String compact(double v) {
        String t = String.format(Locale.ROOT, "%.3g", v);
        int e = t.indexOf('e');
        String mantissa = e < 0 ? t : t.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return e < 0 ? mantissa : mantissa + t.substring(e);
    }
}
