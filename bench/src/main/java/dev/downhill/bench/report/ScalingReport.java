package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.FitConfig;
import dev.downhill.bench.MachineDescription;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The report users ask for, measured side by side in one run and written as raw JSON
 * ({@code report.json}), then rendered by {@link ReportRenderer} ({@code report.md}, {@code gd-vs-svd.png}):
 * <ol>
 *   <li><b>Backends</b>: one full-batch gradient step on X of stepRows × stepCols float32 for every
 *       backend and strategy (cpu fused native, cpu fused BLAS, cpu two sgemv passes, nd4j, cuda fused,
 *       cuda cuBLAS — a backend that cannot run here is a row saying why), NumPy's and PyTorch's two
 *       matvecs: seconds, GB/s of X, steps/s, fraction of the measured bandwidth.</li>
 *   <li><b>GD vs SVD</b>: X of {@code rows} × n from {@code gen --condition κ}, n from the grid (tall and
 *       wide): full-batch GD to a prediction error ≤ accuracy against the SVD answer (a gradient
 *       tolerance where SVD cannot run), the SVD and normal-equation solves, and the peers (NumPy GD loop
 *       and lstsq, scikit-learn LinearRegression, PyTorch GD and lstsq), each in its own process with the
 *       same cap and memory limit.</li>
 *   <li><b>Tall data</b>: tallRows × tallFeatures: GD, SGD, mini-batch, the closed forms and the peers
 *       (scikit-learn SGDRegressor included) to a looser prediction error.</li>
 * </ol>
 * Every cell has a wall-clock cap; a solve that would need more memory than the limit is reported as
 * infeasible with the bytes it needs, without running; once a solve exceeds the cap at some n, larger n
 * (whose cost m·n·min(m, n) only grows) are reported over the cap without running.
 *
 * <p>Usage (from the repository root, after {@code mvn -pl bench -am package -DskipTests}):
 * {@code java -cp bench/target/benchmarks.jar dev.downhill.bench.report.ScalingReport [--smoke] [--no-peers]
 * [--rows 20000] [--features 1000,2000,…] [--condition 10] [--cap 180] [--accuracy 1e-3] [--tol 1e-3]
 * [--tall-rows 2000000] [--tall-features 20] [--tall-accuracy 1e-2] [--step-shape 20000x5000] [--rounds 20]
 * [--memory-limit 18g] [--python python3] [--sklearn-python /usr/bin/python3] [--work DIR] [--out DIR]}
 * ({@code scripts/bench-report} does both).
 */
public final class ScalingReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> JVM = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=0",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Djava.awt.headless=true");

    private final ReportSettings settings;
    private final ObjectNode report = JsonNodeFactory.instance.objectNode();
    /** Per solver: the n at which it first exceeded the cap. */
    private final Map<String, Long> cappedAt = new HashMap<>();

    private ScalingReport(ReportSettings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws IOException {
        ReportSettings s = ReportSettings.parse(args);
        new ScalingReport(s).run();
    }

    private void run() throws IOException {
        Files.createDirectories(settings.outDir());
        report.put("date", LocalDate.now().toString());
        report.put("started", Instant.now().toString());
        report.set("machine", MachineDescription.json());
        report.set("settings", settings.json());
        ObjectNode env = report.putObject("peerEnvironments");
        if (settings.peers()) {
            env.set("numpy", peer("versions", List.of(), 120).json());
            env.set("sklearn", peer(settings.sklearnPython(), "versions", List.of(), 120).json());
        }
        backends();
        save();
        scaling();
        save();
        tall();
        report.put("finished", Instant.now().toString());
        save();
        ReportRenderer.render(settings.outDir().resolve("report.json"), settings.outDir());
        deleteTree(settings.workDir());
    }

    private void backends() throws IOException {
        Path dir = gen("step", settings.stepRows(), settings.stepCols());
        ArrayNode rows = report.putArray("backends");
        String[][] contenders = {{"cpu", "native", "cpu: fused, native kernel"}, {"cpu", "blas", "cpu: fused, OpenBLAS blocks"},
                {"cpu", "two-pass", "cpu: two cblas_sgemv passes"}, {"nd4j", "", "nd4j (ND4J ops)"},
                {"cuda", "fused", "cuda: fused kernel"}, {"cuda", "cublas", "cuda: two cuBLAS gemv"}};
        for (String[] c : contenders) {
            log("step " + c[2]);
            Outcome o = ChildProcess.run(ChildProcess.javaTask(JVM, List.of("step", "x=" + dir.resolve("X.npy"), "y=" + dir.resolve("y.npy"),
                    "backend=" + c[0], "kernel=" + c[1], "rounds=" + settings.rounds(), "budget=" + settings.memoryLimit())),
                    settings.capSeconds(), logFile("step-" + c[0] + "-" + c[1]));
            rows.add(named(c[2], o));
        }
        if (settings.peers()) {
            for (String[] p : new String[][] {{"numpy-step", "NumPy: X.T @ (X @ θ − y)"}, {"torch-step", "PyTorch (GPU): two matvecs"}}) {
                log("step " + p[1]);
                rows.add(named(p[1], peer(p[0], data(dir), settings.capSeconds())));
            }
        }
        deleteTree(dir);
    }

    private void scaling() throws IOException {
        ArrayNode cells = report.putArray("scaling");
        long m = settings.rows();
        for (long n : settings.features()) {
            ObjectNode cell = cells.addObject();
            cell.put("rows", m);
            cell.put("features", n);
            cell.put("shape", n < m ? "tall" : n > m ? "wide" : "square");
            cell.put("xBytes", 4 * m * n);
            long start = System.nanoTime();
            Path dir = gen("n" + n, m, n);
            cell.put("genSeconds", (System.nanoTime() - start) / 1e9);
            boolean standardized = FitConfig.builder().build().standardize(m, n);
            cell.put("standardized", standardized);
            long residentX = MemoryNeed.residentX(m, n, 4, settings.memoryLimit());
            Outcome svd = feasible(MemoryNeed.svd(m, n, residentX), () -> capped("svd", n, () -> java("svd", n, dir,
                    List.of("out=" + dir.resolve("theta-svd.npy")), settings.capSeconds())));
            cell.set("svd", svd.json());
            List<String> reference = svd.ok() ? List.of("reference=" + dir.resolve("theta-svd.npy"), "loss=" + svd.number("loss"),
                    "signal=" + svd.number("signal")) : List.of();
            Outcome normal = n >= m - 1 ? Outcome.of(Outcome.NOT_APPLICABLE, "n/a: n ≥ m − 1, XᵀX is singular")
                    : feasible(MemoryNeed.normal(n, residentX), () -> capped("normal", n,
                            () -> java("normal", n, dir, reference, settings.capSeconds())));
            cell.set("normal", normal.json());
            List<String> gdArgs = new ArrayList<>(reference);
            gdArgs.addAll(List.of("cap=" + settings.capSeconds(), "accuracy=" + settings.accuracy(), "tol=" + settings.tolerance()));
            Outcome gd = java("gd", n, dir, gdArgs, settings.capSeconds() + loadAllowance(m, n));
            cell.set("gd", gd.json());
            ObjectNode peers = cell.putObject("peers");
            if (settings.peers()) {
                List<String> common = peerArguments(dir, svd, standardized, settings.accuracy());
                peers.set("numpy-gd", peer("numpy-gd", common, settings.capSeconds() + loadAllowance(m, n)).json());
                peers.set("numpy-lstsq", feasible(MemoryNeed.numpyLstsq(m, n), () -> capped("numpy-lstsq", n,
                        () -> peer("numpy-lstsq", common, settings.capSeconds()))).json());
                peers.set("sklearn-linear", feasible(MemoryNeed.sklearnLinear(m, n), () -> capped("sklearn-linear", n,
                        () -> peer(settings.sklearnPython(), "sklearn-linear", common, settings.capSeconds()))).json());
                peers.set("torch-gd", peer("torch-gd", common, settings.capSeconds() + loadAllowance(m, n)).json());
                peers.set("torch-lstsq", capped("torch-lstsq", n, () -> peer("torch-lstsq", common, settings.capSeconds())).json());
            }
            deleteTree(dir);
            save();
        }
    }

    private void tall() throws IOException {
        long m = settings.tallRows();
        long n = settings.tallFeatures();
        ObjectNode t = report.putObject("tall");
        t.put("rows", m);
        t.put("features", n);
        t.put("xBytes", 4 * m * n);
        Path dir = gen("tall", m, n);
        cappedAt.clear();
        Outcome svd = java("svd", n, dir, List.of("out=" + dir.resolve("theta-svd.npy")), settings.capSeconds());
        ObjectNode entries = t.putObject("entries");
        entries.set("svd", svd.json());
        if (!svd.ok()) {
            deleteTree(dir);
            return;
        }
        List<String> reference = List.of("reference=" + dir.resolve("theta-svd.npy"), "loss=" + svd.number("loss"),
                "signal=" + svd.number("signal"), "cap=" + settings.capSeconds(), "accuracy=" + settings.tallAccuracy(),
                "tol=" + settings.tolerance());
        entries.set("normal", java("normal", n, dir, reference, settings.capSeconds()).json());
        entries.set("gd", java("gd", n, dir, reference, settings.capSeconds() + loadAllowance(m, n)).json());
        List<String> sgd = new ArrayList<>(reference);
        sgd.addAll(List.of("solver=sgd", "invscaling=0.25"));
        entries.set("sgd", java("stochastic", n, dir, sgd, settings.capSeconds() + loadAllowance(m, n)).json());
        List<String> mini = new ArrayList<>(reference);
        mini.addAll(List.of("solver=minibatch", "invscaling=0.25"));
        entries.set("minibatch", java("stochastic", n, dir, mini, settings.capSeconds() + loadAllowance(m, n)).json());
        if (settings.peers()) {
            List<String> common = peerArguments(dir, svd, FitConfig.builder().build().standardize(m, n), settings.tallAccuracy());
            entries.set("numpy-gd", peer("numpy-gd", common, settings.capSeconds() + loadAllowance(m, n)).json());
            entries.set("numpy-lstsq", peer("numpy-lstsq", common, settings.capSeconds()).json());
            entries.set("sklearn-linear", peer(settings.sklearnPython(), "sklearn-linear", common, settings.capSeconds()).json());
            entries.set("sklearn-sgd", peer(settings.sklearnPython(), "sklearn-sgd", common, settings.capSeconds() + loadAllowance(m, n)).json());
            entries.set("torch-gd", peer("torch-gd", common, settings.capSeconds()).json());
        }
        deleteTree(dir);
    }

    /** Seconds allowed for reading X on top of the cap (the solvers' own caps exclude it): 1 GB/s. */
    private static double loadAllowance(long m, long n) {
        return 60 + 4.0 * m * n / 1e9;
    }

    private List<String> peerArguments(Path dir, Outcome svd, boolean standardized, double accuracy) {
        List<String> a = new ArrayList<>(data(dir));
        a.addAll(List.of("--cap", Double.toString(settings.capSeconds()), "--accuracy", Double.toString(accuracy),
                "--tol", Double.toString(settings.tolerance()), "--standardize", standardized ? "1" : "0"));
        if (svd.ok()) {
            a.addAll(List.of("--reference", dir.resolve("theta-svd.npy").toString(), "--loss", Double.toString(svd.number("loss")),
                    "--signal", Double.toString(svd.number("signal"))));
        }
        return a;
    }

    private static List<String> data(Path dir) {
        return List.of("--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString());
    }

    private interface Cell {
        Outcome run();
    }

    /** Runs {@code cell} unless this solver already exceeded the cap at a smaller n; remembers when it does. */
    private Outcome capped(String solver, long n, Cell cell) {
        Long earlier = cappedAt.get(solver);
        if (earlier != null) {
            return Outcome.of(Outcome.OVER_CAP, String.format(Locale.ROOT, "over the time cap (not run: n = %d already exceeded %.0f s)",
                    earlier, settings.capSeconds()));
        }
        Outcome o = cell.run();
        if (o.status().equals(Outcome.OVER_CAP)) {
            cappedAt.put(solver, n);
        }
        return o;
    }

    private Outcome feasible(long need, Cell cell) {
        if (need > settings.memoryLimit()) {
            return Outcome.of(Outcome.INFEASIBLE, "infeasible: needs " + MemoryNeed.gigabytes(need) + " (limit "
                    + MemoryNeed.gigabytes(settings.memoryLimit()) + ")");
        }
        return cell.run();
    }

    private Outcome java(String task, long n, Path dir, List<String> extra, double cap) {
        log(task + " n=" + n);
        List<String> args = new ArrayList<>(List.of(task, "x=" + dir.resolve("X.npy"), "y=" + dir.resolve("y.npy"),
                "budget=" + settings.memoryLimit()));
        args.addAll(extra);
        Outcome o = ChildProcess.run(ChildProcess.javaTask(JVM, args), cap, logFile(task + "-" + dir.getFileName()));
        log("  → " + o.json());
        return o;
    }

    private Outcome peer(String task, List<String> args, double cap) {
        return peer(settings.python(), task, args, cap);
    }

    private Outcome peer(String python, String task, List<String> args, double cap) {
        if (!settings.peers()) {
            return Outcome.of(Outcome.NOT_RUN, "not run: peers off");
        }
        log("peer " + task);
        List<String> command = new ArrayList<>(List.of(python, settings.peerScript().toString(), task));
        command.addAll(args);
        if (!task.equals("versions")) {
            command.addAll(List.of("--memory-limit", Long.toString(settings.memoryLimit())));
        }
        Outcome o = ChildProcess.run(command, cap, logFile("peer-" + task));
        log("  → " + o.json());
        return o;
    }

    private static ObjectNode named(String name, Outcome o) {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        row.put("name", name);
        row.setAll(o.json());
        return row;
    }

    /** {@code downhill gen} (in this process) into workDir/name: X.npy (float32), y.npy, theta.npy. */
    private Path gen(String name, long m, long n) {
        Path dir = settings.workDir().resolve(name);
        log("gen " + m + " × " + n);
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new dev.downhill.cli.Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int code = cl.execute("gen", "--rows", Long.toString(m), "--features", Long.toString(n), "--condition",
                Double.toString(settings.condition()), "--noise", Double.toString(settings.noise()), "--seed",
                Long.toString(settings.seed()), "--out-dir", dir.toString(), "--quiet");
        if (code != 0) {
            throw new IllegalStateException("gen failed: " + out);
        }
        return dir;
    }

    private Path logFile(String name) {
        return settings.outDir().resolve("logs").resolve(name + ".log");
    }

    private void save() throws IOException {
        JSON.writeValue(settings.outDir().resolve("report.json").toFile(), report);
    }

    private static void log(String line) {
        System.err.println("[" + Instant.now().toString().substring(11, 19) + "] " + line);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
