package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.HostExtendedResidual;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The native double-double passes against the Java reference code in {@link HostExtendedResidual}: the contract is the
 * same bits (the same operations in the same order), so every result is compared with {@code assertArrayEquals} on
 * the raw doubles — no tolerance. The data mix magnitudes (1e±8 around a large offset) so that the low parts of the
 * double-double sums are busy, n covers the AVX2 tail (n mod 4 ≠ 0, n &lt; 4), and m spans several renormalisation
 * blocks and thread ranges.
 */
class NativeRangeKernelTest {

    @ParameterizedTest(name = "{0} rows × {1} cols, {2}, held as {3}, weighted {4}, centred {5}, {6} threads")
    @CsvSource({
            "300, 1, FLOAT64, FLOAT64, false, true, 1",
            "301, 3, FLOAT64, FLOAT64, false, true, 2",
            "1000, 7, FLOAT64, FLOAT64, true, true, 3",
            "257, 8, FLOAT64, FLOAT64, false, false, 2",
            "5000, 37, FLOAT64, FLOAT64, true, false, 2",
            "600, 11, FLOAT32, FLOAT32, false, true, 2",
            "600, 12, FLOAT32, FLOAT32, true, true, 1",
            "700, 13, FLOAT64, FLOAT32, false, true, 2",
            "700, 5, FLOAT64, FLOAT32, true, true, 3",
            "40000, 2, FLOAT64, FLOAT64, true, true, 2",
    })
    void nativeKernelGivesTheJavaBits(int m, int n, Precision stored, Precision held, boolean weighted, boolean centred, int threads) {
        assertNotNull(NativeRangeKernel.orJava(), "the native double-double kernels must load on this machine");
        SplittableRandom random = new SplittableRandom(m * 31L + n);
        double[] x = new double[m * n];
        double[] y = new double[m];
        double[] w = new double[m];
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4));
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i * n + j] = 1e3 * (j + 1) + random.nextGaussian() * Math.pow(10, random.nextInt(-8, 3));
            }
            y[i] = 5e4 + random.nextGaussian() * 1e-2;
            w[i] = random.nextInt(4) == 0 ? 0 : random.nextDouble() * 3;
        }
        try (Dataset data = dataset(x, y, weighted ? w : null, m, n, stored)) {
            HostExtendedResidual java = new HostExtendedResidual(data, held, centred, threads, null);
            HostExtendedResidual nat = new HostExtendedResidual(data, held, centred, threads, NativeRangeKernel.orJava());
            assertEquals(java.intercept(theta), nat.intercept(theta), 0.0, "the means (intercept at θ)");
            assertArrayEquals(java.transposedResidual(theta), nat.transposedResidual(theta), 0.0, "X_cᵀr");
            double[] zero = new double[n];
            assertArrayEquals(java.transposedResidual(zero), nat.transposedResidual(zero), 0.0, "X_cᵀy_c");
            if (centred && !weighted) { // X_cᵀy_c from the means' own pass: the same bits, and the residual pass's value
                double[] fromMeans = new HostExtendedResidual(data, held, true, threads, null, true).centredMoment();
                assertArrayEquals(fromMeans, new HostExtendedResidual(data, held, true, threads, NativeRangeKernel.orJava(), true)
                        .centredMoment(), 0.0, "X_cᵀy_c from the column sums");
                double[] fromResidual = java.transposedResidual(zero);
                for (int j = 0; j < n; j++) { // two double-double routes (~1e-32 relative to the terms) rounded once each
                    assertEquals(fromResidual[j], fromMeans[j], 1e-12 * Math.abs(fromResidual[j]), "X_cᵀy_c, column " + j);
                }
            }
            // the raw double-double sums of one range, low parts included (a final rounding hides most low-part slips)
            boolean round = held == Precision.FLOAT32 && stored == Precision.FLOAT64;
            int blockRows = Math.max(1, m / 3);
            double[][] expected = rawSums(HostExtendedResidual.RangeKernel.java(), data, round, blockRows, theta);
            double[][] actual = rawSums(NativeRangeKernel.orJava(), data, round, blockRows, theta);
            for (int k = 0; k < expected.length; k++) {
                assertArrayEquals(expected[k], actual[k], 0.0, "raw sums " + k);
            }
        }
    }

    /**
     * Column sums (hi, lo), residual sums (hi, lo) over rows [1, m) with an offset (−ȳ-like, in double-double) and,
     * unweighted, the moments Σ xᵢyᵢ (hi, lo).
     */
    private static double[][] rawSums(HostExtendedResidual.RangeKernel kernel, Dataset data, boolean round, int blockRows,
                                      double[] theta) {
        int n = Math.toIntExact(data.cols());
        long m = data.rows();
        double[][] out = new double[data.isWeighted() ? 4 : 6][n + 1];
        kernel.columnSums(data, round, 1, m, blockRows, out[0], out[1], null, null);
        if (!data.isWeighted()) { // the same column sums with the moments Σ xᵢyᵢ accumulated in the same pass
            double[] hi = new double[n + 1];
            double[] lo = new double[n + 1];
            out[4] = new double[n];
            out[5] = new double[n];
            kernel.columnSums(data, round, 1, m, blockRows, hi, lo, out[4], out[5]);
            assertArrayEquals(out[0], hi, 0.0, "column sums with the moments");
            assertArrayEquals(out[1], lo, 0.0, "column sums with the moments (low parts)");
        }
        kernel.residualSums(data, round, 1, m, blockRows, theta, -5e4, 1.25e-13, out[2], out[3]);
        return out;
    }

    /** X and y (and w) as a dataset stored in {@code stored} precision (float32: each value rounded). */
    static Dataset dataset(double[] x, double[] y, double[] w, int m, int n, Precision stored) {
        if (stored == Precision.FLOAT64) {
            return w == null ? Dataset.ofRowMajor(x, m, n, y) : Dataset.ofRowMajor(x, m, n, y, w);
        }
        float[] xf = new float[x.length];
        float[] yf = new float[y.length];
        for (int k = 0; k < x.length; k++) {
            xf[k] = (float) x[k];
        }
        for (int k = 0; k < y.length; k++) {
            yf[k] = (float) y[k];
        }
        return w == null ? Dataset.ofRowMajor(xf, m, n, yf) : Dataset.ofRowMajor(xf, m, n, yf, w);
    }
}
