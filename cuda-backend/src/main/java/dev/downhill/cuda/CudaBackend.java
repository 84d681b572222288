package dev.downhill.cuda;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.ResidentProblem;
import java.util.Objects;

/**
 * The CUDA backend: X, y and every vector in device memory (uploaded once), the fused gradient as
 * an NVRTC-compiled kernel (or cuBLAS, {@link CudaGradientStrategy}), least squares with cuSOLVER.
 * Name "cuda", priority {@value #PRIORITY} (chosen over the CPU when a device is usable). Reads the
 * {@link BackendOptions} device (default 0), device memory budget, chunk size and
 * {@value BackendOptions#CUDA_KERNEL}; threads do not apply (the device does the work). Availability is probed once per process
 * ({@link CudaProbe}); without a driver or a device it reports why and automatic selection moves on.
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";
    public static final int PRIORITY = 20;
    public static final String DEVICE_PROPERTY = "downhill.cuda.device";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        return CudaProbe.availability();
    }

    @Override
    public String details(BackendOptions options) {
        if (!availability().available()) {
            return "";
        }
        String strategy;
        try {
            String dense = CudaGradientStrategy.configured(options, false).name().toLowerCase(java.util.Locale.ROOT);
            String sparse = CudaGradientStrategy.configured(options, true).name().toLowerCase(java.util.Locale.ROOT);
            strategy = dense.equals(sparse) ? dense : dense + " (dense X), " + sparse + " (sparse X)";
        } catch (RuntimeException e) {
            strategy = e.getMessage();
        }
        return DeviceInfo.query(options.device()).describe() + "; gradient: " + strategy;
    }

    @Override
    public ResidentProblem load(Dataset data, Precision precision, BackendOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(options, "options");
        CudaGradientStrategy strategy = CudaGradientStrategy.configured(options, false);
        if (strategy == CudaGradientStrategy.ATOMIC || strategy == CudaGradientStrategy.CUSPARSE) {
            throw new IllegalArgumentException(BackendOptions.CUDA_KERNEL + " = " + strategy.name().toLowerCase(java.util.Locale.ROOT)
                    + " applies to sparse X only: dense X runs fused, staged or cublas");
        }
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("cuda backend cannot run: " + a.reason());
        }
        return new CudaProblem(data, precision, strategy, options);
    }

    /**
     * A CSR X on the device ({@link CudaCsrProblem}): the fused CSR gradient kernel ({@value BackendOptions#CUDA_KERNEL}
     * {@code fused}, the default: deterministic partial gradients; {@code atomic}: float64 atomics; {@code cusparse}: full
     * passes as two cuSPARSE SpMV calls, the vendor baseline), predictions on the device, the once-per-problem passes on
     * the host. {@code cublas} is refused (a dense-X strategy).
     */
    @Override
    public ResidentProblem loadSparse(SparseDataset data, Precision precision, BackendOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(options, "options");
        CudaGradientStrategy strategy = CudaGradientStrategy.configured(options, true);
        if (strategy == CudaGradientStrategy.CUBLAS || strategy == CudaGradientStrategy.STAGED) {
            throw new IllegalArgumentException(BackendOptions.CUDA_KERNEL + " = " + strategy.name().toLowerCase(java.util.Locale.ROOT)
                    + " applies to dense X only: sparse X runs the "
                    + "fused CSR kernel (" + BackendOptions.CUDA_KERNEL + " fused, the default, or atomic) or cuSPARSE (cusparse)");
        }
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("cuda backend cannot run: " + a.reason());
        }
        return new CudaCsrProblem(data, precision, strategy, options);
    }

    @Override
    public boolean takesSparse() {
        return true;
    }
}
