package dev.downhill.internal;

import dev.downhill.FitConfig;
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
 * standardized norm when standardized) are those at yₖ, and the answer is the last yₖ. With an l2 penalty f is the
 * smooth objective F of {@link CentredObjective} (gradient + λ∘θ); an l1 term goes to {@link ProximalGradientSolver}.
 */
public final class NesterovSolver {
    /** The name of its checkpoint state. */
    public static final String NAME = "nesterov";

    private NesterovSolver() {
    }

    /**
     * Fits, saving the state at iteration boundaries through {@code checkpoint} and starting from its restored state when it
     * has one: θₖ, yₖ, the momentum count, η, the step and {@link FullBatchProgress}'s bookkeeping.
     */
    public static IterativeResult fit(CentredObjective objective, FitConfig config, Checkpointer checkpoint) {
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long m = problem.rows();
        SolverState resume = checkpoint.take(NAME);
        double eta = resume != null ? resume.real("eta") : StepSize.resolve(config, objective, m);
        FullBatchProgress progress = new FullBatchProgress(objective, config, config.tolerance(problem.precision()), eta,
                config.learningRate().isAuto());
        try (BackendVector theta = problem.allocateVector(n);
             BackendVector previous = problem.allocateVector(n);
             BackendVector y = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            StopReason stop;
            long step = 0;
            long momentum = 0;
            if (resume != null) {
                theta.copyFromHost(resume.vector("theta", n));
                y.copyFromHost(resume.vector("y", n));
                momentum = resume.integer("momentum");
                step = resume.iteration();
                progress.restore(resume, eta);
            } else {
                theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
                problem.copy(theta, y);
            }
            while (true) {
                long k = step;
                long mom = momentum;
                checkpoint.boundary(step, () -> {
                    SolverState.Builder s = SolverState.builder(NAME, k, false).put("theta", theta.copyToHost())
                            .put("y", y.copyToHost()).put("momentum", mom).put("eta", eta);
                    progress.capture(s);
                    return s.build();
                });
                ResidualSums sums = objective.gradient(y, RowSlice.all(), gradient);
                double ridge = objective.addRidge(y, gradient); // the l2 term of F and its gradient, if any
                double norm = objective.gradientNorm(gradient);
                stop = progress.record(step, sums.sumOfSquares() / objective.weightSum() + ridge, norm, y);
                if (stop != null) {
                    break;
                }
                // ∇ᵀ(θₖ₊₁ − θₖ) = ∇ᵀ(y − θ) − η∇ᵀP∇, and ∇ᵀP∇ = ‖S∇‖² = norm² (‖∇‖² unstandardized)
                problem.copy(y, previous); // previous ← y − θ (free here): one dot, no cancellation of two large ones
                problem.axpy(-1, theta, previous);
                double towardsY = problem.dot(gradient, previous);
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
            return progress.result(coefficients, objective.interceptFor(coefficients), step, stop, eta);
        }
    }
}
