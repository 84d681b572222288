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
 * says so, or when it can no longer make progress ({@link StopReason#NO_PROGRESS}, see {@link FullBatchProgress}).
 *
 * <p>With the automatic step, a loss that rises by more than its rounding error halves η (for η &lt; 2/L the
 * loss never rises), so an underestimated L cannot make it diverge. The rounding error is that of
 * {@link CentredObjective#lossRoundingError}, not a few ulps of the loss: the loss is a sum of squared
 * residuals each computed as xᵢᵀθ + b − yᵢ, so it carries an absolute error of about u·√loss·|ŷ| — relative
 * u·|ŷ|/rms(r), 1e-12 rather than 1e-14 when the fit is good and ŷ is far from 0. Judged by ulps, that noise
 * read as rises once f(θ) − f* fell to it, and η was halved again and again (Pontius-like quadratic: 27
 * halvings in 200 steps after step 1,400, η 0.23 → 1.7e-9, the fit stuck at 5.4 digits). Since f − f* is
 * quadratic in the error of θ, a loss-based rule resolves θ only to about √u; the gradient, which the stopping
 * rule uses, to about u·κ. Host↔device traffic per step: the scalars of the stopping rule and the intercept
 * (θ, only on a candidate rise).
 *
 * <p>With an l2 penalty the gradient gains λ∘θ and the loss the l2 term (the smooth objective F of
 * {@link CentredObjective}); an l1 term goes to {@link ProximalGradientSolver} instead.
 */
public final class GradientDescentSolver {
    /** The name of its checkpoint state. */
    public static final String NAME = "gd";

    private GradientDescentSolver() {
    }

    /**
     * Fits, saving the state at iteration boundaries through {@code checkpoint} and starting from its restored state when it
     * has one: θ, η (after any halvings), the previous loss, the step and {@link FullBatchProgress}'s bookkeeping.
     */
    public static IterativeResult fit(CentredObjective objective, FitConfig config, Checkpointer checkpoint) {
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long m = problem.rows();
        SolverState resume = checkpoint.take(NAME);
        double eta = resume != null ? resume.real("eta") : StepSize.resolve(config, objective, m);
        boolean automatic = config.learningRate().isAuto();
        FullBatchProgress progress = new FullBatchProgress(objective, config, config.tolerance(problem.precision()), eta, automatic);
        double riseTolerance = 64 * Math.ulp(problem.precision() == Precision.FLOAT32 ? 1f : 1.0);
        try (BackendVector theta = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            theta.copyFromHost(resume != null ? resume.vector("theta", n) : objective.startingPoint(config.initialCoefficients().values(n)));
            double previousLoss = Double.POSITIVE_INFINITY;
            StopReason stop;
            long step = 0;
            if (resume != null) {
                progress.restore(resume, eta);
                previousLoss = resume.real("previousLoss");
                step = resume.iteration();
            }
            while (true) {
                long k = step;
                double e = eta;
                double before = previousLoss;
                checkpoint.boundary(step, () -> {
                    SolverState.Builder s = SolverState.builder(NAME, k, false).put("theta", theta.copyToHost()).put("eta", e)
                            .put("previousLoss", before);
                    progress.capture(s);
                    return s.build();
                });
                ResidualSums sums = objective.gradient(theta, RowSlice.all(), gradient);
                double loss = sums.sumOfSquares() / objective.weightSum() + objective.addRidge(theta, gradient); // + the l2 term, if any
                stop = progress.record(step, loss, objective.gradientNorm(gradient), theta);
                if (stop != null) {
                    break;
                }
                if (automatic && step > 0 && loss > previousLoss * (1 + riseTolerance)
                        && loss - previousLoss > objective.lossRoundingError(theta, loss)) {
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
