package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GPU side of the gradient-step comparison, on one device in one process: X (uniform in [−1, 1],
 * generated on the device, never zeros) is read by {@code steps} queued full-batch gradient passes
 * of the fused kernel and of the cuBLAS two-gemv strategy, timed with CUDA events after
 * {@code warmup} passes, {@code repeats} times (median and range reported); a device-to-device copy
 * of {@code copyGiB} measures the bandwidth ceiling (bytes read + written). It also checks on the
 * device that the two strategies give the same gradient. Then the staged kernel ({@link CudaGradientStrategy#STAGED}:
 * X through shared memory) on the same X, generated again from the same seed: its step, its gradient's difference
 * from the fused kernel's (0 when both grids have as many clusters: the same arithmetic); then each staging of
 * {@code --staged S×R,…} (S stages of R rows: the knob the kernel's shape turns), its step and fraction of the copy
 * under {@code stagedSxR…} keys (a staging that does not fit is recorded as its error). Writes JSON after every
 * figure (fused, copy, cuBLAS, staged, in that order: a run cut short keeps the most important ones); prints each as
 * it comes.
 *
 * <pre>java -cp … dev.downhill.cuda.DeviceStepBenchmark --rows 50000 --cols 100000 --precision float32 --out step.json</pre>
 * (the PyTorch loop of the same shape: scripts/gpu/torch_step.py)
 */
public final class DeviceStepBenchmark {
    private DeviceStepBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        long rows = Long.parseLong(a.getOrDefault("rows", "50000"));
        long cols = Long.parseLong(a.getOrDefault("cols", "100000"));
        Precision precision = Precision.parse(a.getOrDefault("precision", "float32"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "100"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "10"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "5"));
        double copyGiB = Double.parseDouble(a.getOrDefault("copy-gib", "4"));
        Path out = Path.of(a.getOrDefault("out", "device-step.json"));
        String stagings = a.getOrDefault("staged", "");

        BenchmarkOutput.Report result = new BenchmarkOutput.Report(out);
        result.put("rows", rows);
        result.put("cols", cols);
        result.put("precision", precision.name().toLowerCase(Locale.ROOT));
        result.put("steps", steps);
        result.put("warmup", warmup);
        result.put("repeats", repeats);
        double bytesX = (double) rows * cols * precision.bytes();
        result.put("bytesX", bytesX);
        long started = System.nanoTime();
        double copy;
        double fusedMedian;
        double blasMedian;
        double[] fusedGradient;
        double[] t = new double[(int) cols];
        try (CudaProblem p = CudaProblem.generated(rows, cols, precision, CudaGradientStrategy.FUSED,
                dev.downhill.spi.BackendOptions.defaults(), 20261123L);
             BackendVector theta = p.allocateVector(cols);
             BackendVector fusedOut = p.allocateVector(cols);
             BackendVector blasOut = p.allocateVector(cols);
             DeviceTimer timer = new DeviceTimer(p.context())) {
            DeviceInfo d = p.device();
            result.put("device", d.name());
            result.put("computeCapability", d.major() + "." + d.minor());
            result.put("multiprocessors", d.multiprocessors());
            result.put("driver", d.driverVersion());
            result.put("runtime", d.runtimeVersion());
            result.put("fusedShape", p.shape() == null ? "none (cuBLAS)" : p.shape().toString());
            result.put("setupSeconds", (System.nanoTime() - started) / 1e9);

            SplittableRandom random = new SplittableRandom(7);
            for (int j = 0; j < t.length; j++) {
                t[j] = random.nextDouble(-1, 1);
            }
            theta.copyFromHost(t);
            double scale = 2.0 / rows;

            // In priority order, each figure on disk as soon as it is measured: the fused step, the copy
            // bandwidth it is compared with, then cuBLAS and the two strategies' agreement.
            p.queueGradient(theta, 0.25, 1, scale, RowSlice.all(), fusedOut);
            ResidualSums fusedSums = p.lastSums();
            double[] fused = msPerStep(() -> p.queueGradient(theta, 0.25, 1, scale, RowSlice.all(), fusedOut), timer, warmup, steps, repeats);
            fusedMedian = BenchmarkOutput.median(fused);
            result.put("fusedMsPerStep", fused);
            result.put("fusedGBps", bytesX / fusedMedian / 1e6);

            copy = copyBandwidth(p.context(), timer, (long) (copyGiB * (1L << 30)), repeats);
            result.put("copyBytes", (long) (copyGiB * (1L << 30)));
            result.put("copyGBps", copy);
            result.put("fusedFractionOfCopy", bytesX / fusedMedian / 1e6 / copy);

            p.queueBlasGradient(theta, 0.25, 1, scale, blasOut);
            ResidualSums blasSums = p.lastSums();
            p.queueGradient(theta, 0.25, 1, scale, RowSlice.all(), fusedOut);
            double[] g1 = fusedOut.copyToHost();
            fusedGradient = g1;
            double[] g2 = blasOut.copyToHost();
            result.put("gradientRelativeDifference", BenchmarkOutput.relativeDifference(g1, g2));
            result.put("sumOfSquaresRelativeDifference", Math.abs(fusedSums.sumOfSquares() - blasSums.sumOfSquares()) / blasSums.sumOfSquares());
            double[] blas = msPerStep(() -> p.queueBlasGradient(theta, 0.25, 1, scale, blasOut), timer, warmup, steps, repeats);
            blasMedian = BenchmarkOutput.median(blas);
            result.put("cublasMsPerStep", blas);
            result.put("cublasGBps", bytesX / blasMedian / 1e6);
            result.put("fusedSpeedupOverCublas", blasMedian / fusedMedian);
            result.put("totalSeconds", (System.nanoTime() - started) / 1e9);
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
        // staged asked for by name: the default strategy keeps the register kernel below 100 columns
        try (CudaProblem q = CudaProblem.generated(rows, cols, precision, CudaGradientStrategy.STAGED,
                dev.downhill.spi.BackendOptions.defaults().toBuilder().cudaKernel("staged").build(), 20261123L)) {
            double stagedMedian = putStaged(result, "staged", q, t, warmup, steps, repeats, bytesX, copy, fusedGradient);
            result.put("stagedGBps", bytesX / stagedMedian / 1e6);
            result.put("stagedSpeedupOverFused", fusedMedian / stagedMedian);
            result.put("stagedSpeedupOverCublas", blasMedian / stagedMedian);
            result.put("totalSeconds", (System.nanoTime() - started) / 1e9);
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
        for (String staging : stagings.split(",")) {
            if (staging.isBlank()) {
                continue;
            }
            String[] sr = staging.trim().split("x");
            String key = "staged" + staging.trim();
            try (CudaProblem q = CudaProblem.generatedStaged(rows, cols, precision, Integer.parseInt(sr[0]), Integer.parseInt(sr[1]),
                    dev.downhill.spi.BackendOptions.defaults(), 20261123L)) {
                putStaged(result, key, q, t, warmup, steps, repeats, bytesX, copy, fusedGradient);
            } catch (RuntimeException e) { // a staging that does not fit (or fails) is a figure too; the others still run
                result.put(key + "Error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        result.print();
    }

    /**
     * The staged problem {@code q}'s step on θ = {@code t}: its shape, ms per step, fraction of the copy bandwidth, and
     * whether its gradient has the fused kernel's bits (and their relative difference), under {@code key}…; returns the
     * median ms per step.
     */
    private static double putStaged(BenchmarkOutput.Report result, String key, CudaProblem q, double[] t, int warmup, int steps,
                                    int repeats, double bytesX, double copy, double[] fusedGradient) throws IOException {
        try (BackendVector theta = q.allocateVector(t.length);
             BackendVector out = q.allocateVector(t.length);
             DeviceTimer timer = new DeviceTimer(q.context())) {
            result.put(key + "Shape", q.shape() == null ? "none (cuBLAS)" : q.shape().toString());
            theta.copyFromHost(t);
            double scale = 2.0 / q.rows();
            double[] ms = msPerStep(() -> q.queueGradient(theta, 0.25, 1, scale, RowSlice.all(), out), timer, warmup, steps, repeats);
            double median = BenchmarkOutput.median(ms);
            result.put(key + "MsPerStep", ms);
            result.put(key + "FractionOfCopy", bytesX / median / 1e6 / copy);
            double[] g = out.copyToHost();
            result.put(key + "GradientRelativeDifferenceFromFused", BenchmarkOutput.relativeDifference(g, fusedGradient));
            result.put(key + "SameBitsAsFused", java.util.Arrays.equals(g, fusedGradient));
            return median;
        }
    }

    /** Milliseconds per step of {@code repeats} timed runs of {@code steps} queued steps each, after {@code warmup} steps. */
    private static double[] msPerStep(Runnable step, DeviceTimer timer, int warmup, int steps, int repeats) {
        for (int w = 0; w < warmup; w++) {
            step.run();
        }
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            timer.start();
            for (int s = 0; s < steps; s++) {
                step.run();
            }
            ms[r] = timer.stopMillis() / steps;
        }
        return ms;
    }

    /** GB/s of device-to-device copies of {@code bytes} (read + written), median of {@code repeats}. */
    static double copyBandwidth(CudaContext context, DeviceTimer timer, long bytes, int repeats) {
        DeviceMemory from = context.allocate(bytes, "copy source");
        DeviceMemory to = context.allocate(bytes, "copy destination");
        try {
            context.zero(from);
            context.copy(from, 0, to, 0, bytes); // warm-up
            double[] gbps = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                timer.start();
                context.copy(from, 0, to, 0, bytes);
                gbps[r] = 2.0 * bytes / timer.stopMillis() / 1e6;
            }
            return BenchmarkOutput.median(gbps);
        } finally {
            context.free(to);
            context.free(from);
        }
    }





}
