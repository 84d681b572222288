package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasLower;
import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dtrtri;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas_full.cblas_dtrsv;

import org.bytedeco.javacpp.DoublePointer;

/**
 * The standard errors' two readings of (LLᵀ)⁻¹ off a Cholesky factor in native memory (see {@link
 * dev.downhill.spi.GramSystem#inverseDiagonal}): ‖L⁻¹v‖² by a forward substitution (dtrsv, on a native copy of v), then
 * L ← L⁻¹ in place (dtrtri, blocked, BLAS-3) and each squared column norm of L⁻¹ from its diagonal down. Shared by the
 * off-heap Gram system and the heap one's LAPACK kernels; the caller sets the BLAS threads ({@link OpenBlas#withThreads}).
 */
final class CholeskyInverseDiagonal {
    private CholeskyInverseDiagonal() {
    }

    /**
     * @param l        L, n × n column-major, lower (native memory, overwritten with L⁻¹)
     * @param v        host, length n, not modified; or null (the form is then 0)
     * @param diagonal host, length n, written: ((LLᵀ)⁻¹)ⱼⱼ
     * @return ‖L⁻¹v‖²
     */
    static double compute(DoublePointer l, int n, double[] v, double[] diagonal) {
        double form = 0;
        double[] column = new double[n];
        if (v != null) {
            try (DoublePointer x = new DoublePointer(v)) {
                cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l, n, x, 1);
                x.get(column);
            }
            for (double z : column) {
                form += z * z;
            }
        }
        DirectPasses.checkInfo(LAPACKE_dtrtri(LAPACK_COL_MAJOR, (byte) 'L', (byte) 'N', n, l, n), "LAPACKE_dtrtri");
        long position = l.position();
        for (int j = 0; j < n; j++) {
            int length = n - j;
            l.position(position + (long) j * n + j).get(column, 0, length);
            double sum = 0;
            for (int k = 0; k < length; k++) {
                sum += column[k] * column[k];
            }
            diagonal[j] = sum;
        }
        l.position(position);
        return form;
    }
}
