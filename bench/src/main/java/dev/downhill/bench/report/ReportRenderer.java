package dev.downhill.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * Renders a report's raw JSON (written by {@link ScalingReport}) into {@code report.md} and the log-log
 * chart {@code gd-vs-svd.png}, on any machine (the machine that measured need not draw).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.downhill.bench.report.ReportRenderer
 * bench/results/<run>/report.json [outDir]}.
 */
public final class ReportRenderer {
    /** Columns of the GD-vs-SVD table and series of the chart: JSON path (solver or peers.name) → label. */
    private static final Map<String, String> METHODS = new java.util.LinkedHashMap<>();

    static {
        METHODS.put("gd", "GD (downhill)");
        METHODS.put("svd", "SVD (downhill)");
        METHODS.put("normal", "normal eq. (downhill)");
        METHODS.put("peers.numpy-gd", "NumPy GD");
        METHODS.put("peers.numpy-lstsq", "NumPy lstsq");
        METHODS.put("peers.sklearn-linear", "sklearn LinearRegression");
        METHODS.put("peers.torch-gd", "PyTorch GD (GPU)");
        METHODS.put("peers.torch-lstsq", "PyTorch lstsq (GPU)");
    }

    private ReportRenderer() {
    }

    public static void main(String[] args) throws IOException {
        Path json = Path.of(args[0]);
        render(json, args.length > 1 ? Path.of(args[1]) : json.toAbsolutePath().getParent());
    }

    public static void render(Path json, Path outDir) throws IOException {
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("report.md"), markdown(r));
        if (r.path("scaling").size() > 0) {
            chart(r, outDir.resolve("gd-vs-svd.png"));
        }
    }

    static String markdown(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        JsonNode s = r.path("settings");
        JsonNode machine = r.path("machine");
        sb.append("# downhill report, ").append(r.path("date").asText()).append(s.path("smoke").asBoolean() ? " (smoke run: tiny sizes)" : "")
                .append("\n\n");
        sb.append(String.format(Locale.ROOT, "Machine: %s; %d cores; %.0f GiB; GPU: %s; %s; %s.%n%n", machine.path("cpu").asText(),
                machine.path("cores").asInt(), machine.path("memoryBytes").asDouble() / (1L << 30), machine.path("gpu").asText(),
                machine.path("java").asText(), machine.path("os").asText()));
        machine.path("backends").fields().forEachRemaining(e -> sb.append("- backend ").append(e.getKey()).append(": ")
                .append(e.getValue().asText()).append('\n'));
        r.path("peerEnvironments").fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            sb.append("- peer interpreter (").append(e.getKey()).append("): ").append(v.path("interpreter").asText())
                    .append(", Python ").append(v.path("python").asText()).append(", NumPy ").append(v.path("numpy").asText())
                    .append(", BLAS ").append(v.path("blas").asText()).append(", scikit-learn ").append(v.path("sklearn").asText())
                    .append(", torch ").append(v.path("torch").asText()).append(v.has("gpu") ? " (" + v.path("gpu").asText() + ")" : "")
                    .append(v.path("status").asText().equals("ok") ? "" : " — " + v.path("reason").asText()).append('\n');
        });
        sb.append(String.format(Locale.ROOT, "%nEvery cell ran in its own process with a wall-clock cap of %.0f s and a memory limit of %.1f GB;"
                + " times exclude reading the .npy files.%n%n", s.path("capSeconds").asDouble(), s.path("memoryLimitBytes").asDouble() / 1e9));
        backends(r, sb);
        scaling(r, sb);
        tall(r, sb);
        return sb.toString();
    }

    private static void backends(JsonNode r, StringBuilder sb) {
        JsonNode rows = r.path("backends");
        if (rows.size() == 0) {
            return;
        }
        JsonNode s = r.path("settings");
        sb.append(String.format(Locale.ROOT, "## One gradient step, CPU vs GPU: X %d × %d float32 (%.0f MB)%n%n", s.path("stepRows").asLong(),
                s.path("stepCols").asLong(), 4.0 * s.path("stepRows").asLong() * s.path("stepCols").asLong() / 1e6));
        sb.append(String.format(Locale.ROOT, "Median of %d timed steps after 3 warm-ups. Fraction: GB/s of X over the bandwidth reference "
                + "measured in the same process (host: the fastest 1 GiB read probe; GPU: a device copy). Upload: X to the device, timed apart.%n%n",
                s.path("rounds").asInt()));
        sb.append("| backend | ms / step | steps / s | X read at GB/s | reference GB/s | fraction | upload s |\n|---|---:|---:|---:|---:|---:|---:|\n");
        double hostProbe = Double.NaN;
        for (JsonNode row : rows) {
            if (row.path("name").asText().startsWith("cpu: fused, native") && row.has("referenceGbPerSecond")) {
                hostProbe = row.path("referenceGbPerSecond").asDouble();
            }
        }
        for (JsonNode row : rows) {
            Outcome o = Outcome.fromJson(row);
            if (!o.ok()) {
                sb.append("| ").append(row.path("name").asText()).append(" | ").append(o.cell("stepSeconds")).append(" | | | | | |\n");
                continue;
            }
            double ref = o.number("referenceGbPerSecond");
            String refText = Double.isNaN(ref) ? String.format(Locale.ROOT, "%.1f (host probe above)", hostProbe) : String.format(Locale.ROOT, "%.1f", ref);
            double fraction = Double.isNaN(o.number("fraction")) ? o.number("gbPerSecond") / hostProbe : o.number("fraction");
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.1f | %s | %.2f | %s |%n", row.path("name").asText(),
                    1e3 * o.number("stepSeconds"), o.number("stepsPerSecond"), o.number("gbPerSecond"), refText, fraction,
                    Double.isNaN(o.number("uploadSeconds")) ? "–" : String.format(Locale.ROOT, "%.3f", o.number("uploadSeconds"))));
        }
        sb.append('\n');
    }

    private static void scaling(JsonNode r, StringBuilder sb) {
        JsonNode cells = r.path("scaling");
        if (cells.size() == 0) {
            return;
        }
        JsonNode s = r.path("settings");
        sb.append(String.format(Locale.ROOT, "## GD vs the SVD solution: %d rows, n features%n%n", s.path("rows").asLong()));
        sb.append(String.format(Locale.ROOT, "Data: `downhill gen --rows %d --features n --condition %.3g --noise %.3g --seed %d` (float32): column "
                + "scales fall geometrically from 1 to 1/%.3g, so X's singular values span about %.3g× times the random-matrix factor "
                + "(1+√(n/m))/(1−√(n/m)), which grows without bound as n → m. **The answer depends on the conditioning**: GD's step count grows "
                + "with it, the SVD's time does not. GD (the library's defaults: step 0.9/L from power iteration, standardized on tall data, "
                + "which removes the column scales) stops at the first step whose prediction error ‖ŷ − ŷ_SVD‖/‖X_c θ_SVD‖ "
                + "(exactly √((MSE − MSE_SVD)/S) for least squares) is ≤ %.0e, where the SVD answer exists; beyond it, when "
                + "‖∇‖ ≤ %.0e·‖∇₀‖. GD's time includes the column statistics and the power iteration. NumPy GD runs the same algorithm and rule. "
                + "The SVD solve is the library's (float64 dgelsd, column scaling, iterative refinement).%n%n",
                s.path("rows").asLong(), s.path("condition").asDouble(), s.path("noise").asDouble(), s.path("seed").asLong(),
                s.path("condition").asDouble(), s.path("condition").asDouble(), s.path("accuracy").asDouble(), s.path("tolerance").asDouble()));
        sb.append("| n | shape | X | GD s | GD steps | GD pred. err / θ err |");
        List<String> columns = new ArrayList<>(METHODS.keySet()).subList(1, METHODS.size());
        for (String c : columns) {
            sb.append(' ').append(METHODS.get(c)).append(" s |");
        }
        sb.append(" SVD ÷ GD | NumPy GD ÷ GD |\n|---:|---|---:|---:|---:|---:|");
        sb.append("---:|".repeat(columns.size())).append("---:|---:|\n");
        for (JsonNode cell : cells) {
            Outcome gd = Outcome.fromJson(cell.path("gd"));
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.2f GB | %s | %s | %s |", cell.path("features").asLong(), cell.path("shape").asText(),
                    cell.path("xBytes").asDouble() / 1e9, gd.cell("seconds"), gd.values().has("iterations") ? gd.values().path("iterations").asText() : "–",
                    errors(gd)));
            for (String c : columns) {
                sb.append(' ').append(Outcome.fromJson(at(cell, c)).cell("seconds")).append(" |");
            }
            sb.append(' ').append(ratio(Outcome.fromJson(cell.path("svd")), gd)).append(" | ")
                    .append(ratio(Outcome.fromJson(at(cell, "peers.numpy-gd")), gd)).append(" |\n");
        }
        sb.append("\n**").append(Crossover.of(cells).sentence()).append(".**\n\n");
        sb.append("![GD vs SVD](gd-vs-svd.png)\n\n");
    }

    private static void tall(JsonNode r, StringBuilder sb) {
        JsonNode t = r.path("tall");
        if (t.isMissingNode() || !t.has("entries")) {
            return;
        }
        JsonNode s = r.path("settings");
        sb.append(String.format(Locale.ROOT, "## Tall data: SGD and mini-batches, %d × %d float32 (%.2f GB)%n%n", t.path("rows").asLong(),
                t.path("features").asLong(), t.path("xBytes").asDouble() / 1e9));
        sb.append(String.format(Locale.ROOT, "Same generator (κ = %.3g). Target: prediction error ≤ %.0e against the SVD answer. SGD and mini-batch "
                + "(library defaults — automatic step, batch 32 — with scikit-learn's default schedule, inverse scaling η₀/(t+1)^0.25; scikit-learn: StandardScaler + SGDRegressor defaults) report once per "
                + "epoch, so their epoch count is found by doubling (1, 2, 4, … each a fresh seeded fit); the time is that of the first fit "
                + "that reaches the target.%n%n", s.path("condition").asDouble(), s.path("tallAccuracy").asDouble()));
        sb.append("| solver | s | steps / epochs | pred. err / θ err | ÷ SVD (downhill) |\n|---|---:|---:|---:|---:|\n");
        Outcome svd = Outcome.fromJson(t.path("entries").path("svd"));
        for (Iterator<Map.Entry<String, JsonNode>> it = t.path("entries").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Outcome o = Outcome.fromJson(e.getValue());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", e.getKey(), o.cell("seconds"),
                    o.values().has("iterations") ? o.values().path("iterations").asText() : "–", errors(o),
                    o.ok() && svd.ok() ? String.format(Locale.ROOT, "%.2f", o.number("seconds") / svd.number("seconds")) : "–"));
        }
        sb.append('\n');
    }

    private static JsonNode at(JsonNode cell, String path) {
        JsonNode n = cell;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }

    private static String errors(Outcome o) {
        double p = o.number("predictionError");
        double t = o.number("thetaError");
        if (Double.isNaN(p) && Double.isNaN(t)) {
            double g = o.number("relativeGradient");
            return Double.isNaN(g) ? "–" : String.format(Locale.ROOT, "‖∇‖/‖∇₀‖ %.1e", g);
        }
        return (Double.isNaN(p) ? "–" : String.format(Locale.ROOT, "%.1e", p)) + " / " + (Double.isNaN(t) ? "–" : String.format(Locale.ROOT, "%.1e", t));
    }

    private static String ratio(Outcome slow, Outcome gd) {
        if (!gd.ok() || !slow.ok()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", slow.number("seconds") / gd.number("seconds"));
    }

    private static void chart(JsonNode r, Path png) throws IOException {
        JsonNode cells = r.path("scaling");
        Crossover crossover = Crossover.of(cells);
        XYChart chart = new XYChartBuilder().width(1000).height(640)
                .title("GD vs SVD, " + r.path("settings").path("rows").asLong() + " rows: " + (crossover.features() < 0 ? "no crossover"
                        : crossover.everywhere() ? "GD faster at every n measured (crossover below n = " + crossover.features() + ")"
                        : "crossover at n = " + crossover.features()))
                .xAxisTitle("features n (log)").yAxisTitle("seconds to the target (log)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        for (Map.Entry<String, String> m : METHODS.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (JsonNode cell : cells) {
                Outcome o = Outcome.fromJson(at(cell, m.getKey()));
                if (o.ok() && o.number("seconds") > 0) {
                    xs.add(cell.path("features").asDouble());
                    ys.add(o.number("seconds"));
                }
            }
            if (!xs.isEmpty()) {
                XYSeries series = chart.addSeries(m.getValue(), xs, ys);
                series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            }
        }
        if (crossover.features() > 0) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (XYSeries series : chart.getSeriesMap().values()) {
                for (double v : series.getYData()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            XYSeries line = chart.addSeries((crossover.everywhere() ? "GD faster from n = " : "crossover n = ") + crossover.features(), new double[] {crossover.features(), crossover.features()},
                    new double[] {lo, hi});
            line.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
