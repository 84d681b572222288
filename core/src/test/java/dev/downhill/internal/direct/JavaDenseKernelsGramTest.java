package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link JavaDenseKernels#rowGram} and the left-looking Cholesky against exact and textbook references. */
class JavaDenseKernelsGramTest {

    /**
     * AᵀA against the exact sums (BigDecimal, rounded once): every entry within 2·rows ulps of Σ|aᵢⱼaᵢₖ| (a float64 sum
     * of that many products), symmetric, and the same bits on 1, 2 and 5 threads.
     */
    @Test
    void rowGramIsTheExactCrossProductToRoundingAndThreadIndependent() {
        SplittableRandom r = new SplittableRandom(1);
        int rows = 150;
        int cols = 70;
        double[] a = new double[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian() * Math.scalb(1.0, r.nextInt(-5, 5));
        }
        double[] g = JavaDenseKernels.rowGram(a, rows, cols, 1);
        for (int j = 0; j < cols; j++) {
            for (int k = 0; k < cols; k++) {
                BigDecimal exact = BigDecimal.ZERO;
                double bound = 0;
                for (int i = 0; i < rows; i++) {
                    exact = exact.add(new BigDecimal(a[i * cols + j]).multiply(new BigDecimal(a[i * cols + k])));
                    bound += Math.abs(a[i * cols + j] * a[i * cols + k]);
                }
                assertEquals(exact.round(MathContext.DECIMAL64).doubleValue(), g[j + k * cols], 2 * rows * Math.ulp(bound),
                        "G[" + j + ", " + k + "]");
                assertEquals(g[j + k * cols], g[k + j * cols], 0.0);
            }
        }
        assertArrayEquals(g, JavaDenseKernels.rowGram(a, rows, cols, 2), 0.0);
        assertArrayEquals(g, JavaDenseKernels.rowGram(a, rows, cols, 5), 0.0);
    }

    /** The left-looking Cholesky gives the textbook (inner-product) algorithm's bits: the same operations per entry. */
    @Test
    void choleskyGivesTheInnerProductAlgorithmsBits() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 40;
        double[] b = new double[3 * n * n];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextGaussian();
        }
        double[] a = JavaDenseKernels.rowGram(b, 3 * n, n, 1);
        double[] expected = a.clone();
        for (int j = 0; j < n; j++) { // the inner-product form: d = a_jj − Σ_k L_jk², L_ij = (a_ij − Σ_k L_ik L_jk)/√d
            double d = expected[j + j * n];
            for (int k = 0; k < j; k++) {
                d -= expected[j + k * n] * expected[j + k * n];
            }
            d = Math.sqrt(d);
            expected[j + j * n] = d;
            for (int i = j + 1; i < n; i++) {
                double s = expected[i + j * n];
                for (int k = 0; k < j; k++) {
                    s -= expected[i + k * n] * expected[j + k * n];
                }
                expected[i + j * n] = s / d;
            }
            for (int i = 0; i < j; i++) {
                expected[i + j * n] = 0;
            }
        }
        assertEquals(0, JavaDenseKernels.INSTANCE.cholesky(a, n));
        assertArrayEquals(expected, a, 0.0);
        double[] singular = new double[] {1, 1, 1, 1}; // [[1, 1], [1, 1]]: breaks down at column 2
        assertEquals(2, JavaDenseKernels.INSTANCE.cholesky(singular, 2));
    }
}
