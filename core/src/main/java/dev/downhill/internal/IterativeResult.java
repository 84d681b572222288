package dev.downhill.internal;

import dev.downhill.StopReason;

/**
 * What a gradient solver returns to {@link dev.downhill.LinearRegression}.
 *
 * @param coefficients θ (host)
 * @param intercept    b
 * @param iterations   steps (GD) or epochs (SGD variants) taken
 * @param learningRate the η used
 */
public record IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                              double[] lossHistory, double[] gradientNormHistory, double learningRate) {
}
