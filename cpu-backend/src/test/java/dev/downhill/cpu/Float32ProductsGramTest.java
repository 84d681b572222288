package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasUpper;
import static org.bytedeco.openblas.global.openblas_full.cblas_ssyrk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.GramSystem;
import dev.downhill.spi.HostExtendedResidual;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float32-product Gram pass ({@link DirectPasses#float32Products}) against the float64 one, on float64 and float32
 * data: every entry of G within the float32 error bound, c as given (centred) or Xᵀy (uncentred), and the system says
 * it holds float32 products.
 */
class Float32ProductsGramTest {

    @ParameterizedTest(name = "centred {0}, {1} data")
    @org.junit.jupiter.params.provider.CsvSource({"true, FLOAT64", "false, FLOAT64", "true, FLOAT32"})
    void entriesAreWithinTheFloat32BoundOfTheFloat64Gram(boolean centred, Precision stored) {
        int m = 5_000; // several blocks of rows for n = 1,000 (16 MB of float32 rows is 4,194 rows)
        int n = 1_000;
        SplittableRandom random = new SplittableRandom(7);
        double[] x = new double[m * n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i * n + j] = (j % 3) * 10 + random.nextGaussian() * (1 + j % 5);
            }
            y[i] = 2 + random.nextGaussian();
        }
        if (stored == Precision.FLOAT32) { // the values float32 holds, so that the bound's magnitudes are the data's
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) x[k];
            }
            for (int i = 0; i < m; i++) {
                y[i] = (float) y[i];
            }
        }
        try (Dataset data = stored == Precision.FLOAT64 ? Dataset.ofRowMajor(x, m, n, y) : float32(x, m, n, y)) {
            HostExtendedResidual pass = new HostExtendedResidual(data, Precision.FLOAT64, true, 2, NativeRangeKernel.orJava(), true);
            ColumnStatistics stats = centred ? pass.roundedMeans() : null;
            double[] moment = centred ? pass.centredMoment() : null;
            try (OffHeapGramSystem exact = OpenBlas.withThreads(2, () -> DirectPasses.gram(data, stats, moment, 2));
                 OffHeapGramSystem rounded = OpenBlas.withThreads(2, () -> DirectPasses.float32Products(data, stats, moment, 2))) {
                assertNotNull(rounded);
                assertEquals(GramSystem.FLOAT32_ROUNDOFF, rounded.unitRoundoff());
                assertEquals(GramSystem.FLOAT64_ROUNDOFF, exact.unitRoundoff());
                double[] mean = centred ? stats.means() : new double[n];
                for (int j = 0; j < n; j += 37) {
                    for (int k = j; k < n; k += 11) {
                        double magnitude = 0; // Σᵢ |x_ij − x̄_j|·|x_ik − x̄_k|
                        for (int i = 0; i < m; i++) {
                            magnitude += Math.abs(x[i * n + j] - mean[j]) * Math.abs(x[i * n + k] - mean[k]);
                        }
                        // rounding both factors (2u) and summing ≤ 4,194 float32 products per block: a loose (k + 2)·u₃₂
                        double bound = (4_194 + 2) * GramSystem.FLOAT32_ROUNDOFF * magnitude;
                        assertEquals(exact.upper(j, k), rounded.upper(j, k), bound, "G(" + j + ", " + k + ")");
                    }
                }
                double[] c = rounded.moment();
                double[] expected = exact.moment();
                for (int j = 0; j < n; j++) { // centred: the moment given; uncentred: dgemv as in the float64 pass
                    assertEquals(expected[j], c[j], 1e-12 * Math.max(1, Math.abs(expected[j])), "c" + j);
                }
                if (centred) {
                    assertArrayEquals(moment, c, 0);
                }
            }
        }
    }

    private static Dataset float32(double[] x, int m, int n, double[] y) {
        return NativeRangeKernelTest.dataset(x, y, null, m, n, Precision.FLOAT32);
    }

    @Test
    void declinesWeightedDataAndCentringWithoutTheMoment() {
        double[] x = {1, 2, 3, 4, 5, 7};
        double[] y = {1, 2, 4};
        try (Dataset weighted = Dataset.ofRowMajor(x, 3, 2, y, new double[] {1, 2, 1});
             Dataset plain = Dataset.ofRowMajor(x, 3, 2, y)) {
            ColumnStatistics stats = new ColumnStatistics(new double[] {3, 4.67}, 2.33);
            assertNull(DirectPasses.float32Products(weighted, null, null, 1));
            assertNull(DirectPasses.float32Products(plain, stats, null, 1));
        }
        try (Dataset float32 = float32(x, 3, 2, y)) { // uncentred float32 data: c would need a float64 copy of X
            assertNull(DirectPasses.float32Products(float32, null, null, 1));
        }
    }

    /** The pass relies on it: ssyrk with β = 0 writes C without reading it, so uninitialised memory (even NaN) is harmless. */
    @Test
    void ssyrkWithBetaZeroDoesNotReadC() {
        int n = 9;
        int k = 5;
        float[] a = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3;
        }
        try (FloatPointer ap = new FloatPointer(a); FloatPointer c = new FloatPointer((long) n * n)) {
            float[] garbage = new float[n * n];
            java.util.Arrays.fill(garbage, Float.NaN);
            c.put(garbage);
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1f, ap, n, 0f, c, n);
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    float expected = 0;
                    for (int r = 0; r < k; r++) {
                        expected += a[r * n + i] * a[r * n + j];
                    }
                    assertEquals(expected, c.get((long) i * n + j), 0, "C(" + i + ", " + j + ")");
                }
            }
        }
    }
}
