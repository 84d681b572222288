package dev.downhill.cpu;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a full pass computes the fused gradient over a thread's rows.
 * <ul>
 *   <li>{@link #SINGLE_PASS}: the native kernel ({@link NativeKernels}): rows in groups of 8; the
 *       dot products of one group and the gradient update of the previous group share one sweep,
 *       so X streams from memory once and its second use hits L1/L2 without stalling the stream.</li>
 *   <li>{@link #BLAS_BLOCKED}: OpenBLAS level 2 on cache-sized row blocks: r_B = X_Bθ (sgemv),
 *       then X_Bᵀr_B (sgemv) while X_B is still in L2. X is read from memory once, but the second
 *       sgemv does not overlap the memory stream.</li>
 * </ul>
 * Chosen by backend option {@value dev.downhill.spi.BackendOptions#CPU_KERNEL} ({@code native}, {@code blas}
 * or {@code auto}; its default comes from system property {@value #PROPERTY}, read by
 * {@link dev.downhill.spi.BackendOptions#defaults()}); {@code auto} is {@code native} when its library loads,
 * else {@code blas} (the reason is logged once).
 */
enum GradientStrategy {
    SINGLE_PASS,
    BLAS_BLOCKED;

    static final String PROPERTY = "downhill.cpu.kernel";
    private static final Logger LOG = LoggerFactory.getLogger(GradientStrategy.class);
    private static volatile String nativeFailure;
    private static volatile boolean probed;

    /** The strategy the options ask for (auto when unset); an explicit "native" that cannot load throws. */
    static GradientStrategy configured(dev.downhill.spi.BackendOptions options) {
        String wanted = options.setting(dev.downhill.spi.BackendOptions.CPU_KERNEL).orElse("auto").trim().toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "blas":
                return BLAS_BLOCKED;
            case "native": {
                String failure = probeNative();
                if (failure != null) {
                    throw new IllegalStateException(dev.downhill.spi.BackendOptions.CPU_KERNEL + "=native but the native kernel cannot load: " + failure);
                }
                return SINGLE_PASS;
            }
            case "auto": {
                String failure = probeNative();
                if (failure == null) {
                    return SINGLE_PASS;
                }
                return BLAS_BLOCKED;
            }
            default:
                throw new IllegalArgumentException(dev.downhill.spi.BackendOptions.CPU_KERNEL + " must be native, blas or auto; got '" + wanted + "'");
        }
    }

    /** Loads the native kernels once; null on success, else why not. */
    static synchronized String probeNative() {
        if (!probed) {
            probed = true;
            try {
                NativeKernels.load();
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                nativeFailure = e.toString();
                LOG.warn("downhill native CPU kernel unavailable, using the OpenBLAS blocked kernel: {}", nativeFailure);
            }
        }
        return nativeFailure;
    }
}
