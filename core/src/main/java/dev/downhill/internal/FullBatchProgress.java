package dev.downhill.internal;

import dev.downhill.FitConfig;
import dev.downhill.IterationListener;
import dev.downhill.StopReason;
import dev.downhill.spi.BackendVector;

/**
 * The bookkeeping every full-batch solver (GD, Nesterov, CG) does once per iteration, in one place:
 * record loss and gradient norm, check for divergence, call the listener, and apply the stopping
 * rule ‖∇ₖ‖ ≤ tol·‖∇₀‖, the iteration limit and the no-progress rule — in that order.
 *
 * <p>No progress ({@link StopReason#NO_PROGRESS}, only with a tolerance &gt; 0): progress is a fall of the
 * best gradient norm by {@link StopReason#NO_PROGRESS_NORM_DROP} of itself, or a fall of the best loss by more
 * than the loss's rounding error ({@link CentredObjective#lossRoundingError}). When none has happened for
 * max({@link StopReason#NO_PROGRESS_MIN_WINDOW}, k/{@link StopReason#NO_PROGRESS_WINDOW_DIVISOR}) iterations the
 * fit stops — unless every loss of that window stayed more than {@link #STILL_MOVING_ROUNDINGS} roundings above the
 * best, or every gradient norm of its second half lies below all of its first half's (an accelerated solver that moved
 * away from a lucky best point and is still converging). The loss test needs θ on the host, so it runs only when the window has run out on the gradient
 * test: a fit whose gradient keeps falling pays nothing for it.
 */
final class FullBatchProgress {
    /**
     * How far above the best loss, in roundings of the loss, the last window's losses must all stay for the fit to be
     * still on its way rather than at its rounding floor.
     */
    static final double STILL_MOVING_ROUNDINGS = 4;

    private final CentredObjective objective;
    private final IterationListener listener;
    private final double tolerance;
    private final long maxIterations;
    private final boolean automaticStep;
    private final History losses = new History();
    private final History norms = new History();
    private double learningRate;
    private DivergenceGuard guard;
    private double firstNorm = Double.NaN;
    /** The best gradient norm and loss at the last progress, when it happened, and the best loss since. */
    private double progressNorm = Double.POSITIVE_INFINITY;
    private double progressLoss = Double.POSITIVE_INFINITY;
    private long progressIteration;
    private double bestLoss = Double.POSITIVE_INFINITY;

    /** Whether ‖∇ₖ‖ ≤ tol·‖∇₀‖ stops the fit (false for the proximal solvers, which stop on the duality gap). */
    private final boolean normStops;

    /** @param learningRate the step for divergence messages (NaN for solvers without one) */
    FullBatchProgress(CentredObjective objective, FitConfig config, double tolerance, double learningRate, boolean automaticStep) {
        this(objective, config, tolerance, learningRate, automaticStep, true);
    }

    /** @param normStops whether the gradient-norm rule stops the fit (the other rules apply either way) */
    FullBatchProgress(CentredObjective objective, FitConfig config, double tolerance, double learningRate, boolean automaticStep,
                      boolean normStops) {
        this.normStops = normStops;
        this.objective = objective;
        this.listener = config.listener();
        this.tolerance = tolerance;
        this.maxIterations = config.maxIterations();
        this.learningRate = learningRate;
        this.automaticStep = automaticStep;
    }

    /**
     * Records iteration k (its loss and gradient norm, both at {@code point}) and says whether to stop
     * now: the reason, or null to take another step. Throws {@link dev.downhill.DivergenceException} on
     * divergence. Reads {@code point} (copies it to the host) only when the no-progress window runs out.
     */
    StopReason record(long k, double loss, double norm, BackendVector point) {
        return record(k, loss, norm, point, true);
    }

    /**
     * {@link #record(long, double, double, BackendVector)} for a loss that may be a recurrence's estimate rather than a
     * pass's value ({@code lossMeasured} false: cg's ℓₖ₊₁ = ℓₖ − ½αₖrₖᵀzₖ, whose error is the rounding of the
     * <em>first</em> loss, u·ℓ₀, not of ℓₖ: on a line with ℓ₀ = 7e4 it sat 8e-12 below the true floor of 0.55). Such a
     * loss is recorded in the history but never becomes the best loss the no-progress rule measures from: a best set
     * by recurrence drift lies below every loss the fit can reach, so every window looked "well above the best" and the
     * fit ran to its limit (500,000 cg iterations on an H200, whose FMA arithmetic drifted the other way from the cpu's).
     */
    StopReason record(long k, double loss, double norm, BackendVector point, boolean lossMeasured) {
        losses.add(loss);
        norms.add(norm);
        if (guard == null) {
            guard = new DivergenceGuard(loss, learningRate, automaticStep);
            firstNorm = norm;
        }
        guard.check(k, loss, norm);
        if (listener.onIteration(k, loss, norm) == IterationListener.Control.STOP) {
            return StopReason.STOPPED_BY_LISTENER;
        }
        if (normStops && norm <= tolerance * reference()) {
            return StopReason.CONVERGED;
        }
        if (k == maxIterations) {
            return StopReason.ITERATION_LIMIT;
        }
        return tolerance > 0 && stalled(k, lossMeasured ? loss : Double.POSITIVE_INFINITY, norm, point) ? StopReason.NO_PROGRESS : null;
    }

    /**
     * Replaces the last record's loss and gradient norm by those of a true gradient pass at the same point (cg's recurred
     * residual drifts below the true one near the rounding floor): the history's last entry is then the true gradient
     * norm of the θ returned. Changes no other bookkeeping.
     */
    void amendLast(double loss, double norm) {
        losses.setLast(loss);
        norms.setLast(norm);
    }

    /** Whether the stopping rule's tolerance is 0 (converged and no_progress are off: the fit runs to the limit). */
    boolean toleranceIsZero() {
        return !(tolerance > 0);
    }

    /** Whether a gradient norm would meet the stopping rule ‖∇‖ ≤ tol·‖∇₀‖ (false before the first record). */
    boolean wouldConverge(double norm) {
        return norm <= tolerance * reference();
    }

    /**
     * ‖∇₀‖ of the stopping rule: the first gradient norm, or for a warm start the norm at θ = 0 (the cold start's ‖∇₀‖,
     * {@link CentredObjective#zeroStartGradientNorm}; the first norm when that is 0), so that a warm start stops at a
     * cold start's accuracy: a start near the answer does not chase tol times its own small gradient into the rounding
     * floor, and a start far from it (coefficients of 1e5) does not stop at tol times its own large one (it stopped
     * 4e-5 off with cg, 0.64 off with gd).
     */
    private double reference() {
        double zero = objective.zeroStartGradientNorm(); // NaN unless a warm start measured y at θ = 0
        return zero > 0 ? zero : firstNorm;
    }

    private boolean stalled(long k, double loss, double norm, BackendVector point) {
        bestLoss = Math.min(bestLoss, loss);
        if (norm < progressNorm * (1 - StopReason.NO_PROGRESS_NORM_DROP)) {
            progress(k, norm);
            return false;
        }
        long window = Math.max(StopReason.NO_PROGRESS_MIN_WINDOW, k / StopReason.NO_PROGRESS_WINDOW_DIVISOR);
        if (k - progressIteration < window) {
            return false;
        }
        double rounding = objective.lossRoundingError(point, bestLoss);
        if (progressLoss - bestLoss > rounding) {
            progress(k, progressNorm);
            return false;
        }
        // An accelerated solver's loss and gradient norm (at its extrapolated point) are not monotone: its best may be
        // a lucky point it has moved away from while still converging (nesterov on nearly collinear columns stopped
        // 1e-3 off, its loss 1.4e-9 above that best and still falling). At the rounding floor the loss keeps coming
        // back to its best level, and the gradient norm wanders; a window whose losses all stayed well above the best,
        // or whose second half's gradient norms all lie below its first half's, is a solver still on its way: look
        // again after another window.
        int size = norms.size(); // entries 0 … size − 1 are iterations 0 … k
        long half = window / 2;
        boolean lossAway = losses.min(size - window, size) - bestLoss > STILL_MOVING_ROUNDINGS * rounding;
        boolean normFalling = norms.max(size - half, size) < (1 - StopReason.NO_PROGRESS_NORM_DROP) * norms.min(size - window, size - half);
        if (lossAway || normFalling) {
            progress(k, progressNorm);
            return false;
        }
        return true;
    }

    private void progress(long k, double norm) {
        progressNorm = norm;
        progressLoss = bestLoss;
        progressIteration = k;
    }

    /** The step changed (GD's automatic-step halving): later divergence messages name the new one. */
    void learningRateChanged(double eta) {
        learningRate = eta;
        if (guard != null) {
            guard = new DivergenceGuard(guard.initialLoss(), eta, automaticStep);
        }
    }

    /** Adds this bookkeeping's state (histories, progress-rule memory) to a checkpoint's {@code state}. */
    void capture(SolverState.Builder state) {
        state.put("lossHistory", losses.toArray());
        state.put("gradientNormHistory", norms.toArray());
        state.put("progress.norm", progressNorm);
        state.put("progress.loss", progressLoss);
        state.put("progress.iteration", progressIteration);
        state.put("progress.bestLoss", bestLoss);
    }

    /**
     * Continues from a checkpoint's {@code state} (see {@link #capture}), the step since then being {@code learningRate}:
     * afterwards this bookkeeping is exactly what it was when the state was captured.
     */
    void restore(SolverState state, double learningRate) {
        double[] l = state.vector("lossHistory");
        double[] g = state.vector("gradientNormHistory");
        for (double v : l) {
            losses.add(v);
        }
        for (double v : g) {
            norms.add(v);
        }
        this.learningRate = learningRate;
        if (l.length > 0) {
            guard = new DivergenceGuard(l[0], learningRate, automaticStep);
            firstNorm = g[0];
        }
        progressNorm = state.real("progress.norm");
        progressLoss = state.real("progress.loss");
        progressIteration = state.integer("progress.iteration");
        bestLoss = state.real("progress.bestLoss");
    }

    /** The result, with the histories recorded so far. */
    IterativeResult result(double[] coefficients, double intercept, long iterations, StopReason stop, double eta) {
        return new IterativeResult(coefficients, intercept, iterations, stop, losses.toArray(), norms.toArray(), eta);
    }

    /** The result with the last relative duality gap (proximal solvers). */
    IterativeResult result(double[] coefficients, double intercept, long iterations, StopReason stop, double eta, double gap) {
        return new IterativeResult(coefficients, intercept, iterations, stop, losses.toArray(), norms.toArray(), eta, gap);
    }
}
