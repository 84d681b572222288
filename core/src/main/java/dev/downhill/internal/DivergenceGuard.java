package dev.downhill.internal;

import dev.downhill.DivergenceException;

/** Throws {@link DivergenceException} when the loss is not finite or exceeds GROWTH_LIMIT × the starting loss. */
final class DivergenceGuard {
    private final double initialLoss;
    private final double learningRate;
    private final boolean automatic;

    DivergenceGuard(double initialLoss, double learningRate, boolean automatic) {
        this.initialLoss = initialLoss;
        this.learningRate = learningRate;
        this.automatic = automatic;
    }

    double initialLoss() {
        return initialLoss;
    }

    void check(long iteration, double loss, double gradientNorm) {
        boolean blownUp = !Double.isFinite(loss) || !Double.isFinite(gradientNorm)
                || loss > DivergenceException.GROWTH_LIMIT * Math.max(initialLoss, Double.MIN_NORMAL);
        if (blownUp) {
            throw new DivergenceException(iteration, loss, initialLoss, learningRate, automatic);
        }
    }
}
