package dev.downhill.internal;

import dev.downhill.StopReason;

/**
 * What a gradient solver returns to {@link dev.downhill.LinearRegression}.
 *
 * @param coefficients θ (host)
 * @param intercept    b
 * @param iterations   steps (GD) or epochs (SGD variants) taken
 * @param learningRate the η used
 * @param dualityGap   the last relative duality gap of a proximal full-batch or cd fit (l1 penalty), else NaN
 */
public record IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                              double[] lossHistory, double[] gradientNormHistory, double learningRate, double dualityGap) {
    public IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                           double[] lossHistory, double[] gradientNormHistory, double learningRate) {
        this(coefficients, intercept, iterations, stopReason, lossHistory, gradientNormHistory, learningRate, Double.NaN);
    }
}
