package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FittedModel;
import dev.downhill.ModelFile;
import dev.downhill.Penalty;
import dev.downhill.StopReason;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --penalty, --alpha and --l1-ratio end to end: the fit, the model file's fields, the refusals and the conflicts. */
class CliPenaltyTest {
    @TempDir
    Path dir;

    private String[] data() {
        CliRun gen = CliRun.of("gen", "--rows", "200", "--features", "6", "--noise", "0.1", "--intercept", "2", "--seed", "7",
                "--precision", "float64", "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        return new String[] {"fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString()};
    }

    private static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void lassoAndRidgeFitAndTheModelFileRecordsThePenalty() throws IOException {
        String[] base = data();
        Path lasso = dir.resolve("lasso.json");
        CliRun l1 = CliRun.of(with(base, "--penalty", "l1", "--alpha", "0.05", "--tol", "1e-12", "--out", lasso.toString(), "--quiet"));
        assertEquals(0, l1.code(), l1.err());
        // tall dense X with few columns: auto picks cd on the Gram matrix (DenseL1Choice)
        assertTrue(l1.out().contains("solver:      cd"), "auto picks cd: " + l1.out());
        assertTrue(l1.out().contains("stop reason: duality gap") && l1.out().contains("penalty:     l1, α = 0.05"), l1.out());
        FittedModel m = ModelFile.read(lasso).model();
        assertEquals(Penalty.l1(0.05), m.config().penalty());
        assertEquals(StopReason.DUALITY_GAP, m.stopReason());
        assertTrue(m.report().objective() > 0 && m.report().dualityGap() <= 1e-12);
        String json = java.nio.file.Files.readString(lasso).replace(" ", "");
        assertTrue(json.contains("\"penalty\":\"l1\"") && json.contains("\"alpha\":0.05") && json.contains("\"l1Ratio\":1.0"), json);

        Path ridge = dir.resolve("ridge.json");
        CliRun l2 = CliRun.of(with(base, "--penalty", "l2", "--alpha", "0.5", "--solver", "svd", "--out", ridge.toString(), "--quiet"));
        assertEquals(0, l2.code(), l2.err());
        assertEquals(Penalty.l2(0.5), ModelFile.read(ridge).model().config().penalty());

        CliRun net = CliRun.of(with(base, "--penalty", "elasticnet", "--alpha", "0.1", "--solver", "gd", "--quiet"));
        assertEquals(0, net.code(), net.err());
        assertTrue(net.out().contains("elasticnet, α = 0.1, ρ = 0.5"), "default ρ 0.5: " + net.out());
    }

    /**
     * Noise-free data (every penalty only hurts): ridge's path is extended down to 1e-12·α_max, the summary says so and
     * a warning says the least error was still at the path's end; the answer is the exact θ (it was shrunk to ~1/3).
     */
    @Test
    void ridgeAlphaAutoOnNoiseFreeDataExtendsThePathAndWarns() throws IOException {
        CliRun gen = CliRun.of("gen", "--rows", "60", "--features", "3", "--noise", "0", "--intercept", "1", "--seed", "3",
                "--precision", "float64", "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        Path model = dir.resolve("ridge-cv.json");
        CliRun cv = CliRun.of("fit", "--x", dir.resolve("X.npy").toString(), "--y", dir.resolve("y.npy").toString(),
                "--penalty", "l2", "--alpha", "auto", "--cv", "3", "--out", model.toString(), "--quiet");
        assertEquals(0, cv.code(), cv.err());
        assertTrue(cv.err().contains("warning: the cross-validation error was least at the smallest α of the path"), cv.err());
        assertTrue(cv.out().contains("397 values of α, the ridge path extended to 1.00e-12·α_max"), cv.out());
        FittedModel m = ModelFile.read(model).model();
        // the path's warm starts are internal: the file records the initial coefficients the user gave (none: zeros)
        assertEquals(dev.downhill.InitialCoefficients.Kind.ZEROS, m.config().initialCoefficients().kind());
        try (dev.downhill.io.HostArray theta = dev.downhill.io.NpyReader.readVector(dir.resolve("theta.npy"))) {
            for (int j = 0; j < 3; j++) {
                assertEquals(theta.get(j), m.coefficients()[j], 1e-6 * Math.max(1, Math.abs(theta.get(j))), "θ" + j);
            }
        }
    }

    @Test
    void alphaAutoCrossValidatesAndRecordsTheTable() throws IOException {
        String[] base = data();
        Path model = dir.resolve("cv.json");
        Path plot = dir.resolve("cv.png");
        CliRun cv = CliRun.of(with(base, "--penalty", "l1", "--alpha", "auto", "--cv", "3", "--alpha-rule", "1se", "--tol", "1e-8",
                "--out", model.toString(), "--plot", plot.toString()));
        assertEquals(0, cv.code(), cv.err());
        assertTrue(java.nio.file.Files.size(plot) > 1000, "the cross-validation curve was drawn");
        assertTrue(cv.out().contains("chosen by 3-fold cross-validation (rule 1se"), cv.out());
        FittedModel m = ModelFile.read(model).model();
        dev.downhill.CrossValidationReport r = m.report().crossValidation();
        assertEquals(3, r.folds());
        assertEquals("1se", r.rule());
        assertEquals(100, r.alphas().length);
        assertEquals(r.alpha1se(), r.chosenAlpha());
        assertEquals(r.chosenAlpha(), m.config().penalty().alpha());
        // 200 × 6: auto runs the paths on the Gram matrix, and says so
        assertEquals(dev.downhill.Solver.CD, m.solver());
        assertTrue(m.report().solverChoice().startsWith("cd: coordinate descent on the Gram matrix"), m.report().solverChoice());
    }

    @Test
    void theCoefficientPathIsDrawnAndWeightedCrossValidationRuns() throws IOException {
        String[] base = data();
        Path path = dir.resolve("path.png");
        Path plain = dir.resolve("plain.json");
        CliRun cv = CliRun.of(with(base, "--penalty", "elasticnet", "--l1-ratio", "0.8", "--alpha", "auto", "--cv", "4",
                "--tol", "1e-12", "--out", plain.toString(), "--path-plot", path.toString(), "--quiet"));
        assertEquals(0, cv.code(), cv.err());
        assertTrue(java.nio.file.Files.size(path) > 1000, "the coefficient path was drawn");
        assertTrue(cv.out().contains("coefficient path written to " + path + " (PNG)"), cv.out());
        // weights all 2: the same objective and the same weighted validation errors as no weights (Σw cancels in both)
        dev.downhill.io.NpyWriter.writeVector(dir.resolve("w.npy"), java.util.stream.DoubleStream.generate(() -> 2).limit(200)
                .toArray(), dev.downhill.Precision.FLOAT64);
        Path weighted = dir.resolve("weighted.json");
        CliRun w = CliRun.of(with(base, "--penalty", "elasticnet", "--l1-ratio", "0.8", "--alpha", "auto", "--cv", "4",
                "--tol", "1e-12", "--weights", dir.resolve("w.npy").toString(), "--out", weighted.toString(), "--quiet"));
        assertEquals(0, w.code(), w.err());
        dev.downhill.CrossValidationReport a = ModelFile.read(plain).model().report().crossValidation();
        dev.downhill.CrossValidationReport b = ModelFile.read(weighted).model().report().crossValidation();
        assertEquals(a.chosenAlpha(), b.chosenAlpha(), 1e-12 * a.chosenAlpha());
        for (int k = 0; k < a.alphas().length; k++) {
            // the Gram and the gap scale by 2 exactly; every fit stops at the same sweep: rounding-level agreement
            assertEquals(a.meanMse()[k], b.meanMse()[k], 1e-9 * a.meanMse()[k], "mean MSE at α_" + k);
        }
        assertTrue(ModelFile.read(weighted).model().trainingWeighted());
    }

    @Test
    void refusalsAndConflictsAreOneLineUsageErrors() {
        String[] base = data();
        String[][] cases = {
            {"--penalty", "l1", "--alpha", "0.1", "--solver", "cg"},
            {"--penalty", "elasticnet", "--alpha", "0.1", "--solver", "svd"},
            {"--penalty", "l1", "--alpha", "0.1", "--solver", "normal"},
            {"--penalty", "l1", "--alpha", "0.1", "--l1-ratio", "0.5"},
            {"--penalty", "l2", "--alpha", "0.1", "--l1-ratio", "1"},
            {"--penalty", "l1"},
            {"--alpha", "0.1"},
            {"--penalty", "l1", "--alpha", "-1"},
            {"--penalty", "elasticnet", "--alpha", "0.1", "--l1-ratio", "1.5"},
            {"--penalty", "lasso", "--alpha", "0.1"},
            {"--penalty", "l1", "--alpha", "0.1", "--cv", "3"},
            {"--penalty", "l1", "--alpha", "auto", "--cv", "1"},
            {"--penalty", "l1", "--alpha", "auto", "--alpha-rule", "max"},
            {"--penalty", "l1", "--alpha", "auto", "--solver", "svd"},
            {"--penalty", "l1", "--alpha", "lots"},
            {"--penalty", "l1", "--alpha", "0.1", "--path-plot", "p.png"},
            {"--penalty", "l2", "--alpha", "0.1", "--solver", "cd"},
            {"--penalty", "l1", "--alpha", "auto", "--path-plot", "p.gif"},
        };
        String[] expected = {"gd or nesterov", "gd or nesterov", "gd or nesterov", "contradicts --penalty l1",
            "contradicts --penalty l2", "needs --alpha", "needs --penalty", "alpha must be", "l1 ratio must be in [0, 1]",
            "unknown penalty", "--cv needs --alpha auto", "--cv must be ≥ 2", "alpha rule must be min or 1se",
            "gd or nesterov", "--alpha must be a number ≥ 0 or auto", "--path-plot needs --alpha auto",
            "solver cd fits an l1 or elastic-net penalty", "--path-plot writes PNG"};
        for (int k = 0; k < cases.length; k++) {
            CliRun r = CliRun.of(with(base, cases[k]));
            assertEquals(2, r.code(), String.join(" ", cases[k]) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(expected[k]), r.err());
        }
        CliRun agreeing = CliRun.of(with(base, "--penalty", "l1", "--alpha", "0.1", "--l1-ratio", "1", "--quiet"));
        assertEquals(0, agreeing.code(), agreeing.err());
    }
}
