package dev.downhill.cuda;

import dev.downhill.Precision;
import java.util.Locale;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * The cusparse strategy's full gradient pass over a resident CSR X, the vendor baseline of the CSR kernel (as cuBLAS is
 * for dense X): two cuSPARSE SpMV calls ({@link CusparseLibrary}, CUSPARSE_SPMV_ALG_DEFAULT) around the residual kernel,
 * <pre>
 *   r = Xθ                                     (SpMV, in X's precision)
 *   rᵢ ← wᵢ·(rᵢ + b − τyᵢ), Σwr², Σwr            (residual_finish: r rounded to X's precision; sums in float64, fixed grid)
 *   c = Xᵀr                                    (SpMV with the transpose)
 *   out = (REAL) (s · (double) c)              (accumulate_vector, scale_total)
 * </pre>
 * X is read twice and the residual makes a round trip through memory; cuSPARSE's transpose product may add in any
 * order (not bit-identical run to run). Owns the cuSPARSE handle and matrix descriptor (closed once by {@link #close})
 * and, from the context, int32 row offsets (cuSPARSE's CSR takes int32 or int64 for both arrays; ours are int64 offsets
 * with int32 columns), r (m values), c (n values), the residual sums' partials and SpMV's work buffer. Not thread-safe.
 */
final class CusparseGradient implements AutoCloseable {
    private final CudaContext context;
    private final KernelModule utility;
    private final long rows;
    private final int n;
    private final DeviceMemory offsets;
    private final DeviceMemory residual;
    private final DeviceMemory product;
    private final DeviceMemory partials;
    private final DeviceMemory buffer;
    private final int blocks;
    private long session;

    /** Device bytes besides X, y and the weights: int32 offsets, r, c, the residual partials (SpMV's buffer not known yet). */
    static long workBytes(long rows, int n, Precision precision, int blocks) {
        return 4 * (rows + 1) + precision.bytes() * (rows + (long) n) + 16L * blocks;
    }

    /** Why the strategy cannot run on this matrix or machine, or null when it can. */
    static String refusal(long nonZeros) {
        if (nonZeros > Integer.MAX_VALUE) {
            return String.format(Locale.ROOT, "the cusparse strategy takes fewer than 2^31 stored entries (int32 offsets), this X has %,d; "
                    + "use the fused strategy", nonZeros);
        }
        String why = CusparseLibrary.unavailable();
        return why == null ? null : "the cusparse strategy cannot run: " + why;
    }

    /**
     * @param hostOffsets the CSR's int64 row pointers on the host (m + 1), converted to int32 here
     * @param columns     the int32 column indices on the device
     * @param values      the values on the device, in {@code precision}
     * @param blocks      the residual kernel's grid (fixed: its sums' order depends on it)
     */
    CusparseGradient(CudaContext context, KernelModule utility, long rows, int n, long nonZeros, LongPointer hostOffsets,
                     DeviceMemory columns, DeviceMemory values, Precision precision, int blocks) {
        String refused = refusal(nonZeros);
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        this.context = context;
        this.utility = utility;
        this.rows = rows;
        this.n = n;
        this.blocks = blocks;
        this.offsets = context.allocate(4 * (rows + 1), "CSR row offsets (int32, cuSPARSE)");
        try (IntPointer narrow = new IntPointer(rows + 1)) {
            for (long i = 0; i <= rows; i++) {
                narrow.put(i, (int) hostOffsets.get(i));
            }
            context.toDevice(narrow, offsets, 0, 4 * (rows + 1));
        }
        this.residual = context.allocate(precision.bytes() * rows, "residual (cuSPARSE)");
        this.product = context.allocate((long) precision.bytes() * n, "Xᵀr (cuSPARSE)");
        this.partials = context.allocate(16L * blocks, "residual partial sums (cuSPARSE)");
        context.enter();
        try (IntPointer status = new IntPointer(1)) {
            long s = CusparseLibrary.csr_spmv_open(context.stream() == null ? 0 : context.stream().address(), rows, n, nonZeros,
                    offsets.address(0), columns.address(0), values.address(0), precision == Precision.FLOAT64, status);
            if (s == 0) {
                throw new IllegalStateException("cuSPARSE refused the CSR matrix: " + describe(status.get()));
            }
            this.session = s;
        }
        try {
            long bytes = Math.max(spmv(false, product, residual, -1, null), spmv(true, residual, product, -1, null));
            this.buffer = context.allocate(Math.max(1, bytes), "cuSPARSE SpMV work buffer");
        } catch (RuntimeException | Error e) {
            close(); // the handle and descriptor are this object's; the device buffers go with the context
            throw e;
        }
    }

    /** SpMV's work buffer in bytes (for the problem's accounting). */
    long bufferBytes() {
        return buffer.bytes();
    }

    /**
     * Queues the pass for θ (device, REAL) with intercept b, target weight τ and scale s: writes {@code out} (REAL, n) and
     * the two sums into {@code sums} (two float64 on the device, zeroed here). {@code y} and {@code w} (float64, or null
     * when unweighted) are device memory indexed by row.
     */
    void gradient(DeviceMemory theta, double intercept, double targetWeight, double scale, DeviceMemory y, DeviceMemory w,
                  DeviceMemory total, DeviceMemory sums, DeviceMemory out) {
        spmv(false, theta, residual, buffer.bytes(), buffer);
        context.launch(utility, "residual_finish", blocks, 1, CudaCsrProblem.UTILITY_THREADS, rows, residual, y, w, intercept,
                targetWeight, partials);
        context.zero(sums);
        context.launch(utility, "accumulate_partials", 1, 1, CudaCsrProblem.UTILITY_THREADS, null, blocks, 0, null, partials, sums,
                1.0, null);
        spmv(true, residual, product, buffer.bytes(), buffer);
        context.zero(total);
        long vectorBlocks = (n + CudaCsrProblem.UTILITY_THREADS - 1) / CudaCsrProblem.UTILITY_THREADS;
        context.launch(utility, "accumulate_vector", vectorBlocks, 1, CudaCsrProblem.UTILITY_THREADS, n, product, total);
        context.launch(utility, "scale_total", vectorBlocks, 1, CudaCsrProblem.UTILITY_THREADS, n, total, scale, out);
    }

    /** y ← op(X)·x (bufferBytes &lt; 0: returns the buffer size instead). */
    private long spmv(boolean transpose, DeviceMemory x, DeviceMemory y, long bufferBytes, DeviceMemory work) {
        context.enter();
        long r = CusparseLibrary.csr_spmv(session, transpose, 1.0, x.address(0), 0.0, y.address(0),
                work == null ? 0 : work.address(0), bufferBytes, rows, n);
        if (r < 0) {
            throw new CudaException("cusparseSpMV" + (bufferBytes < 0 ? "_bufferSize" : "") + (transpose ? "(Xᵀr)" : "(Xθ)"),
                    (int) -r, describe((int) -r));
        }
        return r;
    }

    private static String describe(int status) {
        if (status < 0) {
            String why = CusparseLibrary.unavailable();
            return why != null ? why : "cuSPARSE is unavailable";
        }
        return CusparseLibrary.cusparse_status_string(status).getString();
    }

    /** Destroys the cuSPARSE handle and descriptor (once); the device buffers belong to the context. */
    @Override
    public void close() {
        if (session != 0) {
            context.enter();
            CusparseLibrary.csr_spmv_close(session);
            session = 0;
        }
    }
}
