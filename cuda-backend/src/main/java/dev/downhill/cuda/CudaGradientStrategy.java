package dev.downhill.cuda;

import java.util.Locale;

/**
 * How the CUDA backend computes a full-batch gradient pass, chosen with backend option
 * {@value dev.downhill.spi.BackendOptions#CUDA_KERNEL} (default {@code staged} for dense X, {@code fused} for sparse X;
 * the option's default comes from system property {@value #PROPERTY}, read by
 * {@link dev.downhill.spi.BackendOptions#defaults()}).
 */
public enum CudaGradientStrategy {
    /** The NVRTC fused kernel: X read once per pass (falls back to cuBLAS past {@link FusedShape#maxColumns}). */
    FUSED,
    /**
     * The fused kernel with X staged through shared memory by asynchronous copies ({@link FusedShape#staged}): several
     * row groups in flight per block and more rows per barrier; the same arithmetic as {@link #FUSED}, so the same bits on
     * the same grid (its shared memory may leave fewer clusters resident, and its rows per group split a pass's rows
     * otherwise: then the last bits differ). Sized for the device's opt-in shared memory; below compute capability 8.0
     * the register path runs. Dense X only; full passes only: slices (sgd, mini-batches) and the device epoch run the
     * register kernel, compiled beside it. On an H200 (2026-12-04) 1.15–2.55× faster than {@link #FUSED} from 100 to
     * 100,000 float32 columns, with its bits. The default for dense X from {@link FusedShape#STAGED_DEFAULT_MIN_COLUMNS}
     * columns.
     */
    STAGED,
    /** Two cuBLAS gemv calls (r = Xθ, then g = s·Xᵀr): X read twice; the baseline the fused kernel must beat. Dense X only. */
    CUBLAS,
    /**
     * Sparse X only: the fused CSR kernel scattering into one float64 gradient with atomics instead of per-part partial
     * gradients — faster where the partials would cost more than X (large n, many short rows), but not bit-identical
     * run to run (the additions' order varies).
     */
    ATOMIC,
    /**
     * Sparse X only, the vendor baseline the CSR kernel must beat: full passes as two cuSPARSE SpMV calls (r = Xθ, then
     * g = s·Xᵀr; CUSPARSE_SPMV_ALG_DEFAULT, X read twice, the residual rounded to X's precision between them), through
     * the backend's own JNI shim ({@link CusparseLibrary}); mini-batch slices keep the fused CSR kernel. Fewer than 2³¹
     * stored entries (int32 offsets).
     */
    CUSPARSE;

    public static final String PROPERTY = "downhill.cuda.kernel";

    /**
     * The strategy the options name; when unset, {@link #STAGED} for dense X (on an H200, 2026-12-04, 1.15–2.55× the
     * register kernel's speed from 100 to 100,000 float32 columns with its bits; slices and the device epoch keep the
     * register kernel, and so do full passes below {@link FusedShape#STAGED_DEFAULT_MIN_COLUMNS} columns unless
     * {@code staged} is asked for) and {@link #FUSED} for sparse X (the deterministic CSR kernel).
     */
    public static CudaGradientStrategy configured(dev.downhill.spi.BackendOptions options, boolean sparse) {
        String v = options.setting(dev.downhill.spi.BackendOptions.CUDA_KERNEL).orElse(sparse ? "fused" : "staged").trim()
                .toLowerCase(Locale.ROOT);
        switch (v) {
            case "fused":
                return FUSED;
            case "cublas":
                return CUBLAS;
            case "staged":
                return STAGED;
            case "atomic":
                return ATOMIC;
            case "cusparse":
                return CUSPARSE;
            default:
                throw new IllegalArgumentException(dev.downhill.spi.BackendOptions.CUDA_KERNEL + " must be fused, staged or cublas (dense X), or fused, atomic or cusparse (sparse X), got '" + v + "'");
        }
    }
}
