package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;

/**
 * Proximal gradient descent for a penalty with an l1 term (lasso, elastic net): ISTA for {@code gd}, FISTA with
 * gradient-based adaptive restart (O'Donoghue &amp; Candès 2015, the scheme of {@link NesterovSolver}) for
 * {@code nesterov}. With F = f + Σκⱼ|θⱼ| ({@link CentredObjective}; f the MSE plus the l2 term) and P = S² when
 * standardized:
 * <pre>
 *   θₖ₊₁ = soft(yₖ − η·P∇f(yₖ), η·κ∘P)                       (one fused pass at yₖ, then O(n) on the host)
 *   ISTA:  yₖ₊₁ = θₖ₊₁
 *   FISTA: restart (k ← 0) when (yₖ − θₖ₊₁)ᵀP⁻¹(θₖ₊₁ − θₖ) &gt; 0;  yₖ₊₁ = θₖ₊₁ + k/(k+3)·(θₖ₊₁ − θₖ)
 * </pre>
 * Soft-thresholding follows the fused step: no extra pass over X. θ, y and ∇f travel between host and backend once
 * per iteration (O(n); negligible against the O(mn) pass on the cpu backend).
 *
 * <p>Stopping: the <b>relative duality gap</b> at yₖ, G(yₖ)·m/‖y_c‖² ≤ tol ({@link StopReason#DUALITY_GAP}), with
 * G the gap of the objective P = F/2 of {@link Penalty} and the dual point of scikit-learn's coordinate descent
 * (ν = c·R, R = y_c − X_cθ, c = min(1, mαρ / max_{pⱼ&gt;0}|X_cᵀR − mα(1−ρ)p∘θ|ⱼ/pⱼ)) — the same test as scikit-learn's
 * {@code ElasticNet(tol=…)}, whose gap in its unnormalised units is compared with tol·‖y‖². Since
 * P(θ) − P* ≤ G(θ), it bounds the objective's suboptimality. Coefficients with penalty factor 0 are not covered by
 * that dual point; they must also have |∇f|ⱼ ≤ tol·‖∇f(0)‖_∞. Also: the iteration limit, the listener (a
 * {@link GapListener} also sees each iteration's gap, and may stop there) and
 * {@link StopReason#NO_PROGRESS} ({@link FullBatchProgress}). The gradient norm recorded is that of the minimum-norm
 * subgradient of F (the KKT residual: ∇fⱼ + κⱼ·sign θⱼ where θⱼ ≠ 0, max(0, |∇fⱼ| − κⱼ) where θⱼ = 0), in the
 * standardized norm when standardized; the loss recorded is F.
 *
 * <p>The answer is the proximal step from the last yₖ evaluated: exactly sparse, and with η ≤ 1/L no worse in
 * objective than yₖ, so the gap at yₖ still bounds its suboptimality. With the automatic step, ISTA halves η when F
 * rises by more than its rounding error (as {@link GradientDescentSolver} does).
 */
public final class ProximalGradientSolver {
    /** The names of its checkpoint states: ISTA (gd) and FISTA (nesterov). */
    public static final String ISTA = "ista";
    public static final String FISTA = "fista";

    private ProximalGradientSolver() {
    }

    /**
     * Fits, saving the state at iteration boundaries through {@code checkpoint} and starting from its restored state when it
     * has one: θₖ, yₖ, the momentum count, η (after any halvings), the previous loss, the scales of the stopping rules,
     * the step and {@link FullBatchProgress}'s bookkeeping.
     */
    public static IterativeResult fit(CentredObjective objective, FitConfig config, boolean accelerated, Checkpointer checkpoint) {
        var problem = objective.problem();
        int n = Math.toIntExact(problem.cols());
        long rows = problem.rows();
        double m = objective.weightSum();
        String name = accelerated ? FISTA : ISTA;
        SolverState resume = checkpoint.take(name);
        double eta = resume != null ? resume.real("eta") : StepSize.resolve(config, objective, rows);
        boolean automatic = config.learningRate().isAuto();
        GapListener gaps = config.listener() instanceof GapListener g ? g : null; // sees each iteration's gap too
        double tol = config.tolerance(problem.precision());
        FullBatchProgress progress = new FullBatchProgress(objective, config, tol, eta, automatic, false);
        double riseTolerance = 64 * Math.ulp(problem.precision() == Precision.FLOAT32 ? 1f : 1.0);
        double[] s2 = objective.squaredScales();
        Penalty penalty = objective.penalty();
        double l1reg = penalty.l1Strength() * m;
        double l2reg = penalty.l2Strength() * m;
        try (BackendVector point = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            double targetSquares;
            double freeScale = 0;
            double[] theta;
            double[] y;
            double previousLoss = Double.POSITIVE_INFINITY;
            long step = 0;
            long momentum = 0;
            if (resume != null) {
                targetSquares = resume.real("targetSquares");
                freeScale = resume.real("freeScale");
                theta = resume.vector("theta", n);
                y = resume.vector("y", n);
                previousLoss = resume.real("previousLoss");
                momentum = resume.integer("momentum");
                step = resume.iteration();
                progress.restore(resume, eta);
            } else {
                // one pass at θ = 0: ‖y_c‖², the gap's scale, and ∇f(0), the scale of the unpenalised coefficients' test
                targetSquares = objective.gradient(point, RowSlice.all(), gradient).sumOfSquares();
                for (double v : gradient.copyToHost()) {
                    freeScale = Math.max(freeScale, Math.abs(v));
                }
                theta = objective.startingPoint(config.initialCoefficients().values(n));
                y = theta.clone();
            }
            // the penalty in the objective's internal units (known once y is measured: by the first pass above, or on
            // resume by a pass of the objective's own — the same measurement, so the same units as the saved state)
            double[] kappa = objective.l1Thresholds();
            double[] factors = objective.l1Factors();
            double[] l2Factors = objective.l2Factors();
            double[] next = new double[n];
            double[] g = new double[n];
            double gap = Double.NaN;
            StopReason stop;
            while (true) {
                long k = step;
                double e = eta;
                double before = previousLoss;
                long mom = momentum;
                double[] t0 = theta;
                double[] y0 = y;
                double scaleOfGap = targetSquares;
                double scaleOfFree = freeScale;
                checkpoint.boundary(step, () -> {
                    SolverState.Builder s = SolverState.builder(name, k, false).put("theta", t0).put("y", y0)
                            .put("momentum", mom).put("eta", e).put("previousLoss", before)
                            .put("targetSquares", scaleOfGap).put("freeScale", scaleOfFree);
                    progress.capture(s);
                    return s.build();
                });
                point.copyFromHost(y);
                ResidualSums sums = objective.gradient(point, RowSlice.all(), gradient);
                double ridge = objective.addRidge(point, gradient);
                g = gradient.copyToHost();
                double l1 = 0;
                double kkt = 0;
                for (int j = 0; j < n; j++) {
                    l1 += kappa[j] * Math.abs(y[j]);
                    double v = y[j] != 0 ? g[j] + Math.copySign(kappa[j], y[j]) : Math.max(0, Math.abs(g[j]) - kappa[j]);
                    kkt += s2[j] * v * v;
                }
                double loss = sums.sumOfSquares() / m + ridge + l1;
                stop = progress.record(step, loss, Math.sqrt(kkt), point);
                gap = relativeGap(sums.sumOfSquares(), targetSquares, g, y, factors, l2Factors, l1reg, l2reg, m);
                boolean gapMet = tol > 0 && gap <= tol && freeCoefficientsSettled(g, factors, tol * freeScale);
                if (stop == StopReason.ITERATION_LIMIT && gapMet) {
                    stop = StopReason.DUALITY_GAP; // the rule met on the last step the limit allows (a listener's stop stays)
                }
                if (stop != null) {
                    break;
                }
                if (gapMet) {
                    stop = StopReason.DUALITY_GAP;
                    break;
                }
                if (gaps != null && gaps.onGap(step, gap) == IterationListener.Control.STOP) {
                    stop = StopReason.STOPPED_BY_LISTENER;
                    break;
                }
                if (automatic && !accelerated && step > 0 && loss > previousLoss * (1 + riseTolerance)
                        && loss - previousLoss > objective.lossRoundingError(point, loss)) {
                    eta /= 2; // the power-iteration estimate was too low (see GradientDescentSolver)
                    progress.learningRateChanged(eta);
                }
                previousLoss = loss;
                proximalStep(y, g, s2, kappa, eta, next);
                if (accelerated) {
                    double towards = 0; // (y − θₖ₊₁)ᵀP⁻¹(θₖ₊₁ − θₖ), in the standardized coordinates
                    for (int j = 0; j < n; j++) {
                        if (s2[j] > 0) {
                            towards += (y[j] - next[j]) * (next[j] - theta[j]) / s2[j];
                        }
                    }
                    momentum = towards > 0 ? 0 : momentum + 1;
                    double mu = momentum / (momentum + 3.0);
                    for (int j = 0; j < n; j++) {
                        y[j] = next[j] + mu * (next[j] - theta[j]);
                    }
                } else {
                    System.arraycopy(next, 0, y, 0, n);
                }
                double[] t = theta;
                theta = next;
                next = t;
                step++;
            }
            double[] answer = new double[n];
            proximalStep(y, g, s2, kappa, eta, answer);
            return progress.result(answer, objective.interceptFor(answer), step, stop, eta, gap);
        }
    }

    /** out = soft(y − η·P·g, η·κ∘P). Writes {@code out}. */
    static void proximalStep(double[] y, double[] g, double[] s2, double[] kappa, double eta, double[] out) {
        for (int j = 0; j < y.length; j++) {
            out[j] = y[j] - eta * s2[j] * g[j];
        }
        SoftThreshold.apply(out, kappa, s2, eta);
    }

    private static boolean freeCoefficientsSettled(double[] g, double[] factors, double bound) {
        for (int j = 0; j < g.length; j++) {
            if (factors[j] == 0 && !(Math.abs(g[j]) <= bound)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The relative duality gap G·m/‖y_c‖² at θ of {@link Penalty}'s objective, in scikit-learn's unnormalised units
     * (its {@code enet_coordinate_descent}): with R = y_c − X_cθ, A = X_cᵀR − l2reg·p∘θ (= −(m/2)·∇f, ∇f the gradient
     * of F's smooth part), c = min(1, l1reg/max_{pⱼ&gt;0}|Aⱼ|/pⱼ):
     * <pre>
     *   gap = ½‖R‖²(1 + c²) (or ‖R‖² when c = 1) + l1reg·Σpⱼ|θⱼ| − c·Rᵀy_c + ½·l2reg·(1 + c²)·Σpⱼθⱼ²
     * </pre>
     * with Rᵀy_c = ‖R‖² + θᵀX_cᵀR. l1reg = mαρ, l2reg = mα(1−ρ). The l1 terms use the factors p, the l2 terms q
     * (q = p but for the objective's internal units, where p = τ·dⱼ·(the penalty's factors), q = dⱼ²·(them): the gap
     * of τ²·P, which relative to ‖y'_c‖² = τ²‖y_c‖² is the same number).
     *
     * @param residualSquares ‖R‖²
     * @param targetSquares   ‖y_c‖²
     * @param g               ∇f at θ: (2/m)X_cᵀ(X_cθ − y_c) + 2α(1−ρ)p∘θ
     */
    static double relativeGap(double residualSquares, double targetSquares, double[] g, double[] theta, double[] factors,
                              double[] l2Factors, double l1reg, double l2reg, double m) {
        double dual = 0;
        double l1 = 0;
        double l2 = 0;
        double thetaXtR = 0;
        for (int j = 0; j < g.length; j++) {
            double a = -0.5 * m * g[j];
            if (factors[j] > 0) {
                dual = Math.max(dual, Math.abs(a) / factors[j]);
            }
            if (theta[j] != 0) { // (an α so large that m·α overflows leaves θ = 0: no ∞·0 terms)
                l1 += factors[j] * Math.abs(theta[j]);
                l2 += l2Factors[j] * theta[j] * theta[j];
                thetaXtR += theta[j] * (a + l2reg * l2Factors[j] * theta[j]);
            }
        }
        double c;
        double gap;
        if (dual > l1reg) {
            c = l1reg / dual;
            gap = 0.5 * residualSquares * (1 + c * c);
        } else {
            c = 1;
            gap = residualSquares;
        }
        double ry = residualSquares + thetaXtR;
        gap += (l1 == 0 ? 0 : l1reg * l1) - c * ry + (l2 == 0 ? 0 : 0.5 * l2reg * (1 + c * c) * l2);
        return targetSquares > 0 ? gap / targetSquares : gap;
    }
}
