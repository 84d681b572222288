package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.io.CsrMatrix;
import dev.downhill.sampling.PowerLawColumns;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The sparse gradient pass on the device (issue 14's GPU rows, issue 18 item 5): for each shape m × n at density d (row i
 * holds ⌊d·n⌋ or ⌈d·n⌉ stored entries, its columns drawn with probability ∝ (j + 1)^−0.8 as text's are, values N(0, 1),
 * generated on the host from (seed, i) on every core), the milliseconds of a full gradient pass of each strategy —
 * {@code fused} (the deterministic CSR kernel), {@code atomic}, {@code cusparse} (two cuSPARSE SpMV calls, the vendor
 * baseline) — wall clock over {@code passes} passes (each returns after its sums reach the host), {@code repeats} times
 * after a warm-up; the CSR's bytes (row pointers, column indices, values, y) per pass over a device-to-device copy's
 * bandwidth measured in the same run; the ratio to cuSPARSE; and each strategy's gradient against the fused kernel's.
 * A strategy that fails is recorded ({@code "error"}), the others still run, and the program fails at the end. JSON
 * after every figure; prints it at the end.
 *
 * <pre>java -cp … dev.downhill.cuda.DeviceCsrBenchmark --shapes 16087x150360x0.008,2000000x1000000x0.00004 --out csr.json</pre>
 */
public final class DeviceCsrBenchmark {
    private static final double EXPONENT = 0.8;
    private static final String[] STRATEGIES = {"fused", "atomic", "cusparse"};

    private DeviceCsrBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        String[] shapes = a.getOrDefault("shapes", "16087x150360x0.008,2000000x1000000x0.00004").split(",");
        Precision precision = Precision.parse(a.getOrDefault("precision", "float64"));
        int passes = Integer.parseInt(a.getOrDefault("passes", "20"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        double copyGiB = Double.parseDouble(a.getOrDefault("copy-gib", "2"));
        Path out = Path.of(a.getOrDefault("out", "device-csr.json"));

        BenchmarkOutput.Report result = new BenchmarkOutput.Report(out);
        result.put("precision", precision.name().toLowerCase(Locale.ROOT));
        result.put("passes", passes);
        result.put("repeats", repeats);
        List<Map<String, Object>> rowsOut = new ArrayList<>();
        int failures = 0;
        try {
            for (String shape : shapes) {
                String[] f = shape.trim().split("x");
                int m = Integer.parseInt(f[0]);
                int n = Integer.parseInt(f[1]);
                double density = Double.parseDouble(f[2]);
                long t0 = System.nanoTime();
                try (SparseDataset data = generate(m, n, density, precision, 20261201L)) {
                    double generation = (System.nanoTime() - t0) / 1e9;
                    long nnz = data.x().nonZeros();
                    double bytes = 8.0 * (m + 1) + (4.0 + precision.bytes()) * nnz + (double) precision.bytes() * m;
                    double[] theta = new SplittableRandom(3).doubles(n, -1, 1).toArray();
                    double[] reference = null;
                    for (String strategy : STRATEGIES) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("rows", m);
                        row.put("cols", n);
                        row.put("nonZeros", nnz);
                        row.put("strategy", strategy);
                        row.put("hostGenerationSeconds", generation);
                        row.put("bytesPerPass", bytes);
                        rowsOut.add(row);
                        try (ResidentProblem p = new CudaBackend().loadSparse(data, precision,
                                BackendOptions.builder().cudaKernel(strategy).build());
                             BackendVector t = p.allocateVector(n);
                             BackendVector g = p.allocateVector(n)) {
                            CudaCsrProblem csr = (CudaCsrProblem) p;
                            result.put("device", csr.context().device().name());
                            row.put("description", p.description());
                            t.copyFromHost(theta);
                            p.gradient(t, 0.25, 1, 2.0 / m, RowSlice.all(), g);
                            double[] ms = new double[repeats];
                            for (int r = 0; r < repeats; r++) {
                                long s = System.nanoTime();
                                for (int k = 0; k < passes; k++) {
                                    p.gradient(t, 0.25, 1, 2.0 / m, RowSlice.all(), g);
                                }
                                ms[r] = (System.nanoTime() - s) / 1e6 / passes;
                            }
                            double median = BenchmarkOutput.median(ms);
                            row.put("msPerPass", ms);
                            row.put("GBps", bytes / median / 1e6);
                            double[] gradient = g.copyToHost();
                            if (result.get("copyGBps") == null) {
                                try (DeviceTimer timer = new DeviceTimer(csr.context())) {
                                    result.put("copyGBps", DeviceStepBenchmark.copyBandwidth(csr.context(), timer,
                                            (long) (copyGiB * (1L << 30)), repeats));
                                }
                            }
                            row.put("fractionOfCopy", bytes / median / 1e6 / (Double) result.get("copyGBps"));
                            if ("fused".equals(strategy)) {
                                reference = gradient;
                            } else if (reference != null) {
                                row.put("gradientRelativeDifferenceToFused", BenchmarkOutput.relativeDifference(gradient, reference));
                            }
                        } catch (RuntimeException e) { // the other strategies still run; the program fails at the end
                            row.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                            failures++;
                        }
                        result.put("results", rowsOut);
                    }
                    speedups(rowsOut, m, n);
                    result.put("results", rowsOut);
                }
            }
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
        result.print();
        if (failures > 0) {
            throw new IllegalStateException(failures + " strategy run(s) failed; see \"error\" in " + out);
        }
    }

    /** Adds to the fused row of the shape its speed-up over each other strategy (their milliseconds over its own). */
    private static void speedups(List<Map<String, Object>> rows, int m, int n) {
        Map<String, Object> fused = null;
        for (Map<String, Object> r : rows) {
            if (r.get("rows").equals(m) && r.get("cols").equals(n) && "fused".equals(r.get("strategy")) && r.containsKey("msPerPass")) {
                fused = r;
            }
        }
        if (fused == null) {
            return;
        }
        double mine = BenchmarkOutput.median((double[]) fused.get("msPerPass"));
        for (Map<String, Object> r : rows) {
            if (r != fused && r.get("rows").equals(m) && r.get("cols").equals(n) && r.containsKey("msPerPass")) {
                fused.put("speedupOver_" + r.get("strategy"), BenchmarkOutput.median((double[]) r.get("msPerPass")) / mine);
            }
        }
    }

    /**
     * m × n CSR at density d: row i from SplittableRandom(seed, i) — k = ⌊d·n⌋ entries plus one with probability
     * frac(d·n), distinct columns ∝ (j + 1)^−0.8 (uniform when k > n/4), sorted; values N(0, 1); y N(0, 1). Rows on every core.
     */
    static SparseDataset generate(int m, int n, double density, Precision precision, long seed) {
        PowerLawColumns columnsOf = new PowerLawColumns(n, EXPONENT);
        ThreadLocal<PowerLawColumns.Row> rows = ThreadLocal.withInitial(columnsOf::row);
        int[] counts = new int[m];
        IntStream.range(0, m).parallel().forEach(i -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            double expected = density * n;
            counts[i] = (int) Math.min(n, Math.floor(expected) + (r.nextDouble() < expected - Math.floor(expected) ? 1 : 0));
        });
        long[] pointers = new long[m + 1];
        for (int i = 0; i < m; i++) {
            pointers[i + 1] = pointers[i] + counts[i];
        }
        int nnz = Math.toIntExact(pointers[m]);
        int[] columns = new int[nnz];
        double[] values = new double[nnz];
        IntStream.range(0, m).parallel().forEach(i -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            r.nextDouble(); // the count's draw
            int k = counts[i];
            int from = (int) pointers[i];
            rows.get().draw(r, k, columns, from);
            for (int q = 0; q < k; q++) {
                values[from + q] = r.nextGaussian();
            }
        });
        double[] y = new SplittableRandom(seed ^ 0x5DEECE66DL).doubles(m).map(v -> 2 * v - 1).toArray();
        return SparseDataset.of(CsrMatrix.of(pointers, columns, values, n, precision), y);
    }
}
