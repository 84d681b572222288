package dev.downhill.spi;

/**
 * The small dense kernels the direct solvers in core need, on matrices of the order of n × n that
 * live in host memory (column-major double arrays). A backend may run them wherever it likes (LAPACK on
 * the host, cuSOLVER on the device, plain Java); core decides what to do with the results. The
 * default, {@link dev.downhill.internal.direct.JavaDenseKernels}, is plain Java.
 */
public interface DenseKernels {

    /**
     * Cholesky factorisation G = LLᵀ of the symmetric n × n {@code a} (column-major; only the lower
     * triangle is read). Writes L into the lower triangle of {@code a} and zeros above it.
     *
     * @return 0 on success, or j + 1 when the leading (j+1) × (j+1) minor is not positive definite
     *         (then {@code a} holds partial results)
     */
    int cholesky(double[] a, int n);

    /**
     * An estimate of ‖A⁻¹‖₁ for the symmetric positive definite n × n A = LLᵀ, from the factor {@code l} that
     * {@link #cholesky} wrote (column-major, lower triangle): Hager's and Higham's 1-norm estimator, as LAPACK's
     * dpocon runs it — a few solves with L and Lᵀ, O(n²) each, never A⁻¹ itself. A lower bound that is almost
     * always within a factor of 3 of the true norm. {@code l} is not modified. The default is the Java estimator.
     */
    default double choleskyInverseNormEstimate(double[] l, int n) {
        return dev.downhill.internal.direct.JavaDenseKernels.INSTANCE.choleskyInverseNormEstimate(l, n);
    }

    /**
     * {@link GramSystem#inverseDiagonal}'s two readings of (LLᵀ)⁻¹ off the heap factor {@code l} that {@link #cholesky}
     * wrote (n × n column-major, lower): writes ((LLᵀ)⁻¹)ⱼⱼ into {@code diagonal} (length n) and returns ‖L⁻¹v‖² (0 when
     * {@code v} is null). The factor's last use: an implementation may overwrite {@code l}. The default is Java's forward
     * substitutions on the calling thread, stopping between columns on an interrupt
     * ({@link dev.downhill.internal.direct.JavaDenseKernels#choleskyInverseDiagonal}); the cpu backend's runs LAPACK's
     * dtrtri on its threads.
     */
    default double choleskyInverseDiagonal(double[] l, int n, double[] v, double[] diagonal) {
        return dev.downhill.internal.direct.JavaDenseKernels.choleskyInverseDiagonal(java.nio.DoubleBuffer.wrap(l), n, v, diagonal);
    }

    /**
     * G = AᵀA of the row-major rows × cols {@code a} (element (i, j) at {@code a[i·cols + j]}): the cols × cols sum of the
     * rows' outer products, column-major with both triangles filled. {@code a} is not modified. The default is
     * {@link dev.downhill.internal.direct.JavaDenseKernels#rowGram}, blocked Java on every core; the cpu backend runs
     * dsyrk.
     */
    default double[] rowGram(double[] a, int rows, int cols) {
        return dev.downhill.internal.direct.JavaDenseKernels.rowGram(a, rows, cols, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The thin SVD of the rows × cols column-major {@code a}; {@code a} is not modified.
     *
     * @throws ArithmeticException when the iteration does not converge
     */
    SingularValueDecomposition svd(double[] a, int rows, int cols);

    /**
     * The LQ factorization A = L·Q₁ of the wide rows × cols column-major {@code a} (rows ≤ cols; {@code a} is not
     * modified): O(rows²·cols), the step that takes a wide matrix's SVD down to the rows × rows L's (LAPACK's gelsd and
     * gesdd do the same for cols ≫ rows). Core calls it only where {@link #nativeLq} is true, so a backend that overrides
     * one overrides both; the cpu backend runs dgelqf and dormlq.
     *
     * @throws UnsupportedOperationException by default: the backend has no LQ of its own
     */
    default LqFactorization lq(double[] a, int rows, int cols) {
        throw new UnsupportedOperationException("this backend has no LQ factorization (nativeLq() is false): core takes a "
                + "wide factor's SVD whole instead");
    }

    /**
     * Whether the backend has its own, native (LAPACK-class) {@link #lq}. Core takes a wide factor's SVD through its LQ
     * only then; otherwise it runs the backend's {@link #svd} of the whole factor (cuSOLVER on the cuda backend), faster
     * than an LQ in Java on the calling thread would be.
     */
    default boolean nativeLq() {
        return false;
    }
}
