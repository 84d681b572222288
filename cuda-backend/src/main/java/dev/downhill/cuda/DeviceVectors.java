package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;

/**
 * The vector operations of a cuda problem (length-n vectors in device memory, the problem's precision) with the utility
 * kernels: y ← y + αx, x ← αx, x ← d∘x, to ← from, xᵀy (float64, one block: a fixed order). Used by the dense and the CSR
 * problem alike.
 */
final class DeviceVectors implements AutoCloseable {
    private final CudaContext context;
    private final KernelModule utility;
    private final long n;
    private final Precision precision;
    private final DeviceMemory result;

    DeviceVectors(CudaContext context, KernelModule utility, long n, Precision precision) {
        this.context = context;
        this.utility = utility;
        this.n = n;
        this.precision = precision;
        this.result = context.allocate(8, "dot product");
    }

    /** {@code v} as this problem's kind of vector (a cuda vector of n values in the problem's precision). */
    CudaVector vector(BackendVector v) {
        if (!(v instanceof CudaVector c)) {
            throw new IllegalArgumentException("not a cuda-backend vector: " + (v == null ? "null" : v.getClass().getName()));
        }
        if (c.length() != n || c.precision() != precision) {
            throw new IllegalArgumentException("vector of " + c.length() + " " + c.precision() + " values does not match "
                    + n + " columns in " + precision);
        }
        return c;
    }

    /** Blocks of the utility kernels over n values (at most 1024). */
    long blocks() {
        return Math.max(1, Math.min(1024, (n + FusedShape.UTILITY_THREADS - 1) / FusedShape.UTILITY_THREADS));
    }

    void axpy(double alpha, BackendVector x, BackendVector y) {
        CudaVector a = vector(x);
        CudaVector b = vector(y);
        context.launch(utility, "vector_axpy", blocks(), 1, FusedShape.UTILITY_THREADS, n, alpha, a.memory(), b.memory());
    }

    void scale(double alpha, BackendVector x) {
        context.launch(utility, "vector_scale", blocks(), 1, FusedShape.UTILITY_THREADS, n, alpha, vector(x).memory());
    }

    void multiply(BackendVector d, BackendVector x) {
        context.launch(utility, "vector_multiply", blocks(), 1, FusedShape.UTILITY_THREADS, n, vector(d).memory(),
                vector(x).memory());
    }

    void copy(BackendVector from, BackendVector to) {
        CudaVector a = vector(from);
        CudaVector b = vector(to);
        context.copy(a.memory(), 0, b.memory(), 0, n * precision.bytes());
    }

    double dot(BackendVector x, BackendVector y) {
        context.launch(utility, "vector_dot", 1, 1, FusedShape.UTILITY_THREADS, n, vector(x).memory(), vector(y).memory(), result);
        return context.doublesToHost(result, 0, 1)[0];
    }

    @Override
    public void close() {
        context.free(result);
    }
}
