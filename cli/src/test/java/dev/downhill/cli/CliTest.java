package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FittedModel;
import dev.downhill.ModelFile;
import dev.downhill.io.HostArray;
import dev.downhill.io.NpyReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, through {@link Main#run} (no JVM exit). */
class CliTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void genFitPredictRoundTripMatchesTheLibrary() throws IOException {
        CliRun gen = run("gen", "--rows", "300", "--features", "4", "--noise", "0.1", "--intercept", "2", "--seed", "5",
                "--precision", "float64", "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        Path model = dir.resolve("model.json");
        Path plot = dir.resolve("loss.png");
        CliRun fit = run("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--solver", "gd",
                "--tol", "1e-10", "--out", model.toString(), "--plot", plot.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("stop reason: converged"), fit.out());
        assertTrue(Files.size(plot) > 1000, "a PNG was written");
        FittedModel m = ModelFile.read(model).model();
        try (HostArray theta = NpyReader.readVector(dir.resolve("theta.npy"))) {
            for (int j = 0; j < 4; j++) {
                // noise σ = 0.1 on 300 rows: the estimate is within a few σ/√m ≈ 0.006 of the truth
                assertEquals(theta.get(j), m.coefficient(j), 0.05, "coefficient " + j);
            }
        }
        assertEquals(2, m.intercept(), 0.05);
        Path predictions = dir.resolve("p.npy");
        CliRun predict = run("predict", "--model", model.toString(), "--x", dir.resolve("X.npy").toString(), "--out",
                predictions.toString());
        assertEquals(0, predict.code(), predict.err());
        try (HostArray x = NpyReader.readMatrix(dir.resolve("X.npy")); HostArray p = NpyReader.readVector(predictions)) {
            assertArrayEquals(m.predict(x.pointer(), x.rows()), p.toDoubleArray(), 0, "predict matches the library exactly");
        }
    }

    @Test
    void aScikitLearnSvmlightDumpFitsWithNoIndexOptionAndTheNumberingCanBeForced() throws IOException {
        // what dump_svmlight_file writes: 0-based indices (y = 2·x₀ − x₂ + 1 exactly, so svd recovers it)
        Path svm = Files.writeString(dir.resolve("d.svm"), "3 0:1\n0 1:0.5 2:1\n2 0:1 2:1\n5 0:2\n1 1:3\n");
        Path model = dir.resolve("m.json");
        CliRun fit = run("fit", "--data", svm.toString(), "--solver", "svd", "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        String json = Files.readString(model);
        assertTrue(json.contains("\"features\" : 3") || json.contains("\"features\":3"), json);
        CliRun forced = run("fit", "--data", svm.toString(), "--one-based", "--solver", "svd", "--quiet");
        assertEquals(1, forced.code(), forced.err());
        assertTrue(forced.err().contains("index 0, but indices are 1-based"), forced.err());
        CliRun both = run("fit", "--data", svm.toString(), "--zero-based", "--one-based", "--quiet");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("--zero-based and --one-based contradict each other"), both.err());
        CliRun wider = run("fit", "--data", svm.toString(), "--features", "5", "--solver", "svd", "--out", model.toString(), "--quiet");
        assertEquals(0, wider.code(), wider.err());
    }

    @Test
    void csvFitWithTargetByNameAndPredictWithScore() throws IOException {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder("a,target,b\n");
        for (int i = 0; i < 40; i++) {
            double a = i * 0.25;
            double b = (i % 7) - 3;
            sb.append(a).append(',').append(3 * a - 2 * b + 1).append(',').append(b).append('\n');
        }
        Files.writeString(csv, sb.toString());
        Path model = dir.resolve("m.json");
        CliRun fit = run("fit", "--data", csv.toString(), "--target", "target", "--solver", "normal", "--out", model.toString());
        assertEquals(0, fit.code(), fit.err());
        FittedModel m = ModelFile.read(model).model();
        assertArrayEquals(new double[] {3, -2}, m.coefficients(), 1e-9);
        assertEquals(1, m.intercept(), 1e-9);
        CliRun predict = run("predict", "--model", model.toString(), "--data", csv.toString(), "--target", "target");
        assertEquals(0, predict.code(), predict.err());
        assertTrue(predict.err().contains("R²"), predict.err());
        assertEquals(40, predict.out().lines().count());
    }

    @Test
    void aFitThatCanNoLongerMakeProgressStopsWithItsOwnReasonAndWritesTheModel() throws IOException {
        // a quadratic in x = 1.5e5 … 3e6 (x² to 9e12): tol 1e-15 is reached; 1e-25 lies below the float64
        // gradient's rounding floor, so the fit stops for want of progress — a success, the model written
        Path csv = dir.resolve("q.csv");
        StringBuilder sb = new StringBuilder("x,x2,y\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < 40; i++) {
            double x = 150000.0 * (i / 2 + 1);
            double y = Math.rint(1e5 * (6.7e-4 + 7.32e-7 * x - 3.16e-15 * x * x + 2e-4 * r.nextGaussian())) / 1e5;
            sb.append(x).append(',').append(x * x).append(',').append(y).append('\n');
        }
        Files.writeString(csv, sb.toString());
        for (String solver : new String[] {"gd", "nesterov", "cg"}) {
            CliRun converged = run("fit", "--data", csv.toString(), "--solver", solver, "--tol", "1e-15", "--iterations", "500000",
                    "--precision", "float64", "--quiet");
            assertEquals(0, converged.code(), converged.err());
            assertTrue(converged.out().contains("stop reason: converged"), solver + ": " + converged.out());
            Path model = dir.resolve(solver + ".json");
            CliRun stalled = run("fit", "--data", csv.toString(), "--solver", solver, "--tol", "1e-25", "--iterations", "500000",
                    "--precision", "float64", "--out", model.toString(), "--quiet");
            assertEquals(0, stalled.code(), stalled.err());
            assertTrue(stalled.out().contains("stop reason: no progress"), solver + ": " + stalled.out());
            FittedModel m = ModelFile.read(model).model();
            assertEquals(dev.downhill.StopReason.NO_PROGRESS, m.stopReason());
            assertTrue(m.iterations() < 20_000, solver + ": " + m.iterations() + " iterations");
            assertTrue(Files.readString(model).contains("\"stopReason\" : \"no_progress\""));
        }
    }

    @Test
    void exitCodesAndOneLineErrors() throws IOException {
        CliRun usage = run("fit", "--no-such-option");
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("downhill: "), usage.err());

        CliRun missing = run("fit", "--x", dir.resolve("nope.npy").toString(), "--y", dir.resolve("nope2.npy").toString());
        assertEquals(1, missing.code());
        assertEquals(1, missing.err().lines().count(), "one line, no stack trace: " + missing.err());
        assertTrue(missing.err().contains("nope.npy"), missing.err());

        CliRun verbose = run("fit", "--x", dir.resolve("nope.npy").toString(), "--y", dir.resolve("nope2.npy").toString(), "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().lines().count() > 1, "stack trace with --verbose");

        run("gen", "--rows", "50", "--features", "2", "--out-dir", dir.toString(), "--quiet");
        CliRun limit = run("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--iterations", "3",
                "--tol", "0", "--solver", "gd", "--quiet");
        assertEquals(0, limit.code(), "stopping at the iteration limit is a success");
        assertTrue(limit.out().contains("stop reason: iteration limit"), limit.out());

        CliRun diverged = run("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(), "--lr", "50",
                "--solver", "gd", "--quiet");
        assertEquals(1, diverged.code());
        assertTrue(diverged.err().contains("diverged"), diverged.err());

        CliRun badModel = run("predict", "--model", dir.resolve("X.npy").toString(), "--x", dir.resolve("X.npy").toString());
        assertEquals(1, badModel.code());
        assertTrue(badModel.err().contains("not valid JSON"), badModel.err());
    }

    @Test
    void infoAndDemo() {
        CliRun info = run("info");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("cpu (priority 10): available"), info.out());
        CliRun demo = run("demo", "--out-dir", dir.toString());
        assertEquals(0, demo.code(), demo.err());
        List<String> solvers = List.of("gd ", "sgd ", "minibatch ", "normal ", "svd ");
        for (String s : solvers) {
            assertTrue(demo.out().contains("\n" + s), s + " row in\n" + demo.out());
        }
        assertTrue(Files.exists(dir.resolve("classic-fitted-line.png")));
        assertFalse(demo.out().contains("NaN"), demo.out());
    }

    @Test
    void aTinyMemoryBudgetMapsXAndGivesTheSameModel() throws IOException {
        run("gen", "--rows", "500", "--features", "7", "--out-dir", dir.toString(), "--quiet");
        String x = dir.resolve("X.npy").toString();
        String y = dir.resolve("y.npy").toString();
        CliRun inMemory = run("fit", "--x", x, "--y", y, "--out", dir.resolve("a.json").toString());
        CliRun mapped = run("fit", "--x", x, "--y", y, "--memory-budget", "1k", "--out", dir.resolve("b.json").toString());
        assertEquals(0, mapped.code(), mapped.err());
        assertTrue(mapped.err().contains("exceeds the memory budget"), mapped.err());
        assertFalse(inMemory.err().contains("exceeds the memory budget"), inMemory.err());
        FittedModel a = ModelFile.read(dir.resolve("a.json")).model();
        FittedModel b = ModelFile.read(dir.resolve("b.json")).model();
        assertArrayEquals(a.coefficients(), b.coefficients(), 0, "bit for bit");
        assertEquals(a.intercept(), b.intercept(), 0);
        CliRun convert = run("fit", "--x", x, "--y", y, "--memory-budget", "1k", "--precision", "float64", "--quiet");
        assertEquals(1, convert.code());
        assertTrue(convert.err().contains("cannot convert"), convert.err());
    }

    /**
     * The default solver (auto) says what it chose and why; normal on nearly collinear columns is refused with
     * exit 1 and one stderr line giving the condition estimate and naming svd, which then solves it.
     */
    @Test
    void autoExplainsItsChoiceAndNormalRefusesWithTheEstimate() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 40; i++) {
            double a = r.nextGaussian();
            csv.append(a).append(',').append(a + 1e-7 * r.nextGaussian()).append(',').append(2 * a + 0.1 * r.nextGaussian()).append('\n');
        }
        Path data = dir.resolve("collinear.csv");
        Files.writeString(data, csv);
        CliRun normal = run("fit", "--data", data.toString(), "--solver", "normal", "--quiet");
        assertEquals(1, normal.code(), normal.out());
        assertEquals(1, normal.err().lines().count(), normal.err());
        // κ(XᵀX) ~ 1e14: beyond the 1e12 threshold, below 1/ε, so refused by the estimate (not a breakdown)
        assertTrue(normal.err().contains("estimated condition number") && normal.err().contains("--solver svd"), normal.err());
        CliRun auto = run("fit", "--data", data.toString());
        assertEquals(0, auto.code(), auto.err());
        assertTrue(auto.out().contains("solver:      svd") && auto.out().contains("auto:        svd: "), auto.out());
    }
}
