package dev.downhill.bench;


import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import static dev.downhill.bench.Samples.max;
import static dev.downhill.bench.Samples.median;
import static dev.downhill.bench.Samples.min;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.DoubleSupplier;

/**
 * The CPU gradient step against the machine's read bandwidth, measured in PAIRED rounds: each
 * round times one call of every contender back to back (fused native, fused BLAS, two full
 * sgemv passes, and three read probes), so a shared machine's slow spells hit all of them alike;
 * the report gives medians over rounds of times and of per-round ratios, with their spread.
 * Complements the JMH benchmark {@link GradientStepBenchmark} (same operations).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.downhill.bench.CpuStepReport [rows cols rounds outDir]}
 * (defaults 20000 5000 40 bench/results).
 */
public final class CpuStepReport {
    private CpuStepReport() {
    }

    public static void main(String[] args) throws IOException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        Path out = Path.of(args.length > 3 ? args[3] : "bench/results");
        int threads = Runtime.getRuntime().availableProcessors();
        double xBytes = (double) rows * cols * 4;
        Map<String, List<Double>> times = new LinkedHashMap<>();
        List<Double> ratioNative = new ArrayList<>();
        List<Double> ratioBlas = new ArrayList<>();
        List<Double> speedupOverTwoPass = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double[] t0 = new double[cols];
        Arrays.fill(t0, 1.0 / cols);
        try (Dataset data = SyntheticMatrix.float32(rows, cols, 42);
             ResidentProblem nativeProblem = load(data, threads, "native");
             ResidentProblem blasProblem = load(data, threads, "blas");
             BackendVector tn = nativeProblem.allocateVector(cols);
             BackendVector gn = nativeProblem.allocateVector(cols);
             BackendVector tb = blasProblem.allocateVector(cols);
             BackendVector gb = blasProblem.allocateVector(cols);
             TwoPassSgemv twoPass = new TwoPassSgemv(data, t0, threads);
             ReadBandwidthProbe probe = new ReadBandwidthProbe(GradientStepBenchmark.PROBE_BYTES, threads, pool)) {
            tn.copyFromHost(t0);
            tb.copyFromHost(t0);
            Map<String, DoubleSupplier> contenders = new LinkedHashMap<>();
            contenders.put("fused native", () -> nativeProblem.gradient(tn, 0.1, 1, 2.0 / rows, RowSlice.all(), gn).sum());
            contenders.put("fused blas", () -> blasProblem.gradient(tb, 0.1, 1, 2.0 / rows, RowSlice.all(), gb).sum());
            contenders.put("two-pass sgemv", () -> twoPass.step(0.1f));
            contenders.put("probe native", probe::nativeSum);
            contenders.put("probe sasum", probe::sasum);
            contenders.put("probe java", probe::javaLongSum);
            for (String k : contenders.keySet()) {
                times.put(k, new ArrayList<>());
            }
            double sink = 0;
            for (int round = -5; round < rounds; round++) {
                Map<String, Double> t = new LinkedHashMap<>();
                for (Map.Entry<String, DoubleSupplier> c : contenders.entrySet()) {
                    long start = System.nanoTime();
                    sink += c.getValue().getAsDouble();
                    t.put(c.getKey(), (System.nanoTime() - start) / 1e9);
                }
                if (round < 0) {
                    continue; // warm-up
                }
                t.forEach((k, v) -> times.get(k).add(v));
                double probeRate = GradientStepBenchmark.PROBE_BYTES / Math.min(t.get("probe native"),
                        Math.min(t.get("probe sasum"), t.get("probe java")));
                ratioNative.add(xBytes / t.get("fused native") / probeRate);
                ratioBlas.add(xBytes / t.get("fused blas") / probeRate);
                speedupOverTwoPass.add(t.get("two-pass sgemv") / t.get("fused native"));
            }
            if (Double.isNaN(sink)) {
                System.out.println("NaN sink");
            }
        } finally {
            pool.shutdownNow();
        }
        String table = render(rows, cols, threads, rounds, xBytes, times, ratioNative, ratioBlas, speedupOverTwoPass);
        System.out.print(table);
        Files.createDirectories(out);
        Files.writeString(out.resolve("cpu-gradient-step.md"), table);
    }

    private static ResidentProblem load(Dataset data, int threads, String kernel) {
        return dev.downhill.spi.Backends.load("cpu", data, null, dev.downhill.spi.BackendOptions.builder().threads(threads).cpuKernel(kernel).build());
    }

    private static String render(int rows, int cols, int threads, int rounds, double xBytes, Map<String, List<Double>> times,
                                 List<Double> ratioNative, List<Double> ratioBlas, List<Double> speedup) {
        StringBuilder sb = new StringBuilder();
        sb.append("# CPU gradient step vs read bandwidth\n\n");
        sb.append(String.format(Locale.ROOT, "%s; %s; %d threads; X %d × %d float32 (%.0f MB); probe %.2f GB; %d paired rounds "
                + "after 5 warm-up rounds.%n%n", LocalDate.now(), MachineDescription.cpu(), threads, rows, cols, xBytes / 1e6,
                GradientStepBenchmark.PROBE_BYTES / 1e9, rounds));
        sb.append("| contender | median ms | min ms | max ms | GB/s at median |\n|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            double bytes = e.getKey().startsWith("probe") ? GradientStepBenchmark.PROBE_BYTES : xBytes;
            List<Double> v = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.1f |%n", e.getKey(), 1e3 * median(v),
                    1e3 * min(v), 1e3 * max(v), bytes / median(v) / 1e9));
        }
        sb.append(String.format(Locale.ROOT, "%nPer-round ratios (median [min, max]):%n%n"));
        sb.append(String.format(Locale.ROOT, "- fused native: bytes(X)/step ÷ fastest probe = **%.2f** [%.2f, %.2f]%n",
                median(ratioNative), min(ratioNative), max(ratioNative)));
        sb.append(String.format(Locale.ROOT, "- fused blas:   bytes(X)/step ÷ fastest probe = %.2f [%.2f, %.2f]%n",
                median(ratioBlas), min(ratioBlas), max(ratioBlas)));
        sb.append(String.format(Locale.ROOT, "- two-pass sgemv time ÷ fused native time = %.2f× [%.2f, %.2f]%n",
                median(speedup), min(speedup), max(speedup)));
        double probeMedian = GradientStepBenchmark.PROBE_BYTES / Math.min(median(times.get("probe native")),
                Math.min(median(times.get("probe sasum")), median(times.get("probe java")))) / 1e9;
        sb.append(String.format(Locale.ROOT, "%nProbe validity (≥ 20 GB/s): %.1f GB/s — %s.%n", probeMedian,
                probeMedian >= 20 ? "valid" : "INVALID RUN"));
        return sb.toString();
    }
}
