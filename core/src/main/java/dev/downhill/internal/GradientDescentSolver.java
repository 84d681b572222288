package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.Precision;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * Full-batch gradient descent: θ ← θ − η·P(2/m)X_cᵀr (P = S² when standardized), one fused pass
 * over X per step. Stops when ‖∇‖ ≤ tol·‖∇₀‖ (converged), at the step limit, or when the listener
 * says so. With the automatic step, a loss that rises by more than 64 ulps of the working precision
 * halves η (for η &lt; 2/L the loss never rises), so an underestimated L cannot make it diverge.
 * Host↔device traffic per step: the scalars of the stopping rule and the intercept.
 */
public final class GradientDescentSolver {
    private GradientDescentSolver() {
    }

    public static IterativeResult fit(CentredObjective objective, FitConfig config) {
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long m = problem.rows();
        double eta = StepSize.resolve(config, objective, m);
        boolean automatic = config.learningRate().isAuto();
        FullBatchProgress progress = new FullBatchProgress(config, config.tolerance(problem.precision()), eta, automatic);
        double riseTolerance = 64 * Math.ulp(problem.precision() == Precision.FLOAT32 ? 1f : 1.0);
        try (BackendVector theta = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
            double previousLoss = Double.POSITIVE_INFINITY;
            StopReason stop;
            long step = 0;
            while (true) {
                ResidualSums sums = objective.gradient(theta, RowSlice.all(), gradient);
                double loss = sums.sumOfSquares() / m;
                stop = progress.record(step, loss, objective.gradientNorm(gradient));
                if (stop != null) {
                    break;
                }
                if (automatic && step > 0 && loss > previousLoss * (1 + riseTolerance)) {
                    eta /= 2; // the power-iteration estimate was too low: GD with η < 2/L never raises the loss
                    progress.learningRateChanged(eta);
                }
                previousLoss = loss;
                objective.precondition(gradient);
                problem.axpy(-eta, gradient, theta);
                step++;
            }
            double[] coefficients = theta.copyToHost();
            return progress.result(coefficients, objective.interceptFor(coefficients), step, stop, eta);
        }
    }
}
