package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.internal.direct.JavaDenseKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LAPACK's dpocon-based ‖A⁻¹‖₁ estimate against the exact norm (A⁻¹ formed column by column from the factor) and
 * against the Java estimator: both are lower bounds (to rounding) within the estimator's usual factor of 3.
 */
class LapackDenseKernelsTest {

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 7, 60, 201})
    void inverseNormEstimateBracketsTheExactNorm(int n) {
        // A = BᵀB + graded diagonal: SPD with condition ~1e6
        double[] a = gramPlusDiagonal(n, n + 5, n, i -> Math.pow(10, -6.0 * i / Math.max(1, n - 1)));
        LapackDenseKernels lapack = new LapackDenseKernels(2);
        double[] l = a.clone();
        assertEquals(0, lapack.cholesky(l, n));
        double exact = exactInverseNorm(l, n);
        double estimate = lapack.choleskyInverseNormEstimate(l, n);
        double java = JavaDenseKernels.INSTANCE.choleskyInverseNormEstimate(l, n);
        for (double e : new double[] {estimate, java}) {
            assertTrue(e <= exact * (1 + 1e-9) && e >= exact / 3, "estimate " + e + " vs exact ‖A⁻¹‖₁ " + exact);
        }
    }

    /**
     * A = BᵀB + diag(d(0), …, d(n − 1)), column-major (symmetric), for an m × n Gaussian B drawn with {@code seed}: SPD
     * whenever every d(i) &gt; 0. Shared by the dense-kernel tests.
     */
    static double[] gramPlusDiagonal(int n, int m, long seed, java.util.function.IntToDoubleFunction diagonal) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] b = new double[m * n];
        for (int k = 0; k < b.length; k++) {
            b[k] = random.nextGaussian();
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int r = 0; r < m; r++) {
                    s += b[r * n + i] * b[r * n + j];
                }
                a[i + j * n] = s + (i == j ? diagonal.applyAsDouble(i) : 0);
            }
        }
        return a;
    }

    /** max_j Σ_i |(A⁻¹)ᵢⱼ| with A⁻¹eⱼ from two triangular solves with L (column-major lower). */
    private static double exactInverseNorm(double[] l, int n) {
        double best = 0;
        for (int j = 0; j < n; j++) {
            double[] x = new double[n];
            x[j] = 1;
            for (int i = 0; i < n; i++) { // L z = e_j
                double s = x[i];
                for (int k = 0; k < i; k++) {
                    s -= l[i + k * n] * x[k];
                }
                x[i] = s / l[i + i * n];
            }
            for (int i = n - 1; i >= 0; i--) { // Lᵀ x = z
                double s = x[i];
                for (int k = i + 1; k < n; k++) {
                    s -= l[k + i * n] * x[k];
                }
                x[i] = s / l[i + i * n];
            }
            double col = 0;
            for (double v : x) {
                col += Math.abs(v);
            }
            best = Math.max(best, col);
        }
        return best;
    }
}
