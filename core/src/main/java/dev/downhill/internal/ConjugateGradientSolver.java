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
 * √(rᵀz) = ‖S∇‖ (‖∇‖ unstandardized); stops when it is ≤ tol·(its first value), at the limit, or with
 * {@link StopReason#NO_PROGRESS} — also when pᵀHp ≤ 0 along the preconditioned true −∇ (with tolerance 0 it then
 * runs out the limit, θ unchanged); a pᵀHp ≤ 0 on the recurrence (float32's recurred r falls to subnormals) is first
 * checked on a true gradient pass, from which CG restarts. Every stop's last history entry is the true gradient
 * norm (and loss) of the θ and b returned, from a true pass when the last record was a recurred one; with tolerance 0
 * nothing but a true gradient of exactly 0 stops it before the limit.
 *
 * <p>Work vectors, four of length n on the backend: θ, r, p and w. w holds Hp during a step and, from the update of r
 * to the next Hp, z = Pr (z is only read in between: rᵀz, p = z + βp, a restart's p = z), so z needs no vector of its
 * own; a checkpoint saves z made again in w (P is elementwise: the same bits).
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
             BackendVector p = problem.allocateVector(n);
             BackendVector w = problem.allocateVector(n)) {
            BackendVector z = w; // z = Pr lives in w between the update of r and the next w = Hp (the class Javadoc)
            double loss;
            double rz;
            double norm;
            long step = 0;
            if (resume != null) {
                theta.copyFromHost(resume.vector("theta", n));
                r.copyFromHost(resume.vector("r", n));
                p.copyFromHost(resume.vector("p", n)); // z: saved as Pr, read by nothing before the next Hp
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
            // whether r, z, rz, loss and norm come from a true gradient pass at θ (not from the recurrence); saved in a
            // checkpoint, since it decides whether the loss may become the no-progress rule's best (a checkpoint without
            // it, from before, resumes as recurred)
            boolean exact = resume == null || resume.has("exact") && resume.integer("exact") != 0;
            // whether this iteration's record was made already (a true pass replaced the recurred r at the same θ)
            boolean recorded = false;
            StopReason stop = null;
            while (true) {
                if (!recorded) {
                    long k = step;
                    double l = loss;
                    double g = norm;
                    double d = rz;
                    boolean e = exact;
                    checkpoint.boundary(step, () -> {
                        problem.copy(r, z); // z = Pr again, in w (free until the next Hp): the bits it had
                        objective.precondition(z);
                        SolverState.Builder s = SolverState.builder(NAME, k, false).put("theta", theta.copyToHost())
                                .put("r", r.copyToHost()).put("z", z.copyToHost()).put("p", p.copyToHost())
                                .put("rz", d).put("loss", l).put("norm", g).put("exact", e ? 1L : 0L);
                        progress.capture(s);
                        return s.build();
                    });
                    stop = progress.record(step, loss, norm, theta, exact);
                    if (stop != null) {
                        if (!exact) {
                            // every stop records the true gradient norm of the θ returned, never the recurred one (in
                            // float32 it fell to 1e-44 against a true 2e-6)
                            loss = trueResidual(objective, theta, r, z);
                            rz = problem.dot(r, z);
                            norm = Math.sqrt(Math.max(0, rz));
                            progress.amendLast(loss, norm);
                            if (stop != StopReason.STOPPED_BY_LISTENER && progress.wouldConverge(norm)) {
                                stop = StopReason.CONVERGED;
                            }
                        }
                        break;
                    }
                }
                recorded = false;
                objective.hessianTimes(p, w);
                double curvature = problem.dot(p, w);
                if (!(curvature > 0)) {
                    // pᵀHp ≤ 0: on the recurrence, p has underflowed or drifted (float32's r fell to subnormals,
                    // pᵀHp to 0): judge on a true gradient pass at the same θ, which replaces this iteration's record
                    if (!exact) {
                        loss = trueResidual(objective, theta, r, z);
                        rz = problem.dot(r, z);
                        norm = Math.sqrt(Math.max(0, rz));
                        problem.copy(z, p);
                        exact = true;
                        progress.amendLast(loss, norm);
                        if (progress.wouldConverge(norm)) {
                            stop = StopReason.CONVERGED;
                            break;
                        }
                        recorded = true;
                        continue;
                    }
                    // no curvature along the preconditioned true −∇ (exactly: only when it is 0, which the stopping
                    // rule caught above): the precision allows no step. With tolerance 0 the fit still runs to its
                    // limit (θ does not move), as the README promises; otherwise it makes no progress.
                    if (progress.toleranceIsZero()) {
                        while (stop == null) {
                            step++;
                            stop = progress.record(step, loss, norm, theta);
                        }
                    } else {
                        stop = StopReason.NO_PROGRESS;
                    }
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
                exact = refreshed;
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
                    // the true one (with tolerance 0, to exactly 0 in float32): convergence is judged on a true
                    // gradient pass, and CG restarts from it if not
                    loss = trueResidual(objective, theta, r, z);
                    rz = problem.dot(r, z);
                    norm = Math.sqrt(Math.max(0, rz));
                    problem.copy(z, p);
                    exact = true;
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

    /** {@link #residual} and z = Pr; returns the loss. */
    private static double trueResidual(CentredObjective objective, BackendVector theta, BackendVector r, BackendVector z) {
        double loss = residual(objective, theta, r);
        objective.problem().copy(r, z);
        objective.precondition(z);
        return loss;
    }

    /** r = −∇f(θ) from one fused pass; returns the loss f(θ) (with an l2 penalty: F, the MSE plus the l2 term). Writes r. */
    private static double residual(CentredObjective objective, BackendVector theta, BackendVector r) {
        ResidualSums sums = objective.gradient(theta, RowSlice.all(), r);
        double ridge = objective.addRidge(theta, r);
        objective.problem().scale(-1, r);
        return sums.sumOfSquares() / objective.weightSum() + ridge;
    }
}
