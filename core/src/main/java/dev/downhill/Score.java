package dev.downhill;

/**
 * Goodness of fit on some data.
 *
 * @param mse mean squared error (1/m)Σ(ŷᵢ − yᵢ)²
 * @param r2  coefficient of determination 1 − Σ(ŷᵢ − yᵢ)² / Σ(yᵢ − ȳ)² (NaN when y is constant)
 */
public record Score(double mse, double r2) {
}
