package dev.downhill;

/**
 * Goodness of fit on some data.
 *
 * @param mse mean squared error (1/m)Σ(ŷᵢ − yᵢ)²; on data with sample weights Σwᵢ(ŷᵢ − yᵢ)²/Σw
 * @param r2  coefficient of determination 1 − Σ(ŷᵢ − yᵢ)² / Σ(yᵢ − ȳ)² (NaN when y is constant); on data with sample
 *            weights 1 − Σwᵢ(ŷᵢ − yᵢ)² / Σwᵢ(yᵢ − ȳ_w)², ȳ_w the weighted mean
 */
public record Score(double mse, double r2) {
}
