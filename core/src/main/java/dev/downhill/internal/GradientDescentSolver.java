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
 * With the automatic step, a loss that rises by more than 64 ulps of the working precision
 * halves η (for η &lt; 2/L the loss never rises), so an underestimated L cannot make it diverge.
 * Host↔device traffic per step: the scalars of the stopping rule and the intercept.
 */
public final class GradientDescentSolver {
    private GradientDescentSolver() {
    }

    public static IterativeResult fit(CentredObjective objective, FitConfig config) {
        int n = Math.toIntExact(objective.problem().cols());
        long m = objective.problem().rows();
        double eta = StepSize.resolve(config, objective, m);
        double tol = config.tolerance(objective.problem().precision());
        long maxSteps = config.maxIterations();
        IterationListener listener = config.listener();
        History losses = new History();
        History norms = new History();
        try (BackendVector theta = objective.problem().allocateVector(n);
             BackendVector gradient = objective.problem().allocateVector(n)) {
            theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
            double firstNorm = Double.NaN;
            DivergenceGuard guard = null;
            boolean automatic = config.learningRate().isAuto();
            double riseTolerance = 64 * Math.ulp(objective.problem().precision() == dev.downhill.Precision.FLOAT32 ? 1f : 1.0);
            double previousLoss = Double.POSITIVE_INFINITY;
            StopReason stop = StopReason.ITERATION_LIMIT;
            long step = 0;
            while (true) {
                ResidualSums sums = objective.gradient(theta, RowSlice.all(), gradient);
                double loss = sums.sumOfSquares() / m;
                double norm = objective.gradientNorm(gradient);
                losses.add(loss);
                norms.add(norm);
                if (guard == null) {
                    guard = new DivergenceGuard(loss, eta, automatic);
                    firstNorm = norm;
                }
                guard.check(step, loss, norm);
                if (automatic && step > 0 && loss > previousLoss * (1 + riseTolerance)) {
                    eta /= 2; // the power-iteration estimate was too low: GD with η < 2/L never raises the loss
                    guard = new DivergenceGuard(guard.initialLoss(), eta, true);
                }
                previousLoss = loss;
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
                objective.precondition(gradient);
                objective.problem().axpy(-eta, gradient, theta);
                step++;
            }
            double[] coefficients = theta.copyToHost();
            return new IterativeResult(coefficients, objective.interceptFor(coefficients), step, stop, losses.toArray(),
                    norms.toArray(), eta);
        }
    }
}
