package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.downhill.Precision;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VectorOps}' axpy, scale and multiply give the bits of their documented expressions, written out here in
 * Java, at lengths below {@link VectorOps#NATIVE_FROM} (Java loops) and from it (the same loops in C): float64
 * element by element; float32 vectors in float64 rounded once per operation, the product d∘x in float32.
 */
class VectorOpsNativeTest {

    private static double[] values(int n, long seed, Precision p) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            double x = r.nextGaussian() * Math.pow(10, r.nextInt(-6, 7));
            v[j] = p == Precision.FLOAT32 ? (float) x : x;
        }
        return v;
    }

    private static CpuVector vector(double[] v, Precision p) {
        CpuVector x = new CpuVector(v.length, p);
        x.copyFromHost(v);
        return x;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @CsvSource({"FLOAT64, 100", "FLOAT32, 100", "FLOAT64, 2048", "FLOAT32, 2048", "FLOAT64, 6007", "FLOAT32, 6007"})
    void axpyScaleAndMultiplyHaveTheDocumentedBits(Precision p, int n) {
        if (n >= VectorOps.NATIVE_FROM) {
            assumeTrue(EpochKernels.available(), "the native epoch library");
        }
        double[] a = values(n, 11 + n, p);
        double[] b = values(n, 13 + n, p);
        double alpha = -0.7310585786300049;
        boolean f32 = p == Precision.FLOAT32;
        double[] axpy = new double[n];
        double[] scaled = new double[n];
        double[] product = new double[n];
        for (int j = 0; j < n; j++) {
            axpy[j] = f32 ? (float) (b[j] + alpha * a[j]) : b[j] + alpha * a[j];
            scaled[j] = f32 ? (float) (alpha * a[j]) : alpha * a[j];
            product[j] = f32 ? (double) ((float) a[j] * (float) b[j]) : a[j] * b[j];
        }
        try (CpuVector x = vector(a, p); CpuVector y = vector(b, p)) {
            VectorOps.axpy(alpha, x, y);
            assertArrayEquals(axpy, y.copyToHost(), 0.0, "axpy");
        }
        try (CpuVector x = vector(a, p)) {
            VectorOps.scale(alpha, x);
            assertArrayEquals(scaled, x.copyToHost(), 0.0, "scale");
        }
        try (CpuVector d = vector(a, p); CpuVector x = vector(b, p)) {
            VectorOps.multiply(d, x);
            assertArrayEquals(product, x.copyToHost(), 0.0, "multiply");
        }
    }
}
