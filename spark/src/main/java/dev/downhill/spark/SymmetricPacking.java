package dev.downhill.spark;

/**
 * A symmetric n × n matrix sent as its lower triangle: n(n+1)/2 values instead of n², so a Gram or sketch pass's task
 * result — what {@code spark.driver.maxResultSize} limits — is half as large. The triangle is packed column by column
 * (entries (j, k) with j ≥ k, k = 0, 1, …), then any {@code extra} values follow; both triangles are filled again on the
 * driver. Exact: the matrices packed have both triangles equal (DenseKernels#rowGram, CrossProducts#gram), and sums of
 * packed payloads are the packed sums.
 */
final class SymmetricPacking {
    private SymmetricPacking() {
    }

    /** The number of values in the triangle of an n × n matrix. */
    static int triangle(int n) {
        return Math.toIntExact((long) n * (n + 1) / 2);
    }

    /** [lower triangle of {@code full} (n × n), then {@code extra}.length values of {@code extra}]. */
    static double[] pack(double[] full, int n, double[] extra) {
        double[] out = new double[triangle(n) + extra.length];
        int at = 0;
        for (int k = 0; k < n; k++) {
            for (int j = k; j < n; j++) {
                out[at++] = full[k * n + j];
            }
        }
        System.arraycopy(extra, 0, out, at, extra.length);
        return out;
    }

    /** The n × n symmetric matrix, both triangles filled, from the first {@link #triangle}(n) values of {@code packed}. */
    static double[] unpack(double[] packed, int n) {
        double[] full = new double[n * n];
        int at = 0;
        for (int k = 0; k < n; k++) {
            for (int j = k; j < n; j++) {
                double v = packed[at++];
                full[k * n + j] = v;
                full[j * n + k] = v;
            }
        }
        return full;
    }
}
