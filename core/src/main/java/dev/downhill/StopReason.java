package dev.downhill;

/** Why a fit ended. Divergence is never a stop reason: it is a {@link DivergenceException}. */
public enum StopReason {
    /**
     * Full-batch GD: ‖∇‖ ≤ tol·‖∇₀‖ — which bounds the coefficients' error only through the Hessian's smallest
     * eigenvalue, ‖θ − θ*‖ ≤ ‖∇‖/λ_min (in the standardized coordinates when standardized): on ill-conditioned data
     * a converged fit can be far from the minimiser, which an a-posteriori check warns about where it is affordable
     * ({@link LinearRegression#ACCURACY_LOGGER}). SGD variants: the epoch loss (the held-out rows' MSE with
     * {@link FitConfig#validationFraction()}) stopped improving for {@link FitConfig#patience()} epochs, or under
     * {@link LearningRateSchedule#adaptive()} η would have fallen below its floor.
     */
    CONVERGED,
    /** The maximum number of iterations (steps or epochs) was reached. */
    ITERATION_LIMIT,
    /** An {@link IterationListener} asked the fit to stop. */
    STOPPED_BY_LISTENER,
    /** A direct solver (normal equations, SVD) computed the solution. */
    DIRECT_SOLUTION,
    /**
     * Full-batch solvers (GD, Nesterov, CG) with a tolerance &gt; 0: the fit can no longer make progress in
     * this precision — over the last max({@value #NO_PROGRESS_MIN_WINDOW}, k/{@value #NO_PROGRESS_WINDOW_DIVISOR})
     * of its k iterations neither did the gradient norm fall by {@value #NO_PROGRESS_NORM_DROP} of its best
     * value nor did the loss fall by more than its own rounding error — before reaching ‖∇‖ ≤ tol·‖∇₀‖.
     * Either the tolerance is below the rounding floor of the gradient, or the solver still moves, too slowly
     * for the loss to resolve it: gd and nesterov on ill-conditioned data shrink the error along the Hessian's
     * smallest eigenvector by about 1 − λ_min/λ_max per step (a reviewer's 2,000 × 10 with κ(H) = 4e10: the loss
     * fell 4e-12 per 100 steps against a rounding error of 8e-11, and θ₀ stayed at 0.748 against −3,091.7). The
     * coefficients are then not necessarily accurate; the model is returned as usual, and where it is affordable
     * an a-posteriori check warns when the gradient does not bound their error
     * ({@link LinearRegression#ACCURACY_LOGGER}).
     */
    NO_PROGRESS,
    /**
     * Full-batch proximal solvers (gd, nesterov) and cd with an l1 penalty: the relative duality gap fell to the tolerance,
     * G(θ)·m/‖y_c‖² ≤ tol with G the gap of {@link Penalty}'s objective (scikit-learn's test: gap ≤ tol·‖y‖² in its
     * unnormalised units), which bounds how far the objective is from its minimum.
     */
    DUALITY_GAP;

    /** The shortest window of iterations without progress after which a full-batch fit stops with {@link #NO_PROGRESS}. */
    public static final int NO_PROGRESS_MIN_WINDOW = 100;
    /** The window grows with the fit: k/this after k iterations (a tenth of the work done so far). */
    public static final int NO_PROGRESS_WINDOW_DIVISOR = 10;
    /** The relative fall of the best gradient norm that counts as progress. */
    public static final double NO_PROGRESS_NORM_DROP = 1e-3;
}
