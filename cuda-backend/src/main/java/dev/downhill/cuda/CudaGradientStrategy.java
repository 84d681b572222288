package dev.downhill.cuda;

import java.util.Locale;

/**
 * How the CUDA backend computes a full-batch gradient pass, chosen with system property
 * {@value #PROPERTY} (default {@code fused}).
 */
public enum CudaGradientStrategy {
    /** The NVRTC fused kernel: X read once per pass (falls back to cuBLAS past {@link FusedShape#maxColumns}). */
    FUSED,
    /** Two cuBLAS gemv calls (r = Xθ, then g = s·Xᵀr): X read twice; the baseline the fused kernel must beat. */
    CUBLAS;

    public static final String PROPERTY = "downhill.cuda.kernel";

    /** The strategy named by {@value #PROPERTY}. */
    public static CudaGradientStrategy configured() {
        String v = System.getProperty(PROPERTY, "fused").trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "fused":
                return FUSED;
            case "cublas":
                return CUBLAS;
            default:
                throw new IllegalArgumentException(PROPERTY + " must be fused or cublas, got '" + v + "'");
        }
    }
}
