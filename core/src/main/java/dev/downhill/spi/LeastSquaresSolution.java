package dev.downhill.spi;

/**
 * Result of an SVD least-squares solve.
 *
 * @param coefficients   the minimum-norm θ (host copy)
 * @param rank           effective rank: singular values above cutoff·σ_max
 * @param singularValues singular values of the matrix the backend factored, largest first: the
 *                       (centred) X, or X with its columns scaled to unit norm when the backend
 *                       scales them (the cpu backend does, for full-column-rank X)
 */
public record LeastSquaresSolution(double[] coefficients, long rank, double[] singularValues) {
}
