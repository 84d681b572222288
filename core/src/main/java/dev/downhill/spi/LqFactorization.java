package dev.downhill.spi;

/**
 * An LQ factorization A = L·Q₁ of a wide rows × cols matrix A (rows ≤ cols): L is rows × rows lower triangular and Q₁
 * the first rows rows of an orthogonal cols × cols Q = H_rows⋯H₁, a product of Householder reflectors (LAPACK's dgelqf
 * layout), so Q₁Q₁ᵀ = I. Q is never formed: {@link #timesQ} applies it. Host memory, column-major.
 */
public interface LqFactorization {

    /** A's rows (L's order). */
    int rows();

    /** A's columns. */
    int cols();

    /** L, rows × rows column-major, zeros above the diagonal; a fresh array. */
    double[] lower();

    /**
     * B·Q₁ for the count × rows column-major {@code b}: a fresh count × cols column-major array (each row of B, padded
     * with zeros to [bᵀ 0], times Q; O(count·rows·cols)). {@code b} is not modified.
     */
    double[] timesQ(double[] b, int count);
}
