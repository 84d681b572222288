package dev.downhill;

/**
 * How a fit got where it is, beyond the histories kept in {@link FittedModel}.
 *
 * @param standardized    whether the gradient solver worked on implicitly standardized features
 *                        (then the gradient norms in the history are ‖S∇‖, S = diag(1/σⱼ))
 * @param constantColumns columns found constant under standardization; their coefficient is 0
 * @param distanceToExact ‖[θ, b] − [θ*, b*]‖ / ‖[θ*, b*]‖ against the SVD solution computed alongside
 *                        ({@link FitConfig#exactReference()}), else NaN
 * @param solverChoice    when the solver was chosen automatically ({@link Solver#AUTO}): the choice and its
 *                        reason in one line; empty when the configuration named the solver
 */
public record ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact, String solverChoice) {
    public ConvergenceReport {
        constantColumns = constantColumns.clone();
        solverChoice = solverChoice == null ? "" : solverChoice;
    }

    public ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact) {
        this(standardized, constantColumns, distanceToExact, "");
    }

    /** The same report with the automatic solver choice recorded. */
    public ConvergenceReport withSolverChoice(String choice) {
        return new ConvergenceReport(standardized, constantColumns, distanceToExact, choice);
    }

    @Override
    public int[] constantColumns() {
        return constantColumns.clone();
    }
}
