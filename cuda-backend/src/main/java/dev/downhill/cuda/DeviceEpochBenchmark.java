package dev.downhill.cuda;

import dev.downhill.Precision;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.StochasticEpoch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SGD and mini-batch epochs on the device (issue 15): for each shape (X and y uniform in [−1, 1], generated on the
 * device) and batch size B, the seconds per row of the device epoch ({@link DeviceEpoch}, one launch per block of the row
 * order) and of the per-batch loop it replaces ({@link StochasticEpoch#runPerBatch}: a handful of launches and two
 * device-to-host reads per batch), each over the first {@code positions} positions of an epoch (a partial epoch: the
 * same batches as a whole one, fewer of them), with the intercept's centring as a fit with an intercept runs it (x̄ and
 * μ_y from the device's column statistics), constant η. Wall-clock time (each epoch call returns after its last
 * kernel), {@code repeats} times after one warm-up, median and range; seconds per whole epoch = per row × m. Also
 * whether the two gave the same θ bit for bit on this device (the program fails when one did not). The device epoch is
 * timed at every B, also past {@link DeviceEpoch#MAX_SERIAL_GROUPS} where fits keep the per-batch loop
 * ({@code fitsChooseDeviceEpoch} says which a fit takes), to place that limit. JSON after every figure; prints it at the end.
 *
 * <pre>java -cp … dev.downhill.cuda.DeviceEpochBenchmark --shapes 2000000x20,200000x1000 --batches 1,32,256 --out epochs.json</pre>
 */
public final class DeviceEpochBenchmark {
    private DeviceEpochBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchmarkOutput.options(args);
        String[] shapes = a.getOrDefault("shapes", "2000000x20,200000x1000").split(",");
        long[] batches = Arrays.stream(a.getOrDefault("batches", "1,32,256,2048").split(",")).mapToLong(Long::parseLong).toArray();
        Precision precision = Precision.parse(a.getOrDefault("precision", "float32"));
        long positions = Long.parseLong(a.getOrDefault("positions", "65536"));
        long perBatchPositions = Long.parseLong(a.getOrDefault("per-batch-positions", "4096"));
        int repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        double eta = Double.parseDouble(a.getOrDefault("lr", "0.001"));
        Path out = Path.of(a.getOrDefault("out", "device-epochs.json"));

        BenchmarkOutput.Report result = new BenchmarkOutput.Report(out);
        result.put("precision", precision.name().toLowerCase(Locale.ROOT));
        result.put("positions", positions);
        result.put("perBatchPositions", perBatchPositions);
        result.put("repeats", repeats);
        result.put("learningRate", eta);
        List<Map<String, Object>> rowsOut = new ArrayList<>();
        int mismatches = 0;
        try {
            for (String shape : shapes) {
                String[] mn = shape.trim().split("x");
                long m = Long.parseLong(mn[0]);
                long n = Long.parseLong(mn[1]);
                try (CudaProblem p = CudaProblem.generated(m, n, precision, CudaGradientStrategy.FUSED, BackendOptions.defaults(),
                        20261201L);
                     BackendVector means = p.allocateVector(n);
                     BackendVector theta = p.allocateVector(n);
                     BackendVector check = p.allocateVector(n);
                     BackendVector gradient = p.allocateVector(n)) {
                    result.put("device", p.device().name());
                    result.put("multiprocessors", p.device().multiprocessors());
                    var stats = p.columnStatistics();
                    means.copyFromHost(stats.means());
                    for (long batch : batches) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("rows", m);
                        row.put("cols", n);
                        row.put("batch", batch);
                        row.put("fusedShape", p.registerShape() == null ? "none" : p.registerShape().toString());
                        row.put("deviceEpoch", p.deviceEpochApplies());
                        row.put("fitsChooseDeviceEpoch", p.deviceEpochApplies() && DeviceEpoch.batchFits(p.registerShape(), batch));
                        rowsOut.add(row);
                        long count = Math.min(m, Math.max(batch, positions / batch * batch));
                        double[] device = new double[repeats];
                        for (int r = -1; r < repeats; r++) {
                            StochasticEpoch plan = plan(m, count, batch, eta, stats.targetMean(), means, r + 1);
                            long t0 = System.nanoTime();
                            p.epochOnDevice(plan, theta, gradient);
                            if (r >= 0) {
                                device[r] = (System.nanoTime() - t0) / 1e9 / count;
                            }
                        }
                        double perRow = BenchmarkOutput.median(device);
                        row.put("deviceSecondsPerRow", device);
                        row.put("deviceSecondsPerEpoch", perRow * m);
                        result.put("epochs", rowsOut);

                        long few = Math.min(m, Math.max(batch, perBatchPositions / batch * batch));
                        double[] loop = new double[repeats];
                        for (int r = -1; r < repeats; r++) {
                            StochasticEpoch plan = plan(m, few, batch, eta, stats.targetMean(), means, r + 1);
                            long t0 = System.nanoTime();
                            StochasticEpoch.runPerBatch(p, plan, check, gradient);
                            if (r >= 0) {
                                loop[r] = (System.nanoTime() - t0) / 1e9 / few;
                            }
                        }
                        row.put("perBatchSecondsPerRow", loop);
                        row.put("perBatchSecondsPerEpoch", BenchmarkOutput.median(loop) * m);
                        row.put("speedupOverPerBatch", BenchmarkOutput.median(loop) / perRow);

                        StochasticEpoch plan = plan(m, few, batch, eta, stats.targetMean(), means, 99);
                        theta.copyFromHost(new double[(int) n]);
                        check.copyFromHost(new double[(int) n]);
                        p.epochOnDevice(plan, theta, gradient);
                        StochasticEpoch.runPerBatch(p, plan, check, gradient);
                        boolean same = Arrays.equals(theta.copyToHost(), check.copyToHost());
                        row.put("bitIdenticalToPerBatch", same);
                        mismatches += same ? 0 : 1;
                        result.put("epochs", rowsOut);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            result.fail(e);
            throw e;
        }
        result.print();
        if (mismatches > 0) {
            throw new IllegalStateException(mismatches + " device epoch(s) did not give the per-batch loop's θ bit for bit");
        }
    }

    /** The first {@code count} positions of epoch {@code epoch} (a validation split holds the rest out), constant η, centred. */
    private static StochasticEpoch plan(long m, long count, long batch, double eta, double targetMean, BackendVector means,
                                        long epoch) {
        return StochasticEpoch.builder(EpochRows.of(17, epoch, m, count, 5), batch).steps(0, s -> eta).target(1, targetMean)
                .means(means).build();
    }
}
