package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.internal.direct.HouseholderLq;
import dev.downhill.spi.LqFactorization;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The LQ factorization A = L·Q₁ of wide matrices, LAPACK's (dgelqf/dormlq) and core's Java reference ({@link HouseholderLq}): L
 * lower triangular, L·Q₁ = A and Q₁Q₁ᵀ = I to rounding — on full-rank, rank-deficient (a repeated row, a zero row) and
 * tiny-valued matrices — and, at full rank, the two agree on L (the same reflector convention).
 */
class LqFactorizationTest {

    @ParameterizedTest(name = "{0} × {1}, {2}")
    @CsvSource({"1, 1, plain", "3, 3, plain", "5, 17, plain", "40, 300, plain", "40, 300, deficient", "12, 80, tiny", "1, 9, plain"})
    void reconstructsAWithOrthonormalRows(int k, int n, String kind) {
        double[] a = matrix(k, n, kind);
        double size = 0;
        for (double v : a) {
            size = Math.max(size, Math.abs(v));
        }
        LqFactorization lapack = new LapackDenseKernels(2).lq(a, k, n);
        LqFactorization java = HouseholderLq.factor(a, k, n);
        for (LqFactorization lq : new LqFactorization[] {lapack, java}) {
            double[] l = lq.lower();
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < j; i++) {
                    assertEquals(0, l[i + j * k], "L is lower triangular");
                }
            }
            double[] product = lq.timesQ(l, k); // L·Q₁ = A
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], product[i], 1e-13 * size * Math.sqrt(n), "L·Q₁ = A at " + i);
            }
            double[] identity = new double[k * k];
            for (int i = 0; i < k; i++) {
                identity[i + i * k] = 1;
            }
            double[] q = lq.timesQ(identity, k); // Q₁ itself, k × n
            for (int r = 0; r < k; r++) {
                for (int s = 0; s < k; s++) {
                    double dot = 0;
                    for (int c = 0; c < n; c++) {
                        dot += q[r + c * k] * q[s + c * k];
                    }
                    assertEquals(r == s ? 1 : 0, dot, 1e-13 * n, "Q₁Q₁ᵀ = I at " + r + ", " + s);
                }
            }
        }
        if (kind.equals("deficient")) {
            return; // a row dependent on those above leaves a rounding-noise remainder: its reflector, and L below it, are arbitrary
        }
        double[] l1 = lapack.lower();
        double[] l2 = java.lower();
        for (int i = 0; i < l1.length; i++) {
            assertEquals(l1[i], l2[i], 1e-12 * size * Math.sqrt(n), "LAPACK's and Java's L at " + i);
        }
    }

    /** k × n column-major: Gaussian; "deficient": row 1 = row 0 and the last row zero; "tiny": Gaussian × 1e-200. */
    private static double[] matrix(int k, int n, String kind) {
        SplittableRandom random = new SplittableRandom(k * 1_000L + n);
        double[] a = new double[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian() * (kind.equals("tiny") ? 1e-200 : 1);
        }
        if (kind.equals("deficient")) {
            for (int j = 0; j < n; j++) {
                a[1 + j * k] = a[j * k];
                a[k - 1 + j * k] = 0;
            }
        }
        assertTrue(a.length > 0);
        return a;
    }
}
