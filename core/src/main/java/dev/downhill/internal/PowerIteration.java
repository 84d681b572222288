package dev.downhill.internal;

import dev.downhill.spi.BackendVector;
import java.util.SplittableRandom;

/**
 * Estimates L, the largest eigenvalue of the MSE Hessian H = (2/m)X_cᵀX_c, by power iteration
 * through the fused gradient operator: v ← Hv/‖Hv‖, λ = vᵀHv for unit v. Runs at least
 * {@value #MIN_PASSES} passes (a start vector with little weight on the top eigenvector can stall
 * near the second eigenvalue for a while, e.g. on near-orthogonal designs), then stops when λ
 * changes by less than {@value #RELATIVE_CHANGE} relative, or after the given number of passes.
 * The estimate is a lower bound (Rayleigh quotient): the automatic step keeps a margin, and full-batch
 * GD halves an automatic step whose loss rises (see GradientDescentSolver).
 */
public final class PowerIteration {
    /** Relative change of the Rayleigh quotient treated as converged. */
    public static final double RELATIVE_CHANGE = 1e-3;
    /** Passes always made before the convergence test applies. */
    public static final int MIN_PASSES = 15;

    private PowerIteration() {
    }

    /** The estimate of L (≥ 0); 0 when H is zero (every column constant). */
    public static double largestEigenvalue(CentredObjective objective, int maxPasses, long seed) {
        int n = Math.toIntExact(objective.problem().cols());
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double[] start = new double[n];
        double norm = 0;
        for (int j = 0; j < n; j++) {
            start[j] = random.nextGaussian();
            norm += start[j] * start[j];
        }
        norm = Math.sqrt(norm);
        for (int j = 0; j < n; j++) {
            start[j] /= norm;
        }
        try (BackendVector a = objective.problem().allocateVector(n); BackendVector b = objective.problem().allocateVector(n)) {
            a.copyFromHost(start);
            BackendVector v = a;
            BackendVector w = b;
            double lambda = 0;
            for (int pass = 0; pass < maxPasses; pass++) {
                // 15–30 passes over X before the first iteration: an interrupt or a stop request ends them (on 400,000 ×
                // 100 they had delayed a fit's stop by ~0.9 s)
                dev.downhill.spi.Interrupts.stopIfInterrupted();
                objective.curvatureTimes(v, w);
                double next = objective.problem().dot(v, w);
                double ww = objective.problem().dot(w, w);
                if (ww == Double.POSITIVE_INFINITY && next < Double.POSITIVE_INFINITY) {
                    // ‖w‖² overflows where ‖w‖ does not (an l2 term of 1e160: its 1/‖w‖ became 0, w 0, and the step 1)
                    objective.problem().scale(0x1p-600, w);
                    ww = objective.problem().dot(w, w);
                }
                double wNorm = Math.sqrt(ww);
                if (!(wNorm > 0)) {
                    return Math.max(0, next);
                }
                objective.problem().scale(1 / wNorm, w);
                BackendVector t = v;
                v = w;
                w = t;
                boolean done = pass + 1 >= MIN_PASSES && Math.abs(next - lambda) <= RELATIVE_CHANGE * Math.abs(next);
                lambda = next;
                if (done) {
                    break;
                }
            }
            return Math.max(0, lambda);
        }
    }
}
