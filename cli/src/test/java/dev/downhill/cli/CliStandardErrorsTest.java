package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CoefficientInference;
import dev.downhill.ModelFile;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fit --standard-errors}: the table, its bound on wide X, the model file's fields, and the warning where unused. */
class CliStandardErrorsTest {
    @TempDir
    Path dir;

    /** m × n data, y = Σⱼ xⱼ/(j + 1) + 1 + noise; returns {X.npy, y.npy}. */
    private Path[] data(int m, int n) {
        SplittableRandom r = new SplittableRandom(11);
        double[] flat = new double[m * n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            y[i] = 1 + 0.5 * r.nextGaussian();
            for (int j = 0; j < n; j++) {
                flat[i * n + j] = r.nextGaussian();
                y[i] += flat[i * n + j] / (j + 1);
            }
        }
        Path x = dir.resolve("X" + n + ".npy");
        Path yFile = dir.resolve("y" + n + ".npy");
        try (NpyWriter writer = NpyWriter.create(x, Precision.FLOAT64, m, n)) {
            writer.write(flat);
        }
        NpyWriter.writeVector(yFile, y, Precision.FLOAT64);
        return new Path[] {x, yFile};
    }

    @Test
    void theTableAndTheModelFile() throws Exception {
        Path[] f = data(40, 3);
        Path model = dir.resolve("m.json");
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "normal", "--backend", "cpu",
                "--standard-errors", "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        String out = fit.out();
        assertTrue(out.contains("inference:   36 degrees of freedom, residual variance σ̂² = "), out);
        assertTrue(out.contains("Pr(>|t|)") && out.contains("  intercept ") && out.contains("  x2 "), out);
        CoefficientInference s = ModelFile.read(model).model().inference().orElseThrow();
        assertEquals(36, s.degreesOfFreedom());
        // the table prints the file's numbers (6 significant digits of the standard error)
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "%.6g", s.standardErrors()[0])), out);
        assertTrue(Files.readString(model).contains("\"pValues\""));
    }

    /** Rows are named as the data names its features: a CSV header's names, an svmlight file's own (one-based) indices. */
    @Test
    void theTableNamesTheRowsAsTheDataNamesTheFeatures() throws Exception {
        StringBuilder csv = new StringBuilder("age,income,spend\n");
        StringBuilder svm = new StringBuilder();
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 30; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double y = 1 + 2 * a - b + 0.3 * r.nextGaussian();
            csv.append(a).append(',').append(b).append(',').append(y).append('\n');
            svm.append(y).append(" 1:").append(a).append(" 2:").append(b).append('\n');
        }
        Path table = Files.writeString(dir.resolve("t.csv"), csv);
        CliRun named = CliRun.of("fit", "--data", table.toString(), "--solver", "normal", "--standard-errors", "--quiet");
        assertEquals(0, named.code(), named.err());
        assertTrue(named.out().contains("  age ") && named.out().contains("  income ") && !named.out().contains("  x0 "), named.out());
        Path file = Files.writeString(dir.resolve("t.svm"), svm);
        CliRun indexed = CliRun.of("fit", "--data", file.toString(), "--solver", "normal", "--standard-errors", "--quiet");
        assertEquals(0, indexed.code(), indexed.err());
        assertTrue(indexed.out().contains("  index 1 ") && indexed.out().contains("  index 2 ")
                && !indexed.out().contains("  index 0 "), indexed.out());
    }

    @Test
    void wideXPrintsABoundedTable() {
        Path[] f = data(60, 30);
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "svd", "--backend", "cpu",
                "--standard-errors", "--quiet");
        assertEquals(0, fit.code(), fit.err());
        String out = fit.out();
        assertTrue(out.contains("… 20 more: result.standardErrors"), out);
        assertTrue(out.contains("  x4 ") && out.contains("  x25 ") && out.contains("  x29 ") && !out.contains("  x5 ")
                && !out.contains("  x24 "), out);
    }

    @Test
    void aSolverThatDoesNotComputeThemWarnsAndFits() throws Exception {
        Path[] f = data(40, 3);
        Path model = dir.resolve("cg.json");
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "cg", "--backend", "cpu",
                "--standard-errors", "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.err().contains("standard errors not computed: solver cg does not compute them"), fit.err());
        assertFalse(fit.out().contains("inference:"), fit.out());
        assertFalse(Files.readString(model).contains("standardErrors\" : ["), Files.readString(model));
        CliRun ridge = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "normal", "--penalty", "l2",
                "--alpha", "0.1", "--backend", "cpu", "--standard-errors", "--quiet");
        assertEquals(0, ridge.code(), ridge.err());
        assertTrue(ridge.err().contains("standard errors not computed: the fit is penalised (l2)"), ridge.err());
        // a cross-validated α: a hundred penalised fits per fold, one warning
        CliRun cv = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "normal", "--penalty", "l2",
                "--alpha", "auto", "--cv", "3", "--backend", "cpu", "--standard-errors", "--quiet");
        assertEquals(0, cv.code(), cv.err());
        assertEquals(1, cv.err().split("standard errors not computed", -1).length - 1, cv.err());
    }
}
