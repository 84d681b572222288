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

    private final long iteration;
    private final double loss;
    private final double learningRate;
    private final double initialLoss;
    private final boolean automatic;

    /**
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
        super(message(solver, stochastic, iteration, loss, initialLoss, learningRate, automatic, automaticRate));
        this.iteration = iteration;
        this.loss = loss;
        this.learningRate = learningRate;
        this.initialLoss = initialLoss;
        this.automatic = automatic;
    }

    private static String message(String solver, boolean stochastic, long iteration, double loss, double initialLoss,
                                  double learningRate, boolean automatic, double automaticRate) {
        String at = (stochastic ? "epoch " : "iteration ") + iteration;
        if (Double.isNaN(learningRate)) { // cg: no step to advise on
            return String.format(java.util.Locale.ROOT, "the fit diverged at %s: loss %.6g (starting loss %.6g); the solver "
                    + "has no step size to lower and should not diverge: please report the data's shape and scale", at, loss,
                    initialLoss);
        }
        String head = String.format(java.util.Locale.ROOT, "%s diverged at %s: loss %.6g (starting loss %.6g) with learning "
                + "rate %.6g%s; ", solver, at, loss, initialLoss, learningRate, automatic ? " (automatic)" : "");
        if (automatic) {
            return head + String.format(java.util.Locale.ROOT, "use a smaller learning rate (e.g. %.3g); an automatic step "
                    + "should not diverge, please report the data's shape and scale", learningRate / 10);
        }
        if (automaticRate > 0 && automaticRate < learningRate) {
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

    public long iteration() {
        return iteration;
    }

    public double loss() {
        return loss;
    }

    public double learningRate() {
        return learningRate;
    }
}
