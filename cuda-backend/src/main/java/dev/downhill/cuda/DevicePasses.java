package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_FILL_MODE_LOWER;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasDgemv_v2_64;
import static org.bytedeco.cuda.global.cublas.cublasDsyrk_v2_64;
import static org.bytedeco.cuda.global.cudart.CUDA_R_64F;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgeqrf;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgeqrf_bufferSize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgesvd;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXgesvd_bufferSize;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXpotrf;
import static org.bytedeco.cuda.global.cusolver.cusolverDnXpotrf_bufferSize;

import dev.downhill.spi.CrossProducts;
import dev.downhill.spi.DenseKernels;
import dev.downhill.spi.QrReduction;
import dev.downhill.spi.SingularValueDecomposition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The passes over X that core's direct solvers need, and their dense kernels, on the device in float64
 * whatever the problem's precision (X converted on the device, block by block where possible), with
 * cuSOLVER's 64-bit API ({@code cusolverDnX*}) and cuBLAS's {@code _64} entry points. Work buffers are
 * allocated from the context and freed before returning; results are copied to the host.
 *
 * Sample weights: every converted row of [X_c | y_c] is multiplied by √wᵢ (kernel argument {@code rowScale}), so the
 * Gram pass gives X_cᵀWX_c, X_cᵀWy_c and the QR pass the factor of W^½[X_c·D | y_c].
 *
 * <ul>
 *   <li>Gram pass: G = X_cᵀX_c by {@code dsyrk} and c = X_cᵀy_c by {@code dgemv} over row blocks of every
 *       chunk (resident or streamed X).</li>
 *   <li>QR pass: [X_c·D | y_c] converted column-major into m·(n+1)·8 bytes of device memory,
 *       {@code Xgeqrf}, the leading min(m, n+1) rows of R copied out (resident X only).</li>
 *   <li>Dense kernels: {@code Xpotrf} and {@code Xgesvd} on device copies of the small host matrices
 *       (gesvd wants rows ≥ cols: a wide matrix is decomposed through its transpose).</li>
 * </ul>
 */
final class DevicePasses implements DenseKernels {
    private static final long BLOCK_BYTES = 256L << 20;

    private final CudaContext context;
    private final KernelModule kernels;
    private final DeviceRows x;
    private final DeviceMemory y;
    /** √w (float64, m values) for weighted problems, else null: converted rows are scaled by it. */
    private final DeviceMemory rootWeights;
    private final long rows;
    private final long cols;
    private final List<DeviceMemory> work = new ArrayList<>();

    DevicePasses(CudaContext context, KernelModule kernels, DeviceRows x, DeviceMemory y, DeviceMemory rootWeights, long rows,
                 long cols) {
        this.rootWeights = rootWeights;
        this.context = context;
        this.kernels = kernels;
        this.x = x;
        this.y = y;
        this.rows = rows;
        this.cols = cols;
    }

    /** G and c; centring when {@code means} is not null. */
    CrossProducts crossProducts(DeviceMemory means, double targetMean) {
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
                        convert(address, roots(first), row, k, means, null, block, k, true);
                        context.launch(kernels, "convert_vector", blocks(k), 1, CudaProblem.UTILITY_THREADS,
                                y, first + row, k, targetMean, roots(0), targets);
                        CudaStatus.checkBlas(cublasDsyrk_v2_64(context.blas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, cols, k,
                                one, block.doubles(0), k, one, gram.doubles(0), cols), "cublasDsyrk_v2_64");
                        CudaStatus.checkBlas(cublasDgemv_v2_64(context.blas(), CUBLAS_OP_T, k, cols, one, block.doubles(0), k,
                                targets.doubles(0), 1, one, rhs.doubles(0), 1), "cublasDgemv_v2_64(Xᵀy)");
                    }
                });
            }
            double[] g = context.doublesToHost(gram, 0, n * n);
            for (int j = 0; j < n; j++) { // dsyrk filled the lower triangle (column-major): mirror it
                for (int i = j + 1; i < n; i++) {
                    g[j + i * n] = g[i + j * n];
                }
            }
            return new CrossProducts(g, context.doublesToHost(rhs, 0, n));
        } finally {
            releaseAll();
        }
    }

    /** R of [X_c·D | y_c]; centring when {@code means} is not null. */
    QrReduction qrReduction(DeviceMemory means, double targetMean, double[] scales) {
        if (!x.allResident()) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the QR pass needs X on the device in float64 (%,d bytes) but X is streamed (over the device memory budget); "
                            + "use gd, nesterov, cg or normal", 8 * rows * (cols + 1)));
        }
        int w = Math.toIntExact(cols + 1);
        int k = (int) Math.min(rows, w);
        try {
            requireMemory(8 * rows * w + 8L * k * w, "the QR pass ([X·D | y] in float64 and its factor)");
            DeviceMemory a = allocate(8 * rows * w, "[X·D | y] (float64, column-major)");
            DeviceMemory d = allocate(8L * cols, "column scales");
            context.doublesToDevice(scales, d, 0);
            convert(x.residentMemory().address(0), roots(0), 0, rows, means, d, a, rows, true);
            context.launch(kernels, "convert_vector", blocks(rows), 1, CudaProblem.UTILITY_THREADS,
                    y, 0L, rows, targetMean, roots(0), new RawPointer(a.address(8 * rows * cols)));
            geqrf(a, rows, w, rows);
            DeviceMemory r = allocate(8L * k * w, "R");
            context.launch(kernels, "upper_rows", blocks((long) k * w), 1, CudaProblem.UTILITY_THREADS, a, rows, k, w, r);
            return new QrReduction(context.doublesToHost(r, 0, k * w), k, w);
        } finally {
            releaseAll();
        }
    }

    @Override
    public int cholesky(double[] a, int n) {
        try {
            DeviceMemory g = allocate(8L * n * n, "G");
            context.doublesToDevice(a, g, 0);
            int info = potrf(g, n);
            double[] l = context.doublesToHost(g, 0, n * n);
            System.arraycopy(l, 0, a, 0, a.length);
            if (info == 0) {
                for (int j = 1; j < n; j++) {
                    java.util.Arrays.fill(a, j * n, j * n + j, 0.0);
                }
            }
            return info;
        } finally {
            releaseAll();
        }
    }

    /**
     * AᵀA by cublasDsyrk on a device copy of the row-major rows × cols A, read as the column-major cols × rows M = Aᵀ:
     * C = M·Mᵀ (no transpose), its lower triangle mirrored on the host.
     */
    @Override
    public double[] rowGram(double[] a, int rows, int cols) {
        try {
            DeviceMemory d = allocate(8L * rows * cols, "rows of the sketch");
            DeviceMemory g = allocate(8L * cols * cols, "their Gram matrix");
            context.doublesToDevice(a.length == rows * cols ? a : java.util.Arrays.copyOf(a, rows * cols), d, 0);
            context.zero(g);
            context.enter();
            try (DoublePointer one = new DoublePointer(1.0); DoublePointer zero = new DoublePointer(0.0)) {
                CudaStatus.checkBlas(cublasDsyrk_v2_64(context.blas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, cols, rows,
                        one, d.doubles(0), cols, zero, g.doubles(0), cols), "cublasDsyrk_v2_64(rows)");
            }
            double[] out = context.doublesToHost(g, 0, cols * cols);
            for (int j = 0; j < cols; j++) {
                for (int i = j + 1; i < cols; i++) {
                    out[j + i * cols] = out[i + j * cols];
                }
            }
            return out;
        } finally {
            releaseAll();
        }
    }

    @Override
    public SingularValueDecomposition svd(double[] a, int m, int n) {
        if (m < n) { // A = (Aᵀ)ᵀ = (U'ΣV'ᵀ)ᵀ (gesvd wants rows ≥ cols)
            return svd(SingularValueDecomposition.transpose(a, m, n), n, m).ofTranspose();
        }
        try {
            DeviceMemory d = allocate(8L * m * n, "matrix to decompose");
            context.doublesToDevice(a, d, 0);
            Svd s = gesvd(d, m, n);
            return new SingularValueDecomposition(context.doublesToHost(s.u, 0, m * n), s.singular,
                    context.doublesToHost(s.vt, 0, n * n), m, n);
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

    private record Svd(DeviceMemory u, DeviceMemory vt, double[] singular) {
    }

    /** Thin SVD of the m × n (m ≥ n) column-major {@code r} (overwritten): U (m × n), Vᵀ (n × n) on the device, σ on the host. */
    private Svd gesvd(DeviceMemory r, int m, int n) {
        DeviceMemory s = allocate(8L * n, "σ");
        DeviceMemory u = allocate(8L * m * n, "U");
        DeviceMemory vt = allocate(8L * n * n, "Vᵀ");
        DeviceMemory info = allocate(4, "info");
        byte job = (byte) 'S';
        try (SizeTPointer deviceBytes = new SizeTPointer(1); SizeTPointer hostBytes = new SizeTPointer(1)) {
            context.enter();
            CudaStatus.checkSolver(cusolverDnXgesvd_bufferSize(context.solver(), context.solverParams(), job, job, m, n,
                    CUDA_R_64F, r.pointer(0), m, CUDA_R_64F, s.pointer(0), CUDA_R_64F, u.pointer(0), m, CUDA_R_64F,
                    vt.pointer(0), n, CUDA_R_64F, deviceBytes, hostBytes), "cusolverDnXgesvd_bufferSize");
            DeviceMemory workspace = allocate(deviceBytes.get(), "gesvd workspace");
            try (BytePointer host = hostBuffer(hostBytes.get())) {
                CudaStatus.checkSolver(cusolverDnXgesvd(context.solver(), context.solverParams(), job, job, m, n,
                        CUDA_R_64F, r.pointer(0), m, CUDA_R_64F, s.pointer(0), CUDA_R_64F, u.pointer(0), m, CUDA_R_64F,
                        vt.pointer(0), n, CUDA_R_64F, workspace.pointer(0), deviceBytes.get(), host, hostBytes.get(),
                        intPointer(info)), "cusolverDnXgesvd");
            }
            int status = info(info);
            if (status != 0) {
                if (status > 0) {
                    throw new ArithmeticException("SVD did not converge (cusolverDnXgesvd: " + status + " superdiagonals)");
                }
                throw new CudaException("cusolverDnXgesvd", status, "invalid argument " + (-status));
            }
            release(workspace);
        }
        return new Svd(u, vt, context.doublesToHost(s, 0, n));
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

    // ------------------------------------------------------------------ helpers

    /**
     * Rows [row, row+k) of the X at device address {@code address} as float64, centred by {@code means} and
     * scaled by {@code scales} (nullable), into {@code out}.
     */
    private void convert(long address, Pointer rowScale, long row, long k, DeviceMemory means, DeviceMemory scales, DeviceMemory out,
                         long lda, boolean columnMajor) {
        context.launch(kernels, "convert_matrix", blocks(k * cols), 1, CudaProblem.UTILITY_THREADS,
                new RawPointer(address), (int) cols, row, k, means, scales, rowScale, out, lda, columnMajor ? 1 : 0);
    }

    /** √w from row {@code first} on (device address), or null when unweighted. */
    private Pointer roots(long first) {
        return rootWeights == null ? null : new RawPointer(rootWeights.address(8 * first));
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
}
