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
 * @param historyIterations the iteration of each history point (increasing, the last ≤ {@code iterations}), or null
 *                     when there is one point per iteration from 0 (cd records its state at full sweeps only)
 * @param validationHistory the held-out rows' MSE after each epoch of a stochastic fit with early stopping (in the
 *                     solver's units), else empty
 */
public record IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                              double[] lossHistory, double[] gradientNormHistory, double learningRate, double dualityGap,
                              long[] historyIterations, double[] validationHistory) {
    public IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                           double[] lossHistory, double[] gradientNormHistory, double learningRate, double dualityGap,
                           long[] historyIterations) {
        this(coefficients, intercept, iterations, stopReason, lossHistory, gradientNormHistory, learningRate, dualityGap,
                historyIterations, new double[0]);
    }

    public IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                           double[] lossHistory, double[] gradientNormHistory, double learningRate, double dualityGap) {
        this(coefficients, intercept, iterations, stopReason, lossHistory, gradientNormHistory, learningRate, dualityGap, null);
    }

    public IterativeResult(double[] coefficients, double intercept, long iterations, StopReason stopReason,
                           double[] lossHistory, double[] gradientNormHistory, double learningRate) {
        this(coefficients, intercept, iterations, stopReason, lossHistory, gradientNormHistory, learningRate, Double.NaN);
    }
}
