package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * Preconditioned conjugate gradients on the normal equations of the (centred) least-squares problem,
 * H θ = c with H = (2/m)X_cᵀX_c — mathematically CGLS — preconditioned by P = S² (the column scales)
 * when standardized. Each iteration makes one fused pass (w = Hp), never forms XᵀX, and needs no
 * learning rate:
 * <pre>
 *   r = −∇f(θ), z = Pr, p = z
 *   α = rᵀz / pᵀHp;  θ += αp;  r −= αw;  z = Pr;  β = rᵀz(new)/rᵀz;  p = z + βp
 * </pre>
 * The loss follows f(θ + αp) = f(θ) − ½α·rᵀz; every {@value #REFRESH} iterations r and the loss are
 * recomputed from a true gradient pass (guarding against drift; when the recurred r was off by more than
 * {@value #DISAGREEMENT} of the true one, CG restarts from it, p = Pr), and so they are whenever the recurrence
 * says the fit has converged: the recurred r keeps shrinking below the rounding floor of the true gradient,
 * so only a true pass may end the fit (if it disagrees, CG restarts from it, p = Pr). The gradient norm is
 * √(rᵀz) = ‖S∇‖ (‖∇‖ unstandardized); stops when it is ≤ tol·(its first value), at the limit, when pᵀHp ≤ 0
 * (p in the null space: nothing left to gain — converged), or with {@link StopReason#NO_PROGRESS}.
 *
 * <p>With an l2 penalty the operator is the regularised H + diag(λ) ({@link CentredObjective#hessianTimes}) and
 * r = −(∇MSE + λ∘θ): cg solves (X_cᵀX_c + m·α(1−ρ)·P)θ = X_cᵀy_c, definite even when p &gt; n. The loss it reports is
 * then F = MSE + the l2 term. l1 is refused before cg starts.
 */
public final class ConjugateGradientSolver {
    /** Iterations between residual refreshes. */
    public static final int REFRESH = 50;
    /**
     * At a refresh, the largest ‖r_recurred − r_true‖/‖r_true‖ with which CG carries on; beyond it the recurrence had
     * drifted (near the rounding floor, in float32 above all), its β would mix the two residuals' scales and blow p up,
     * so CG restarts from the true residual (p = Pr).
     */
    static final double DISAGREEMENT = 0.1;

    /** The name of its checkpoint state. */
    public static final String NAME = "cg";

    private ConjugateGradientSolver() {
    }

    /**
     * Fits, saving the state at iteration boundaries through {@code checkpoint} and starting from its restored state when it
     * has one: θ, r, z, p, rᵀz, the loss and gradient norm of the coming record, the step and {@link FullBatchProgress}'s
     * bookkeeping.
     */
    public static IterativeResult fit(CentredObjective objective, FitConfig config, Checkpointer checkpoint) {
        SolverState resume = checkpoint.take(NAME);
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long m = problem.rows();
        FullBatchProgress progress = new FullBatchProgress(objective, config, config.tolerance(problem.precision()), Double.NaN, false);
        try (BackendVector theta = problem.allocateVector(n);
             BackendVector r = problem.allocateVector(n);
             BackendVector z = problem.allocateVector(n);
             BackendVector p = problem.allocateVector(n);
             BackendVector w = problem.allocateVector(n)) {
            double loss;
            double rz;
            double norm;
            long step = 0;
            if (resume != null) {
                theta.copyFromHost(resume.vector("theta", n));
                r.copyFromHost(resume.vector("r", n));
                z.copyFromHost(resume.vector("z", n));
                p.copyFromHost(resume.vector("p", n));
                rz = resume.real("rz");
                loss = resume.real("loss");
                norm = resume.real("norm");
                step = resume.iteration();
                progress.restore(resume, Double.NaN);
            } else {
                theta.copyFromHost(objective.startingPoint(config.initialCoefficients().values(n)));
                loss = residual(objective, theta, r);
                problem.copy(r, z);
                objective.precondition(z);
                problem.copy(z, p);
                rz = problem.dot(r, z);
                norm = Math.sqrt(Math.max(0, rz));
            }
            StopReason stop;
            while (true) {
                long k = step;
                double l = loss;
                double g = norm;
                double d = rz;
                checkpoint.boundary(step, () -> {
                    SolverState.Builder s = SolverState.builder(NAME, k, false).put("theta", theta.copyToHost())
                            .put("r", r.copyToHost()).put("z", z.copyToHost()).put("p", p.copyToHost())
                            .put("rz", d).put("loss", l).put("norm", g);
                    progress.capture(s);
                    return s.build();
                });
                stop = progress.record(step, loss, norm, theta);
                if (stop != null) {
                    break;
                }
                objective.hessianTimes(p, w);
                double curvature = problem.dot(p, w);
                if (!(curvature > 0)) {
                    stop = StopReason.CONVERGED;
                    break;
                }
                double alpha = rz / curvature;
                problem.axpy(alpha, p, theta);
                step++;
                boolean refreshed = step % REFRESH == 0;
                problem.axpy(-alpha, w, r);
                boolean restart = false;
                if (refreshed) { // the true −∇ replaces the recurred r; if they disagree grossly, p is stale too: restart
                    problem.copy(r, w); // w is free: the recurred r
                    loss = residual(objective, theta, r);
                    problem.axpy(-1, r, w);
                    restart = !(problem.dot(w, w) <= DISAGREEMENT * DISAGREEMENT * problem.dot(r, r));
                } else {
                    loss -= 0.5 * alpha * rz;
                }
                problem.copy(r, z);
                objective.precondition(z);
                double next = problem.dot(r, z);
                norm = Math.sqrt(Math.max(0, next));
                if (restart) {
                    rz = next;
                    problem.copy(z, p);
                    continue;
                }
                if (!refreshed && progress.wouldConverge(norm)) {
                    // the recurrence for r drifts from the true −∇ and keeps falling below the rounding floor of
                    // the true one: convergence is judged on a true gradient pass, and CG restarts from it if not
                    loss = residual(objective, theta, r);
                    problem.copy(r, z);
                    objective.precondition(z);
                    rz = problem.dot(r, z);
                    norm = Math.sqrt(Math.max(0, rz));
                    problem.copy(z, p);
                    continue;
                }
                double beta = next / rz;
                rz = next;
                problem.scale(beta, p);
                problem.axpy(1, z, p);
            }
            double[] coefficients = theta.copyToHost();
            return progress.result(coefficients, objective.interceptFor(coefficients), step, stop, Double.NaN);
        }
    }

    /** r = −∇f(θ) from one fused pass; returns the loss f(θ) (with an l2 penalty: F, the MSE plus the l2 term). Writes r. */
    private static double residual(CentredObjective objective, BackendVector theta, BackendVector r) {
        ResidualSums sums = objective.gradient(theta, RowSlice.all(), r);
        double ridge = objective.addRidge(theta, r);
        objective.problem().scale(-1, r);
        return sums.sumOfSquares() / objective.weightSum() + ridge;
    }
}
