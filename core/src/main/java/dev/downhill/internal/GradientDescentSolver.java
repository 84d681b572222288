package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * Full-batch gradient descent: θ ← θ − η·(2/m)X_cᵀr, one fused pass over X per step.
 * Stops when ‖∇‖ ≤ tol·‖∇₀‖ (converged), at the step limit, or when the listener says so.
 * Host↔device traffic per step: the scalars of the stopping rule and the intercept.
 */
public final class GradientDescentSolver {
    private GradientDescentSolver() {
    }

    public static IterativeResult fit(CentredObjective objective, FitConfig config) {
        int n = Math.toIntExact(objective.problem().cols());
        long m = objective.problem().rows();
        double eta = StepSize.resolve(config, objective, m);
        double tol = config.tolerance();
        long maxSteps = config.maxIterations();
        IterationListener listener = config.listener();
        History losses = new History();
        History norms = new History();
        try (BackendVector theta = objective.problem().allocateVector(n);
             BackendVector gradient = objective.problem().allocateVector(n)) {
            theta.copyFromHost(config.initialCoefficients().values(n));
            double firstNorm = Double.NaN;
            DivergenceGuard guard = null;
            StopReason stop = StopReason.ITERATION_LIMIT;
            long step = 0;
            while (true) {
                ResidualSums sums = objective.gradient(theta, RowSlice.all(), gradient);
                double loss = sums.sumOfSquares() / m;
                double norm = Math.sqrt(objective.problem().dot(gradient, gradient));
                losses.add(loss);
                norms.add(norm);
                if (guard == null) {
                    guard = new DivergenceGuard(loss, eta);
                    firstNorm = norm;
                }
                guard.check(step, loss, norm);
                if (listener.onIteration(step, loss, norm) == IterationListener.Control.STOP) {
                    stop = StopReason.STOPPED_BY_LISTENER;
                    break;
                }
                if (norm <= tol * firstNorm) {
                    stop = StopReason.CONVERGED;
                    break;
                }
                if (step == maxSteps) {
                    break;
                }
                objective.problem().axpy(-eta, gradient, theta);
                step++;
            }
            double b = objective.interceptFor(theta);
            return new IterativeResult(theta.copyToHost(), b, step, stop, losses.toArray(), norms.toArray(), eta);
        }
    }
}
