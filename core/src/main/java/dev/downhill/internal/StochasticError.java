package dev.downhill.internal;

import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.util.Optional;

/**
 * The relative error of a stochastic fit's coefficients (sgd, minibatch), estimated from one full gradient at them: for
 * the quadratic objective the gradient in the standardized coordinates β (β = S⁻¹θ, S the fit's column scaling) is
 * g = H(β − β*) exactly, so the error is the step e = H⁻¹g and
 * <pre>
 *   error = ‖e‖ / ‖β − e‖      (relative to the least-squares β* = β − e)
 * </pre>
 * With X's exact Gram matrix ({@link SketchedCondition.Hessian#exact}) e = Ĥ⁻¹g to rounding. With a sketched Ĥ, Ĥ⁻¹g
 * overstates e by the sketch's spread (3–30× measured on 100–200 columns, correlated or not; a rare column's sampled rows
 * can make it understate too), so e is then refined by
 * conjugate gradients on the exact H preconditioned by Ĥ (κ(Ĥ⁻¹H) ≲ 34: the error falls ~0.7× per step), one Hessian
 * pass over X per step ({@link CentredObjective#hessianTimes}), until a step moves e by at most {@value #SETTLED} of
 * ‖e‖; when the pass budget is spent first, no estimate is made. Host vectors of n; two backend vectors of n.
 */
final class StochasticError {
    /** The refinement has settled when a step moves e by at most this fraction of ‖e‖ (lowerBound: the bound by this). */
    static final double SETTLED = 0.03;

    private StochasticError() {
    }

    /**
     * The relative error of {@code theta} (user units), a fit on {@code objective}'s problem (made without internal
     * rescaling), with {@code hessian} Ĥ from {@link SketchedCondition#hessian}; at most {@code passes} Hessian passes
     * refine a sketched estimate (a sketch that sampled a rare column's few rows may understate as well as overstate: every
     * sketched estimate is refined). Empty when the refinement did not settle within the passes (no claim is made), when Ĥ is not positive definite or the estimate is not finite (β* = 0).
     */
    static Optional<Double> of(CentredObjective objective, SketchedCondition.Hessian hessian, double[] theta,
                               double[] squaredScales, int passes) {
        int n = theta.length;
        double[] scales = scales(squaredScales);
        ResidentProblem problem = objective.problem();
        try (BackendVector v = problem.allocateVector(n); BackendVector out = problem.allocateVector(n)) {
            double[] g = standardizedGradient(objective, theta, scales, v, out);
            double[] beta = AccuracyWarning.standardized(theta, squaredScales);
            double[] e = hessian.solve(g);
            if (e == null) {
                return Optional.empty();
            }
            double estimate = relative(e, beta);
            if (!hessian.exact()) {
                estimate = refine(objective, hessian, g, e, beta, scales, v, out, passes);
            }
            return Double.isFinite(estimate) ? Optional.of(estimate) : Optional.empty();
        }
    }

    /**
     * Preconditioned conjugate gradients on H_β e = g from {@code e} = Ĥ⁻¹g (updated in place), H_β p = S·H(S·p) by a pass
     * of {@code objective} through the backend vectors {@code v} and {@code out}: the estimate ‖e‖/‖β − e‖ once a step
     * moves e by at most {@value #SETTLED} of ‖e‖ (or the residual vanishes); NaN when the passes run out first.
     */
    private static double refine(CentredObjective objective, SketchedCondition.Hessian hessian, double[] g, double[] e,
                                 double[] beta, double[] scales, BackendVector v, BackendVector out, int passes) {
        double[] r = subtract(g, times(objective, e, scales, v, out));
        double[] z = hessian.solve(r);
        double[] p = z.clone();
        double rz = dot(r, z);
        for (int step = 1; step < passes; step++) {
            if (!(rz > 0)) {
                return relative(e, beta); // the residual is 0 in Ĥ⁻¹'s norm: e solves the system
            }
            double[] w = times(objective, p, scales, v, out);
            double curvature = dot(p, w);
            if (!(curvature > 0)) {
                return Double.NaN; // p in H's null space to rounding (its columns dependent): no claim
            }
            double alpha = rz / curvature;
            for (int j = 0; j < e.length; j++) {
                e[j] += alpha * p[j];
                r[j] -= alpha * w[j];
            }
            if (Math.abs(alpha) * AccuracyWarning.norm(p) <= SETTLED * AccuracyWarning.norm(e)) {
                return relative(e, beta); // settled: the step moved e by at most 1 % of it
            }
            z = hessian.solve(r);
            double rzNext = dot(r, z);
            double ratio = rzNext / rz;
            rz = rzNext;
            for (int j = 0; j < p.length; j++) {
                p[j] = z[j] + ratio * p[j];
            }
        }
        return Double.NaN; // not settled within the passes: no claim
    }

    /**
     * A lower bound on the relative error of {@code theta} where no Ĥ is affordable (wide X; the n × n matrix and its
     * factor are what cost): conjugate gradients on H_β e = g from 0, one Hessian pass per step, at most {@code passes}.
     * CG's iterates from 0 grow in norm, ‖e₁‖ ≤ ‖e₂‖ ≤ … ≤ ‖e‖ (Hestenes and Stiefel), so with the triangle inequality
     * ‖β − e‖ ≤ ‖β‖ + ‖e‖ and x/(‖β‖ + x) increasing,
     * <pre>
     *   ‖eₖ‖/(‖β‖ + ‖eₖ‖) ≤ ‖e‖/(‖β‖ + ‖e‖) ≤ ‖e‖/‖β*‖
     * </pre>
     * whatever the number of steps: an answer warned about on it is at least that far off. Stops when a step raises the
     * bound by less than {@value #SETTLED} of it. Empty when the bound is 0 or not finite (g = 0, β = 0).
     */
    static Optional<Double> lowerBound(CentredObjective objective, double[] theta, double[] squaredScales, int passes) {
        int n = theta.length;
        double[] scales = scales(squaredScales);
        ResidentProblem problem = objective.problem();
        try (BackendVector v = problem.allocateVector(n); BackendVector out = problem.allocateVector(n)) {
            double[] r = standardizedGradient(objective, theta, scales, v, out);
            double size = AccuracyWarning.norm(AccuracyWarning.standardized(theta, squaredScales));
            double[] e = new double[n];
            double[] p = r.clone();
            double rr = dot(r, r);
            double bound = 0;
            for (int step = 0; step < passes && rr > 0; step++) {
                double[] w = times(objective, p, scales, v, out);
                double curvature = dot(p, w);
                if (!(curvature > 0)) {
                    break;
                }
                double alpha = rr / curvature;
                for (int j = 0; j < n; j++) {
                    e[j] += alpha * p[j];
                    r[j] -= alpha * w[j];
                }
                double length = AccuracyWarning.norm(e);
                double next = length / (size + length);
                boolean settled = next - bound <= SETTLED * next;
                bound = Math.max(bound, next);
                if (settled) {
                    break;
                }
                double rrNext = dot(r, r);
                double ratio = rrNext / rr;
                rr = rrNext;
                for (int j = 0; j < n; j++) {
                    p[j] = r[j] + ratio * p[j];
                }
            }
            return bound > 0 && Double.isFinite(bound) ? Optional.of(bound) : Optional.empty();
        }
    }

    /** S = √(S²) per column (0 for a constant column). */
    private static double[] scales(double[] squaredScales) {
        double[] scales = new double[squaredScales.length];
        for (int j = 0; j < scales.length; j++) {
            scales[j] = Math.sqrt(squaredScales[j]);
        }
        return scales;
    }

    /**
     * g_β = S·(∇f(θ) + λ∘θ) at the user's θ, by one gradient pass of {@code objective} through the backend vectors
     * {@code v} (θ) and {@code out} (the gradient): the gradient in the standardized coordinates β.
     */
    private static double[] standardizedGradient(CentredObjective objective, double[] theta, double[] scales, BackendVector v,
                                                 BackendVector out) {
        v.copyFromHost(objective.startingPoint(theta));
        objective.gradient(v, RowSlice.all(), out);
        objective.addRidge(v, out);
        return scaled(out.copyToHost(), scales);
    }

    /** S·H(S·p): H_β times {@code p}, one Hessian pass of {@code objective}. */
    private static double[] times(CentredObjective objective, double[] p, double[] scales, BackendVector v,
                                  BackendVector out) {
        v.copyFromHost(scaled(p.clone(), scales));
        objective.hessianTimes(v, out);
        return scaled(out.copyToHost(), scales);
    }

    /** ‖e‖/‖β − e‖. */
    private static double relative(double[] e, double[] beta) {
        return AccuracyWarning.norm(e) / AccuracyWarning.norm(subtract(beta, e));
    }

    /** {@code v} ∘ {@code scales}, in place. */
    private static double[] scaled(double[] v, double[] scales) {
        for (int j = 0; j < v.length; j++) {
            v[j] *= scales[j];
        }
        return v;
    }

    private static double[] subtract(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int j = 0; j < a.length; j++) {
            d[j] = a[j] - b[j];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
