package dev.downhill.internal.direct;

import dev.downhill.spi.QrReduction;

/** Householder QR in plain Java, for backends without a LAPACK QR of the shape at hand (O(rows·cols·min)). */
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
            double norm = 0;
            for (int i = j; i < rows; i++) {
                norm = Math.hypot(norm, a[i + j * rows]);
            }
            if (norm == 0) {
                continue;
            }
            double alpha = a[j + j * rows] > 0 ? -norm : norm;
            double v0 = a[j + j * rows] - alpha;
            // v = (v0, a[j+1..rows-1, j]); H = I − 2vvᵀ/(vᵀv)
            double vv = v0 * v0;
            for (int i = j + 1; i < rows; i++) {
                vv += a[i + j * rows] * a[i + j * rows];
            }
            for (int c = j + 1; c < cols; c++) {
                double s = v0 * a[j + c * rows];
                for (int i = j + 1; i < rows; i++) {
                    s += a[i + j * rows] * a[i + c * rows];
                }
                double f = 2 * s / vv;
                a[j + c * rows] -= f * v0;
                for (int i = j + 1; i < rows; i++) {
                    a[i + c * rows] -= f * a[i + j * rows];
                }
            }
            a[j + j * rows] = alpha;
            for (int i = j + 1; i < rows; i++) {
                a[i + j * rows] = 0;
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
