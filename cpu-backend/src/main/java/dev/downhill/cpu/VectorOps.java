package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.cblas_daxpy;
import static org.bytedeco.openblas.global.openblas_full.cblas_ddot;
import static org.bytedeco.openblas.global.openblas_full.cblas_dscal;
import static org.bytedeco.openblas.global.openblas_full.cblas_dsdot;
import static org.bytedeco.openblas.global.openblas_full.cblas_saxpy;
import static org.bytedeco.openblas.global.openblas_full.cblas_sscal;

import dev.downhill.Precision;

/** Level-1 operations on {@link CpuVector}s of equal length and precision (OpenBLAS, single thread). */
final class VectorOps {
    private VectorOps() {
    }

    /** y ← y + αx. */
    static void axpy(double alpha, CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        if (x.precision() == Precision.FLOAT64) {
            cblas_daxpy(n, alpha, x.doubles(), 1, y.doubles(), 1);
        } else {
            cblas_saxpy(n, (float) alpha, x.floats(), 1, y.floats(), 1);
        }
    }

    /** x ← αx. */
    static void scale(double alpha, CpuVector x) {
        int n = Math.toIntExact(x.length());
        if (x.precision() == Precision.FLOAT64) {
            cblas_dscal(n, alpha, x.doubles(), 1);
        } else {
            cblas_sscal(n, (float) alpha, x.floats(), 1);
        }
    }

    /** xᵀy accumulated in float64. */
    static double dot(CpuVector x, CpuVector y) {
        int n = Math.toIntExact(x.length());
        return x.precision() == Precision.FLOAT64
                ? cblas_ddot(n, x.doubles(), 1, y.doubles(), 1)
                : cblas_dsdot(n, x.floats(), 1, y.floats(), 1);
    }
}
