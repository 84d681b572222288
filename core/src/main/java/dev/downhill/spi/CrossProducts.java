package dev.downhill.spi;

/**
 * The sufficient statistics of the normal equations, from one pass over X accumulated in float64
 * by row blocks: G = X_cᵀX_c and c = X_cᵀy_c, where X_c, y_c are X and y centred by their column
 * means when the pass was asked to centre, else X and y themselves. Host memory.
 *
 * @param gram   G, n × n, both triangles filled (symmetric, so row- and column-major agree); index j·n + i
 * @param moment c, length n
 */
public record CrossProducts(double[] gram, double[] moment) {
}
