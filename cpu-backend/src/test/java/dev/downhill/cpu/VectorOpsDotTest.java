package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VectorOps#dot}'s order, which the native epochs repeat for each batch's intercept (their bits depend on it):
 * index order below {@value VectorOps#SIXTEEN_CHAINS_FROM} values, sixteen chains from there; and its accuracy against
 * the exact dot in BigDecimal.
 */
class VectorOpsDotTest {

    private static double[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            v[j] = r.nextGaussian() * Math.pow(10, r.nextInt(-3, 4));
        }
        return v;
    }

    /** The documented order, written out: index order, or sixteen chains combined lane-wise and then the tail. */
    private static double expected(double[] a, double[] b) {
        int n = a.length;
        double r = 0;
        if (n < VectorOps.SIXTEEN_CHAINS_FROM) {
            for (int j = 0; j < n; j++) {
                r += a[j] * b[j];
            }
            return r;
        }
        double[] s = new double[16];
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            for (int k = 0; k < 16; k++) {
                s[k] += a[j + k] * b[j + k];
            }
        }
        double[] t = new double[4];
        for (int k = 0; k < 4; k++) {
            t[k] = (s[k] + s[k + 4]) + (s[k + 8] + s[k + 12]);
        }
        r = (t[0] + t[1]) + (t[2] + t[3]);
        for (; j < n; j++) {
            r += a[j] * b[j];
        }
        return r;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @CsvSource({"FLOAT64, 5", "FLOAT64, 31", "FLOAT64, 32", "FLOAT64, 47", "FLOAT64, 1000", "FLOAT32, 20", "FLOAT32, 70",
            "FLOAT64, 2047", "FLOAT64, 2048", "FLOAT64, 5003", "FLOAT32, 2048", "FLOAT32, 4099"}) // from 2,048: in C
    void dotHasTheDocumentedOrderAndIsAccurate(Precision precision, int n) {
        double[] a = values(n, 3 + n);
        double[] b = values(n, 7 + n);
        if (precision == Precision.FLOAT32) { // the vectors hold float32 values; the products are taken in float64
            for (int j = 0; j < n; j++) {
                a[j] = (float) a[j];
                b[j] = (float) b[j];
            }
        }
        try (CpuVector x = new CpuVector(n, precision); CpuVector y = new CpuVector(n, precision)) {
            x.copyFromHost(a);
            y.copyFromHost(b);
            double got = VectorOps.dot(x, y);
            assertEquals(expected(a, b), got, 0.0, "the documented order, bit for bit");
            BigDecimal exact = BigDecimal.ZERO;
            double magnitude = 0;
            for (int j = 0; j < n; j++) {
                exact = exact.add(new BigDecimal(a[j]).multiply(new BigDecimal(b[j])));
                magnitude += Math.abs(a[j] * b[j]);
            }
            // any summation order: |error| ≤ (n − 1)·u·Σ|aⱼbⱼ| + n·u·Σ|aⱼbⱼ| (the products' rounding), u = 2⁻⁵³
            double bound = 2 * n * Math.ulp(1.0) / 2 * magnitude;
            double error = Math.abs(exact.subtract(new BigDecimal(got), MathContext.DECIMAL128).doubleValue());
            assertTrue(error <= bound, "error " + error + " > bound " + bound);
        }
    }
}
