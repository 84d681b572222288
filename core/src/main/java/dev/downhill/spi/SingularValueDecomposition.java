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

    /** The rows × cols column-major {@code a} transposed (cols × rows, column-major). */
    public static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                t[j + i * cols] = a[i + j * rows];
            }
        }
        return t;
    }

    /** Given this SVD of Aᵀ, the SVD of A: Aᵀ = UΣVᵀ ⇒ A = VΣUᵀ. */
    public SingularValueDecomposition ofTranspose() {
        int k = rank();
        return new SingularValueDecomposition(transpose(vt, k, cols), singular, transpose(u, rows, k), cols, rows);
    }
}
