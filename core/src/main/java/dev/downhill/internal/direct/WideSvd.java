package dev.downhill.internal.direct;

import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.LqFactorization;
import dev.downhill.spi.SingularValueDecomposition;

/**
 * The SVD of a wide k × n matrix A (k &lt; n) through its LQ factorization, as LAPACK's gelsd takes it for m &lt; n:
 * A = L·Q₁ ({@link DenseKernels#lq}, O(k²n)) and L = U·Σ·Wᵀ (the k × k SVD, O(k³)), so A = U·Σ·Vᵀ with V = Q₁ᵀW.
 * A's singular values and left vectors are L's; V is applied through Q₁ (O(kn) per vector) and formed only when
 * asked ({@link #full}, O(k²n)). The SVD of A itself (gesdd's LQ, the generation of Q₁ and the product WᵀQ₁) cost
 * about three times the LQ.
 */
final class WideSvd {
    private final LqFactorization lq;
    private final SingularValueDecomposition ofL;

    private WideSvd(LqFactorization lq, SingularValueDecomposition ofL) {
        this.lq = lq;
        this.ofL = ofL;
    }

    /**
     * @param a    A, k × n column-major (k &lt; n), not modified
     * @param svd  the SVD of a small matrix (core's, which first brings extreme entries to a neutral exponent)
     */
    static WideSvd of(DenseKernels kernels, double[] a, int k, int n, SmallSvd svd) {
        LqFactorization lq = kernels.lq(a, k, n);
        return new WideSvd(lq, svd.of(lq.lower(), k, k));
    }

    /** The SVD of a rows × cols matrix. */
    @FunctionalInterface
    interface SmallSvd {
        SingularValueDecomposition of(double[] a, int rows, int cols);
    }

    /** σ, length k, largest first. */
    double[] singular() {
        return ofL.singular();
    }

    /** Uᵀz (length k). */
    double[] transposedU(double[] z) {
        int k = ofL.rows();
        double[] out = new double[k];
        double[] u = ofL.u();
        for (int l = 0; l < k; l++) {
            double sum = 0;
            for (int i = 0; i < k; i++) {
                sum += u[i + l * k] * z[i];
            }
            out[l] = sum;
        }
        return out;
    }

    /** V·w = Q₁ᵀ(W·w) (length n). */
    double[] timesV(double[] w) {
        int k = ofL.rows();
        double[] vt = ofL.vt(); // Wᵀ, k × k
        double[] ww = new double[k];
        for (int l = 0; l < k; l++) {
            double wl = w[l];
            if (wl == 0) {
                continue;
            }
            for (int i = 0; i < k; i++) {
                ww[i] += vt[l + i * k] * wl;
            }
        }
        return lq.timesQ(ww, 1); // (W·w)ᵀQ₁ as a 1 × n row: Q₁ᵀ(W·w)
    }

    /** The thin SVD of A with Vᵀ = WᵀQ₁ formed (k × n). */
    SingularValueDecomposition full() {
        int k = ofL.rows();
        return new SingularValueDecomposition(ofL.u(), ofL.singular(), lq.timesQ(ofL.vt(), k), k, lq.cols());
    }
}
