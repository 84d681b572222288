package dev.downhill.cuda;

import java.util.Locale;

/**
 * How the CUDA backend computes a full-batch gradient pass, chosen with backend option
 * {@value dev.downhill.spi.BackendOptions#CUDA_KERNEL} (default {@code fused}; its default comes from system
 * property {@value #PROPERTY}, read by {@link dev.downhill.spi.BackendOptions#defaults()}).
 */
public enum CudaGradientStrategy {
    /** The NVRTC fused kernel: X read once per pass (falls back to cuBLAS past {@link FusedShape#maxColumns}). */
    FUSED,
    /** Two cuBLAS gemv calls (r = Xθ, then g = s·Xᵀr): X read twice; the baseline the fused kernel must beat. */
    CUBLAS;

    public static final String PROPERTY = "downhill.cuda.kernel";

    /** The strategy the options name (fused when unset). */
    public static CudaGradientStrategy configured(dev.downhill.spi.BackendOptions options) {
        String v = options.setting(dev.downhill.spi.BackendOptions.CUDA_KERNEL).orElse("fused").trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "fused":
                return FUSED;
            case "cublas":
                return CUBLAS;
            default:
                throw new IllegalArgumentException(dev.downhill.spi.BackendOptions.CUDA_KERNEL + " must be fused or cublas, got '" + v + "'");
        }
    }
}
