package dev.downhill.spi;

/**
 * The two reductions a fused gradient pass returns, accumulated in float64. For a weighted problem they are
 * Σwᵢrᵢ² and Σwᵢrᵢ.
 *
 * @param sumOfSquares ‖r‖² = Σ rᵢ² over the rows visited
 * @param sum          Σ rᵢ over the rows visited
 */
public record ResidualSums(double sumOfSquares, double sum) {
}
