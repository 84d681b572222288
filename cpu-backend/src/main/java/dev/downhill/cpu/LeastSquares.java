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
     * Forms G = X_cᵀX_c and c = X_cᵀy_c block by block (dsyrk, dgemv), scales it symmetrically to unit
     * diagonal (G' = DGD, D = diag(1/√Gⱼⱼ): the condition number that matters, and the one the refusal
     * rule tests), then Cholesky (dpotrf), a condition estimate (dpocon) and the solve (dpotrs);
     * finally iterative refinement with the same factor: r = y_c − X_cθ and X_cᵀr in double-double,
     * δ = D·G'⁻¹·D·X_cᵀr, θ += δ, until ‖δ‖ ≤ 4ε‖θ‖ or {@value #MAX_REFINEMENTS} steps.
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
            double[] scales = new double[n];
            for (int j = 0; j < n; j++) {
                double diagonal = gram.get((long) j * n + j);
                scales[j] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 1;
            }
            for (int i = 0; i < n; i++) {
                DoubleBuffer g = OffHeapViews.doubles(gram, (long) i * n, n); // one row: n² may exceed a window
                for (int j = i; j < n; j++) {
                    g.put(j, g.get(j) * scales[i] * scales[j]);
                }
                rhs.put(i, rhs.get(i) * scales[i]);
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
                        "XᵀX is too badly conditioned for the normal equations: estimated condition number %.3g "
                                + "(after scaling to unit diagonal) > %.0e",
                        condition, FitConfig.NORMAL_EQUATIONS_MAX_CONDITION), condition);
            }
            checkInfo(LAPACKE_dpotrs(LAPACK_COL_MAJOR, LOWER, n, 1, gram, n, rhs, n), "LAPACKE_dpotrs");
            double[] theta = new double[n];
            for (int j = 0; j < n; j++) {
                theta[j] = scales[j] * rhs.get(j);
            }
            ExtendedResidual residual = new ExtendedResidual(data, stats != null);
            for (int step = 0; step < MAX_REFINEMENTS; step++) {
                double[] correction = residual.transposedResidual(theta);
                for (int j = 0; j < n; j++) {
                    rhs.put(j, scales[j] * correction[j]);
                }
                checkInfo(LAPACKE_dpotrs(LAPACK_COL_MAJOR, LOWER, n, 1, gram, n, rhs, n), "LAPACKE_dpotrs");
                double change = 0;
                double size = 0;
                for (int j = 0; j < n; j++) {
                    double d = scales[j] * rhs.get(j);
                    theta[j] += d;
                    change += d * d;
                    size += theta[j] * theta[j];
                }
                if (change <= 16 * Math.ulp(1.0) * Math.ulp(1.0) * size) {
                    break;
                }
            }
            return theta;
        }
    }

    /** Refinement steps at most (each one an extended-precision residual and one more SVD solve). */
    static final int MAX_REFINEMENTS = 4;

    /**
     * Least squares by divide-and-conquer SVD (dgelsd) on a column-major float64 copy of X, with
     * column scaling and iterative refinement:
     * <ol>
     *   <li>columns of X_c are scaled to unit norm (so the rank cutoff compares like with like: a
     *       column of scale 1e-3 next to one of 1e12 is not mistaken for noise);</li>
     *   <li>if the scaled X_c has full column rank the answer is unique: it is refined — residual
     *       r = y_c − X_cθ in double-double ({@link ExtendedResidual}), correction from the same scaled
     *       SVD solve, θ += δ — until ‖δ‖ ≤ 4ε‖θ‖ or {@value #MAX_REFINEMENTS} steps;</li>
     *   <li>otherwise the minimum-norm θ is defined on the unscaled X_c: it is solved again unscaled
     *       (no refinement), with the cutoff applied to its own singular values.</li>
     * </ol>
     * The singular values returned are those of the matrix that was finally factored.
     */
    static LeastSquaresSolution svd(Dataset data, ColumnStatistics stats, double[] meanSquaredDeviations, double rankCutoff) {
        int m = lapackSize(data.rows(), "rows");
        int n = lapackSize(data.cols(), "columns");
        double[] scales = columnScales(meanSquaredDeviations, m);
        Gelsd scaled = gelsd(data, stats, scales, null, rankCutoff);
        if (scaled.rank < n) {
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1);
            Gelsd plain = gelsd(data, stats, ones, null, rankCutoff);
            return new LeastSquaresSolution(plain.solution, plain.rank, plain.singular);
        }
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = scales[j] * scaled.solution[j];
        }
        ExtendedResidual residual = new ExtendedResidual(data, stats != null);
        for (int step = 0; step < MAX_REFINEMENTS; step++) {
            Gelsd correction = gelsd(data, stats, scales, residual.residual(theta), rankCutoff);
            double change = 0;
            double size = 0;
            for (int j = 0; j < n; j++) {
                double d = scales[j] * correction.solution[j];
                theta[j] += d;
                change += d * d;
                size += theta[j] * theta[j];
            }
            if (change <= 16 * Math.ulp(1.0) * Math.ulp(1.0) * size) {
                break;
            }
        }
        return new LeastSquaresSolution(theta, scaled.rank, scaled.singular);
    }

    /** 1/‖column j of X_c‖ = 1/√(m·deviationⱼ) (1 for an all-zero column), from the problem's cached deviations. */
    private static double[] columnScales(double[] meanSquaredDeviations, long rows) {
        double[] scales = new double[meanSquaredDeviations.length];
        for (int j = 0; j < scales.length; j++) {
            double sum = meanSquaredDeviations[j] * rows;
            scales[j] = sum > 0 ? 1 / Math.sqrt(sum) : 1;
        }
        return scales;
    }

    /** One dgelsd solve of min‖X_c·diag(scales)·z − rhs‖ (rhs = y_c when null). */
    private record Gelsd(double[] solution, int rank, double[] singular) {
    }

    private static Gelsd gelsd(Dataset data, ColumnStatistics stats, double[] scales, double[] rhs, double rankCutoff) {
        int m = (int) data.rows();
        int n = (int) data.cols();
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
                            column.put(i, in.get(i * n + j) * scales[j]);
                        }
                    }
                }
            }
            if (rhs != null) {
                OffHeapViews.doubles(b, 0, m).put(rhs);
            }
            int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, m, n, 1, a, m, b, Math.max(m, n), singular, rankCutoff, rank);
            if (info > 0) {
                throw new ArithmeticException("SVD did not converge (LAPACKE_dgelsd info " + info + ")");
            }
            checkInfo(info, "LAPACKE_dgelsd");
            double[] z = new double[n];
            b.get(z);
            double[] s = new double[k];
            singular.get(s);
            return new Gelsd(z, rank.get(), s);
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
