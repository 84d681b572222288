package dev.downhill;

/**
 * Called once per iteration of an iterative solver (after each full-batch step's gradient, at the end of each SGD
 * epoch, after each cd sweep; first at the starting point), on the thread that runs {@code fit}; the direct solvers
 * (normal, svd) never call it. {@link CrossValidation} calls it for every fit of every path, its folds' paths possibly
 * from its worker threads, but never from two threads at once.
 */
@FunctionalInterface
public interface IterationListener {

    /** What the fit should do after the listener returns. */
    enum Control {
        /** Go on with the fit. */
        CONTINUE,
        /** End the fit now, with {@link StopReason#STOPPED_BY_LISTENER}; the model is returned as usual. */
        STOP
    }

    /**
     * Reports one iteration and says whether the fit goes on.
     *
     * @param iteration    0 for the starting point; then the number of steps (GD), epochs (SGD variants) or sweeps (cd)
     *                     done
     * @param loss         the value {@link FittedModel#lossHistory()} records for this iteration: MSE (1/m)‖r‖² at the
     *                     current coefficients (weighted data: Σwᵢrᵢ²/Σw), plus 2·penalty with a {@link Penalty} (twice
     *                     its objective, what the solver minimises); SGD variants: mean of the epoch's batch losses
     * @param gradientNorm the gradient's norm in the solver's coordinates, ‖S∇θ‖ with S the column scaling of
     *                     standardization (the identity without it; the README's "Standardization"), as
     *                     {@link FittedModel#gradientNormHistory()} records it (full-batch solvers; with an l1 term the
     *                     norm of the minimum-norm subgradient); for SGD variants the norm of the epoch's last mini-batch
     *                     gradient
     * @return {@link Control#STOP} to end the fit now with {@link StopReason#STOPPED_BY_LISTENER}; {@link Control#CONTINUE}
     *         (or null, read as CONTINUE) to go on
     */
    Control onIteration(long iteration, double loss, double gradientNorm);

    /** A listener that never stops the fit. */
    IterationListener NONE = (i, l, g) -> Control.CONTINUE;
}
