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
 * sixteen chains j ≡ k (mod 16) at every length, the last n mod 16 products included; and its accuracy against the exact
 * dot in BigDecimal.
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

    /** The documented order, written out: sixteen chains, the tail's products in chains 0, 1, …, combined lane-wise. */
    private static double expected(double[] a, double[] b) {
        int n = a.length;
        double[] s = new double[16];
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            for (int k = 0; k < 16; k++) {
                s[k] += a[j + k] * b[j + k];
            }
        }
        for (int k = 0; j < n; j++, k++) {
            s[k] += a[j] * b[j];
        }
        double[] t = new double[4];
        for (int k = 0; k < 4; k++) {
            t[k] = (s[k] + s[k + 4]) + (s[k + 8] + s[k + 12]);
        }
        return (t[0] + t[1]) + (t[2] + t[3]);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @CsvSource({"FLOAT64, 1", "FLOAT64, 5", "FLOAT32, 3", "FLOAT64, 16", "FLOAT32, 17", "FLOAT64, 31", "FLOAT64, 32", "FLOAT64, 47", "FLOAT64, 1000", "FLOAT32, 20", "FLOAT32, 70",
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
