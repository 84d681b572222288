package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasLower;
import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas_full.cblas_dsyrk;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dgesdd;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpocon;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpotrf;

import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.SingularValueDecomposition;
import org.bytedeco.javacpp.DoublePointer;

/** The dense kernels on LAPACK (OpenBLAS): dpotrf, dpocon, dtrtri, dgesdd, dgelqf/dormlq and dsyrk, on off-heap copies of the host arrays. */
final class LapackDenseKernels implements DenseKernels {
    private final int threads;

    LapackDenseKernels(int threads) {
        this.threads = threads;
    }

    @Override
    public int cholesky(double[] a, int n) {
        return OpenBlas.withThreads(threads, () -> {
            // fresh off-heap memory in huge pages: a 32 MB copy then costs ~5 ms, not ~130 ms of 4 KiB page faults
            try (DoublePointer p = dev.downhill.io.HugePages.advise(new DoublePointer((long) a.length)).put(a)) {
                int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, (byte) 'L', n, p, n);
                if (info < 0) {
                    DirectPasses.checkInfo(info, "LAPACKE_dpotrf");
                }
                p.get(a);
                if (info == 0) {
                    for (int j = 1; j < n; j++) {
                        java.util.Arrays.fill(a, j * n, j * n + j, 0.0);
                    }
                }
                return info;
            }
        });
    }

    /** dpocon with ‖A‖₁ = 1: its rcond is then 1/est(‖A⁻¹‖₁). */
    @Override
    public double choleskyInverseNormEstimate(double[] l, int n) {
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer p = dev.downhill.io.HugePages.advise(new DoublePointer((long) l.length)).put(l);
                 DoublePointer rcond = new DoublePointer(1)) {
                DirectPasses.checkInfo(LAPACKE_dpocon(LAPACK_COL_MAJOR, (byte) 'L', n, p, n, 1.0, rcond), "LAPACKE_dpocon");
                double r = rcond.get();
                return r > 0 ? 1 / r : Double.POSITIVE_INFINITY;
            }
        });
    }

    /** dtrsv and dtrtri on an off-heap copy of L ({@link CholeskyInverseDiagonal}); {@code l} itself is not modified. */
    @Override
    public double choleskyInverseDiagonal(double[] l, int n, double[] v, double[] diagonal) {
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer p = dev.downhill.io.HugePages.advise(new DoublePointer((long) l.length)).put(l)) {
                return CholeskyInverseDiagonal.compute(p, n, v, diagonal);
            }
        });
    }

    /**
     * dsyrk on the row-major rows × cols A read as the column-major cols × rows Aᵀ: G = (Aᵀ)(Aᵀ)ᵀ, the lower triangle,
     * mirrored into the upper.
     */
    @Override
    public double[] rowGram(double[] a, int rows, int cols) {
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer p = new DoublePointer((long) rows * cols).put(a, 0, rows * cols);
                 DoublePointer g = new DoublePointer((long) cols * cols)) {
                g.fill(0);
                cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, cols, rows, 1.0, p, cols, 0.0, g, cols);
                double[] out = new double[cols * cols];
                g.get(out);
                for (int k = 0; k < cols; k++) {
                    for (int j = k + 1; j < cols; j++) {
                        out[k + j * cols] = out[j + k * cols];
                    }
                }
                return out;
            }
        });
    }

    /** dgelqf, and dormlq for the products with Q ({@link LapackLq}). */
    @Override
    public dev.downhill.spi.LqFactorization lq(double[] a, int rows, int cols) {
        return LapackLq.factor(a, rows, cols, threads);
    }

    @Override
    public boolean nativeLq() {
        return true;
    }

    @Override
    public SingularValueDecomposition svd(double[] a, int rows, int cols) {
        int k = Math.min(rows, cols);
        return OpenBlas.withThreads(threads, () -> {
            try (DoublePointer p = dev.downhill.io.HugePages.advise(new DoublePointer((long) a.length)).put(a);
                 DoublePointer s = new DoublePointer(k);
                 DoublePointer u = new DoublePointer((long) rows * k);
                 DoublePointer vt = new DoublePointer((long) k * cols)) {
                int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', rows, cols, p, rows, s, u, rows, vt, k);
                if (info > 0) {
                    throw new ArithmeticException("SVD did not converge (LAPACKE_dgesdd info " + info + ")");
                }
                DirectPasses.checkInfo(info, "LAPACKE_dgesdd");
                double[] sigma = new double[k];
                double[] uu = new double[rows * k];
                double[] vv = new double[k * cols];
                s.get(sigma);
                u.get(uu);
                vt.get(vv);
                return new SingularValueDecomposition(uu, sigma, vv, rows, cols);
            }
        });
    }
}
