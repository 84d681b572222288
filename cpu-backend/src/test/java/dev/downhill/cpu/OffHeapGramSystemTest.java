package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.internal.direct.JavaDenseKernels;
import java.nio.DoubleBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native kernels {@link OffHeapGramSystem} runs in place of core's Java defaults: the scaling gives the Java code's
 * bits (the same products in the same order) and 1-norm, and dpotrs solves with the factor as the Java triangular
 * solves do.
 */
class OffHeapGramSystemTest {

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 2, 7, 64, 201})
    void nativeScalingGivesTheJavaBitsAndNorm(int n) {
        assertTrue(GramKernels.available());
        double[] g = spd(n, n);
        double[] scales = new double[n];
        for (int j = 0; j < n; j++) {
            scales[j] = 1 / Math.sqrt(g[j + j * n]);
        }
        try (OffHeapGramSystem system = filled(g, n)) {
            double[] java = g.clone();
            double expected = JavaDenseKernels.scaleSymmetricLower(DoubleBuffer.wrap(java), n, scales);
            assertEquals(expected, system.scale(scales), 0);
            double[] scaled = lowerOf(system.lower(), n);
            assertArrayEquals(lowerOf(DoubleBuffer.wrap(java), n), scaled, 0);
            double norm = 0; // the 1-norm of the symmetric matrix, from both triangles
            for (int j = 0; j < n; j++) {
                double column = 0;
                for (int i = 0; i < n; i++) {
                    column += Math.abs(i >= j ? java[i + j * n] : java[j + i * n]);
                }
                norm = Math.max(norm, column);
            }
            assertEquals(norm, expected, 1e-13 * norm);
        }
    }

    @Test
    void scalingThatOverflowsReportsAnInfiniteNorm() {
        int n = 3;
        double[] g = spd(n, 3);
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(Double.POSITIVE_INFINITY, system.scale(new double[] {1e200, 1e200, 1}));
        }
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 5, 130})
    void dpotrsSolvesWithTheFactorInPlace(int n) {
        double[] g = spd(n, 7 * n);
        double[] x = new SplittableRandom(n).doubles(n, -1, 1).toArray();
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                b[i] += g[i + j * n] * x[j];
            }
        }
        try (OffHeapGramSystem system = filled(g, n)) {
            assertEquals(0, system.cholesky());
            double[] copy = b.clone();
            double[] solved = system.solve(b);
            assertArrayEquals(copy, b, 0, "b is not modified");
            double[] java = JavaDenseKernels.choleskySolve(system.lower(), n, b);
            for (int j = 0; j < n; j++) { // condition ≲ 1e4: both within 1e-10 of x and of each other
                assertEquals(x[j], solved[j], 1e-10, "x" + j);
                assertEquals(java[j], solved[j], 1e-11, "vs Java, x" + j);
            }
        }
    }

    /** A = BᵀB + (n/10 + 1)·I (column-major, symmetric), B (n + 3) × n Gaussian: SPD with a moderate condition. */
    private static double[] spd(int n, long seed) {
        return LapackDenseKernelsTest.gramPlusDiagonal(n, n + 3, seed, i -> 0.1 * n + 1);
    }

    /** A system holding the symmetric {@code a}. */
    private static OffHeapGramSystem filled(double[] a, int n) {
        OffHeapGramSystem system = new OffHeapGramSystem(n, 1);
        system.pointer().put(a);
        return system;
    }

    private static double[] lowerOf(DoubleBuffer a, int n) {
        double[] out = new double[n * (n + 1) / 2];
        int k = 0;
        for (int j = 0; j < n; j++) {
            for (int i = j; i < n; i++) {
                out[k++] = a.get(i + j * n);
            }
        }
        return out;
    }
}
