package dev.downhill.spi;

/**
 * The rows of a wide augmented matrix A = [X_c·D | y_c] (m × (n+1), m ≤ n; weighted, row i times √wᵢ) up to an
 * orthogonal transformation from the left: B = PᵀA with P an m × m orthogonal matrix. A backend whose rows it copies to
 * the host returns A itself (P = I); {@link ResidentProblem#wideRows}'s default returns the QR pass's R (P = Q). Either
 * serves the minimum-norm solution, which depends on A only through PᵀA: the pseudo-inverse of B's first n columns
 * applied to its last column is that of X_c·D applied to y_c, and B's column norms and Gram matrix BᵀB = AᵀA are A's.
 * Host memory, column-major: element (i, j) at {@code a[i + j·rows]}.
 *
 * @param a    B, rows × cols, column-major
 * @param rows m
 * @param cols n + 1
 */
public record WideRows(double[] a, int rows, int cols) {

    /** Element (i, j). */
    public double get(int i, int j) {
        return a[i + j * rows];
    }
}
