package dev.downhill.internal.direct;

import dev.downhill.spi.QrReduction;

/**
 * Householder QR in plain Java, for backends without a LAPACK QR of the shape at hand (O(rows·cols·min)).
 *
 * <p>Each reflector is LAPACK's (dlarfg): for the column x below the diagonal, β = −sign(x₀)·‖x‖ (‖x‖ by
 * {@link Math#hypot}), v = (1, x₁/(x₀ − β), …), τ = (β − x₀)/β, H = I − τvvᵀ, applied as a ← a − τ(vᵀa)v. Nothing is
 * squared (|vᵢ| ≤ 1): a column whose values are near 1e-200, whose squares underflow float64, is reduced as accurately
 * as one near 1 (the form v = x − βe₀, H = I − 2vvᵀ/(vᵀv), squared it: vᵀv was 0 and the factor not finite).
 */
public final class HouseholderQr {
    private HouseholderQr() {
    }

    /**
     * Reduces the rows × cols column-major {@code a} (overwritten) to its triangular factor R, the first
     * min(rows, cols) rows, in {@link QrReduction}'s layout.
     */
    public static QrReduction reduce(double[] a, int rows, int cols) {
        int k = Math.min(rows, cols);
        for (int j = 0; j < Math.min(rows - 1, cols); j++) {
            int base = j * rows;
            double norm = 0;
            for (int i = j; i < rows; i++) {
                norm = Math.hypot(norm, a[i + base]);
            }
            if (norm == 0) {
                continue;
            }
            double x0 = a[j + base];
            double beta = x0 > 0 ? -norm : norm;
            double v0 = x0 - beta; // |v0| = |x0| + ‖x‖: no cancellation
            double tau = (beta - x0) / beta;
            for (int i = j + 1; i < rows; i++) { // v below its leading 1, stored in place of x
                a[i + base] /= v0;
            }
            for (int c = j + 1; c < cols; c++) {
                int column = c * rows;
                double s = a[j + column];
                for (int i = j + 1; i < rows; i++) {
                    s += a[i + base] * a[i + column];
                }
                double f = tau * s;
                a[j + column] -= f;
                for (int i = j + 1; i < rows; i++) {
                    a[i + column] -= f * a[i + base];
                }
            }
            a[j + base] = beta;
            for (int i = j + 1; i < rows; i++) {
                a[i + base] = 0;
            }
        }
        double[] r = new double[k * cols];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i <= Math.min(j, k - 1); i++) {
                r[i + j * k] = a[i + j * rows];
            }
        }
        return new QrReduction(r, k, cols);
    }
}
