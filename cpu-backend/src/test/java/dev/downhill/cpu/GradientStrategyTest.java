package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import dev.downhill.testing.Compare;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both full-pass kernels against a float64 loop, on shapes that exercise every edge of the native
 * kernel: rows not a multiple of the group of 4 (1, 3, 5 … rows per thread), columns not a
 * multiple of the SIMD width, one column, several threads and flushes.
 */
class GradientStrategyTest {

    @Test
    void nativeKernelLoadsHere() {
        assertNull(GradientStrategy.probeNative(), "the build compiles the native kernel for this machine");
    }

    @Test
    void bothKernelsMatchAFloat64LoopOnAwkwardShapes() {
        int[][] shapes = {{1, 1}, {3, 7}, {5, 8}, {9, 17}, {64, 33}, {203, 5}, {1031, 129}};
        for (int[] shape : shapes) {
            for (Precision p : Precision.values()) {
                for (GradientStrategy s : GradientStrategy.values()) {
                    for (int threads : new int[] {1, 2, 3}) {
                        check(shape[0], shape[1], p, s, threads);
                    }
                }
            }
        }
    }

    private static void check(int m, int n, Precision precision, GradientStrategy strategy, int threads) {
        SplittableRandom r = new SplittableRandom(m * 31L + n);
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = round(r.nextGaussian(), precision);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = round(r.nextGaussian(), precision);
            }
            y[i] = round(r.nextGaussian(), precision);
        }
        double b = 0.25;
        double[] expected = new double[n];
        double ss = 0;
        double sum = 0;
        for (int i = 0; i < m; i++) {
            double res = b - y[i];
            for (int j = 0; j < n; j++) {
                res += x[i][j] * theta[j];
            }
            ss += res * res;
            sum += res;
            for (int j = 0; j < n; j++) {
                expected[j] += 2.0 / m * x[i][j] * res;
            }
        }
        BlockShape shape = new BlockShape(4096, 16); // tiny blocks and flushes: many of both
        try (Dataset d = Dataset.of(x, y).toPrecision(precision);
             CpuProblem problem = new CpuProblem(d, precision, threads, shape, strategy);
             BackendVector t = problem.allocateVector(n);
             BackendVector g = problem.allocateVector(n)) {
            t.copyFromHost(theta);
            ResidualSums sums = problem.gradient(t, b, 1, 2.0 / m, RowSlice.all(), g);
            // float64: summation order only (1e-12); float32: float32 dot products and partials over
            // ≤ n and ≤ 16 terms, ε₃₂·√n·cond-ish ≈ 1e-5 relative
            double tol = precision == Precision.FLOAT64 ? 1e-12 : 2e-5;
            String what = m + "×" + n + " " + precision + " " + strategy + " threads=" + threads;
            Compare.assertClose(g.copyToHost(), expected, tol, what + " gradient");
            assertEquals(ss, sums.sumOfSquares(), tol * ss, what + " Σr²");
            assertTrue(Math.abs(sum - sums.sum()) <= tol * Math.sqrt(ss * m) + 1e-300, what + " Σr");
        }
    }

    private static double round(double v, Precision p) {
        return p == Precision.FLOAT32 ? (float) v : v;
    }
}
