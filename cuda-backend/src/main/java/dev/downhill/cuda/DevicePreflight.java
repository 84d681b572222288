package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.Availability;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The first step of a run on a GPU machine (scripts/gpu/run-on-device.sh): proves in a few seconds that the
 * CUDA backend can run here before the rest of the call is spent, and fails loudly (an exception, exit status 1)
 * when it cannot: the probe's reason when CUDA is unavailable (no driver, no device, a missing library), or
 * what went wrong compiling and launching the fused kernel, or running cuBLAS, on a small X generated on the
 * device, in float32 and float64. The two strategies' gradients must agree (float32 1e-4, float64 1e-10).
 * Writes JSON after every figure.
 *
 * <pre>java -cp … dev.downhill.cuda.DevicePreflight --out preflight.json</pre>
 */
public final class DevicePreflight {
    private DevicePreflight() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        long rows = Long.parseLong(a.getOrDefault("rows", "2048"));
        long cols = Long.parseLong(a.getOrDefault("cols", "300"));
        BenchmarkOutput.Report result = new BenchmarkOutput.Report(Path.of(a.getOrDefault("out", "preflight.json")));
        long started = System.nanoTime();
        Availability availability = new CudaBackend().availability();
        result.put("available", availability.available());
        if (!availability.available()) {
            result.put("reason", availability.reason());
            throw new IllegalStateException("PRE-FLIGHT FAILED: CUDA is unavailable: " + availability.reason());
        }
        try {
            for (Precision precision : new Precision[] {Precision.FLOAT32, Precision.FLOAT64}) {
                String p = precision.name().toLowerCase(Locale.ROOT);
                try (CudaProblem problem = CudaProblem.generated(rows, cols, precision, CudaGradientStrategy.FUSED,
                        BackendOptions.defaults(), 20261130L);
                     BackendVector theta = problem.allocateVector(cols);
                     BackendVector fused = problem.allocateVector(cols);
                     BackendVector blas = problem.allocateVector(cols)) {
                    if (precision == Precision.FLOAT32) {
                        DeviceInfo d = problem.device();
                        result.put("device", d.name());
                        result.put("computeCapability", d.major() + "." + d.minor());
                        result.put("multiprocessors", d.multiprocessors());
                        result.put("totalBytes", d.totalBytes());
                        result.put("freeBytes", DeviceInfo.memory()[0]);
                        result.put("driver", d.driverVersion());
                        result.put("runtime", d.runtimeVersion());
                    }
                    double[] t = new double[(int) cols];
                    for (int j = 0; j < t.length; j++) {
                        t[j] = Math.sin(j + 1.0);
                    }
                    theta.copyFromHost(t);
                    problem.queueGradient(theta, 0.25, 1, 2.0 / rows, RowSlice.all(), fused);
                    problem.queueBlasGradient(theta, 0.25, 1, 2.0 / rows, blas);
                    double difference = BenchmarkOutput.relativeDifference(fused.copyToHost(), blas.copyToHost());
                    result.put(p + "FusedShape", problem.shape() == null ? "none (cuBLAS)" : problem.shape().toString());
                    result.put(p + "FusedVsCublas", difference);
                    double bound = precision == Precision.FLOAT32 ? 1e-4 : 1e-10;
                    if (!(difference <= bound)) {
                        throw new IllegalStateException(String.format(Locale.ROOT,
                                "PRE-FLIGHT FAILED: %s fused and cuBLAS gradients differ by %.3g (relative; bound %.0e)", p, difference, bound));
                    }
                }
            }
            result.put("seconds", (System.nanoTime() - started) / 1e9);
            result.put("ok", true);
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
    }

}
