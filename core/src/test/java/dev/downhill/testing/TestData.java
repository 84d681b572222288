package dev.downhill.testing;

import java.util.SplittableRandom;

/** Seeded synthetic regression problems for the tests. */
public final class TestData {
    public final double[][] x;
    public final double[] y;

    private TestData(double[][] x, double[] y) {
        this.x = x;
        this.y = y;
    }

    /** Wraps given arrays (not copied). */
    public static TestData of(double[][] x, double[] y) {
        return new TestData(x, y);
    }

    /** y = xᵀθ + b + σ·N(0,1), x ~ N(0,1) per element. */
    public static TestData gaussian(int rows, int cols, double[] theta, double intercept, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[rows][cols];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = intercept;
            for (int j = 0; j < cols; j++) {
                x[i][j] = r.nextGaussian();
                s += theta[j] * x[i][j];
            }
            y[i] = s + noise * r.nextGaussian();
        }
        return new TestData(x, y);
    }

    /** Hands-On ML's first example: x = 2·U(0,1), y = 4 + 3x + N(0,1). */
    public static TestData geron(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[rows][1];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            x[i][0] = 2 * r.nextDouble();
            y[i] = 4 + 3 * x[i][0] + r.nextGaussian();
        }
        return new TestData(x, y);
    }

    /**
     * n orthonormal vectors of length m, each orthogonal to the ones vector (modified Gram–Schmidt, twice, on Gaussian
     * draws from {@code r}), as q[j][i]: columns √m·q[j] of X are centred, uncorrelated and of unit variance exactly
     * (to rounding), so that cg converges on them in a few passes.
     */
    public static double[][] centredOrthonormalColumns(java.util.random.RandomGenerator r, int m, int n) {
        double[][] q = new double[n + 1][m];
        java.util.Arrays.fill(q[0], 1 / Math.sqrt(m));
        for (int j = 1; j <= n; j++) {
            for (int i = 0; i < m; i++) {
                q[j][i] = r.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < m; i++) {
                        dot += q[k][i] * q[j][i];
                    }
                    for (int i = 0; i < m; i++) {
                        q[j][i] -= dot * q[k][i];
                    }
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += q[j][i] * q[j][i];
            }
            for (int i = 0; i < m; i++) {
                q[j][i] /= Math.sqrt(norm);
            }
        }
        return java.util.Arrays.copyOfRange(q, 1, n + 1);
    }

    /** θ = (1, …, n)/n, a convenient non-trivial truth. */
    public static double[] ramp(int n) {
        double[] t = new double[n];
        for (int j = 0; j < n; j++) {
            t[j] = (j + 1.0) / n - 0.3;
        }
        return t;
    }

    /** Every row of {@code d}'s X, widened to double. */
    public static double[][] rowsOf(dev.downhill.Dataset d) {
        double[][] x = new double[Math.toIntExact(d.rows())][];
        for (int i = 0; i < x.length; i++) {
            x[i] = d.row(i);
        }
        return x;
    }

    public float[][] xFloat() {
        float[][] f = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            f[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                f[i][j] = (float) x[i][j];
            }
        }
        return f;
    }

    public float[] yFloat() {
        float[] f = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            f[i] = (float) y[i];
        }
        return f;
    }

    /** Writes X to {@code dir}/X.npy and y to {@code dir}/y.npy in {@code precision} (C order). */
    public void writeNpy(java.nio.file.Path dir, dev.downhill.Precision precision) {
        double[] flat = new double[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, flat, i * x[0].length, x[0].length);
        }
        try (dev.downhill.io.NpyWriter w = dev.downhill.io.NpyWriter.create(dir.resolve("X.npy"), precision, x.length, x[0].length)) {
            w.write(flat);
        }
        dev.downhill.io.NpyWriter.writeVector(dir.resolve("y.npy"), y, precision);
    }

    /** The non-zeros of the dense {@code x} as a validated CSR matrix with values in {@code precision} (row by row, in column order). */
    /** {@code x} rounded to float32, row by row (a copy). */
    public static float[][] toFloat(double[][] x) {
        float[][] f = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            f[i] = toFloat(x[i]);
        }
        return f;
    }

    /** {@code x} rounded to float32 (a copy). */
    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    public static dev.downhill.io.CsrMatrix csr(double[][] x, dev.downhill.Precision precision) {
        java.util.List<Integer> cols = new java.util.ArrayList<>();
        java.util.List<Double> vals = new java.util.ArrayList<>();
        long[] ptr = new long[x.length + 1];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                if (x[i][j] != 0) {
                    cols.add(j);
                    vals.add(x[i][j]);
                }
            }
            ptr[i + 1] = cols.size();
        }
        return dev.downhill.io.CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), x[0].length, precision);
    }
}
