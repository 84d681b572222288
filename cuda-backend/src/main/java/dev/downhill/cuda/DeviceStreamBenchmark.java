package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaHostRegister;
import static org.bytedeco.cuda.global.cudart.cudaHostRegisterDefault;
import static org.bytedeco.cuda.global.cudart.cudaHostUnregister;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Issue 8's GPU measurement: X in host memory larger than the device memory budget
 * ({@value CudaMemoryBudget#PROPERTY}), so each full-batch step streams the overflow chunks. Measures,
 * in one process: the host→device copy bandwidth from page-locked memory ({@code copy-gib}), the
 * streamed gradient step (CUDA events, median of {@code repeats} × {@code steps}) and its streamed
 * bytes per second as a fraction of that bandwidth; then fits GD to a relative gradient tolerance on
 * the streamed problem and records time and iterations. X and y are {@link GeneratedRegression}'s (float32). Writes JSON after every figure (a failure or a kill keeps what was
 * measured; an exception is recorded as {@code error}), including whether X's streamed rows ({@code pinned}) and
 * the probe's buffer ({@code hostToDevicePinned}) were page-locked: where {@code cudaHostRegister} is refused,
 * both fall back to pageable copies.
 *
 * <pre>java -Xmx4g -Dorg.bytedeco.javacpp.maxbytes=0 -Ddownhill.cuda.memoryBudget=16g -cp … \
 *     dev.downhill.cuda.DeviceStreamBenchmark --rows 2000000 --cols 5000 --out stream.json</pre>
 */
public final class DeviceStreamBenchmark {
    private DeviceStreamBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        long rows = Long.parseLong(a.getOrDefault("rows", "2000000"));
        int cols = Integer.parseInt(a.getOrDefault("cols", "5000"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "5"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        double copyGiB = Double.parseDouble(a.getOrDefault("copy-gib", "4"));
        double tolerance = Double.parseDouble(a.getOrDefault("tol", "1e-3"));
        int maxIterations = Integer.parseInt(a.getOrDefault("iterations", "100"));
        Path out = Path.of(a.getOrDefault("out", "device-stream.json"));

        BenchmarkOutput.Report result = new BenchmarkOutput.Report(out);
        long bytesX = rows * cols * 4L;
        result.put("rows", rows);
        result.put("cols", cols);
        result.put("bytesX", bytesX);
        result.put("budget", dev.downhill.spi.BackendOptions.defaults().deviceMemoryBudget().isPresent()
                ? Long.toString(dev.downhill.spi.BackendOptions.defaults().deviceMemoryBudget().getAsLong()) : "default (0.9 of free)");
        long t0 = System.nanoTime();
        try (FloatPointer x = new FloatPointer(rows * cols); FloatPointer y = new FloatPointer(rows)) {
            GeneratedRegression.fill(x, y, rows, cols);
            result.put("hostGenerationSeconds", (System.nanoTime() - t0) / 1e9);
            long loadStart = System.nanoTime();
            try (Dataset data = Dataset.wrap(x, y, rows, cols);
                 ResidentProblem loaded = dev.downhill.spi.Backends.load(CudaBackend.NAME, data, Precision.FLOAT32, null)) {
                CudaProblem p = (CudaProblem) loaded;
                DeviceRows r = p.deviceRows();
                result.put("loadSeconds", (System.nanoTime() - loadStart) / 1e9);
                result.put("device", p.device().name());
                result.put("chunks", r.chunks());
                result.put("residentChunks", r.residentChunks());
                long streamedBytes = Math.max(0, rows - r.residentChunks() * r.chunkRows()) * cols * 4L;
                result.put("streamedBytesPerStep", streamedBytes);
                result.put("pinned", r.streamedRowsPinned());
                HostToDevice probe = hostToDevice(p.context(), copyGiB);
                result.put("hostToDevicePinned", probe.pinned());
                result.put("hostToDeviceGBps", probe.gbps());
                double[] ms = new double[repeats];
                try (BackendVector theta = p.allocateVector(cols); BackendVector g = p.allocateVector(cols);
                     DeviceTimer timer = new DeviceTimer(p.context())) {
                    p.queueGradient(theta, 0, 1, 2.0 / rows, RowSlice.all(), g); // warm-up (and module load)
                    for (int k = 0; k < repeats; k++) {
                        timer.start();
                        for (int s = 0; s < steps; s++) {
                            p.queueGradient(theta, 0, 1, 2.0 / rows, RowSlice.all(), g);
                        }
                        ms[k] = timer.stopMillis() / steps;
                    }
                }
                double median = BenchmarkOutput.median(ms);
                result.put("msPerStep", ms);
                result.put("streamedGBps", streamedBytes / median / 1e6);
                result.put("fractionOfHostToDevice", streamedBytes / median / 1e6 / probe.gbps());
                loaded.close(); // frees the device for the fit's own load
                FitConfig fitConfig = FitConfig.builder().backend(CudaBackend.NAME).precision(Precision.FLOAT32).solver(Solver.GD)
                        .tolerance(tolerance).maxIterations(maxIterations).build();
                FittedModel m;
                long fitStart;
                try (dev.downhill.LoadedProblem fitProblem = LinearRegression.load(data, fitConfig)) {
                    fitStart = System.nanoTime();
                    m = LinearRegression.fit(fitProblem, fitConfig);
                }
                result.put("fitSeconds", (System.nanoTime() - fitStart) / 1e9);
                result.put("fitIterations", m.iterations());
                result.put("fitStopReason", m.stopReason().name());
                result.put("fitRelativeGradient", m.finalRelativeGradient());
                result.put("fitTolerance", tolerance);
            }
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
        result.print();
    }

    /** The host→device probe: GB/s, and whether the host buffer was page-locked. */
    record HostToDevice(double gbps, boolean pinned) {
    }

    /**
     * GB/s of one host buffer of {@code gib} copied to the device (median of 3), page-locked with
     * {@code cudaHostRegister}; where the system refuses, the copies go through pageable memory as
     * {@link DeviceRows}' do (slower; {@code pinned} false).
     */
    private static HostToDevice hostToDevice(CudaContext context, double gib) {
        long bytes = (long) (gib * (1L << 30));
        try (BytePointer host = new BytePointer(bytes)) {
            context.enter();
            int status = cudaHostRegister(host, bytes, cudaHostRegisterDefault);
            boolean pinned = status == 0;
            if (!pinned) {
                System.err.println("cudaHostRegister refused the copy probe's buffer ("
                        + CudaStatus.string(cudaGetErrorString(status)) + "); measuring pageable copies");
                cudaGetLastError(); // clear the error state, as DeviceRows does
            }
            DeviceMemory device = context.allocate(bytes, "copy probe");
            try (DeviceTimer timer = new DeviceTimer(context)) {
                double[] gbps = new double[3];
                for (int k = 0; k < 3; k++) {
                    timer.start();
                    context.toDeviceAsync(host, device, 0, bytes, context.stream());
                    gbps[k] = bytes / timer.stopMillis() / 1e6;
                }
                return new HostToDevice(BenchmarkOutput.median(gbps), pinned);
            } finally {
                context.free(device);
                if (pinned) {
                    cudaHostUnregister(host);
                }
            }
        }
    }
}
