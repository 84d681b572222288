package dev.downhill.cpu;

import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasUpper;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dgelsd;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dlansy;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpocon;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpotrf;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dpotrs;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemv;
import static org.bytedeco.openblas.global.openblas_full.cblas_dsyrk;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.Precision;
import dev.downhill.SingularMatrixException;
import dev.downhill.internal.OffHeapViews;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.LeastSquaresSolution;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The direct solvers on LAPACK, always in float64. Centring (when {@code stats} is given) is done
 * while copying row blocks into float64 workspace; X itself is never modified. LAPACK is called in
 * column-major layout on buffers laid out for it, so LAPACKE makes no transposed copies: the
 * normal equations need n² + a 4 MiB block, the SVD m·n (+ LAPACK's own workspace) doubles.
 */
final class LeastSquares {
    /** Bytes of X converted per block when forming XᵀX. */
    private static final long GRAM_BLOCK_BYTES = 4L << 20;
    /** dsyrk fills the upper triangle of the row-major Gram matrix: the lower one in column-major terms. */
    private static final byte LOWER = 'L';
    private static final byte ONE_NORM = '1';

    private LeastSquares() {
    }

    /**
     * Forms G = X_cᵀX_c and c = X_cᵀy_c block by block (dsyrk, dgemv), then Cholesky (dpotrf),
     * a condition estimate (dpocon) and the solve (dpotrs).
     */
    static double[] normalEquations(Dataset data, ColumnStatistics stats) {
        int n = lapackSize(data.cols(), "columns");
        long m = data.rows();
        int blockRows = (int) Math.max(1, Math.min(m, GRAM_BLOCK_BYTES / (8L * n)));
        try (DoublePointer gram = new DoublePointer((long) n * n);
             DoublePointer rhs = new DoublePointer(n);
             DoublePointer block = new DoublePointer((long) blockRows * n);
             DoublePointer targets = new DoublePointer(blockRows);
             DoublePointer rcond = new DoublePointer(1)) {
            DoublePointer.memset(gram, 0, 8L * n * n);
            DoublePointer.memset(rhs, 0, 8L * n);
            for (long row = 0; row < m; row += blockRows) {
                int rows = (int) Math.min(blockRows, m - row);
                copyCentred(data, stats, row, rows, block, targets);
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, rows, 1.0, block, n, 1.0, gram, n);
                cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, block, n, targets, 1, 1.0, rhs, 1);
            }
            double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, ONE_NORM, LOWER, n, gram, n);
            int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, LOWER, n, gram, n);
            if (info > 0) {
                throw new SingularMatrixException("XᵀX" + (stats != null ? " (centred)" : "")
                        + " is singular: Cholesky broke down at column " + (info - 1)
                        + " (linearly dependent columns" + (stats != null ? ", a constant column" : "")
                        + (m < n ? ", or fewer rows than columns" : "") + ")", Double.POSITIVE_INFINITY);
            }
            checkInfo(info, "LAPACKE_dpotrf");
            checkInfo(LAPACKE_dpocon(LAPACK_COL_MAJOR, LOWER, n, gram, n, anorm, rcond), "LAPACKE_dpocon");
            double condition = 1 / rcond.get();
            if (!(condition <= FitConfig.NORMAL_EQUATIONS_MAX_CONDITION)) {
                throw new SingularMatrixException(String.format(Locale.ROOT,
                        "XᵀX is too badly conditioned for the normal equations: estimated condition number %.3g > %.0e",
                        condition, FitConfig.NORMAL_EQUATIONS_MAX_CONDITION), condition);
            }
            checkInfo(LAPACKE_dpotrs(LAPACK_COL_MAJOR, LOWER, n, 1, gram, n, rhs, n), "LAPACKE_dpotrs");
            double[] theta = new double[n];
            rhs.get(theta);
            return theta;
        }
    }

    /** Minimum-norm solution of min‖X_cθ − y_c‖ by divide-and-conquer SVD (dgelsd) on a column-major float64 copy of X. */
    static LeastSquaresSolution svd(Dataset data, ColumnStatistics stats, double rankCutoff) {
        int m = lapackSize(data.rows(), "rows");
        int n = lapackSize(data.cols(), "columns");
        int k = Math.min(m, n);
        try (DoublePointer a = new DoublePointer((long) m * n);
             DoublePointer b = new DoublePointer(Math.max(m, n));
             DoublePointer singular = new DoublePointer(k);
             IntPointer rank = new IntPointer(1)) {
            DoublePointer.memset(b, 0, 8L * Math.max(m, n));
            int blockRows = (int) Math.max(1, Math.min(m, GRAM_BLOCK_BYTES / (8L * n)));
            try (DoublePointer block = new DoublePointer((long) blockRows * n)) {
                for (int row = 0; row < m; row += blockRows) {
                    int rows = Math.min(blockRows, m - row);
                    copyCentred(data, stats, row, rows, block, (DoublePointer) OffHeapViews.offset(b, row));
                    DoubleBuffer in = OffHeapViews.doubles(block, 0, rows * n);
                    for (int j = 0; j < n; j++) {
                        DoubleBuffer column = OffHeapViews.doubles(a, (long) j * m + row, rows);
                        for (int i = 0; i < rows; i++) {
                            column.put(i, in.get(i * n + j));
                        }
                    }
                }
            }
            int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, m, n, 1, a, m, b, Math.max(m, n), singular, rankCutoff, rank);
            if (info > 0) {
                throw new ArithmeticException("SVD did not converge (LAPACKE_dgelsd info " + info + ")");
            }
            checkInfo(info, "LAPACKE_dgelsd");
            double[] theta = new double[n];
            b.get(theta);
            double[] s = new double[k];
            singular.get(s);
            return new LeastSquaresSolution(theta, rank.get(), s);
        }
    }

    /** Writes rows [row, row+rows) of X (minus x̄ when stats is given) to {@code block} and of y (minus ȳ) to {@code targets}. */
    private static void copyCentred(Dataset data, ColumnStatistics stats, long row, int rows, DoublePointer block, DoublePointer targets) {
        int n = (int) data.cols();
        double[] means = stats == null ? null : stats.means();
        double targetMean = stats == null ? 0 : stats.targetMean();
        DoubleBuffer out = OffHeapViews.doubles(block, 0, rows * n);
        DoubleBuffer outY = OffHeapViews.doubles(targets, 0, rows);
        if (data.precision() == Precision.FLOAT64) {
            DoubleBuffer in = OffHeapViews.doubles(data.xPointer(), row * n, rows * n);
            DoubleBuffer inY = OffHeapViews.doubles(data.yPointer(), row, rows);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    out.put(i * n + j, in.get(i * n + j) - (means == null ? 0 : means[j]));
                }
                outY.put(i, inY.get(i) - targetMean);
            }
        } else {
            FloatBuffer in = OffHeapViews.floats(data.xPointer(), row * n, rows * n);
            FloatBuffer inY = OffHeapViews.floats(data.yPointer(), row, rows);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    out.put(i * n + j, in.get(i * n + j) - (means == null ? 0 : means[j]));
                }
                outY.put(i, inY.get(i) - targetMean);
            }
        }
    }

    private static int lapackSize(long size, String what) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(size + " " + what + " exceed LAPACK's 32-bit sizes; use a gradient solver");
        }
        return (int) size;
    }

    private static void checkInfo(int info, String call) {
        if (info != 0) {
            throw new IllegalStateException(call + " failed: info " + info + (info < 0 ? " (argument " + (-info) + " is invalid)" : ""));
        }
    }
}
