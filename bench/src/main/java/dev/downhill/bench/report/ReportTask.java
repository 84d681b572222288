package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.IterationListener;
import dev.downhill.LearningRateSchedule;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.SingularMatrixException;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.bench.ReadBandwidthProbe;
import dev.downhill.bench.TwoPassSgemv;
import dev.downhill.io.HostMemoryBudget;
import dev.downhill.io.MappedNpy;
import dev.downhill.io.HostArray;
import dev.downhill.io.NpyReader;
import dev.downhill.io.NpyWriter;
import dev.downhill.spi.BackendUnavailableException;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.RowSlice;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.DoubleSupplier;

/**
 * One measurement of the report, run in its own JVM by {@link ScalingReport} (so a cap can kill it and
 * its memory is returned): {@code svd}, {@code normal}, {@code gd}, {@code stochastic} or {@code step},
 * with {@code key=value} arguments. Prints one JSON line ({@link Outcome#json()}) on stdout.
 * Every time is wall-clock time of the library call alone (reading the .npy files is reported apart as
 * {@code loadSeconds}).
 */
public final class ReportTask {
    private ReportTask() {
    }

    public static void main(String[] args) {
        Outcome outcome;
        try {
            TaskArguments a = TaskArguments.parse(args, 1);
            outcome = switch (args[0]) {
                case "svd" -> svd(a);
                case "normal" -> normal(a);
                case "gd" -> gd(a);
                case "stochastic" -> stochastic(a);
                case "step" -> step(a);
                default -> throw new IllegalArgumentException("unknown task " + args[0]);
            };
        } catch (RuntimeException | OutOfMemoryError e) {
            e.printStackTrace();
            outcome = Outcome.of(Outcome.FAILED, e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        System.out.println(outcome.json().toString());
        System.out.flush();
        System.exit(0);
    }

    /**
     * Runs {@code solver} once on a small seeded problem first, so the timed fit does not pay for class
     * loading and JIT compilation (the measured fit is then the first on its own data, as a user's is).
     */
    private static void warmUp(Solver solver) {
        try (Dataset small = SyntheticMatrixAccess.small(); dev.downhill.LoadedProblem p = LinearRegression.load(small, FitConfig.builder().backend("cpu").build())) {
            LinearRegression.fit(p, FitConfig.builder().solver(solver).maxIterations(solver.isStochastic() ? 2 : 50).build());
        }
    }

    /** Reads X into memory when it fits the budget, else maps it (the CLI's --memory-budget rule). */
    private static Dataset open(TaskArguments a, ObjectNode values) {
        Path x = a.path("x");
        Path y = a.path("y");
        long budget = (long) a.number("budget", HostMemoryBudget.defaultBytes());
        var header = NpyReader.readHeader(x);
        long bytes = header.shape()[0] * header.shape()[1] * header.dtype().itemSize();
        long start = System.nanoTime();
        Dataset d = bytes > budget ? MappedNpy.open(x, y) : NpyReader.readDataset(x, y, null);
        values.put("loadSeconds", (System.nanoTime() - start) / 1e9);
        values.put("xMapped", bytes > budget);
        return d;
    }

    private static ReferenceSolution reference(TaskArguments a) {
        try (HostArray t = NpyReader.readVector(a.path("reference"), Precision.FLOAT64)) {
            double[] theta = new double[(int) t.length()];
            for (int j = 0; j < theta.length; j++) {
                theta[j] = t.get(j);
            }
            return new ReferenceSolution(theta, a.number("loss"), a.number("signal"));
        }
    }

    /** The library's SVD solve (float64 dgelsd with scaling and refinement); writes θ* for the other tasks. */
    private static Outcome svd(TaskArguments a) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        warmUp(Solver.SVD);
        try (Dataset data = open(a, v); dev.downhill.LoadedProblem p = LinearRegression.load(data, FitConfig.builder().backend("cpu").build())) {
            long start = System.nanoTime();
            FittedModel m = LinearRegression.fit(p, FitConfig.builder().solver(Solver.SVD).build());
            v.put("seconds", (System.nanoTime() - start) / 1e9);
            double mse = m.score(data).mse();
            double[] y = data.targets();
            double mean = Arrays.stream(y).average().orElse(0);
            double ss = 0;
            for (double t : y) {
                ss += (t - mean) * (t - mean);
            }
            v.put("rank", m.rank());
            v.put("loss", mse);
            v.put("signal", ss / y.length - mse);
            NpyWriter.writeVector(a.path("out"), m.coefficients(), Precision.FLOAT64);
            return new Outcome(Outcome.OK, "", v);
        }
    }

    /** The library's normal-equation solve (Cholesky of the scaled XᵀX, refined); refusals are reported. */
    private static Outcome normal(TaskArguments a) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        warmUp(Solver.NORMAL);
        try (Dataset data = open(a, v); dev.downhill.LoadedProblem p = LinearRegression.load(data, FitConfig.builder().backend("cpu").build())) {
            long start = System.nanoTime();
            FittedModel m = LinearRegression.fit(p, FitConfig.builder().solver(Solver.NORMAL).build());
            v.put("seconds", (System.nanoTime() - start) / 1e9);
            if (a.has("reference")) {
                v.put("thetaError", reference(a).thetaError(m.coefficients()));
            }
            return new Outcome(Outcome.OK, "", v);
        } catch (SingularMatrixException e) {
            return new Outcome(Outcome.NOT_APPLICABLE, "refused: " + e.getMessage(), v);
        }
    }

    /**
     * Full-batch GD with the library's defaults (automatic step from power iteration, standardization
     * on tall data). With a reference it stops at the first step whose prediction error against the SVD
     * answer is ≤ {@code accuracy}; without one at the library's own rule ‖∇‖ ≤ tol·‖∇₀‖. Either way it
     * stops itself when {@code cap} seconds have passed (status over-cap, with the accuracy reached).
     */
    private static Outcome gd(TaskArguments a) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        Solver solver = Solver.parse(a.text("solver", "gd"));
        double cap = a.number("cap");
        double accuracy = a.number("accuracy");
        ReferenceSolution ref = a.has("reference") ? reference(a) : null;
        warmUp(solver);
        try (Dataset data = open(a, v); dev.downhill.LoadedProblem p = LinearRegression.load(data, FitConfig.builder().backend("cpu").build())) {
            long start = System.nanoTime();
            boolean[] capped = {false};
            IterationListener stop = (iteration, loss, gradientNorm) -> {
                if ((System.nanoTime() - start) / 1e9 > cap) {
                    capped[0] = true;
                    return IterationListener.Control.STOP;
                }
                return ref != null && ref.predictionError(loss) <= accuracy ? IterationListener.Control.STOP : IterationListener.Control.CONTINUE;
            };
            FitConfig config = FitConfig.builder().solver(solver).maxIterations(10_000_000)
                    .tolerance(ref != null ? 0 : a.number("tol")).listener(stop).build();
            FittedModel m = LinearRegression.fit(p, config);
            v.put("seconds", (System.nanoTime() - start) / 1e9);
            v.put("iterations", m.iterations());
            v.put("stop", ref != null && m.stopReason() == StopReason.STOPPED_BY_LISTENER && !capped[0] ? "accuracy reached"
                    : m.stopReason().name().toLowerCase());
            v.put("learningRate", m.learningRate());
            v.put("standardized", config.standardize(data.rows(), data.cols()));
            v.put("relativeGradient", m.finalRelativeGradient());
            v.put("loss", m.finalLoss());
            if (ref != null) {
                v.put("predictionError", ref.predictionError(m.finalLoss()));
                v.put("thetaError", ref.thetaError(m.coefficients()));
            }
            return new Outcome(capped[0] ? Outcome.OVER_CAP : Outcome.OK, capped[0] ? String.format(java.util.Locale.ROOT,
                    "over the time cap (%.0f s, %d steps)", cap, m.iterations()) : "", v);
        }
    }

    /**
     * SGD or mini-batch SGD (library defaults: automatic constant step, batch 32 unless {@code batch}
     * is given) to a prediction error ≤ {@code accuracy} against the SVD answer. The solvers report once
     * per epoch, so the epoch count is searched by doubling (1, 2, 4, … epochs, each a fresh seeded fit:
     * a fit of k epochs is exactly the first k epochs of a longer one); the time reported is the fit
     * that first reaches the accuracy, and {@code searchSeconds} the whole search.
     */
    private static Outcome stochastic(TaskArguments a) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        Solver solver = Solver.parse(a.text("solver"));
        double cap = a.number("cap");
        double accuracy = a.number("accuracy");
        ReferenceSolution ref = reference(a);
        warmUp(solver);
        try (Dataset data = open(a, v); dev.downhill.LoadedProblem p = LinearRegression.load(data, FitConfig.builder().backend("cpu").build())) {
            long searchStart = System.nanoTime();
            double best = Double.POSITIVE_INFINITY;
            for (long epochs = 1; ; epochs *= 2) {
                FitConfig.Builder b = FitConfig.builder().solver(solver).maxIterations(epochs).tolerance(0);
                if (a.has("batch")) {
                    b.batchSize(Integer.parseInt(a.text("batch")));
                }
                if (a.has("invscaling")) {
                    b.schedule(LearningRateSchedule.inverseScaling(a.number("invscaling")));
                }
                FitConfig config = b.build();
                long start = System.nanoTime();
                FittedModel m = LinearRegression.fit(p, config);
                double seconds = (System.nanoTime() - start) / 1e9;
                double error = ref.predictionError(m.score(data).mse());
                best = Math.min(best, error);
                if (error <= accuracy) {
                    v.put("seconds", seconds);
                    v.put("iterations", epochs);
                    v.put("stop", "accuracy reached");
                    v.put("batch", config.batchSize(data.rows()));
                    v.put("learningRate", m.learningRate());
                    v.put("predictionError", error);
                    v.put("thetaError", ref.thetaError(m.coefficients()));
                    v.put("searchSeconds", (System.nanoTime() - searchStart) / 1e9);
                    return new Outcome(Outcome.OK, "", v);
                }
                if ((System.nanoTime() - searchStart) / 1e9 + 2 * seconds > cap) {
                    v.put("predictionError", best);
                    return new Outcome(Outcome.OVER_CAP, String.format(java.util.Locale.ROOT,
                            "over the time cap (%.0f s; %d epochs reached prediction error %.2g)", cap, epochs, best), v);
                }
            }
        }
    }

    /**
     * One backend's full-batch gradient step: the median of {@code rounds} timed calls after 3 warm-ups.
     * The fused operation returns ‖r‖² and Σr on the host, so a GPU backend has finished the step when
     * the call returns. Uploading X (the backend's {@code load}) is timed apart. The bandwidth reference is
     * the host read probe (1 GiB, same threads) for CPU backends and a device-to-device copy of two
     * 256 MiB vectors (read + write counted) for the others.
     */
    private static Outcome step(TaskArguments a) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        String backend = a.text("backend");
        String kernel = a.text("kernel", "");
        int rounds = (int) a.number("rounds", 20);
        dev.downhill.spi.BackendOptions.Builder options = dev.downhill.spi.BackendOptions.builder();
        if (backend.equals("cpu") && !kernel.equals("two-pass") && !kernel.isEmpty()) {
            options.cpuKernel(kernel);
        }
        if (backend.equals("cuda") && !kernel.isEmpty()) {
            options.cudaKernel(kernel);
        }
        try (Dataset data = open(a, v)) {
            int n = Math.toIntExact(data.cols());
            long m = data.rows();
            double xBytes = (double) m * n * data.precision().bytes();
            int threads = Runtime.getRuntime().availableProcessors();
            ResidentProblem p;
            long loadStart = System.nanoTime();
            try {
                p = dev.downhill.spi.Backends.load(backend, data, null, options.threads(threads).build());
            } catch (BackendUnavailableException e) {
                return Outcome.of(Outcome.NOT_RUN, backend + ": " + e.getMessage().split("\\. Backends:")[0]);
            }
            v.put("uploadSeconds", (System.nanoTime() - loadStart) / 1e9);
            double[] t0 = new double[n];
            Arrays.fill(t0, 1.0 / n);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (p; BackendVector theta = p.allocateVector(n); BackendVector g = p.allocateVector(n)) {
                theta.copyFromHost(t0);
                DoubleSupplier call;
                TwoPassSgemv twoPass = null;
                if (kernel.equals("two-pass")) {
                    twoPass = new TwoPassSgemv(data, t0, threads);
                    TwoPassSgemv tp = twoPass;
                    call = () -> tp.step(0.1f);
                } else {
                    call = () -> p.gradient(theta, 0.1, 1, 2.0 / m, RowSlice.all(), g).sum();
                }
                double stepSeconds = median(call, rounds);
                if (twoPass != null) {
                    twoPass.close();
                }
                double referenceRate;
                String referenceName;
                if (backend.equals("cpu") || backend.equals("nd4j")) {
                    try (ReadBandwidthProbe probe = new ReadBandwidthProbe(1L << 30, threads, pool)) {
                        referenceRate = probe.bytes() / Math.min(median(probe::nativeSum, rounds), median(probe::sasum, rounds));
                    }
                    referenceName = "host read probe (1 GiB, " + threads + " threads)";
                } else {
                    int len = (int) ((256L << 20) / 4);
                    try (Dataset row = dev.downhill.bench.SyntheticMatrixAccessPoint.row(len);
                         ResidentProblem q = dev.downhill.spi.Backends.load(backend, row, null, null);
                         BackendVector from = q.allocateVector(len); BackendVector to = q.allocateVector(len)) {
                        referenceRate = 3.0 * len * q.precision().bytes() / median(() -> {
                            q.copy(from, to);
                            return q.dot(to, to); // brings a scalar back: the copy has finished
                        }, rounds);
                    }
                    referenceName = "device copy + dot (3 × 256 MiB moved)";
                }
                v.put("rows", m);
                v.put("cols", n);
                v.put("precision", data.precision().name().toLowerCase());
                v.put("threads", threads);
                v.put("problem", p.description());
                v.put("stepSeconds", stepSeconds);
                v.put("stepsPerSecond", 1 / stepSeconds);
                v.put("gbPerSecond", xBytes / stepSeconds / 1e9);
                v.put("reference", referenceName);
                v.put("referenceGbPerSecond", referenceRate / 1e9);
                v.put("fraction", xBytes / stepSeconds / referenceRate);
                return new Outcome(Outcome.OK, "", v);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Median wall time of {@code rounds} calls after 3 warm-up calls. */
    private static double median(DoubleSupplier call, int rounds) {
        double sink = 0;
        for (int i = 0; i < 3; i++) {
            sink += call.getAsDouble();
        }
        double[] t = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long s = System.nanoTime();
            sink += call.getAsDouble();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        if (Double.isNaN(sink)) {
            System.err.println("NaN in timed results");
        }
        Arrays.sort(t);
        return rounds % 2 == 1 ? t[rounds / 2] : (t[rounds / 2 - 1] + t[rounds / 2]) / 2;
    }
}
