package dev.downhill.bench;

import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.io.NpyReader;
import dev.downhill.io.NpzReader;
import dev.downhill.io.HostArray;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import static dev.downhill.bench.Samples.max;
import static dev.downhill.bench.Samples.median;
import static dev.downhill.bench.Samples.min;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The cpu backend's CSR gradient step against the machine's read bandwidth (issue 14, item 4), in PAIRED rounds: each
 * round times one fused CSR gradient pass (rᵢ = xᵢᵀθ + b − yᵢ and g += rᵢxᵢ over the stored entries) and the read
 * probes back to back, so a shared machine's slow spells hit both alike. The step's bytes are what it must read: the
 * values, the column indices (int32), the row pointers (int64) and y; its ratio to the fastest probe's rate is the
 * figure of merit (the issue asks ≥ 0.7 on the E2006-tfidf shape). θ, the n-vector the step gathers from and scatters
 * into, is not counted: it stays in cache for small n and is the step's real cost for large n.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.downhill.bench.SparseStepReport X.npz y.npy [rounds outDir]} (data from
 * {@code downhill gen --density d --format npz}).
 */
public final class SparseStepReport {
    private SparseStepReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SparseStepReport X.npz y.npy [rounds] [outDir]");
            System.exit(2);
        }
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path out = Path.of(args.length > 3 ? args[3] : "bench/results");
        int threads = Runtime.getRuntime().availableProcessors();
        List<Double> step = new ArrayList<>();
        List<Double> probe = new ArrayList<>();
        List<Double> ratio = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CsrMatrix x = NpzReader.readCsr(Path.of(args[0]));
        double[] y;
        try (HostArray h = NpyReader.readVector(Path.of(args[1]))) {
            y = h.toDoubleArray();
        }
        long m = x.rows();
        long n = x.cols();
        long nnz = x.nonZeros();
        int valueBytes = x.precision().bytes();
        double bytes = nnz * (double) (valueBytes + 4) + (m + 1) * 8.0 + m * (double) valueBytes;
        try (SparseDataset data = SparseDataset.of(x, y);
             ResidentProblem problem = Backends.loadSparse("cpu", data, null, BackendOptions.builder().threads(threads).build());
             BackendVector theta = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n);
             ReadBandwidthProbe reader = new ReadBandwidthProbe(GradientStepBenchmark.PROBE_BYTES, threads, pool)) {
            double[] t0 = new double[Math.toIntExact(n)];
            Arrays.fill(t0, 1.0 / n);
            theta.copyFromHost(t0);
            double sink = 0;
            for (int round = -3; round < rounds; round++) {
                long s0 = System.nanoTime();
                sink += problem.gradient(theta, 0.1, 1, 2.0 / m, RowSlice.all(), gradient).sum();
                long s1 = System.nanoTime();
                sink += reader.nativeSum();
                long s2 = System.nanoTime();
                sink += reader.sasum();
                long s3 = System.nanoTime();
                if (round < 0) {
                    continue; // warm-up
                }
                double stepSeconds = (s1 - s0) / 1e9;
                double probeSeconds = Math.min(s2 - s1, s3 - s2) / 1e9;
                step.add(stepSeconds);
                probe.add(probeSeconds);
                ratio.add(bytes / stepSeconds / (GradientStepBenchmark.PROBE_BYTES / probeSeconds));
            }
            if (Double.isNaN(sink)) {
                System.out.println("NaN sink");
            }
        } finally {
            pool.shutdownNow();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# CPU CSR gradient step vs read bandwidth\n\n");
        sb.append(String.format(Locale.ROOT, "%s; %s; %d threads; X %,d × %,d %s CSR, %,d non-zeros (%.3g %% dense); the step reads "
                        + "%.0f MB (values, int32 indices, int64 row pointers, y); %d paired rounds after 3 warm-up rounds.%n%n",
                LocalDate.now(), MachineDescription.cpu(), threads, m, n, x.precision().name().toLowerCase(Locale.ROOT), nnz,
                100.0 * nnz / ((double) m * n), bytes / 1e6, rounds));
        sb.append("| | median | min | max |\n|---|---:|---:|---:|\n");
        sb.append(String.format(Locale.ROOT, "| CSR gradient step, ms | %.2f | %.2f | %.2f |%n", 1e3 * median(step), 1e3 * min(step), 1e3 * max(step)));
        sb.append(String.format(Locale.ROOT, "| step GB/s | %.2f | | |%n", bytes / median(step) / 1e9));
        sb.append(String.format(Locale.ROOT, "| read probe GB/s (faster of native sum and dasum) | %.2f | | |%n",
                GradientStepBenchmark.PROBE_BYTES / median(probe) / 1e9));
        sb.append(String.format(Locale.ROOT, "| **step bytes/s ÷ probe, per round** | **%.2f** | %.2f | %.2f |%n", median(ratio), min(ratio), max(ratio)));
        System.out.print(sb);
        Files.createDirectories(out);
        Files.writeString(out.resolve("cpu-csr-step.md"), sb.toString());
    }
}
