package dev.downhill.cuda;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Precision;
import dev.downhill.Solver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Issue 18's solver comparison on a GPU machine, in one process, every figure written as it comes:
 * <ol>
 *   <li><b>GD to a gradient tolerance</b> on {@code rows × cols} float32 X (default 50,000 × 100,000, 20 GB of host
 *       memory): the cuda backend, then the cpu backend on {@code threads} threads (default: every core), the same
 *       {@link FitConfig} but the backend (solver GD, relative gradient tolerance {@code tol}, at most
 *       {@code iterations}). The cpu fit is stopped by a listener after {@code cpu-seconds} (its figures then say
 *       so, and seconds per iteration still compare). Recorded per backend: load and fit seconds, iterations,
 *       stop reason, final relative gradient; and the relative difference of the two coefficient vectors.</li>
 *   <li><b>Direct solvers against GD</b> on {@code direct-rows × direct-cols} (default 20,000 × 5,000): on cuda
 *       {@code svd} (the reference), {@code normal} and {@code gd} (same tolerance); then {@code normal} and
 *       {@code svd} on cpu. Each fit's seconds and its coefficients' relative difference from cuda's {@code svd}.</li>
 * </ol>
 * X and y are {@link GeneratedRegression}'s. A failing fit records {@code <name>Error} and the run goes on.
 *
 * <pre>java -Xmx4g -Dorg.bytedeco.javacpp.maxbytes=0 -cp … dev.downhill.cuda.DeviceSolverBenchmark \
 *     --rows 50000 --cols 100000 --tol 1e-3 --cpu-seconds 60 --out solvers.json</pre>
 */
public final class DeviceSolverBenchmark {
    private DeviceSolverBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        long rows = Long.parseLong(a.getOrDefault("rows", "50000"));
        int cols = Integer.parseInt(a.getOrDefault("cols", "100000"));
        double tolerance = Double.parseDouble(a.getOrDefault("tol", "1e-3"));
        long iterations = Long.parseLong(a.getOrDefault("iterations", "3000"));
        double cpuSeconds = Double.parseDouble(a.getOrDefault("cpu-seconds", "60"));
        int threads = Integer.parseInt(a.getOrDefault("threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        long directRows = Long.parseLong(a.getOrDefault("direct-rows", "20000"));
        int directCols = Integer.parseInt(a.getOrDefault("direct-cols", "5000"));
        boolean skipGd = Boolean.parseBoolean(a.getOrDefault("skip-gd", "false"));
        Path out = Path.of(a.getOrDefault("out", "device-solvers.json"));

        BenchmarkOutput.Report result = new BenchmarkOutput.Report(out);
        result.put("tolerance", tolerance);
        result.put("cpuThreads", threads);
        FitConfig gd = FitConfig.builder().precision(Precision.FLOAT32).solver(Solver.GD).tolerance(tolerance)
                .maxIterations(iterations).build();
        if (!skipGd) {
            result.put("gdRows", rows);
            result.put("gdCols", cols);
            try (FloatPointer x = new FloatPointer(rows * cols); FloatPointer y = new FloatPointer(rows)) {
                long t0 = System.nanoTime();
                GeneratedRegression.fill(x, y, rows, cols);
                result.put("gdHostGenerationSeconds", seconds(t0));
                try (Dataset data = Dataset.wrap(x, y, rows, cols)) {
                    Timed onGpu = timedFit(result, "gdCuda", data, gd.toBuilder().backend(CudaBackend.NAME).build());
                    Timed onCpu = timedFit(result, "gdCpu", data, gd.toBuilder().backend("cpu").threads(threads)
                            .listener(stopAfter(cpuSeconds)).build());
                    if (onGpu != null && onCpu != null) {
                        result.put("gdCpuOverCudaSecondsPerIteration", onCpu.secondsPerIteration() / onGpu.secondsPerIteration());
                        result.put("gdCoefficientRelativeDifference",
                                BenchmarkOutput.relativeDifference(onCpu.model().coefficients(), onGpu.model().coefficients()));
                    }
                }
            }
        }
        result.put("directRows", directRows);
        result.put("directCols", directCols);
        try (FloatPointer x = new FloatPointer(directRows * directCols); FloatPointer y = new FloatPointer(directRows)) {
            GeneratedRegression.fill(x, y, directRows, directCols);
            try (Dataset data = Dataset.wrap(x, y, directRows, directCols)) {
                FitConfig cuda = gd.toBuilder().backend(CudaBackend.NAME).build();
                FitConfig cpu = gd.toBuilder().backend("cpu").threads(threads).build();
                Timed svd = timedFit(result, "directCudaSvd", data, cuda.toBuilder().solver(Solver.SVD).build());
                double[] reference = svd == null ? null : svd.model().coefficients();
                compare(result, "directCudaNormal", timedFit(result, "directCudaNormal", data,
                        cuda.toBuilder().solver(Solver.NORMAL).build()), reference);
                compare(result, "directCudaGd", timedFit(result, "directCudaGd", data, cuda), reference);
                compare(result, "directCpuNormal", timedFit(result, "directCpuNormal", data,
                        cpu.toBuilder().solver(Solver.NORMAL).build()), reference);
                compare(result, "directCpuSvd", timedFit(result, "directCpuSvd", data,
                        cpu.toBuilder().solver(Solver.SVD).build()), reference);
            }
        }
        result.print();
    }

    /** A fitted model and the seconds its fit took (the load not counted). */
    private record Timed(FittedModel model, double fitSeconds) {
        /** Seconds per iteration (NaN for a direct solution or a fit stopped before its first step). */
        double secondsPerIteration() {
            return model.iterations() > 0 ? fitSeconds / model.iterations() : Double.NaN;
        }
    }

    /**
     * Loads {@code data} into {@code config}'s backend and fits; records {@code <name>LoadSeconds},
     * {@code <name>FitSeconds}, {@code <name>Iterations}, {@code <name>SecondsPerIteration} (iterative solvers),
     * {@code <name>StopReason}, {@code <name>RelativeGradient}; a failure as {@code <name>Error} (returns null).
     */
    private static Timed timedFit(BenchmarkOutput.Report result, String name, Dataset data, FitConfig config)
            throws IOException {
        try {
            long loadStart = System.nanoTime();
            try (LoadedProblem problem = LinearRegression.load(data, config)) {
                result.put(name + "LoadSeconds", seconds(loadStart));
                long fitStart = System.nanoTime();
                Timed t = new Timed(LinearRegression.fit(problem, config), seconds(fitStart));
                result.put(name + "FitSeconds", t.fitSeconds());
                result.put(name + "Iterations", t.model().iterations());
                if (t.model().iterations() > 0) {
                    result.put(name + "SecondsPerIteration", t.secondsPerIteration());
                }
                result.put(name + "StopReason", t.model().stopReason().name());
                result.put(name + "RelativeGradient", t.model().finalRelativeGradient());
                return t;
            }
        } catch (RuntimeException | Error e) {
            result.put(name + "Error", e.getClass().getSimpleName() + ": " + e.getMessage());
            e.printStackTrace();
            return null;
        }
    }

    private static void compare(BenchmarkOutput.Report result, String name, Timed fit, double[] reference)
            throws IOException {
        if (fit != null && reference != null) {
            result.put(name + "RelativeDifferenceFromCudaSvd",
                    BenchmarkOutput.relativeDifference(fit.model().coefficients(), reference));
        }
    }

    /** A listener that stops the fit once {@code limit} seconds have passed since its first call. */
    private static IterationListener stopAfter(double limit) {
        long[] start = {0};
        return (iteration, loss, gradient) -> {
            long now = System.nanoTime();
            if (start[0] == 0) {
                start[0] = now;
            }
            return (now - start[0]) / 1e9 > limit ? IterationListener.Control.STOP : IterationListener.Control.CONTINUE;
        };
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
