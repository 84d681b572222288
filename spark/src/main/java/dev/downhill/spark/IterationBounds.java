package dev.downhill.spark;

import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;

/**
 * Spark's maxIter (≥ 0) and tol (≥ 0) as core's iteration limit (≥ 1) and tolerance (in [0, 1)), which have no value for
 * "no iteration" or "stop at once".
 *
 * <ul>
 *   <li>maxIter 0: an iterative solver returns its starting point, θ = 0 and b = ȳ (weighted; 0 without an intercept) —
 *       what Spark's l-bfgs returns at maxIter 0 — with 0 iterations, one loss in the history and the stop reason
 *       {@code ITERATION_LIMIT}. The direct solvers (normal without an l1 term, svd) have no iterations and answer as
 *       usual (Spark's normal solver refuses maxIter 0 instead).</li>
 *   <li>tol ≥ 1: the starting point meets the stopping rule already (the relative gradient norm there is 1; the relative
 *       duality gap at θ = 0 is at most 1/2), so an iterative solver returns it, stop reason {@code CONVERGED} — as
 *       Spark's l-bfgs stops at its start at a tol of 5. The direct solvers ignore tol.</li>
 *   <li>tol 0: passed on; an iterative solver runs to the iteration limit (its no-progress rule is off), cd also stops
 *       when a sweep moves no coefficient.</li>
 * </ul>
 * Core stops at the start through its listener, called at iteration 0 by every iterative solver (also by auto's cg
 * trial, which then is the answer) and never by a direct one; core's {@link FittedModel} then records
 * {@link StopReason#STOPPED_BY_LISTENER}, {@link #stopReason} says which of the two rules it was, and the estimator's
 * model is the starting point ({@link #stoppedAtStart}) — core's record restated to say the same
 * ({@code dev.downhill.internal.FrontEnds#restated}).
 */
final class IterationBounds {
    private final int maxIter;
    private final double tol;

    IterationBounds(int maxIter, double tol) {
        if (maxIter < 0 || !(tol >= 0)) {
            throw new IllegalArgumentException("maxIter " + maxIter + " and tol " + tol + ": both must be >= 0");
        }
        this.maxIter = maxIter;
        this.tol = tol;
    }

    /** Whether an iterative solver stops at its starting point (maxIter 0 or tol ≥ 1). */
    boolean stopsAtStart() {
        return maxIter == 0 || tol >= 1;
    }

    /** Core's iteration limit: maxIter, or 1 for maxIter 0 (the listener stops the fit before the first step). */
    long maxIterations() {
        return Math.max(1, maxIter);
    }

    /** Core's tolerance: tol, or the largest core accepts for tol ≥ 1 (the listener stops the fit before it is consulted). */
    double tolerance() {
        return Math.min(tol, Math.nextDown(1.0));
    }

    /** The listener that stops an iterative fit at iteration 0 when {@link #stopsAtStart()}, else one that never stops it. */
    IterationListener listener() {
        if (!stopsAtStart()) {
            return IterationListener.NONE;
        }
        return (iteration, loss, gradientNorm) -> iteration == 0 ? IterationListener.Control.STOP
                : IterationListener.Control.CONTINUE;
    }

    /**
     * Whether {@code fitted} is a fit this listener stopped at its start: its answer is the starting point θ = 0 (with
     * b = ȳ) — not core's coefficients where they differ, as a proximal solver's (gd, nesterov with an l1 term), which
     * answer with one proximal step from their last point.
     */
    boolean stoppedAtStart(FittedModel fitted) {
        return stopsAtStart() && fitted.stopReason() == StopReason.STOPPED_BY_LISTENER;
    }

    /** Why the fit ended, as the summary says it: core's reason, or the rule that stopped it at its start. */
    StopReason stopReason(FittedModel fitted) {
        if (stoppedAtStart(fitted)) {
            return maxIter == 0 ? StopReason.ITERATION_LIMIT : StopReason.CONVERGED;
        }
        return fitted.stopReason();
    }
}
