package dev.downhill;

/**
 * The normal equations cannot give a trustworthy answer: XᵀX (centred when fitting an intercept)
 * is singular or so badly conditioned that Cholesky would lose every significant digit.
 * The SVD solver handles such problems (minimum-norm solution).
 */
public final class SingularMatrixException extends ArithmeticException {
    private final double conditionEstimate;

    public SingularMatrixException(String detail, double conditionEstimate) {
        super(detail + "; use the SVD solver (Solver.SVD, --solver svd), which returns the minimum-norm solution");
        this.conditionEstimate = conditionEstimate;
    }

    /** Estimated 1-norm condition number of XᵀX; infinite when Cholesky broke down. */
    public double conditionEstimate() {
        return conditionEstimate;
    }
}
