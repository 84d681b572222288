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
        super(Double.isNaN(learningRate) // cg: no step to advise on
                ? String.format(java.util.Locale.ROOT, "the fit diverged at iteration %d: loss %.6g (starting loss %.6g); "
                        + "the solver has no step size to lower and should not diverge: please report the data's shape and scale",
                        iteration, loss, initialLoss)
                : String.format(java.util.Locale.ROOT,
                "gradient descent diverged at iteration %d: loss %.6g (starting loss %.6g) with learning rate %.6g%s; "
                        + "use a smaller learning rate (e.g. %.3g)%s",
                iteration, loss, initialLoss, learningRate, automatic ? " (automatic)" : "", learningRate / 10,
                automatic ? "; an automatic step should not diverge, please report the data's shape and scale"
                        : " or the automatic step size"));
        this.iteration = iteration;
        this.loss = loss;
        this.learningRate = learningRate;
        this.initialLoss = initialLoss;
        this.automatic = automatic;
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
