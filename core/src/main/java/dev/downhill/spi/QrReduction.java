package dev.downhill.spi;

/**
 * The triangular factor of a QR reduction of the augmented matrix A = [X_c·D | y_c] (m × (n+1)):
 * A = QR with Q orthonormal columns, never formed. Host memory, column-major: element (i, j) at
 * {@code r[i + j·rows]}, zeros below the diagonal. {@code rows} = min(m, n + 1).
 *
 * <p>With k = min(rows, n): the leading k × n block R₁₁ is the factor of X_c·D, the first k entries of
 * the last column are z = Q₁ᵀy_c, and when m > n the entry (n, n) is ±‖y_c − X_c·D·ẑ‖ at the
 * least-squares solution ẑ.
 *
 * @param r    the factor, rows × cols, column-major
 * @param rows min(m, n + 1)
 * @param cols n + 1
 */
public record QrReduction(double[] r, int rows, int cols) {

    /** R₁₁'s row count: min(rows, n). */
    public int factorRows() {
        return Math.min(rows, cols - 1);
    }

    /** Element (i, j). */
    public double get(int i, int j) {
        return r[i + j * rows];
    }
}
