package dev.downhill;

/**
 * A gradient fit diverged: the loss became NaN or infinite, or grew by more than
 * {@value #GROWTH_LIMIT} times its starting value. The fit is abandoned; no model is returned. With a fixed learning
 * rate the message advises a smaller one or "the automatic step size" ({@link LearningRate#auto()}; on the command line
 * {@code --lr auto}, which the command line adds itself).
 */
public final class DivergenceException extends ArithmeticException {
    /** Loss growth (relative to the loss at the starting point) treated as divergence. */
    public static final double GROWTH_LIMIT = 1e4;

    /** The iteration (step, or epoch when stochastic) at which the loss was found diverged. */
    private final long iteration;
    /** The loss found there (NaN, infinite, or above {@link #GROWTH_LIMIT} times the starting loss). */
    private final double loss;
    /** η, or NaN for a solver without one. */
    private final double learningRate;
    /** The loss at the starting point. */
    private final double initialLoss;
    /** Whether η came from {@link LearningRate#auto()}. */
    private final boolean automatic;

    /**
     * A divergence of gradient descent at a full-batch iteration; the message advises η/10 with a fixed η.
     *
     * @param iteration    the iteration at which the loss was found diverged
     * @param loss         the loss there
     * @param initialLoss  the loss at the starting point
     * @param learningRate η, or NaN for a solver without one (cg): the message then gives no step advice
     * @param automatic    whether η came from {@link LearningRate#auto()} (the advice differs)
     */
    public DivergenceException(long iteration, double loss, double initialLoss, double learningRate, boolean automatic) {
        this("gradient descent", false, iteration, loss, initialLoss, learningRate, automatic, Double.NaN);
    }

    /**
     * A divergence of the solver named {@code solver} ("gd", "sgd", …), at an epoch when {@code stochastic}; with a
     * fixed η the message advises {@code automaticRate}, the automatic step size for these data (NaN when unknown: then
     * η/10).
     *
     * @param learningRate  η, or NaN for a solver without one (cg): the message then gives no step advice
     * @param automatic     whether η came from {@link LearningRate#auto()} (the advice differs)
     * @param automaticRate the step {@link LearningRate#auto()} takes on these data, in the same units as η, or NaN
     */
    public DivergenceException(String solver, boolean stochastic, long iteration, double loss, double initialLoss,
                               double learningRate, boolean automatic, double automaticRate) {
        this(solver, stochastic, iteration, loss, initialLoss, learningRate, automatic, automaticRate, LearningRateSchedule.constant());
    }

    /**
     * As {@link #DivergenceException(String, boolean, long, double, double, double, boolean, double)} for a fit with the
     * step schedule {@code schedule}. Under {@link LearningRateSchedule#inverseTime} the steps are t₀/(t + t₁), whatever
     * η says, so the message names the schedule and advises a smaller t₀/t₁ (below {@code automaticRate} when known)
     * instead of a smaller learning rate; {@link #learningRate()} is still η₀.
     */
    public DivergenceException(String solver, boolean stochastic, long iteration, double loss, double initialLoss,
                               double learningRate, boolean automatic, double automaticRate, LearningRateSchedule schedule) {
        this(solver, stochastic, iteration, loss, initialLoss, learningRate, automatic, automaticRate, schedule, false);
    }

    /**
     * As the public constructor; {@code unstandardizedAdvice}: the fixed η ran on X as it is while the automatic step
     * would standardize it, so the advised rate is said to be in X's own units (an automatic fit reports its η in the
     * standardized ones: another number for the same data, which a review found confusing).
     */
    DivergenceException(String solver, boolean stochastic, long iteration, double loss, double initialLoss, double learningRate,
                        boolean automatic, double automaticRate, LearningRateSchedule schedule, boolean unstandardizedAdvice) {
        super(message(solver, stochastic, iteration, loss, initialLoss, learningRate, automatic, automaticRate, schedule,
                unstandardizedAdvice));
        this.iteration = iteration;
        this.loss = loss;
        this.learningRate = learningRate;
        this.initialLoss = initialLoss;
        this.automatic = automatic;
    }

    private static String message(String solver, boolean stochastic, long iteration, double loss, double initialLoss,
                                  double learningRate, boolean automatic, double automaticRate, LearningRateSchedule schedule,
                                  boolean unstandardized) {
        String at = (stochastic ? "epoch " : "iteration ") + iteration;
        if (schedule != null && schedule.kind() == LearningRateSchedule.Kind.INVERSE_TIME) { // η₀ is not used: t₀/(t + t₁) is
            double first = schedule.at(0, learningRate);
            String head = String.format(java.util.Locale.ROOT, "%s diverged at %s: loss %.6g (starting loss %.6g) with the "
                    + "inverse-time schedule %s, whose steps T0/(t + T1) start at T0/T1 = %.6g; ", solver, at, loss, initialLoss,
                    schedule, first);
            if (automaticRate > 0 && automaticRate < first) {
                return head + String.format(java.util.Locale.ROOT, "lower T0 or raise T1 so that T0/T1 is below %.3g, the step "
                        + "the automatic learning rate takes on these data", automaticRate);
            }
            return head + String.format(java.util.Locale.ROOT, "lower T0 or raise T1 (e.g. T0/T1 = %.3g)", first / 10);
        }
        if (Double.isNaN(learningRate)) { // cg: no step to advise on
            return String.format(java.util.Locale.ROOT, "the fit diverged at %s: loss %.6g (starting loss %.6g); the solver "
                    + "has no step size to lower and should not diverge: please report the data's shape and scale", at, loss,
                    initialLoss);
        }
        boolean advised = !automatic && automaticRate > 0 && automaticRate < learningRate; // the automatic step, given as a number
        String head = String.format(java.util.Locale.ROOT, "%s diverged at %s: loss %.6g (starting loss %.6g) with learning "
                + "rate %.6g%s; ", solver, at, loss, initialLoss, learningRate, automatic ? " (automatic)" : advised && unstandardized
                ? " on X unstandardized, as a fixed rate runs it (an automatic fit standardizes X and reports its η in those units)"
                : "");
        if (automatic) {
            return head + String.format(java.util.Locale.ROOT, "use a smaller learning rate (e.g. %.3g); an automatic step "
                    + "should not diverge, please report the data's shape and scale", learningRate / 10);
        }
        if (advised) {
            return head + String.format(java.util.Locale.ROOT, "use a smaller learning rate: the automatic step size for "
                    + "these data is %.3g", automaticRate);
        }
        return head + String.format(java.util.Locale.ROOT, "use a smaller learning rate (e.g. %.3g) or the automatic step size",
                learningRate / 10);
    }

    /** The loss at the starting point. */
    public double initialLoss() {
        return initialLoss;
    }

    /** Whether η came from {@link LearningRate#auto()}. */
    public boolean automatic() {
        return automatic;
    }

    /**
     * The iteration at which the loss was found diverged: a step of the full-batch solvers, an epoch of sgd and minibatch
     * (0 is the starting point).
     *
     * @return the iteration or epoch
     */
    public long iteration() {
        return iteration;
    }

    /**
     * The loss found there, in the loss history's units (MSE, plus 2·penalty with a {@link Penalty}): NaN, infinite, or
     * more than 10⁴ ({@link #GROWTH_LIMIT}) times {@link #initialLoss()}.
     *
     * @return the diverged loss
     */
    public double loss() {
        return loss;
    }

    /**
     * The learning rate η the fit diverged with (the automatic one when {@link #automatic()}; η₀ under a schedule), or
     * NaN for a solver without one (cg).
     *
     * @return η
     */
    public double learningRate() {
        return learningRate;
    }
}
