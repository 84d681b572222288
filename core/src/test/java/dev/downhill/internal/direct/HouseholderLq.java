package dev.downhill.internal.direct;

import dev.downhill.spi.LqFactorization;

/**
 * Householder LQ in plain Java (O(rows²·cols)), the independent reference a backend's LQ is tested against (the cpu
 * backend's dgelqf/dormlq: {@code LqFactorizationTest}; no fit runs it — core takes a wide factor's SVD through an LQ
 * only where the backend's is native, {@link dev.downhill.spi.DenseKernels#nativeLq}): reflectors from the right,
 * A·H₁⋯H_rows = [L 0], with {@link HouseholderQr}'s reflector (LAPACK's dlarfg: nothing squared, ‖x‖ by
 * {@link Math#hypot}) on each row's part right of the diagonal. The rows are held contiguous (Aᵀ, column-major), so
 * every reflector and every product runs along memory.
 */
public final class HouseholderLq implements LqFactorization {
    private final int rows;
    private final int cols;
    /** Aᵀ after the reduction: row i of A at [i·cols, (i+1)·cols): L's row i up to the diagonal, vᵢ's tail after it. */
    private final double[] t;
    private final double[] tau;

    private HouseholderLq(int rows, int cols, double[] t, double[] tau) {
        this.rows = rows;
        this.cols = cols;
        this.t = t;
        this.tau = tau;
    }

    /** The LQ factorization of the rows × cols column-major {@code a} (rows ≤ cols); {@code a} is not modified. */
    public static HouseholderLq factor(double[] a, int rows, int cols) {
        if (rows > cols) {
            throw new IllegalArgumentException("LQ of a " + rows + " × " + cols + " matrix: rows must not exceed cols");
        }
        double[] t = dev.downhill.spi.SingularValueDecomposition.transpose(a, rows, cols);
        double[] tau = new double[rows];
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            double norm = 0;
            for (int c = i; c < cols; c++) {
                norm = Math.hypot(norm, t[base + c]);
            }
            if (norm == 0 || i == cols - 1) {
                continue; // H = I (τ = 0)
            }
            double x0 = t[base + i];
            double beta = x0 > 0 ? -norm : norm;
            double v0 = x0 - beta;
            tau[i] = (beta - x0) / beta;
            for (int c = i + 1; c < cols; c++) {
                t[base + c] /= v0;
            }
            t[base + i] = beta;
            for (int r = i + 1; r < rows; r++) { // row r ← row r·H = row r − τ(row r·v)vᵀ
                reflect(t, r * cols, base, i, cols, tau[i]);
            }
        }
        return new HouseholderLq(rows, cols, t, tau);
    }

    /** x ← x − τ(x·v)vᵀ on x = t[x, x + cols) and v = (1, t[v + i + 1, v + cols)) from position i. */
    private static void reflect(double[] t, int x, int v, int i, int cols, double tau) {
        double s = t[x + i];
        for (int c = i + 1; c < cols; c++) {
            s += t[x + c] * t[v + c];
        }
        double f = tau * s;
        t[x + i] -= f;
        for (int c = i + 1; c < cols; c++) {
            t[x + c] -= f * t[v + c];
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public double[] lower() {
        double[] l = new double[rows * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j <= i; j++) {
                l[i + j * rows] = t[i * cols + j];
            }
        }
        return l;
    }

    /** [bᵀ 0]·Q = [bᵀ 0]·H_rows⋯H₁ for each row of B: the last reflector first. */
    @Override
    public double[] timesQ(double[] b, int count) {
        double[] out = new double[count * cols];
        double[] x = new double[cols];
        for (int r = 0; r < count; r++) {
            java.util.Arrays.fill(x, 0);
            for (int i = 0; i < rows; i++) {
                x[i] = b[r + i * count];
            }
            for (int i = rows - 1; i >= 0; i--) {
                if (tau[i] == 0) {
                    continue;
                }
                double s = x[i];
                int v = i * cols;
                for (int c = i + 1; c < cols; c++) {
                    s += x[c] * t[v + c];
                }
                double f = tau[i] * s;
                x[i] -= f;
                for (int c = i + 1; c < cols; c++) {
                    x[c] -= f * t[v + c];
                }
            }
            for (int c = 0; c < cols; c++) {
                out[r + c * count] = x[c];
            }
        }
        return out;
    }
}
