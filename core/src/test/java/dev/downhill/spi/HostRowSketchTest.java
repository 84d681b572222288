package dev.downhill.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.sampling.CounterBasedSampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link HostRowSketch} against its definition computed row by row, across thread counts, precisions and weights. */
class HostRowSketchTest {

    private static double[][] matrix(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = 3 + r.nextGaussian() * (1 + j);
            }
        }
        return x;
    }

    /** A[b] = Σ_{kept i, h(i) = b} sᵢ·√(wᵢ/p)·(xᵢ − μ), row by row in row order (the same operations as the pass). */
    private static double[] reference(double[][] x, double[] w, double[] means, int s, double rate, long seed) {
        int n = x[0].length;
        double[] a = new double[s * n];
        for (int i = 0; i < x.length; i++) {
            if (rate < 1 && !HostRowSketch.kept(seed, i, rate)) {
                continue;
            }
            long h = CounterBasedSampler.hash(seed, i);
            int b = HostRowSketch.bucket(h, s);
            double root = w == null ? 1.0 : Math.sqrt(w[i]);
            double f = HostRowSketch.sign(h) * (rate < 1 ? root * (1 / Math.sqrt(rate)) : root);
            for (int j = 0; j < n; j++) {
                a[b * n + j] += f * (means == null ? x[i][j] : x[i][j] - means[j]);
            }
        }
        return a;
    }

    @Test
    void theSketchIsItsDefinitionBitForBitOnAnyNumberOfThreads() {
        double[][] x = matrix(3_000, 37, 1);
        double[] y = new double[x.length];
        double[] means = new double[37];
        for (int j = 0; j < 37; j++) {
            means[j] = 3 + 0.01 * j;
        }
        try (Dataset d = Dataset.of(x, y)) {
            for (double rate : new double[] {1, 0.3}) {
                double[] expected = reference(x, null, means, 50, rate, 11);
                for (int threads : new int[] {1, 2, 3, 8}) {
                    assertArrayEquals(expected, HostRowSketch.of(d, means, 50, rate, 11, threads), 0.0,
                            "rate " + rate + ", threads " + threads);
                }
            }
            assertArrayEquals(reference(x, null, null, 64, 1, 5), HostRowSketch.of(d, null, 64, 1, 5, 2), 0.0);
        }
    }

    @Test
    void float32DataAndWeightsEnterAsTheirValuesAndRoots() {
        double[][] x = matrix(1_000, 20, 2);
        float[][] f = new float[x.length][20];
        double[][] rounded = new double[x.length][20];
        double[] w = new double[x.length];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 20; j++) {
                f[i][j] = (float) x[i][j];
                rounded[i][j] = f[i][j];
            }
            w[i] = r.nextDouble() * 4;
        }
        try (Dataset d = Dataset.of(f, new float[x.length], w)) {
            assertArrayEquals(reference(rounded, w, null, 40, 0.5, 9), HostRowSketch.of(d, null, 40, 0.5, 9, 2), 0.0);
        }
    }

    /**
     * The sketch is unbiased: E[AᵀA] = X_cᵀX_c. Averaged over 200 seeds, a diagonal entry of AᵀA (a sum of ~m squares
     * with random signs and collisions) comes within 3 standard errors of the exact one; the standard error is measured
     * from the same 200 draws.
     */
    @Test
    void theSketchsGramMatrixIsUnbiased() {
        double[][] x = matrix(400, 3, 4);
        try (Dataset d = Dataset.of(x, new double[x.length])) {
            double exact = 0;
            for (double[] row : x) {
                exact += row[1] * row[1];
            }
            int draws = 200;
            double sum = 0;
            double sumSq = 0;
            for (int seed = 0; seed < draws; seed++) {
                double[] a = HostRowSketch.of(d, null, 8, 0.5, seed, 1);
                double g = 0;
                for (int b = 0; b < 8; b++) {
                    g += a[b * 3 + 1] * a[b * 3 + 1];
                }
                sum += g;
                sumSq += g * g;
            }
            double mean = sum / draws;
            double standardError = Math.sqrt((sumSq / draws - mean * mean) / draws);
            assertTrue(Math.abs(mean - exact) < 3 * standardError, mean + " vs " + exact + " ± " + standardError);
        }
    }

    /** An interrupted caller gets FitInterruptedException from the sketch and from the Java Gram kernel, flag kept. */
    @Test
    void anInterruptStopsTheSketchAndItsGram() {
        double[][] x = matrix(5_000, 40, 6);
        try (Dataset d = Dataset.of(x, new double[x.length])) {
            Thread.currentThread().interrupt();
            try {
                assertThrows(dev.downhill.FitInterruptedException.class, () -> HostRowSketch.of(d, null, 80, 1, 1, 3));
                assertTrue(Thread.currentThread().isInterrupted());
                double[] a = new double[80 * 40];
                assertThrows(dev.downhill.FitInterruptedException.class,
                        () -> dev.downhill.internal.direct.JavaDenseKernels.rowGram(a, 80, 40, 3));
                assertTrue(Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        try (Dataset d = Dataset.of(matrix(10, 2, 5), new double[10])) {
            assertThrows(IllegalArgumentException.class, () -> HostRowSketch.of(d, null, 0, 1, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> HostRowSketch.of(d, null, 4, 0, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> HostRowSketch.of(d, null, 4, 1.5, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> HostRowSketch.of(d, new double[3], 4, 1, 1, 1));
        }
        assertEquals(1.0, HostRowSketch.sign(2L));
        assertEquals(-1.0, HostRowSketch.sign(3L));
    }
}
