package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.bench.MachineDescription;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

/**
 * What a report run measures, from {@code --key value} options (defaults: the full report for a
 * 2-core / 24 GiB machine, well under an hour; {@code --smoke}: tiny sizes, one round, no peers).
 *
 * @param rows           m of the GD-vs-SVD grid (fixed)
 * @param features       n of each cell of the grid, ascending (n &lt; m tall, n &gt; m wide)
 * @param condition      κ passed to {@code gen --condition}: column scales fall from 1 to 1/κ
 * @param capSeconds     wall-clock cap of every cell (each solver, each peer)
 * @param accuracy       target prediction error against the SVD answer (GD-vs-SVD grid)
 * @param tolerance      target ‖∇‖/‖∇₀‖ where no SVD answer exists
 * @param tallRows       m of the SGD / mini-batch comparison
 * @param tallFeatures   n of the SGD / mini-batch comparison
 * @param tallAccuracy   target prediction error there
 * @param stepRows       m of the backend step table
 * @param stepCols       n of the backend step table
 * @param rounds         timed rounds per backend step
 * @param memoryLimit    bytes a cell may allocate (Java tasks: checked before running; peers: rlimit)
 * @param peers          whether NumPy / scikit-learn / PyTorch peers run
 * @param python         interpreter of the NumPy and PyTorch peers
 * @param sklearnPython  interpreter of the scikit-learn peers (Debian's python3-sklearn)
 * @param workDir        where the .npy files go (deleted after each cell)
 * @param outDir         where report.json, report.md and the charts go
 */
public record ReportSettings(long rows, List<Long> features, double condition, double noise, long seed, double capSeconds,
                             double accuracy, double tolerance, long tallRows, long tallFeatures, double tallAccuracy,
                             long stepRows, long stepCols, int rounds, long memoryLimit, boolean peers, boolean smoke,
                             String python, String sklearnPython, Path peerScript, Path workDir, Path outDir) {

    public ReportSettings {
        features = List.copyOf(features);
    }

    public static ReportSettings parse(String[] args) {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        long memory = (long) (0.8 * MachineDescription.memoryBytes());
        String date = LocalDate.now().toString();
        long rows = smoke ? 400 : 20_000;
        String features = smoke ? "40,200,800" : "1000,2000,5000,10000,50000,100000,200000";
        double cap = smoke ? 10 : 180;
        long tallRows = smoke ? 20_000 : 2_000_000;
        long tallFeatures = smoke ? 5 : 20;
        long stepRows = smoke ? 2_000 : 20_000;
        long stepCols = smoke ? 500 : 5_000;
        int rounds = smoke ? 1 : 20;
        boolean peers = !smoke;
        String python = "python3";
        String sklearnPython = "/usr/bin/python3";
        double condition = 10;
        double accuracy = 1e-3;
        double tolerance = 1e-3;
        double tallAccuracy = 1e-2;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "downhill-bench-work");
        Path out = Path.of("bench", "results", date + (smoke ? "-smoke" : "-cpu") + "-report");
        Path script = Path.of("bench", "peers", "peers.py");
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (key.equals("--smoke")) {
                continue;
            }
            if (key.equals("--no-peers")) {
                peers = false;
                continue;
            }
            if (key.equals("--peers")) {
                peers = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + key + " needs a value");
            }
            String value = args[++i];
            switch (key) {
                case "--rows" -> rows = Long.parseLong(value);
                case "--features" -> features = value;
                case "--condition" -> condition = Double.parseDouble(value);
                case "--cap" -> cap = Double.parseDouble(value);
                case "--accuracy" -> accuracy = Double.parseDouble(value);
                case "--tol" -> tolerance = Double.parseDouble(value);
                case "--tall-rows" -> tallRows = Long.parseLong(value);
                case "--tall-features" -> tallFeatures = Long.parseLong(value);
                case "--tall-accuracy" -> tallAccuracy = Double.parseDouble(value);
                case "--step-shape" -> {
                    String[] s = value.split("x");
                    stepRows = Long.parseLong(s[0]);
                    stepCols = Long.parseLong(s[1]);
                }
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--memory-limit" -> memory = (long) (Double.parseDouble(value.replaceAll("[gG]$", "")) * (value.matches(".*[gG]$") ? 1e9 : 1));
                case "--python" -> python = value;
                case "--sklearn-python" -> sklearnPython = value;
                case "--peer-script" -> script = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--out" -> out = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + key + " (see ScalingReport's Javadoc)");
            }
        }
        List<Long> n = Arrays.stream(features.split(",")).map(String::trim).map(Long::parseLong).sorted().toList();
        return new ReportSettings(rows, n, condition, 1.0, 1, cap, accuracy, tolerance, tallRows, tallFeatures, tallAccuracy,
                stepRows, stepCols, rounds, memory, peers, smoke, python, sklearnPython, script, work, out);
    }

    public ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("rows", rows);
        features.forEach(o.putArray("features")::add);
        o.put("condition", condition);
        o.put("noise", noise);
        o.put("seed", seed);
        o.put("capSeconds", capSeconds);
        o.put("accuracy", accuracy);
        o.put("tolerance", tolerance);
        o.put("tallRows", tallRows);
        o.put("tallFeatures", tallFeatures);
        o.put("tallAccuracy", tallAccuracy);
        o.put("stepRows", stepRows);
        o.put("stepCols", stepCols);
        o.put("rounds", rounds);
        o.put("memoryLimitBytes", memoryLimit);
        o.put("peers", peers);
        o.put("smoke", smoke);
        return o;
    }
}
