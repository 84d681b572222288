package dev.downhill.internal.direct;

/**
 * What a direct solver in core returns.
 *
 * @param coefficients      θ on the original scale (host)
 * @param intercept         b = ȳ − x̄ᵀθ evaluated in double-double (0 without an intercept)
 * @param rank              the effective rank decided by core (−1 for the normal equations: full by construction)
 * @param singularValues    σ of the matrix whose rank was decided (the column-scaled centred X, or the unscaled one
 *                          for a rank-deficient X), largest first; empty for the normal equations and when an O(n²)
 *                          condition bound showed full rank without an SVD
 * @param conditionEstimate the normal equations: the 1-norm condition estimate of the scaled XᵀX; the SVD: σ_max/σ_min
 *                          of the scaled X, or the upper bound that made the SVD unnecessary (∞ when rank-deficient)
 * @param refinementSteps   extended-precision refinement steps taken
 * @param constantColumns   the columns the normal equations found constant (all zero after centring, or all zero
 *                          without an intercept) and gave coefficient 0 — the minimum-norm answer there; empty otherwise
 * @param inverseGram       what the standard errors need from (X_cᵀWX_c)⁻¹, when the solve was asked for it; else null
 */
public record DirectSolution(double[] coefficients, double intercept, long rank, double[] singularValues,
                             double conditionEstimate, int refinementSteps, int[] constantColumns, InverseGram inverseGram) {
    /** A solution without {@link #inverseGram}. */
    public DirectSolution(double[] coefficients, double intercept, long rank, double[] singularValues, double conditionEstimate,
                          int refinementSteps, int[] constantColumns) {
        this(coefficients, intercept, rank, singularValues, conditionEstimate, refinementSteps, constantColumns, null);
    }

    /** A solution with no constant columns set aside. */
    public DirectSolution(double[] coefficients, double intercept, long rank, double[] singularValues, double conditionEstimate,
                          int refinementSteps) {
        this(coefficients, intercept, rank, singularValues, conditionEstimate, refinementSteps, new int[0]);
    }

    /** This solution, naming the constant columns it gave coefficient 0. */
    public DirectSolution withConstantColumns(int[] columns) {
        return new DirectSolution(coefficients, intercept, rank, singularValues, conditionEstimate, refinementSteps, columns.clone(),
                inverseGram);
    }

    /** This solution with {@code inverse}. */
    DirectSolution withInverseGram(InverseGram inverse) {
        return new DirectSolution(coefficients, intercept, rank, singularValues, conditionEstimate, refinementSteps, constantColumns,
                inverse);
    }
}
