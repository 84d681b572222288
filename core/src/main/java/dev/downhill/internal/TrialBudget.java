package dev.downhill.internal;

import dev.downhill.IterationListener;

/**
 * The listener that keeps one of {@link dev.downhill.Solver#AUTO}'s trials within its budget of passes, wrapping the
 * caller's listener (which is still called, and whose {@code STOP} still ends the fit): the conjugate-gradient trial
 * before the exact solve ({@link #onGradientNorm}: its measure the gradient norm, its target tol·g₀) and the nesterov
 * trial before cd on the Gram matrix ({@link #onDualityGap}: its measure the relative duality gap — the lowest seen so
 * far, FISTA's gap is not monotone —, its target tol).
 *
 * <p>The trial is abandoned as soon as it is predicted to miss the budget, not only when the budget is spent: at
 * iterations k = 8, 16, 32, … the rate of the measure v extrapolates the passes still needed to reach the target,
 * k + ln(target/v_k)/ln ρ, with ρ the faster of the recent rate (v_k/v_{k/2})^(2/k) and the rate so far
 * (v_k/v₀)^(1/k) — the gradient norm of conjugate gradients is not monotone, so one window may show none — and is
 * judged generously: the trial continues while it predicts at most {@value #SLACK}× the budget. Checks double
 * in spacing, so an abandoned trial costs at most about twice the passes at which the prediction first fails. On correlated columns (condition ~100 after standardization) the prediction is
 * thousands of passes after 8–16, and the exact solve starts after a few percent of its own cost instead of half.
 */
public final class TrialBudget implements GapListener {
    static final double SLACK = 2;
    private static final long FIRST_CHECK = 8;

    private final IterationListener caller;
    private final long budget;
    private final double tolerance;
    private final boolean onGap;
    private double first = Double.NaN;
    private double atHalf = Double.NaN;
    private double lowest = Double.POSITIVE_INFINITY;
    private long nextCheck = FIRST_CHECK;
    private boolean abandoned;
    private long abandonedAt;
    private double predicted;

    private TrialBudget(IterationListener caller, long budget, double tolerance, boolean onGap) {
        this.caller = caller;
        this.budget = budget;
        this.tolerance = tolerance;
        this.onGap = onGap;
    }

    /**
     * The cg trial's budget.
     *
     * @param caller    the configuration's listener
     * @param budget    passes the trial may take
     * @param tolerance the relative gradient-norm tolerance the trial must reach (target tol·g₀)
     */
    public static TrialBudget onGradientNorm(IterationListener caller, long budget, double tolerance) {
        return new TrialBudget(caller, budget, tolerance, false);
    }

    /**
     * A proximal trial's budget, judged on the relative duality gap its solver reports ({@link GapListener#onGap}).
     *
     * @param tolerance the relative gap to reach (the fit's tolerance)
     */
    public static TrialBudget onDualityGap(IterationListener caller, long budget, double tolerance) {
        return new TrialBudget(caller, budget, tolerance, true);
    }

    @Override
    public Control onIteration(long iteration, double loss, double gradientNorm) {
        if (caller.onIteration(iteration, loss, gradientNorm) == Control.STOP) {
            return Control.STOP;
        }
        return onGap ? Control.CONTINUE : observe(iteration, gradientNorm);
    }

    @Override
    public Control onGap(long iteration, double relativeGap) {
        if (caller instanceof GapListener g && g.onGap(iteration, relativeGap) == Control.STOP) {
            return Control.STOP;
        }
        if (!onGap) {
            return Control.CONTINUE;
        }
        lowest = Math.min(lowest, relativeGap);
        return observe(iteration, lowest);
    }

    /**
     * Brings a cg trial resumed from a checkpoint to where it was: observes the gradient norms of its iterations 0, 1, …
     * (its saved history) as they were seen, without calling the caller's listener.
     */
    public void replay(double[] gradientNorms) {
        for (int k = 0; k < gradientNorms.length; k++) {
            observe(k, gradientNorms[k]);
        }
    }

    private Control observe(long iteration, double value) {
        if (iteration == 0) {
            first = value;
        }
        if (iteration == nextCheck / 2) {
            atHalf = value;
        }
        if (iteration == nextCheck && first > 0 && tolerance > 0) {
            nextCheck *= 2;
            double target = onGap ? tolerance : tolerance * first;
            double needed = Math.log(target / value);
            double logRate = Math.min(Math.log(value / atHalf) / (iteration / 2.0), Math.log(value / first) / iteration);
            predicted = needed >= 0 ? iteration : logRate < 0 ? iteration + needed / logRate : Double.POSITIVE_INFINITY;
            if (predicted > SLACK * budget) {
                abandoned = true;
                abandonedAt = iteration;
                return Control.STOP;
            }
        }
        return Control.CONTINUE;
    }

    /** Whether this listener (not the caller's) ended the trial. */
    public boolean abandoned() {
        return abandoned;
    }

    /** The pass at which the trial was abandoned, and the passes it was then predicted to need. */
    public String why() {
        return abandoned ? String.format(java.util.Locale.ROOT, "abandoned after %d passes, predicted to need ~%.3g",
                abandonedAt, predicted) : "";
    }
}
