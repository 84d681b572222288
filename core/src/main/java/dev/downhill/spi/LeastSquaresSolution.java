package dev.downhill.spi;

/**
 * Result of an SVD least-squares solve.
 *
 * @param coefficients   the minimum-norm θ (host copy)
 * @param rank           effective rank: singular values above cutoff·σ_max
 * @param singularValues singular values of the (centred) X, largest first
 */
public record LeastSquaresSolution(double[] coefficients, long rank, double[] singularValues) {
}
