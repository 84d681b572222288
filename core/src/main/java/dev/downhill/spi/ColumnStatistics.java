package dev.downhill.spi;

/**
 * Column means of X and the mean of y from one pass, accumulated in float64. For a weighted problem
 * ({@link ResidentProblem#weighted()}) the weighted means x̄ⱼ = (1/Σw)Σᵢ wᵢXᵢⱼ and ȳ = (1/Σw)Σᵢ wᵢyᵢ.
 *
 * @param means      column means x̄ⱼ = (1/m)Σᵢ Xᵢⱼ (a host copy; callers must not modify it)
 * @param targetMean ȳ = (1/m)Σᵢ yᵢ
 */
public record ColumnStatistics(double[] means, double targetMean) {
}
