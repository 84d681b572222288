package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * Nesterov-accelerated gradient descent with gradient-based adaptive restart (O'Donoghue &amp; Candès,
 * "Adaptive restart for accelerated gradient schemes", 2015):
 * <pre>
 *   θₖ₊₁ = yₖ − η·P∇f(yₖ)                      (P = S² when standardized, else I)
 *   restart (k ← 0) when ∇f(yₖ)ᵀ(θₖ₊₁ − θₖ) &gt; 0, else k ← k + 1
 *   yₖ₊₁ = θₖ₊₁ + k/(k+3)·(θₖ₊₁ − θₖ)
 * </pre>
 * One fused pass per step, at yₖ; the loss, gradient norm and stopping rule (‖∇‖ ≤ tol·‖∇₀‖, in the
 * standardized norm when standardized) are those at yₖ, and the answer is the last yₖ.
 */
public final class NesterovSolver {
    private NesterovSolver() {
    }

    public static IterativeResult fit(CentredObjective objective, FitConfig config) {
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long m = problem.rows();
        double eta = StepSize.resolve(config, objective, m);
        double tol = config.tolerance(objective.problem().precision());
        IterationListener listener = config.listener();
        History losses = new History();
        History norms = new History();
        try (BackendVector theta = problem.allocateVector(n);
             BackendVector previous = problem.allocateVector(n);
             BackendVector y = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
            problem.copy(theta, y);
            DivergenceGuard guard = null;
            double firstNorm = Double.NaN;
            StopReason stop = StopReason.ITERATION_LIMIT;
            long step = 0;
            long momentum = 0;
            while (true) {
                ResidualSums sums = objective.gradient(y, RowSlice.all(), gradient);
                double loss = sums.sumOfSquares() / m;
                double norm = objective.gradientNorm(gradient);
                losses.add(loss);
                norms.add(norm);
                if (guard == null) {
                    guard = new DivergenceGuard(loss, eta, config.learningRate().isAuto());
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
                if (step == config.maxIterations()) {
                    break;
                }
                // ∇ᵀ(θₖ₊₁ − θₖ) = ∇ᵀ(y − θ) − η∇ᵀP∇, and ∇ᵀP∇ = ‖S∇‖² = norm² (‖∇‖² unstandardized)
                double towardsY = problem.dot(gradient, y) - problem.dot(gradient, theta);
                boolean restart = towardsY - eta * norm * norm > 0;
                objective.precondition(gradient);
                problem.copy(theta, previous);
                problem.copy(y, theta);
                problem.axpy(-eta, gradient, theta);
                momentum = restart ? 0 : momentum + 1;
                double mu = momentum / (momentum + 3.0);
                problem.copy(theta, y);
                if (mu > 0) {
                    problem.scale(1 + mu, y);
                    problem.axpy(-mu, previous, y);
                }
                step++;
            }
            double[] coefficients = y.copyToHost();
            return new IterativeResult(coefficients, objective.interceptFor(coefficients), step, stop, losses.toArray(),
                    norms.toArray(), eta);
        }
    }
}
