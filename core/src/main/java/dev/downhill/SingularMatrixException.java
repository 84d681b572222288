package dev.downhill;

/**
 * The normal equations cannot give a trustworthy answer: XᵀX (centred when fitting an intercept)
 * is singular or so badly conditioned that Cholesky would lose every significant digit.
 * The SVD solver handles such problems (minimum-norm solution); on sparse X, which the SVD would densify, cg does.
 * The message names that solver in words both audiences read ("the svd solver"); {@link #suggestedSolver()} gives it
 * as a value (the command line adds its own option, {@code --solver svd}).
 */
public final class SingularMatrixException extends ArithmeticException {
    /** The estimated 1-norm condition number of XᵀX; infinite when Cholesky broke down. */
    private final double conditionEstimate;
    /** The solver the message suggests. */
    private final Solver suggested;

    /**
     * A refusal on dense X: the message is {@code detail} followed by the advice to use the svd solver.
     *
     * @param detail            what was found (the matrix, its condition or the column where Cholesky broke down)
     * @param conditionEstimate the estimated 1-norm condition number of XᵀX, or +∞ when Cholesky broke down
     */
    public SingularMatrixException(String detail, double conditionEstimate) {
        this(detail, conditionEstimate, false);
    }

    /**
     * A refusal whose advice depends on X's storage.
     *
     * @param detail            what was found (the matrix, its condition or the column where Cholesky broke down)
     * @param conditionEstimate the estimated 1-norm condition number of XᵀX, or +∞ when Cholesky broke down
     * @param sparseX whether X is sparse: the SVD would densify it, so the message points to cg instead (it needs no dense
     * factor, and from θ = 0, unstandardized, it converges to the same minimum-norm solution)
     */
    public SingularMatrixException(String detail, double conditionEstimate, boolean sparseX) {
        super(detail + (sparseX ? "; use the cg solver: it needs no dense factor of the sparse X, and "
                + "from θ = 0, unstandardized, it converges to the minimum-norm solution"
                : "; use the svd solver, which returns the minimum-norm solution"));
        this.conditionEstimate = conditionEstimate;
        this.suggested = sparseX ? Solver.CG : Solver.SVD;
    }

    /** The solver the message suggests: {@link Solver#SVD}, or {@link Solver#CG} for sparse X. */
    public Solver suggestedSolver() {
        return suggested;
    }

    /** Estimated 1-norm condition number of XᵀX; infinite when Cholesky broke down. */
    public double conditionEstimate() {
        return conditionEstimate;
    }
}
