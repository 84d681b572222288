package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;

/**
 * The bookkeeping every full-batch solver (GD, Nesterov, CG) does once per iteration, in one place:
 * record loss and gradient norm, check for divergence, call the listener, and apply the stopping
 * rule ‖∇ₖ‖ ≤ tol·‖∇₀‖ and the iteration limit — in that order.
 */
final class FullBatchProgress {
    private final IterationListener listener;
    private final double tolerance;
    private final long maxIterations;
    private final boolean automaticStep;
    private final History losses = new History();
    private final History norms = new History();
    private double learningRate;
    private DivergenceGuard guard;
    private double firstNorm = Double.NaN;

    /** @param learningRate the step for divergence messages (NaN for solvers without one) */
    FullBatchProgress(FitConfig config, double tolerance, double learningRate, boolean automaticStep) {
        this.listener = config.listener();
        this.tolerance = tolerance;
        this.maxIterations = config.maxIterations();
        this.learningRate = learningRate;
        this.automaticStep = automaticStep;
    }

    /**
     * Records iteration k (its loss and gradient norm) and says whether to stop now: the reason, or
     * null to take another step. Throws {@link dev.downhill.DivergenceException} on divergence.
     */
    StopReason record(long k, double loss, double norm) {
        losses.add(loss);
        norms.add(norm);
        if (guard == null) {
            guard = new DivergenceGuard(loss, learningRate, automaticStep);
            firstNorm = norm;
        }
        guard.check(k, loss, norm);
        if (listener.onIteration(k, loss, norm) == IterationListener.Control.STOP) {
            return StopReason.STOPPED_BY_LISTENER;
        }
        if (norm <= tolerance * firstNorm) {
            return StopReason.CONVERGED;
        }
        if (k == maxIterations) {
            return StopReason.ITERATION_LIMIT;
        }
        return null;
    }

    /** The step changed (GD's automatic-step halving): later divergence messages name the new one. */
    void learningRateChanged(double eta) {
        learningRate = eta;
        if (guard != null) {
            guard = new DivergenceGuard(guard.initialLoss(), eta, automaticStep);
        }
    }

    /** The result, with the histories recorded so far. */
    IterativeResult result(double[] coefficients, double intercept, long iterations, StopReason stop, double eta) {
        return new IterativeResult(coefficients, intercept, iterations, stop, losses.toArray(), norms.toArray(), eta);
    }
}
