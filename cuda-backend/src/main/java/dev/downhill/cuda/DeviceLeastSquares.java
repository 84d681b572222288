package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DIAG_NON_UNIT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_FILL_MODE_LOWER;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasDgemv_v2_64;
import static org.bytedeco.cuda.global.cublas.cublasDsyrk_v2_64;
import static org.bytedeco.cuda.global.cublas.cublasDtrmv_v2_64;
import static org.bytedeco.cuda.global.cudart.CUDA_R_64F;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgeqrf;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgeqrf_bufferSize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgesvd;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgesvd_bufferSize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXpotrf;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXpotrf_bufferSize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXpotrs;

import dev.downhill.FitConfig;
import dev.downhill.SingularMatrixException;
import dev.downhill.spi.LeastSquaresSolution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct solvers on the device, in float64 whatever the problem's precision (X is converted on
 * the device, block by block where possible), with cuSOLVER's 64-bit API ({@code cusolverDnX*})
 * and cuBLAS's {@code _64} entry points. Work buffers are allocated from the context and freed
 * before returning.
 *
 * <ul>
 *   <li>Normal equations: G = X_cᵀX_c by {@code dsyrk} over row blocks, scaled to unit diagonal,
 *       Cholesky ({@code Xpotrf}); a breakdown or an estimated condition number of the scaled G
 *       above {@link FitConfig#NORMAL_EQUATIONS_MAX_CONDITION} throws {@link SingularMatrixException}
 *       with the cpu backend's wording. The estimate is λmax/λmin from 12 power and 12 inverse
 *       iterations on the factor (a lower bound of the true condition number, like LAPACK's
 *       {@code dpocon} estimate it stands in for).</li>
 *   <li>SVD, tall X (m ≥ n): columns scaled to unit norm, QR of [X_c·D | y_c] ({@code Xgeqrf}, so
 *       Qᵀy comes out of the factorization without forming Q), SVD of the n × n factor R
 *       ({@code Xgesvd}), θ = D·V·Σ⁺·Uᵀ(Qᵀy). With rank < n it is solved again unscaled for the
 *       minimum-norm θ (as on the cpu backend). Needs m·(n+1)·8 bytes of device memory.</li>
 *   <li>SVD, wide X (m &lt; n): QR of X_cᵀ = QR, SVD of the m × m factor R = UΣVᵀ, and the
 *       minimum-norm θ = X_cᵀ·V·Σ⁺²·Vᵀy_c (X X ᵀ = RᵀR). Needs n·m·8 bytes.</li>
 * </ul>
 * Unlike the cpu backend there is no extended-precision iterative refinement yet.
 */
final class DeviceLeastSquares {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLeastSquares.class);
    private static final long BLOCK_BYTES = 256L << 20;
    private static final int ESTIMATE_ITERATIONS = 12;

    private final CudaContext context;
    private final KernelModule kernels;
    private final DeviceRows x;
    private final DeviceMemory y;
    private final long rows;
    private final long cols;
    private final List<DeviceMemory> work = new ArrayList<>();

    DeviceLeastSquares(CudaContext context, KernelModule kernels, DeviceRows x, DeviceMemory y, long rows, long cols) {
        this.context = context;
        this.kernels = kernels;
        this.x = x;
        this.y = y;
        this.rows = rows;
        this.cols = cols;
    }

    // ------------------------------------------------------------------ normal equations

    /** θ solving (X_cᵀX_c)θ = X_cᵀy_c; centring when {@code means} is not null. */
    double[] normalEquations(DeviceMemory means, double targetMean) {
        int n = Math.toIntExact(cols);
        try {
            long blockRows = Math.max(1, Math.min(rows, BLOCK_BYTES / (8 * cols)));
            DeviceMemory gram = allocate(8L * n * n, "XᵀX");
            DeviceMemory rhs = allocate(8L * n, "Xᵀy");
            DeviceMemory block = allocate(8 * blockRows * cols, "row block (float64)");
            DeviceMemory targets = allocate(8 * blockRows, "target block (float64)");
            context.zero(gram);
            context.zero(rhs);
            context.enter();
            try (DoublePointer one = new DoublePointer(1.0)) {
                x.forEachChunk((address, first, count) -> {
                    for (long row = 0; row < count; row += blockRows) {
                        long k = Math.min(blockRows, count - row);
                        convert(address, row, k, means, null, block, k, true);
                        context.launch(kernels, "convert_vector", blocks(k), 1, CudaProblem.UTILITY_THREADS,
                                y, first + row, k, targetMean, targets);
                        CudaStatus.checkBlas(cublasDsyrk_v2_64(context.blas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, cols, k,
                                one, block.doubles(0), k, one, gram.doubles(0), cols), "cublasDsyrk_v2_64");
                        CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_T, k, cols, one, block.doubles(0), k,
                                targets.doubles(0), 1, one, rhs.doubles(0), 1), "cublasDgemv_v2_64(Xᵀy)");
                    }
                });
            }
            release(block);
            release(targets);
            double[] diagonal = context.diagonalToHost(gram, n);
            double[] scales = new double[n];
            for (int j = 0; j < n; j++) {
                scales[j] = diagonal[j] > 0 ? 1 / Math.sqrt(diagonal[j]) : 1;
            }
            DeviceMemory d = allocate(8L * n, "diagonal scales");
            context.doublesToDevice(scales, d, 0);
            context.launch(kernels, "scale_symmetric", blocks((long) n * n), 1, CudaProblem.UTILITY_THREADS, n, d, gram);
            double[] b = context.doublesToHost(rhs, 0, n);
            for (int j = 0; j < n; j++) {
                b[j] *= scales[j];
            }
            context.doublesToDevice(b, rhs, 0);

            int info = potrf(gram, n);
            if (info > 0) {
                throw new SingularMatrixException("XᵀX" + (means != null ? " (centred)" : "")
                        + " is singular: Cholesky broke down at column " + (info - 1)
                        + " (linearly dependent columns" + (means != null ? ", a constant column" : "")
                        + (rows < cols ? ", or fewer rows than columns" : "") + ")", Double.POSITIVE_INFINITY);
            }
            double condition = conditionEstimate(gram, n);
            if (!(condition <= FitConfig.NORMAL_EQUATIONS_MAX_CONDITION)) {
                throw new SingularMatrixException(String.format(Locale.ROOT,
                        "XᵀX is too badly conditioned for the normal equations: estimated condition number %.3g "
                                + "(after scaling to unit diagonal) > %.0e",
                        condition, FitConfig.NORMAL_EQUATIONS_MAX_CONDITION), condition);
            }
            potrs(gram, n, rhs);
            double[] z = context.doublesToHost(rhs, 0, n);
            for (int j = 0; j < n; j++) {
                z[j] *= scales[j];
            }
            return z;
        } finally {
            releaseAll();
        }
    }

    /** Cholesky G = LLᵀ in place (lower); returns cuSOLVER's info (> 0: not positive definite at that column). */
    private int potrf(DeviceMemory gram, int n) {
        DeviceMemory info = allocate(4, "info");
        try (SizeTPointer deviceBytes = new SizeTPointer(1); SizeTPointer hostBytes = new SizeTPointer(1)) {
            context.enter();
            CudaStatus.checkSolver(cusolverDnXpotrf_bufferSize(context.solver(), context.solverParams(), CUBLAS_FILL_MODE_LOWER, n,
                    CUDA_R_64F, gram.pointer(0), n, CUDA_R_64F, deviceBytes, hostBytes), "cusolverDnXpotrf_bufferSize");
            DeviceMemory workspace = allocate(deviceBytes.get(), "potrf workspace");
            try (BytePointer host = hostBuffer(hostBytes.get())) {
                CudaStatus.checkSolver(cusolverDnXpotrf(context.solver(), context.solverParams(), CUBLAS_FILL_MODE_LOWER, n,
                        CUDA_R_64F, gram.pointer(0), n, CUDA_R_64F, workspace.pointer(0), deviceBytes.get(), host,
                        hostBytes.get(), intPointer(info)), "cusolverDnXpotrf");
                int status = info(info);
                if (status < 0) {
                    throw new CudaException("cusolverDnXpotrf", status, "invalid argument " + (-status));
                }
                return status;
            }
        }
    }

    /** b ← G⁻¹b with the Cholesky factor in {@code gram}. */
    private void potrs(DeviceMemory gram, int n, DeviceMemory b) {
        DeviceMemory info = allocate(4, "info");
        context.enter();
        CudaStatus.checkSolver(cusolverDnXpotrs(context.solver(), context.solverParams(), CUBLAS_FILL_MODE_LOWER, n, 1,
                CUDA_R_64F, gram.pointer(0), n, CUDA_R_64F, b.pointer(0), n, intPointer(info)), "cusolverDnXpotrs");
        int status = info(info);
        if (status != 0) {
            throw new CudaException("cusolverDnXpotrs", status, "invalid argument " + (-status));
        }
    }

    /** λmax/λmin of G = LLᵀ: power iteration with two triangular products, inverse iteration with potrs. */
    private double conditionEstimate(DeviceMemory factor, int n) {
        DeviceMemory v = allocate(8L * n, "estimate vector");
        SplittableRandom random = new SplittableRandom(20261123L);
        double[] start = new double[n];
        for (int j = 0; j < n; j++) {
            start[j] = random.nextDouble(-1, 1);
        }
        double largest = 0;
        double[] h = normalized(start);
        for (int step = 0; step < ESTIMATE_ITERATIONS; step++) {
            context.doublesToDevice(h, v, 0);
            context.enter();
            CudaStatus.checkBlas(cublasDtrmv_v2_64(context.blas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, CUBLAS_DIAG_NON_UNIT, n,
                    factor.doubles(0), n, v.doubles(0), 1), "cublasDtrmv_v2_64(Lᵀv)");
            CudaStatus.checkBlas(cublasDtrmv_v2_64(context.blas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, n,
                    factor.doubles(0), n, v.doubles(0), 1), "cublasDtrmv_v2_64(Lv)");
            double[] w = context.doublesToHost(v, 0, n);
            largest = Math.max(largest, norm(w));
            h = normalized(w);
        }
        double inverseLargest = 0;
        h = normalized(start);
        for (int step = 0; step < ESTIMATE_ITERATIONS; step++) {
            context.doublesToDevice(h, v, 0);
            potrs(factor, n, v);
            double[] w = context.doublesToHost(v, 0, n);
            inverseLargest = Math.max(inverseLargest, norm(w));
            h = normalized(w);
        }
        return largest * inverseLargest;
    }

    // ------------------------------------------------------------------ SVD

    /** Minimum-norm least squares; centring when {@code means} is not null. */
    LeastSquaresSolution svd(DeviceMemory means, double targetMean, double[] meanSquaredDeviations, double rankCutoff) {
        if (!x.allResident()) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the SVD needs X on the device in float64 (%,d bytes) but X is streamed (over the device memory budget); "
                            + "use gd, nesterov, cg or normal", 8 * rows * cols));
        }
        try {
            if (rows < cols) {
                return wide(means, targetMean, rankCutoff);
            }
            double[] scales = new double[meanSquaredDeviations.length];
            for (int j = 0; j < scales.length; j++) {
                double sum = meanSquaredDeviations[j] * rows;
                scales[j] = sum > 0 ? 1 / Math.sqrt(sum) : 1;
            }
            LeastSquaresSolution scaled = tall(means, targetMean, scales, rankCutoff);
            if (scaled.rank() < cols) {
                double[] ones = new double[scales.length];
                Arrays.fill(ones, 1);
                return tall(means, targetMean, ones, rankCutoff);
            }
            return scaled;
        } finally {
            releaseAll();
        }
    }

    private LeastSquaresSolution tall(DeviceMemory means, double targetMean, double[] scales, double rankCutoff) {
        int n = Math.toIntExact(cols);
        requireMemory(8 * rows * (cols + 1) + 8L * 3 * n * n, "the SVD of a tall X (QR of X plus the SVD of R)");
        DeviceMemory a = allocate(8 * rows * (cols + 1), "[X·D | y] (float64, column-major)");
        DeviceMemory d = allocate(8L * n, "column scales");
        context.doublesToDevice(scales, d, 0);
        convert(x.residentMemory().address(0), 0, rows, means, d, a, rows, true);
        context.launch(kernels, "convert_vector", blocks(rows), 1, CudaProblem.UTILITY_THREADS,
                y, 0L, rows, targetMean, new RawPointer(a.address(8 * rows * cols)));
        geqrf(a, rows, cols + 1, rows);
        DeviceMemory r = allocate(8L * n * n, "R");
        context.launch(kernels, "upper_triangle", blocks((long) n * n), 1, CudaProblem.UTILITY_THREADS, a, rows, n, r);
        DeviceMemory qty = allocate(8L * n, "Qᵀy");
        context.copy(a, 8 * rows * cols, qty, 0, 8L * n);
        release(a);
        Svd svd = gesvd(r, n);
        // θ' = V·Σ⁺·Uᵀ(Qᵀy)
        DeviceMemory w = allocate(8L * n, "Uᵀ(Qᵀy)");
        gemv(CUBLAS_OP_T, n, n, svd.u, n, qty, w);
        double[] coefficients = context.doublesToHost(w, 0, n);
        int rank = applyPseudoInverse(coefficients, svd.singular, rankCutoff, 1);
        context.doublesToDevice(coefficients, w, 0);
        gemv(CUBLAS_OP_T, n, n, svd.vt, n, w, qty);
        double[] theta = context.doublesToHost(qty, 0, n);
        for (int j = 0; j < n; j++) {
            theta[j] *= scales[j];
        }
        return new LeastSquaresSolution(theta, rank, svd.singular);
    }

    private LeastSquaresSolution wide(DeviceMemory means, double targetMean, double rankCutoff) {
        int m = Math.toIntExact(rows);
        int n = Math.toIntExact(cols);
        requireMemory(8 * rows * cols + 8L * 3 * m * m, "the SVD of a wide X (QR of Xᵀ plus the SVD of R)");
        DeviceMemory a = allocate(8 * rows * cols, "Xᵀ (float64, column-major)");
        convert(x.residentMemory().address(0), 0, rows, means, null, a, cols, false);
        geqrf(a, cols, rows, cols);
        DeviceMemory r = allocate(8L * m * m, "R");
        context.launch(kernels, "upper_triangle", blocks((long) m * m), 1, CudaProblem.UTILITY_THREADS, a, cols, m, r);
        Svd svd = gesvd(r, m);
        DeviceMemory yc = allocate(8L * m, "y (float64)");
        context.launch(kernels, "convert_vector", blocks(m), 1, CudaProblem.UTILITY_THREADS, y, 0L, rows, targetMean, yc);
        DeviceMemory t = allocate(8L * m, "Vᵀy");
        gemv(CUBLAS_OP_N, m, m, svd.vt, m, yc, t);
        double[] c = context.doublesToHost(t, 0, m);
        int rank = applyPseudoInverse(c, svd.singular, rankCutoff, 2);
        context.doublesToDevice(c, t, 0);
        gemv(CUBLAS_OP_T, m, m, svd.vt, m, t, yc);
        convert(x.residentMemory().address(0), 0, rows, means, null, a, cols, false); // X_cᵀ again (geqrf overwrote it)
        DeviceMemory theta = allocate(8L * n, "θ");
        gemv(CUBLAS_OP_N, n, m, a, n, yc, theta);
        return new LeastSquaresSolution(context.doublesToHost(theta, 0, n), rank, svd.singular);
    }

    /** c_i ← c_i / σ_i^power for σ_i above cutoff·σ_max, else 0; returns the rank. */
    private static int applyPseudoInverse(double[] c, double[] singular, double rankCutoff, int power) {
        double threshold = rankCutoff * (singular.length == 0 ? 0 : singular[0]);
        int rank = 0;
        for (int i = 0; i < c.length; i++) {
            if (singular[i] > threshold && singular[i] > 0) {
                c[i] /= power == 1 ? singular[i] : singular[i] * singular[i];
                rank++;
            } else {
                c[i] = 0;
            }
        }
        if (rank < c.length) {
            LOG.warn("SVD: rank {} of {} (singular values at or below {} × σ_max treated as zero)", rank, c.length, rankCutoff);
        }
        return rank;
    }

    private record Svd(DeviceMemory u, DeviceMemory vt, double[] singular) {
    }

    /** SVD of the k × k matrix {@code r} (overwritten): U, Vᵀ on the device, σ on the host (largest first). */
    private Svd gesvd(DeviceMemory r, int k) {
        DeviceMemory s = allocate(8L * k, "σ");
        DeviceMemory u = allocate(8L * k * k, "U");
        DeviceMemory vt = allocate(8L * k * k, "Vᵀ");
        DeviceMemory info = allocate(4, "info");
        byte job = (byte) 'S';
        try (SizeTPointer deviceBytes = new SizeTPointer(1); SizeTPointer hostBytes = new SizeTPointer(1)) {
            context.enter();
            CudaStatus.checkSolver(cusolverDnXgesvd_bufferSize(context.solver(), context.solverParams(), job, job, k, k,
                    CUDA_R_64F, r.pointer(0), k, CUDA_R_64F, s.pointer(0), CUDA_R_64F, u.pointer(0), k, CUDA_R_64F,
                    vt.pointer(0), k, CUDA_R_64F, deviceBytes, hostBytes), "cusolverDnXgesvd_bufferSize");
            DeviceMemory workspace = allocate(deviceBytes.get(), "gesvd workspace");
            try (BytePointer host = hostBuffer(hostBytes.get())) {
                CudaStatus.checkSolver(cusolverDnXgesvd(context.solver(), context.solverParams(), job, job, k, k,
                        CUDA_R_64F, r.pointer(0), k, CUDA_R_64F, s.pointer(0), CUDA_R_64F, u.pointer(0), k, CUDA_R_64F,
                        vt.pointer(0), k, CUDA_R_64F, workspace.pointer(0), deviceBytes.get(), host, hostBytes.get(),
                        intPointer(info)), "cusolverDnXgesvd");
            }
            int status = info(info);
            if (status != 0) {
                throw new CudaException("cusolverDnXgesvd", status, status < 0 ? "invalid argument " + (-status)
                        : status + " superdiagonals did not converge");
            }
            release(workspace);
        }
        return new Svd(u, vt, context.doublesToHost(s, 0, k));
    }

    /** QR of the rows × cols column-major {@code a} (leading dimension lda) in place. */
    private void geqrf(DeviceMemory a, long m, long n, long lda) {
        DeviceMemory tau = allocate(8 * Math.min(m, n), "QR τ");
        DeviceMemory info = allocate(4, "info");
        try (SizeTPointer deviceBytes = new SizeTPointer(1); SizeTPointer hostBytes = new SizeTPointer(1)) {
            context.enter();
            CudaStatus.checkSolver(cusolverDnXgeqrf_bufferSize(context.solver(), context.solverParams(), m, n, CUDA_R_64F,
                    a.pointer(0), lda, CUDA_R_64F, tau.pointer(0), CUDA_R_64F, deviceBytes, hostBytes), "cusolverDnXgeqrf_bufferSize");
            DeviceMemory workspace = allocate(deviceBytes.get(), "geqrf workspace");
            try (BytePointer host = hostBuffer(hostBytes.get())) {
                CudaStatus.checkSolver(cusolverDnXgeqrf(context.solver(), context.solverParams(), m, n, CUDA_R_64F,
                        a.pointer(0), lda, CUDA_R_64F, tau.pointer(0), CUDA_R_64F, workspace.pointer(0), deviceBytes.get(),
                        host, hostBytes.get(), intPointer(info)), "cusolverDnXgeqrf");
            }
            int status = info(info);
            if (status != 0) {
                throw new CudaException("cusolverDnXgeqrf", status, "invalid argument " + (-status));
            }
            release(workspace);
            release(tau);
        }
    }

    /** out = op(A)·v for a column-major m × n A (leading dimension m). */
    private void gemv(int op, long m, long n, DeviceMemory a, long lda, DeviceMemory v, DeviceMemory out) {
        context.enter();
        try (DoublePointer one = new DoublePointer(1.0); DoublePointer zero = new DoublePointer(0.0)) {
            CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), op, m, n, one, a.doubles(0), lda, v.doubles(0), 1, zero,
                    out.doubles(0), 1), "cublasDgemv_v2_64");
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Rows [row, row+k) of the X at device address {@code address} as float64, centred by {@code means} and
     * scaled by {@code scales} (nullable), into {@code out}.
     */
    private void convert(long address, long row, long k, DeviceMemory means, DeviceMemory scales, DeviceMemory out, long lda,
                         boolean columnMajor) {
        context.launch(kernels, "convert_matrix", blocks(k * cols), 1, CudaProblem.UTILITY_THREADS,
                new RawPointer(address), (int) cols, row, k, means, scales, out, lda, columnMajor ? 1 : 0);
    }

    private static long blocks(long elements) {
        return Math.max(1, Math.min(65535, (elements + CudaProblem.UTILITY_THREADS - 1) / CudaProblem.UTILITY_THREADS));
    }

    private void requireMemory(long bytes, String what) {
        long[] memory = context.memory();
        if (bytes > memory[0]) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s needs %,d bytes of device memory in float64; %,d are free of %,d on %s (use gradient descent, or the cpu backend)",
                    what, bytes, memory[0], memory[1], context.device().name()));
        }
    }

    private DeviceMemory allocate(long bytes, String what) {
        DeviceMemory m = context.allocate(bytes, what);
        work.add(m);
        return m;
    }

    private void release(DeviceMemory m) {
        work.remove(m);
        context.free(m);
    }

    private void releaseAll() {
        for (int i = work.size() - 1; i >= 0; i--) {
            context.free(work.get(i));
        }
        work.clear();
    }

    private int info(DeviceMemory info) {
        try (IntPointer host = new IntPointer(1)) {
            context.toHost(info, 0, host, 4);
            return host.get();
        }
    }

    private static IntPointer intPointer(DeviceMemory m) {
        return new IntPointer(m.pointer(0));
    }

    private static BytePointer hostBuffer(long bytes) {
        return bytes > 0 ? new BytePointer(bytes) : new BytePointer((Pointer) null);
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static double[] normalized(double[] v) {
        double s = norm(v);
        double[] out = v.clone();
        if (s > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] /= s;
            }
        }
        return out;
    }
}
