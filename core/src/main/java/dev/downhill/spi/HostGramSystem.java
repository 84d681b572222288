package dev.downhill.spi;

import java.nio.DoubleBuffer;

/**
 * A {@link GramSystem} over a heap {@link CrossProducts} (both triangles filled, so its row-major and column-major
 * layouts agree), factored by a backend's {@link DenseKernels}: what every backend gets unless it keeps G elsewhere.
 */
public final class HostGramSystem implements GramSystem {
    private final double[] gram;
    private final double[] moment;
    private final int n;
    private final DenseKernels kernels;

    /** Takes ownership of {@code products}' arrays (G is overwritten by the solve). */
    public HostGramSystem(CrossProducts products, DenseKernels kernels) {
        this.gram = products.gram();
        this.moment = products.moment();
        this.n = moment.length;
        this.kernels = kernels;
        if ((long) n * n != gram.length) {
            throw new IllegalArgumentException("a Gram matrix of " + gram.length + " values for " + n + " columns");
        }
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public DoubleBuffer lower() {
        return DoubleBuffer.wrap(gram);
    }

    @Override
    public double[] moment() {
        return moment.clone();
    }

    @Override
    public int cholesky() {
        return kernels.cholesky(gram, n);
    }

    @Override
    public double inverseNormEstimate() {
        return kernels.choleskyInverseNormEstimate(gram, n);
    }

    /** By the backend's kernels ({@link DenseKernels#choleskyInverseDiagonal}); L may be overwritten. */
    @Override
    public double inverseDiagonal(double[] v, double[] diagonal) {
        return kernels.choleskyInverseDiagonal(gram, n, v, diagonal);
    }

    @Override
    public void close() {
    }
}
