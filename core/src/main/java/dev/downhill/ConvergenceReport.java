package dev.downhill;

import java.util.Arrays;
import java.util.Objects;

/**
 * How a fit got where it is, beyond the histories kept in {@link FittedModel}.
 *
 * <p>Equality is by value: {@link #equals}, {@link #hashCode} and {@link #toString} use the contents of
 * {@code constantColumns} (not the array's identity), the doubles as {@link Double#compare} does (NaN equals NaN), so a
 * report equals itself read back from a model file when every field was written (a {@link CrossValidationReport}'s
 * coefficient path is not written: see there).
 *
 * @param standardized    whether the gradient solver worked on implicitly standardized features
 *                        (then the gradient norms in the history are ‖S∇‖, S = diag(1/σⱼ))
 * @param constantColumns columns found constant under standardization, or by the normal equations (all zero after
 *                        centring, or all zero without an intercept); their coefficient is 0
 * @param distanceToExact ‖[θ, b] − [θ*, b*]‖ / ‖[θ*, b*]‖ against the SVD solution computed alongside
 *                        ({@link FitConfig#exactReference()}), else NaN
 * @param solverChoice    when the solver was chosen automatically ({@link Solver#AUTO}): the choice and its
 *                        reason in one line; empty when the configuration named the solver
 * @param backendInitSeconds seconds the backend's one-time initialisation (availability probe, native libraries,
 *                        device context) took before this fit's clock started — not part of
 *                        {@link FittedModel#wallTime()}; 0 when the backend was already initialised in this JVM,
 *                        NaN when not measured (a fit of a {@link LoadedProblem} loaded elsewhere)
 * @param objective       with a penalty: {@link Penalty}'s objective (1/(2m))‖r‖² + penalty at the answer (one pass
 *                        over X after the fit), else NaN
 * @param dualityGap      the last relative duality gap of a proximal full-batch fit (gd, nesterov with an l1 term) or of cd
 *                        (see {@link StopReason#DUALITY_GAP}), else NaN
 * @param crossValidation when α was chosen by {@link CrossValidation}: its table and choice, else null
 * @param resumedFromIteration when the fit was resumed from a {@link Checkpoint}: the iteration (step or epoch) it
 *                        resumed at (for a finished checkpoint: its iterations), else −1
 * @param resumedRunSeconds when resumed: the seconds of this run alone ({@link FittedModel#wallTime()} adds the earlier
 *                        runs'), else NaN
 * @param validationHistory with early stopping ({@link FitConfig#validationFraction()} &gt; 0, a tolerance &gt; 0): the
 *                        held-out rows' MSE (Σwr²/Σw over them) after each epoch, epoch 1 first — what the stopping
 *                        rule watched — else empty
 */
public record ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact, String solverChoice,
                                double backendInitSeconds, double objective, double dualityGap,
                                CrossValidationReport crossValidation, long resumedFromIteration, double resumedRunSeconds,
                                double[] validationHistory) {
    /**
     * Copies {@code constantColumns} and {@code validationHistory} (a {@link NullPointerException} naming either when
     * null); a null {@code solverChoice} becomes "", a null {@code crossValidation} means none.
     */
    public ConvergenceReport {
        constantColumns = java.util.Objects.requireNonNull(constantColumns, "constantColumns").clone();
        validationHistory = java.util.Objects.requireNonNull(validationHistory, "validationHistory").clone();
        solverChoice = solverChoice == null ? "" : solverChoice;
    }

    /** A report without a validation history (see the record's parameters). */
    public ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact, String solverChoice,
                             double backendInitSeconds, double objective, double dualityGap,
                             CrossValidationReport crossValidation, long resumedFromIteration, double resumedRunSeconds) {
        this(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective, dualityGap,
                crossValidation, resumedFromIteration, resumedRunSeconds, new double[0]);
    }

    /**
     * A report of a fit that was not resumed (resumedFromIteration −1, resumedRunSeconds NaN).
     *
     * @param standardized       whether the solver worked on standardized features
     * @param constantColumns    the constant columns (copied)
     * @param distanceToExact    the relative distance to the SVD solution, or NaN
     * @param solverChoice       the automatic choice and its reason, or "" (null: "")
     * @param backendInitSeconds the backend's one-time initialisation, or NaN
     * @param objective          the penalised objective at the answer, or NaN
     * @param dualityGap         the last relative duality gap, or NaN
     * @param crossValidation    the cross-validation's report, or null
     */
    public ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact, String solverChoice,
                             double backendInitSeconds, double objective, double dualityGap, CrossValidationReport crossValidation) {
        this(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective, dualityGap,
                crossValidation, -1, Double.NaN);
    }

    /** Whether the fit was resumed from a checkpoint. */
    public boolean resumed() {
        return resumedFromIteration >= 0;
    }

    /** The same report saying the fit resumed at {@code iteration} and this run took {@code seconds}. */
    public ConvergenceReport withResume(long iteration, double seconds) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective,
                dualityGap, crossValidation, iteration, seconds, validationHistory);
    }

    /**
     * A report without a solver choice, penalty results, cross-validation or resume (the other fields "", NaN, null, −1).
     *
     * @param standardized    whether the solver worked on standardized features
     * @param constantColumns the constant columns (copied)
     * @param distanceToExact the relative distance to the SVD solution, or NaN
     */
    public ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact) {
        this(standardized, constantColumns, distanceToExact, "", Double.NaN);
    }

    /**
     * A report without penalty results, cross-validation or resume (objective and duality gap NaN, no cross-validation,
     * not resumed).
     *
     * @param standardized       whether the solver worked on standardized features
     * @param constantColumns    the constant columns (copied)
     * @param distanceToExact    the relative distance to the SVD solution, or NaN
     * @param solverChoice       the automatic choice and its reason, or "" (null: "")
     * @param backendInitSeconds the backend's one-time initialisation, or NaN
     */
    public ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact, String solverChoice,
                             double backendInitSeconds) {
        this(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, Double.NaN, Double.NaN, null);
    }

    /** The same report with the automatic solver choice recorded. */
    public ConvergenceReport withSolverChoice(String choice) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, choice, backendInitSeconds, objective,
                dualityGap, crossValidation, resumedFromIteration, resumedRunSeconds, validationHistory);
    }

    /** The same report with the backend's one-time initialisation time recorded. */
    public ConvergenceReport withBackendInitSeconds(double seconds) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, solverChoice, seconds, objective, dualityGap,
                crossValidation, resumedFromIteration, resumedRunSeconds, validationHistory);
    }

    /** The same report with a penalised fit's objective and (proximal solvers) relative duality gap. */
    public ConvergenceReport withPenaltyResult(double objective, double dualityGap) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective,
                dualityGap, crossValidation, resumedFromIteration, resumedRunSeconds, validationHistory);
    }

    /** The same report with early stopping's validation history (copied). */
    public ConvergenceReport withValidationHistory(double[] history) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective,
                dualityGap, crossValidation, resumedFromIteration, resumedRunSeconds, history);
    }

    /** The same report with the cross-validation that chose α. */
    public ConvergenceReport withCrossValidation(CrossValidationReport cv) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, solverChoice, backendInitSeconds, objective,
                dualityGap, cv, resumedFromIteration, resumedRunSeconds, validationHistory);
    }

    /** A copy of the constant columns (the report keeps its own). */
    @Override
    public int[] constantColumns() {
        return constantColumns.clone();
    }

    /** A copy of early stopping's validation history (empty without early stopping). */
    @Override
    public double[] validationHistory() {
        return validationHistory.clone();
    }

    /**
     * The epoch (from 1) of the lowest validation MSE, the first such, or 0 without a validation history.
     *
     * @return the best epoch, or 0
     */
    public long bestValidationEpoch() {
        int best = -1;
        for (int e = 0; e < validationHistory.length; e++) {
            if (best < 0 || validationHistory[e] < validationHistory[best]) {
                best = e;
            }
        }
        return best + 1;
    }

    /** Equal when every component is: {@code constantColumns} and {@code validationHistory} by contents, doubles as {@link Double#compare} compares them. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConvergenceReport r && r.standardized == standardized && Arrays.equals(r.constantColumns, constantColumns)
                && Double.compare(r.distanceToExact, distanceToExact) == 0 && r.solverChoice.equals(solverChoice)
                && Double.compare(r.backendInitSeconds, backendInitSeconds) == 0 && Double.compare(r.objective, objective) == 0
                && Double.compare(r.dualityGap, dualityGap) == 0 && Objects.equals(r.crossValidation, crossValidation)
                && r.resumedFromIteration == resumedFromIteration && Double.compare(r.resumedRunSeconds, resumedRunSeconds) == 0
                && Arrays.equals(r.validationHistory, validationHistory);
    }

    @Override
    public int hashCode() {
        return Objects.hash(standardized, Arrays.hashCode(constantColumns), distanceToExact, solverChoice, backendInitSeconds,
                objective, dualityGap, crossValidation, resumedFromIteration, resumedRunSeconds, Arrays.hashCode(validationHistory));
    }

    /** The components by name, {@code constantColumns} by its contents. */
    @Override
    public String toString() {
        return "ConvergenceReport[standardized=" + standardized + ", constantColumns=" + Arrays.toString(constantColumns)
                + ", distanceToExact=" + distanceToExact + ", solverChoice=" + solverChoice + ", backendInitSeconds="
                + backendInitSeconds + ", objective=" + objective + ", dualityGap=" + dualityGap + ", crossValidation="
                + crossValidation + ", resumedFromIteration=" + resumedFromIteration + ", resumedRunSeconds=" + resumedRunSeconds
                + ", validationHistory=" + Arrays.toString(validationHistory) + "]";
    }
}
