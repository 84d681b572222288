package dev.downhill.spi;

/**
 * A thin SVD A = U·diag(σ)·Vᵀ of a rows × cols matrix, k = min(rows, cols). Host memory,
 * column-major.
 *
 * @param u        U, rows × k, element (i, l) at {@code u[i + l·rows]}
 * @param singular σ, length k, non-negative, largest first
 * @param vt       Vᵀ, k × cols, element (l, j) at {@code vt[l + j·k]}
 * @param rows     the matrix's rows
 * @param cols     the matrix's columns
 */
public record SingularValueDecomposition(double[] u, double[] singular, double[] vt, int rows, int cols) {

    /** k = min(rows, cols). */
    public int rank() {
        return singular.length;
    }
}
