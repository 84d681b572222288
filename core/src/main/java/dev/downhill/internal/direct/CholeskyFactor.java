package dev.downhill.internal.direct;

import java.nio.DoubleBuffer;

/**
 * A Cholesky factor L (n × n, column-major, lower) of a symmetric positive definite G = LLᵀ, with the
 * O(n²) operations core needs on it: solves and Hager–Higham's estimate of ‖G⁻¹‖₁ (what LAPACK's
 * dlacon/dpocon do), so the condition estimate is the same number on every backend. L is read in place: a heap
 * array or the off-heap memory a backend's {@link dev.downhill.spi.GramSystem} holds it in (absolute indexing).
 */
final class CholeskyFactor {
    private final DoubleBuffer l;
    private final int n;

    CholeskyFactor(double[] l, int n) {
        this(DoubleBuffer.wrap(l), n);
    }

    CholeskyFactor(DoubleBuffer l, int n) {
        this.l = l;
        this.n = n;
    }

    /** x = G⁻¹b (two triangular solves); b is not modified. */
    double[] solve(double[] b) {
        double[] x = b.clone();
        for (int j = 0; j < n; j++) { // L z = b, column-oriented
            double v = x[j] / l.get(j + j * n);
            x[j] = v;
            int base = j * n;
            for (int i = j + 1; i < n; i++) {
                x[i] -= l.get(i + base) * v;
            }
        }
        for (int i = n - 1; i >= 0; i--) { // Lᵀ x = z: row i of Lᵀ is column i of L
            int base = i * n;
            double s = x[i];
            for (int k = i + 1; k < n; k++) {
                s -= l.get(k + base) * x[k];
            }
            x[i] = s / l.get(i + base);
        }
        return x;
    }

    /**
     * An estimate (a lower bound, usually within a factor 3) of ‖G⁻¹‖₁ by Hager's method with Higham's
     * refinements: at most 5 iterations of two solves each, then the alternating-sign test vector.
     * G⁻¹ is symmetric, so transposed solves are solves.
     */
    double inverseNormEstimate() {
        double[] x = new double[n];
        java.util.Arrays.fill(x, 1.0 / n);
        double[] y = solve(x);
        double estimate = norm1(y);
        double[] sign = signs(y);
        double[] z = solve(sign);
        int previous = -1;
        for (int iteration = 0; iteration < 5; iteration++) {
            int j = 0;
            for (int i = 1; i < n; i++) {
                if (Math.abs(z[i]) > Math.abs(z[j])) {
                    j = i;
                }
            }
            if (iteration > 0 && (j == previous || Math.abs(z[j]) <= dot(z, x))) {
                break;
            }
            previous = j;
            x = new double[n];
            x[j] = 1;
            y = solve(x);
            double next = norm1(y);
            double[] nextSign = signs(y);
            if (next <= estimate || java.util.Arrays.equals(nextSign, sign)) {
                estimate = Math.max(estimate, next);
                break;
            }
            estimate = next;
            sign = nextSign;
            z = solve(sign);
        }
        double[] alternating = new double[n];
        for (int i = 0; i < n; i++) {
            alternating[i] = (i % 2 == 0 ? 1 : -1) * (1 + (n > 1 ? (double) i / (n - 1) : 0));
        }
        return Math.max(estimate, 2 * norm1(solve(alternating)) / (3.0 * n));
    }

    private static double norm1(double[] v) {
        double s = 0;
        for (double d : v) {
            s += Math.abs(d);
        }
        return s;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] signs(double[] v) {
        double[] s = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = v[i] >= 0 ? 1 : -1;
        }
        return s;
    }
}
