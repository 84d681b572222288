package dev.downhill.cuda;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.spi.Availability;
import dev.downhill.spi.Backend;
import dev.downhill.spi.ResidentProblem;
import java.util.Objects;

/**
 * The CUDA backend: X, y and every vector in device memory (uploaded once), the fused gradient as
 * an NVRTC-compiled kernel (or cuBLAS, {@link CudaGradientStrategy}), least squares with cuSOLVER.
 * Name "cuda", priority {@value #PRIORITY} (chosen over the CPU when a device is usable). Device
 * {@code downhill.cuda.device} (default 0). Availability is probed once per process
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
    public String details() {
        if (!availability().available()) {
            return "";
        }
        String strategy;
        try {
            strategy = CudaGradientStrategy.configured().name().toLowerCase(java.util.Locale.ROOT);
        } catch (RuntimeException e) {
            strategy = e.getMessage();
        }
        return DeviceInfo.query(device()).describe() + "; gradient: " + strategy;
    }

    /** The device ordinal from {@value #DEVICE_PROPERTY}. */
    static int device() {
        String v = System.getProperty(DEVICE_PROPERTY, "0").trim();
        try {
            int d = Integer.parseInt(v);
            if (d >= 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(DEVICE_PROPERTY + " must be a device ordinal ≥ 0, got '" + v + "'");
    }

    /** @param threads host threads (≥ 0; 0 for one): recorded by the problem, the device does the work */
    @Override
    public ResidentProblem load(Dataset data, Precision precision, int threads) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(precision, "precision");
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be ≥ 0, got " + threads);
        }
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("cuda backend cannot run: " + a.reason());
        }
        return new CudaProblem(data, precision, CudaGradientStrategy.configured(), device(), threads);
    }
}
