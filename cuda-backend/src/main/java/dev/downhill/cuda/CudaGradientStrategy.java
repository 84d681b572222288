package dev.downhill.cuda;

import dev.downhill.spi.BackendOptions;

import java.util.Locale;

/**
 * How the CUDA backend computes a full-batch gradient pass, chosen with backend option
 * {@value dev.downhill.spi.BackendOptions#CUDA_KERNEL}: {@code auto} (the default), {@code fused}, {@code cublas}
 * (dense X) or {@code atomic} (sparse X). Its default comes from system property {@value #PROPERTY}, read by
 * {@link dev.downhill.spi.BackendOptions#defaults()}; the backend itself reads no property.
 *
 * <p>{@code auto} resolves by X's kind and width ({@link #forDense}, {@link #forSparse}): dense X from
 * {@value #AUTO_CUBLAS_FROM_COLUMNS} columns takes {@link #CUBLAS} — measured on an NVIDIA H200 (CUDA 13.0,
 * bench/results/2026-12-01-gpu), the two gemv calls took 0.39–0.92 of the fused kernel's time at every width from
 * 1,000 to 100,000 columns (float32, ~8 GB of X), because the fused kernel is latency-bound (one row in flight per
 * block) — narrower dense X keeps {@link #FUSED} (not measured there), and sparse X takes {@link #FUSED} (its only
 * deterministic strategy).
 */
public enum CudaGradientStrategy {
    /** The NVRTC fused kernel: X read once per pass (falls back to cuBLAS past {@link FusedShape#maxColumns}). */
    FUSED,
    /** Two cuBLAS gemv calls (r = Xθ, then g = s·Xᵀr): X read twice. Dense X only. */
    CUBLAS,
    /**
     * Sparse X only: the fused CSR kernel scattering into one float64 gradient with atomics instead of per-part partial
     * gradients — faster where the partials would cost more than X (large n, many short rows), but not bit-identical
     * run to run (the additions' order varies).
     */
    ATOMIC;

    public static final String PROPERTY = "downhill.cuda.kernel";

    /** With {@code auto}, dense X of at least this many columns takes cuBLAS (the narrowest width measured faster). */
    public static final long AUTO_CUBLAS_FROM_COLUMNS = 1_000;

    /** The strategy for a dense X of {@code cols} columns: the one the options name, or {@code auto}'s choice. */
    public static CudaGradientStrategy forDense(BackendOptions options, long cols) {
        CudaGradientStrategy named = named(options);
        if (named != null) {
            return named;
        }
        return cols >= AUTO_CUBLAS_FROM_COLUMNS ? CUBLAS : FUSED;
    }

    /** The strategy for a sparse X: the one the options name, or {@code auto}'s choice (fused). */
    public static CudaGradientStrategy forSparse(BackendOptions options) {
        CudaGradientStrategy named = named(options);
        return named != null ? named : FUSED;
    }

    /** What the options say, as {@code backend info} shows it: {@code auto}, {@code fused}, {@code cublas} or {@code atomic}. */
    public static String describe(BackendOptions options) {
        CudaGradientStrategy named = named(options);
        return named == null ? "auto (cublas for dense X from " + AUTO_CUBLAS_FROM_COLUMNS + " columns, else fused)"
                : named.name().toLowerCase(Locale.ROOT);
    }

    /** The strategy the options name, null for {@code auto} or unset; a one-line refusal for anything else. */
    private static CudaGradientStrategy named(BackendOptions options) {
        String v = options.setting(BackendOptions.CUDA_KERNEL).orElse("auto").trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "auto":
                return null;
            case "fused":
                return FUSED;
            case "cublas":
                return CUBLAS;
            case "atomic":
                return ATOMIC;
            default:
                throw new IllegalArgumentException(BackendOptions.CUDA_KERNEL + " must be auto, fused or cublas (dense X), or "
                        + "auto, fused or atomic (sparse X), got '" + v + "'");
        }
    }
}
