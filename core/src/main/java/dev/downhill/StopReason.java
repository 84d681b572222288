package dev.downhill;

/** Why a fit ended. Divergence is never a stop reason: it is a {@link DivergenceException}. */
public enum StopReason {
    /** Full-batch GD: ‖∇‖ ≤ tol·‖∇₀‖. SGD variants: the epoch loss stopped improving. */
    CONVERGED,
    /** The maximum number of iterations (steps or epochs) was reached. */
    ITERATION_LIMIT,
    /** An {@link IterationListener} asked the fit to stop. */
    STOPPED_BY_LISTENER,
    /** A direct solver (normal equations, SVD) computed the solution. */
    DIRECT_SOLUTION
}
