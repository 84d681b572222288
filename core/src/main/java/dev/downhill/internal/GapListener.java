package dev.downhill.internal;

import dev.downhill.IterationListener;

/**
 * An {@link IterationListener} that also sees the relative duality gap the proximal solvers (ista, FISTA: gd and
 * nesterov with an l1 term, {@link ProximalGradientSolver}) compute at each iteration — what their stopping rule tests.
 * Internal: {@link dev.downhill.Solver#AUTO}'s nesterov trial before cd ({@link TrialBudget#onDualityGap}) judges its
 * progress by it. {@link CentredObjective#userListener} keeps the type (the gap has no units to map).
 */
public interface GapListener extends IterationListener {
    /**
     * Called after {@link #onIteration} for the same iteration, unless the fit stops there (its gap met, its limit
     * reached or {@code onIteration} said {@link Control#STOP}).
     *
     * @param iteration   the iteration {@code onIteration} was given
     * @param relativeGap the relative duality gap at that iteration's point (≥ 0, as the solver's stopping rule reads it)
     * @return {@link Control#STOP} to end the fit with {@link dev.downhill.StopReason#STOPPED_BY_LISTENER}
     */
    Control onGap(long iteration, double relativeGap);
}
