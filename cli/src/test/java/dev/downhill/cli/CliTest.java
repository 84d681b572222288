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

    /**
     * --cpu-kernel picks the cpu backend's gradient pass (blas and native give the same fit to float64 rounding: GD to
     * 1e-10); --cuda-kernel on a fit that ran on the cpu warns and changes nothing; an unknown kernel is a usage error
     * naming the values.
     */
    @Test
    void kernelOptionsPickTheGradientPassAndWarnWhereTheyDoNothing() throws IOException {
        CliRun gen = run("gen", "--rows", "200", "--features", "5", "--noise", "0.1", "--seed", "3", "--precision", "float64",
                "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        String x = dir.resolve("X.npy").toString();
        String y = dir.resolve("y.npy").toString();
        double[][] fits = new double[2][];
        String[] kernels = {"native", "blas"};
        for (int k = 0; k < 2; k++) {
            Path model = dir.resolve("m-" + kernels[k] + ".json");
            CliRun fit = run("fit", "--x", x, "--y", y, "--solver", "gd", "--tol", "1e-10", "--backend", "cpu", "--cpu-kernel",
                    kernels[k], "--out", model.toString(), "--quiet");
            assertEquals(0, fit.code(), fit.err());
            assertTrue(!fit.err().contains("warning"), fit.err());
            FittedModel m = ModelFile.read(model).model();
            fits[k] = new double[] {m.coefficient(0), m.coefficient(4), m.intercept()};
        }
        assertArrayEquals(fits[0], fits[1], 1e-9, "native vs blas");
        CliRun cuda = run("fit", "--x", x, "--y", y, "--solver", "gd", "--backend", "cpu", "--cuda-kernel", "cusparse", "--quiet");
        assertEquals(0, cuda.code(), cuda.err());
        assertTrue(cuda.err().contains("warning: --cuda-kernel does nothing on the cpu backend (ignored)"), cuda.err());
        CliRun bad = run("fit", "--x", x, "--y", y, "--cpu-kernel", "fast", "--quiet");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--cpu-kernel must be native, blas or auto, got 'fast'"), bad.err());
        CliRun badCuda = run("fit", "--x", x, "--y", y, "--cuda-kernel", "cusparce", "--quiet");
        assertEquals(2, badCuda.code(), badCuda.err());
        assertTrue(badCuda.err().contains("--cuda-kernel must be fused, staged or cublas (dense X), or fused, atomic or cusparse"),
                badCuda.err());
    }

    /** gen's 40 × 2 float64 X.npy and y.npy in the test folder: their paths. */
    private String[] smallNpy() {
        CliRun gen = run("gen", "--rows", "40", "--features", "2", "--precision", "float64", "--out-dir", dir.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        return new String[] {dir.resolve("X.npy").toString(), dir.resolve("y.npy").toString()};
    }

    /** The CSV of y = 1 + x₀ − 2x₁ (+ small exact offsets), header a,b,y, and its path. */
    private Path exactCsv(String name) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 12; i++) {
            double a = i % 5 - 2;
            double b = (i * 7) % 3 + 0.5 * (i % 2);
            csv.append(a).append(',').append(b).append(',').append(1 + a - 2 * b).append('\n');
        }
        return Files.writeString(dir.resolve(name), csv.toString());
    }

    /**
     * A --data file whose name does not tell its format (as standard input, a pipe) is refused in one line naming
     * --format, and read with it; an unknown --format is a usage error.
     */
    @Test
    void formatNamesTheFormatOfADataFileWhoseNameDoesNotTell() throws IOException {
        Path table = Files.copy(exactCsv("t.csv"), dir.resolve("table"));
        CliRun unnamed = run("fit", "--data", table.toString(), "--solver", "normal", "--quiet");
        assertEquals(1, unnamed.code(), unnamed.err());
        assertTrue(unnamed.err().contains("cannot tell the format") && unnamed.err().contains("--format csv|tsv|svmlight"),
                unnamed.err());
        Path model = dir.resolve("m.json");
        CliRun named = run("fit", "--data", table.toString(), "--format", "csv", "--solver", "normal", "--out", model.toString(),
                "--quiet");
        assertEquals(0, named.code(), named.err());
        FittedModel m = ModelFile.read(model).model();
        assertArrayEquals(new double[] {1, -2, 1}, new double[] {m.coefficient(0), m.coefficient(1), m.intercept()}, 1e-12,
                "the exact fit of y = 1 + a − 2b");
        CliRun predict = run("predict", "--model", model.toString(), "--data", table.toString(), "--format", "csv");
        assertEquals(0, predict.code(), predict.err());
        assertTrue(predict.err().contains("R² 1.000000000"), predict.err());
        CliRun bad = run("fit", "--data", table.toString(), "--format", "xml", "--quiet");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--format must be csv, tsv or svmlight, got 'xml'"), bad.err());
    }

    /**
     * predict --threads sets the threads the text is read and the predictions computed on: the same predictions on one
     * thread and on every core; a negative count is a usage error; a count above the cap is capped with a note.
     */
    @Test
    void predictThreadsChangeTheThreadsNotThePredictions() throws IOException {
        Path table = exactCsv("t.csv");
        Path model = dir.resolve("mt.json");
        CliRun fit = run("fit", "--data", table.toString(), "--solver", "normal", "--threads", "1", "--out", model.toString(),
                "--quiet");
        assertEquals(0, fit.code(), fit.err());
        CliRun base = run("predict", "--model", model.toString(), "--data", table.toString());
        assertEquals(0, base.code(), base.err());
        for (String threads : new String[] {"1", "2", "0"}) {
            CliRun p = run("predict", "--model", model.toString(), "--data", table.toString(), "--threads", threads);
            assertEquals(0, p.code(), p.err());
            assertEquals(base.out(), p.out(), "--threads " + threads);
            assertEquals(base.err(), p.err(), "--threads " + threads);
        }
        CliRun many = run("predict", "--model", model.toString(), "--data", table.toString(), "--threads", "100000");
        assertEquals(0, many.code(), many.err());
        assertEquals(base.out(), many.out());
        assertTrue(many.err().contains("--threads 100000 capped at"), many.err());
        CliRun negative = run("predict", "--model", model.toString(), "--data", table.toString(), "--threads", "-1");
        assertEquals(2, negative.code(), negative.err());
        assertTrue(negative.err().contains("--threads must be ≥ 0"), negative.err());
    }

    /**
     * Missing or conflicting input options are usage errors (exit 2) before anything is read; an output name ending in
     * '/' is refused and nothing is written; every command answers --version.
     */
    @Test
    void missingOrConflictingInputsAndAFolderAsOutputAreUsageErrors() throws IOException {
        Path csv = exactCsv("t.csv");
        String[] xy = smallNpy();
        String x = xy[0];
        String y = xy[1];
        CliRun noY = run("fit", "--x", x, "--quiet");
        assertEquals(2, noY.code(), noY.err());
        assertTrue(noY.err().contains("give --x X.npy and --y y.npy, or --data FILE"), noY.err());
        CliRun both = run("fit", "--data", csv.toString(), "--x", x, "--y", y, "--quiet");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("give either --x/--y or --data, not both"), both.err());
        CliRun target = run("fit", "--x", x, "--y", y, "--target", "1", "--quiet");
        assertEquals(2, target.code(), target.err());
        Path folder = dir.resolve("sub");
        CliRun slash = run("fit", "--x", x, "--y", y, "--out", folder + "/", "--quiet");
        assertEquals(2, slash.code(), slash.err());
        assertTrue(slash.err().contains("ends in '/', so it names a folder"), slash.err());
        assertTrue(!Files.exists(folder), "nothing written");
        for (String command : new String[] {"fit", "predict", "gen", "info", "demo"}) {
            CliRun version = run(command, "--version");
            assertEquals(0, version.code(), version.err());
            assertTrue(version.out().startsWith("downhill "), command + ": " + version.out());
        }
    }

    /**
     * Options that do nothing for the data or solver given warn and the run goes on: svmlight-only options with a .npy X,
     * --memory-budget with a CSV file, --device-memory-budget off cuda, --standardize and --seed with cd, predict's
     * --weight-column with --x; and predict says when it guesses an svmlight file's numbering for a model that does not
     * record one (fitted on .npy here) — a file without an index 0 is read one-based by scikit-learn's rule.
     */
    @Test
    void optionsThatDoNothingWarnAndPredictSaysWhenItGuessesTheNumbering() throws IOException {
        Path csv = exactCsv("t.csv");
        String[] xy = smallNpy();
        String x = xy[0];
        String y = xy[1];
        Path model = dir.resolve("m.json");
        CliRun fit = run("fit", "--x", x, "--y", y, "--solver", "normal", "--features", "2", "--zero-based", "--backend", "cpu",
                "--device-memory-budget", "1g", "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        for (String w : new String[] {"--features does nothing for a .npy X", "--zero-based does nothing for a .npy X",
                "--device-memory-budget does nothing on the cpu backend"}) {
            assertTrue(fit.err().contains("warning: " + w), w + ": " + fit.err());
        }
        CliRun budget = run("fit", "--data", csv.toString(), "--solver", "normal", "--memory-budget", "1g", "--one-based", "--quiet");
        assertEquals(0, budget.code(), budget.err());
        assertTrue(budget.err().contains("warning: --memory-budget does nothing for a CSV or svmlight --data file"), budget.err());
        assertTrue(budget.err().contains("warning: --one-based does nothing for a CSV/TSV --data file"), budget.err());
        CliRun cd = run("fit", "--x", x, "--y", y, "--solver", "cd", "--penalty", "l1", "--alpha", "0.01", "--standardize", "on",
                "--seed", "7", "--quiet");
        assertEquals(0, cd.code(), cd.err());
        assertTrue(cd.err().contains("warning: --standardize does nothing with --solver cd")
                && cd.err().contains("warning: --seed does nothing with --solver cd"), cd.err());
        CliRun weighted = run("predict", "--model", model.toString(), "--x", x, "--weight-column", "1");
        assertEquals(0, weighted.code(), weighted.err());
        assertTrue(weighted.err().contains("warning: --weight-column applies to CSV --data files only"), weighted.err());
        Path svm = Files.writeString(dir.resolve("test.svm"), "1 1:0.5\n2 1:3\n"); // no index 0: read one-based
        CliRun guessed = run("predict", "--model", model.toString(), "--data", svm.toString());
        assertEquals(0, guessed.code(), guessed.err());
        assertTrue(guessed.err().contains("has no index 0, so it is read one-based") && guessed.err().contains("--zero-based"),
                guessed.err());
        CliRun told = run("predict", "--model", model.toString(), "--data", svm.toString(), "--zero-based");
        assertEquals(0, told.code(), told.err());
        assertTrue(!told.err().contains("has no index 0"), told.err());
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
        assertTrue(forced.err().contains("index 0, but indices are 1-based") && forced.err().contains("--zero-based"), forced.err());
        CliRun both = run("fit", "--data", svm.toString(), "--zero-based", "--one-based", "--quiet");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("--zero-based and --one-based contradict each other"), both.err());
        CliRun wider = run("fit", "--data", svm.toString(), "--features", "5", "--solver", "svd", "--out", model.toString(), "--quiet");
        assertEquals(0, wider.code(), wider.err());
    }

    /**
     * A model fitted to a zero-based svmlight file records data.indexBase 0, and predict reads a later file with that
     * numbering even when the later file has no index 0 (scikit-learn's rule alone would read it one-based and shift
     * every column); the same for a one-based training file; a contradicting flag wins with a warning.
     */
    @Test
    void predictReadsSvmlightWithTheNumberingTheModelWasFittedWith() throws IOException {
        // y = 2·x₀ − x₂ + 1 exactly (zero-based), so svd recovers θ = (2, 0, −1), b = 1
        Path zeroBased = Files.writeString(dir.resolve("train0.svm"), "3 0:1\n0 1:0.5 2:1\n2 0:1 2:1\n5 0:2\n1 1:3\n");
        Path model = dir.resolve("m0.json");
        CliRun fit = run("fit", "--data", zeroBased.toString(), "--solver", "svd", "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertEquals(java.util.Optional.of(dev.downhill.io.SvmLightReader.IndexBase.ZERO), ModelFile.read(model).indexBase());
        assertTrue(Files.readString(model).matches("(?s).*\"indexBase\"\\s*:\\s*0.*"), Files.readString(model));
        // no index 0 here: read by the model's numbering, column 2 is "2:", so ŷ = −1·4 + 1 = −3 (one-based would give 2·4 + 1)
        Path later = Files.writeString(dir.resolve("later.svm"), "0 2:4\n");
        CliRun predict = run("predict", "--model", model.toString(), "--data", later.toString());
        assertEquals(0, predict.code(), predict.err());
        assertEquals(-3, Double.parseDouble(predict.out().trim()), 1e-9, predict.out());
        CliRun forced = run("predict", "--model", model.toString(), "--data", later.toString(), "--one-based");
        assertEquals(0, forced.code(), forced.err());
        assertEquals(1, Double.parseDouble(forced.out().trim()), 1e-9, "--one-based: \"2:4\" is column 1, whose coefficient is 0, so ŷ = b = 1");
        assertTrue(forced.err().contains("fitted to zero-based indices"), forced.err());

        Path oneBased = Files.writeString(dir.resolve("train1.svm"), "3 1:1\n0 2:0.5 3:1\n2 1:1 3:1\n5 1:2\n1 2:3\n");
        Path model1 = dir.resolve("m1.json");
        CliRun fit1 = run("fit", "--data", oneBased.toString(), "--sparse", "--solver", "cg", "--tol", "1e-12", "--out",
                model1.toString(), "--quiet");
        assertEquals(0, fit1.code(), fit1.err());
        assertEquals(java.util.Optional.of(dev.downhill.io.SvmLightReader.IndexBase.ONE), ModelFile.read(model1).indexBase());
        CliRun predict1 = run("predict", "--model", model1.toString(), "--data", later.toString());
        assertEquals(0, predict1.code(), predict1.err());
        assertEquals(1, Double.parseDouble(predict1.out().trim()), 1e-6, "one-based: \"2:4\" is column 1 (θ₁ = 0), ŷ = b = 1");
        Path withZero = Files.writeString(dir.resolve("zero.svm"), "0 0:4\n");
        CliRun refused = run("predict", "--model", model1.toString(), "--data", withZero.toString());
        assertEquals(1, refused.code(), refused.err());
        assertTrue(refused.err().contains("data.indexBase 1") && refused.err().contains("--zero-based"), refused.err());

        Path npyModel = dir.resolve("mx.json");
        run("gen", "--rows", "20", "--features", "3", "--out-dir", dir.resolve("g").toString(), "--quiet");
        CliRun dense = run("fit", "--x", dir.resolve("g/X.npy").toString(), "--y", dir.resolve("g/y.npy").toString(), "--solver",
                "svd", "--out", npyModel.toString(), "--quiet");
        assertEquals(0, dense.code(), dense.err());
        assertTrue(ModelFile.read(npyModel).indexBase().isEmpty(), "no svmlight file, no index base");
        assertFalse(Files.readString(npyModel).contains("indexBase"));
    }

    @Test
    void genWritesSparseDataAsNpzAndSvmlightThatReadBackEqual() throws IOException {
        Path npz = dir.resolve("npz");
        Path svm = dir.resolve("svm");
        for (String[] format : new String[][] {{"npz", npz.toString()}, {"svmlight", svm.toString()}}) {
            CliRun gen = run("gen", "--rows", "120", "--features", "300", "--density", "0.05", "--format", format[0],
                    "--precision", "float32", "--seed", "4", "--out-dir", format[1], "--quiet");
            assertEquals(0, gen.code(), gen.err());
        }
        try (dev.downhill.io.CsrMatrix x = dev.downhill.io.NpzReader.readCsr(npz.resolve("X.npz"));
             dev.downhill.io.SparseData d = dev.downhill.io.SvmLightReader.defaults().withPrecision(dev.downhill.Precision.FLOAT32)
                     .withFeatures(300).readSparse(svm.resolve("data.svm"));
             dev.downhill.io.HostArray y = dev.downhill.io.NpyReader.readVector(npz.resolve("y.npy"))) {
            assertEquals(dev.downhill.Precision.FLOAT32, x.precision());
            assertEquals(120L * 15, x.nonZeros(), "⌊0.05·300⌋ = 15 non-zeros a row");
            assertEquals(x.nonZeros(), d.x().nonZeros());
            for (int i = 0; i < 120; i++) {
                for (int j = 0; j < 300; j++) {
                    assertEquals(x.get(i, j), d.x().get(i, j), 0, i + ", " + j);
                }
            }
            assertArrayEquals(y.toDoubleArray(), d.y().toDoubleArray(), 0, "y.npy = the svmlight labels");
        }
        CliRun bad = run("gen", "--rows", "5", "--features", "5", "--density", "2", "--out-dir", npz.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--density must be in (0, 1]"), bad.err());
    }

    @Test
    void sparseFitsFromNpzAndSvmlightAgreeWithTheDenseFit() throws IOException {
        Path npz = dir.resolve("snpz");
        Path svm = dir.resolve("ssvm");
        for (String[] format : new String[][] {{"npz", npz.toString()}, {"svmlight", svm.toString()}}) {
            CliRun gen = run("gen", "--rows", "400", "--features", "60", "--density", "0.2", "--format", format[0],
                    "--precision", "float64", "--noise", "0.1", "--intercept", "1.5", "--seed", "2", "--out-dir", format[1], "--quiet");
            assertEquals(0, gen.code(), gen.err());
        }
        Path dense = dir.resolve("dense.json");
        Path fromNpz = dir.resolve("npz.json");
        Path fromSvm = dir.resolve("svm.json");
        CliRun d = run("fit", "--data", svm.resolve("data.svm").toString(), "--features", "60", "--solver", "svd", "--out",
                dense.toString(), "--quiet");
        assertEquals(0, d.code(), d.err());
        CliRun a = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--out",
                fromNpz.toString(), "--quiet");
        assertEquals(0, a.code(), a.err());
        // auto on this small sparse X: the normal equations, cheap against cg's passes (SolverChoice.chooseSparse)
        assertTrue(a.out().contains("CSR (4,800 non-zeros)")
                && a.out().contains("auto:        normal: the exact answer is cheap for sparse X (400 × 60, 4,800 non-zeros)"), a.out());
        Path viaCgFile = dir.resolve("cg.json");
        CliRun c = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--solver", "cg",
                "--out", viaCgFile.toString(), "--quiet");
        assertEquals(0, c.code(), c.err());
        CliRun b = run("fit", "--data", svm.resolve("data.svm").toString(), "--sparse", "--features", "60", "--solver", "normal",
                "--out", fromSvm.toString(), "--quiet");
        assertEquals(0, b.code(), b.err());
        double[] exact = coefficients(dense);
        double[] viaAuto = coefficients(fromNpz);
        double[] viaCg = coefficients(viaCgFile);
        double[] viaNormal = coefficients(fromSvm);
        for (int j = 0; j < exact.length; j++) {
            // cg stops at ‖S∇‖ ≤ 1e-10·‖S∇₀‖ (well-conditioned: ~1e-9 in θ); normal is refined to rounding
            assertEquals(exact[j], viaCg[j], 1e-7 * (1 + Math.abs(exact[j])), "cg on npz, coefficient " + j);
            assertEquals(exact[j], viaAuto[j], 1e-10 * (1 + Math.abs(exact[j])), "auto (normal) on npz, coefficient " + j);
            assertEquals(exact[j], viaNormal[j], 1e-10 * (1 + Math.abs(exact[j])), "normal on sparse svmlight, coefficient " + j);
        }
        Path unnamed = Files.copy(svm.resolve("data.svm"), dir.resolve("data-without-extension"));
        CliRun anyName = run("fit", "--data", unnamed.toString(), "--sparse", "--features", "60", "--solver", "normal", "--quiet");
        assertEquals(0, anyName.code(), anyName.err() + " (a pipe or /dev/stdin has no extension either)");
        CliRun csv = run("fit", "--data", dir.resolve("x.csv").toString(), "--sparse");
        assertEquals(2, csv.code(), csv.err()); // a usage error, as --sparse with a .npy --x (it was exit 1)
        assertTrue(csv.err().contains("--sparse reads svmlight files, not CSV/TSV") && csv.err().contains("(try: downhill fit --help)"),
                csv.err());
        CliRun formatCsv = run("fit", "--data", unnamed.toString(), "--sparse", "--format", "csv");
        assertEquals(2, formatCsv.code(), formatCsv.err());
        assertTrue(formatCsv.err().contains("--format csv names another format"), formatCsv.err()); // not the file's name
        // svd densifies the sparse X within the direct solvers' memory budget (400 × 60 float64: 192 kB): the dense fit's
        // answer, bit for bit (the same values in the same places, the same backend and threads)
        Path viaSvd = dir.resolve("svd.json");
        CliRun svd = run("fit", "--data", svm.resolve("data.svm").toString(), "--sparse", "--features", "60", "--solver", "svd",
                "--out", viaSvd.toString());
        assertEquals(0, svd.code(), svd.err());
        assertTrue(svd.out().contains("CSR (4,800 non-zeros), densified for svd (192 kB)") && svd.out().contains("svd on cpu"),
                svd.out());
        assertArrayEquals(exact, coefficients(viaSvd), 0.0);
        CliRun svdNpz = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--solver", "svd",
                "--quiet");
        assertEquals(0, svdNpz.code(), svdNpz.err());
        // beyond the direct solvers' column limit (and their budget: 3 × 10⁹ float64) it is refused before the dense copy, in
        // one line naming the limit
        Path huge = Files.writeString(dir.resolve("huge.svm"), "1 1:1\n2 3:1\n3 2:2\n");
        CliRun refused = run("fit", "--data", huge.toString(), "--sparse", "--features", "1000000000", "--solver", "svd");
        assertEquals(1, refused.code(), refused.err());
        assertTrue(refused.err().contains("1,000,000,000 columns: beyond the direct solvers' limit of 46,340 columns"), refused.err());
        // within the column limit, above the budget (half the JVM's heap): refused naming the sizes, 40,000 × 40,000 float64
        StringBuilder tall = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            tall.append(i % 3).append(' ').append(i + 1).append(":1\n");
        }
        Path budget = Files.writeString(dir.resolve("budget.svm"), tall.toString());
        CliRun over = run("fit", "--data", budget.toString(), "--sparse", "--features", "40000", "--solver", "svd");
        assertEquals(1, over.code(), over.err());
        assertTrue(over.err().contains("svd densifies a sparse X: 40,000 × 40,000 float64 is 12.8 GB (X has 40,000 non-zeros), "
                + "over the direct solvers' memory budget of"), over.err());
        // one line beside the warning that such a wide file draws (n float64 vectors of 8 GB each)
        assertEquals(1, refused.err().strip().lines().filter(l -> !l.startsWith("downhill: warning:")).count(), refused.err());
        Path wide = dir.resolve("swide");
        assertEquals(0, run("gen", "--rows", "30", "--features", "60", "--density", "0.2", "--precision", "float64", "--out-dir",
                wide.toString(), "--quiet").code());
        CliRun singular = run("fit", "--x", wide.resolve("X.npz").toString(), "--y", wide.resolve("y.npy").toString(), "--solver",
                "normal", "--features", "60", "--quiet");
        assertEquals(1, singular.code());
        assertTrue(singular.err().contains("singular") && singular.err().contains("--solver cg") && !singular.err().contains("svd"),
                "sparse X: the advice is cg, not the svd that refuses sparse X: " + singular.err());
        assertTrue(singular.err().contains("warning: --features does nothing for an .npz X"), "shown under --quiet: " + singular.err());
        CliRun nd4j = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--backend", "nd4j");
        assertEquals(1, nd4j.code());
        assertTrue(nd4j.err().contains("does not take sparse X yet"), nd4j.err());
    }

    /**
     * A model fitted on a backend that cannot run here — cuda on a machine without a GPU, or one not installed at all —
     * still predicts, dense or sparse X (sparse failed, exit 1): on the automatic choice, with one warning naming both;
     * {@code --backend} overrides the model's backend without a warning (naming one without sparse passes for sparse X warns);
     * an unknown {@code --backend} is a usage error.
     */
    @Test
    void predictRunsAModelWhoseBackendCannotRunHere() throws IOException {
        Path dense = dir.resolve("dense");
        Path sparse = dir.resolve("sparse");
        assertEquals(0, run("gen", "--rows", "50", "--features", "4", "--precision", "float64", "--seed", "2", "--out-dir",
                dense.toString(), "--quiet").code());
        assertEquals(0, run("gen", "--rows", "50", "--features", "6", "--density", "0.5", "--precision", "float64", "--seed", "2",
                "--out-dir", sparse.toString(), "--quiet").code());
        String[][] cases = { // X, its y, the backend the automatic choice gives it
            {dense.resolve("X.npy").toString(), dense.resolve("y.npy").toString(), dev.downhill.spi.Backends.select(null).name()},
            {sparse.resolve("X.npz").toString(), sparse.resolve("y.npy").toString(), dev.downhill.spi.Backends.selectSparse(null).name()}};
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String[] c : cases) {
            Path model = dir.resolve("auto.json");
            CliRun fit = run("fit", "--x", c[0], "--y", c[1], "--out", model.toString(), "--quiet");
            assertEquals(0, fit.code(), fit.err());
            CliRun automatic = run("predict", "--model", model.toString(), "--x", c[0]);
            assertEquals(0, automatic.code(), automatic.err());
            assertEquals("", automatic.err());
            java.util.Optional<String> noGpu = BackendOption.unavailable("cuda");
            boolean cudaInstalled = dev.downhill.spi.Backends.all().stream().anyMatch(b -> b.name().equals("cuda"));
            if (cudaInstalled && noGpu.isPresent()) { // fitted automatically where the choice was cuda, read here: the automatic choice, said
                com.fasterxml.jackson.databind.JsonNode root = json.readTree(model.toFile());
                ((com.fasterxml.jackson.databind.node.ObjectNode) root).put("backend", "cuda");
                Path onGpu = dir.resolve("auto-on-cuda.json");
                json.writeValue(onGpu.toFile(), root);
                CliRun said = run("predict", "--model", onGpu.toString(), "--x", c[0]);
                assertEquals(0, said.code(), said.err());
                assertEquals("downhill: warning: the model was fitted on the cuda backend (chosen automatically), unavailable here ("
                        + noGpu.get() + "): predicting on " + c[2], said.err().strip());
                assertEquals(automatic.out(), said.out());
            }
            for (String name : List.of("cuda", "quantum")) {
                java.util.Optional<String> why = BackendOption.unavailable(name);
                if (why.isEmpty()) {
                    continue; // cuda where there is a GPU: the model's backend runs
                }
                com.fasterxml.jackson.databind.JsonNode root = json.readTree(model.toFile());
                ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("hyperparameters")).put("backend", name);
                Path elsewhere = dir.resolve(name + ".json");
                json.writeValue(elsewhere.toFile(), root);
                CliRun fallback = run("predict", "--model", elsewhere.toString(), "--x", c[0]);
                assertEquals(0, fallback.code(), fallback.err());
                assertEquals("downhill: warning: the model was fitted on the " + name + " backend, unavailable here (" + why.get()
                        + "): predicting on " + c[2], fallback.err().strip());
                assertEquals(automatic.out(), fallback.out(), "the same predictions as the automatic choice's");
                CliRun cpu = run("predict", "--model", elsewhere.toString(), "--x", c[0], "--backend", "cpu");
                assertEquals(0, cpu.code(), cpu.err());
                assertEquals("", cpu.err(), "--backend overrides the model's: no warning");
                double[] expected = automatic.out().lines().mapToDouble(Double::parseDouble).toArray();
                double[] onCpu = cpu.out().lines().mapToDouble(Double::parseDouble).toArray();
                assertEquals(50, onCpu.length);
                for (int i = 0; i < 50; i++) {
                    assertEquals(expected[i], onCpu[i], 1e-12 * (1 + Math.abs(expected[i])), "row " + i);
                }
                CliRun bogus = run("predict", "--model", elsewhere.toString(), "--x", c[0], "--backend", "bogus");
                assertEquals(2, bogus.code(), bogus.err());
                assertEquals("downhill: --backend must be auto or one of " + String.join(", ", dev.downhill.spi.Backends.all()
                        .stream().map(dev.downhill.spi.Backend::name).toList()) + ", got 'bogus' (try: downhill predict --help)",
                        bogus.err().strip());
                assertEquals("", bogus.out());
            }
        }
        if (BackendOption.unavailable("nd4j").isEmpty()) { // a backend without sparse passes, named: said, not silent
            CliRun nd4j = run("predict", "--model", dir.resolve("auto.json").toString(), "--x", cases[1][0], "--backend", "nd4j");
            assertEquals(0, nd4j.code(), nd4j.err());
            assertEquals("downhill: warning: the nd4j backend does not take sparse X: predicting on " + cases[1][2], nd4j.err().strip());
        }
    }

    @Test
    void predictReadsSparseFilesSparseAndAgreesWithTheDenseProduct() throws IOException {
        Path npz = dir.resolve("pnpz");
        Path svm = dir.resolve("psvm");
        for (String[] format : new String[][] {{"npz", npz.toString()}, {"svmlight", svm.toString()}}) {
            CliRun gen = run("gen", "--rows", "300", "--features", "40", "--density", "0.1", "--format", format[0],
                    "--precision", "float64", "--intercept", "0.75", "--seed", "5", "--out-dir", format[1], "--quiet");
            assertEquals(0, gen.code(), gen.err());
        }
        Path model = dir.resolve("pm.json");
        CliRun fit = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--out",
                model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        Path fromNpz = dir.resolve("p-npz.npy");
        Path fromSvm = dir.resolve("p-svm.npy");
        CliRun a = run("predict", "--model", model.toString(), "--x", npz.resolve("X.npz").toString(), "--out", fromNpz.toString());
        assertEquals(0, a.code(), a.err());
        CliRun b = run("predict", "--model", model.toString(), "--data", svm.resolve("data.svm").toString(), "--out", fromSvm.toString());
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("MSE") && b.err().contains("on 300 rows"), b.err());
        // --y scores an .npz (and a .npy) X too: the svmlight file's rows are the same values, so the same line
        CliRun scored = run("predict", "--model", model.toString(), "--x", npz.resolve("X.npz").toString(), "--y",
                npz.resolve("y.npy").toString(), "--out", dir.resolve("p-scored.npy").toString());
        assertEquals(0, scored.code(), scored.err());
        assertEquals(b.err().lines().filter(l -> l.startsWith("MSE")).toList(), scored.err().lines().filter(l -> l.startsWith("MSE")).toList());
        CliRun noX = run("predict", "--model", model.toString(), "--data", svm.resolve("data.svm").toString(), "--y",
                npz.resolve("y.npy").toString());
        assertEquals(2, noX.code(), noX.err());
        dev.downhill.FittedModel m = dev.downhill.ModelFile.read(model).model();
        try (dev.downhill.io.CsrMatrix x = dev.downhill.io.NpzReader.readCsr(npz.resolve("X.npz"));
             dev.downhill.io.HostArray p1 = dev.downhill.io.NpyReader.readVector(fromNpz);
             dev.downhill.io.HostArray p2 = dev.downhill.io.NpyReader.readVector(fromSvm)) {
            double[] viaNpz = p1.toDoubleArray();
            double[] viaSvm = p2.toDoubleArray();
            for (int i = 0; i < 300; i++) { // the dense product xᵢᵀθ + b, summed in float64 over all 40 columns
                double expected = m.intercept();
                for (int j = 0; j < 40; j++) {
                    expected += x.get(i, j) * m.coefficients()[j];
                }
                assertEquals(expected, viaNpz[i], 1e-12 * (1 + Math.abs(expected)), "npz row " + i);
                // svmlight stores shortest round-trip decimals of the same values: the same rows exactly
                assertEquals(expected, viaSvm[i], 1e-12 * (1 + Math.abs(expected)), "svmlight row " + i);
            }
        }
        Path wide = Files.writeString(dir.resolve("wide.svm"), "1 0:1 41:2\n");
        CliRun tooWide = run("predict", "--model", model.toString(), "--data", wide.toString());
        assertEquals(1, tooWide.code());
        assertTrue(tooWide.err().contains("41"), tooWide.err());
        // an .npz declares its shape: a narrower one is refused as a narrower .npy is (svmlight's n is only its largest index)
        Path narrow = dir.resolve("narrow");
        CliRun gen = run("gen", "--rows", "20", "--features", "30", "--density", "0.2", "--format", "npz", "--out-dir",
                narrow.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        CliRun tooNarrow = run("predict", "--model", model.toString(), "--x", narrow.resolve("X.npz").toString());
        assertEquals(1, tooNarrow.code(), tooNarrow.err());
        assertTrue(tooNarrow.err().contains("30 columns but the model has 40"), tooNarrow.err());
    }

    /**
     * {@code --alpha auto} on an .npz cross-validates without densifying X (nesterov over X on every fold) and picks the
     * α the dense file's cross-validation picks (coordinate descent on the Gram matrix): the same folds and grid, the
     * tables equal to the solvers' tolerance.
     */
    @Test
    void crossValidationOnSparseXPicksTheDenseFilesAlpha() throws IOException {
        Path npz = dir.resolve("cvnpz");
        Path svm = dir.resolve("cvsvm");
        for (String[] format : new String[][] {{"npz", npz.toString()}, {"svmlight", svm.toString()}}) {
            CliRun gen = run("gen", "--rows", "300", "--features", "40", "--density", "0.25", "--format", format[0],
                    "--precision", "float64", "--seed", "4", "--out-dir", format[1], "--quiet");
            assertEquals(0, gen.code(), gen.err());
        }
        Path sparse = dir.resolve("cv-sparse.json");
        Path dense = dir.resolve("cv-dense.json");
        CliRun a = run("fit", "--x", npz.resolve("X.npz").toString(), "--y", npz.resolve("y.npy").toString(), "--penalty", "l1",
                "--alpha", "auto", "--cv", "3", "--out", sparse.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("chosen by 3-fold cross-validation") && a.out().contains("CSR ("), a.out());
        CliRun b = run("fit", "--data", svm.resolve("data.svm").toString(), "--features", "40", "--penalty", "l1", "--alpha", "auto",
                "--cv", "3", "--out", dense.toString(), "--quiet");
        assertEquals(0, b.code(), b.err());
        dev.downhill.CrossValidationReport s = dev.downhill.ModelFile.read(sparse).model().report().crossValidation();
        dev.downhill.CrossValidationReport d = dev.downhill.ModelFile.read(dense).model().report().crossValidation();
        assertEquals(d.chosenAlpha(), s.chosenAlpha(), 1e-9 * d.chosenAlpha());
        for (int k = 0; k < d.meanMse().length; k++) {
            assertEquals(d.meanMse()[k], s.meanMse()[k], 1e-5 * d.meanMse()[k], "mean validation error " + k);
        }
    }

    /**
     * Ridge cross-validation by cg on float32 data: the warm-started fits sit at float32's rounding floor, where the
     * recurred residual drifts from the true one; a refresh that mixed the two blew θ up ("diverged at iteration 100").
     * CG now restarts when they disagree: the float32 run picks the float64 run's α.
     */
    @Test
    void ridgeCrossValidationByCgInFloat32PicksTheFloat64Alpha() throws IOException {
        Path g = dir.resolve("g32");
        assertEquals(0, run("gen", "--rows", "400", "--features", "30", "--density", "0.2", "--seed", "0", "--out-dir", g.toString(),
                "--quiet").code());
        Path single = dir.resolve("cv32.json");
        Path dbl = dir.resolve("cv64.json");
        CliRun a = run("fit", "--x", g.resolve("X.npz").toString(), "--y", g.resolve("y.npy").toString(), "--penalty", "l2",
                "--alpha", "auto", "--out", single.toString(), "--quiet");
        assertEquals(0, a.code(), a.err());
        CliRun b = run("fit", "--x", g.resolve("X.npz").toString(), "--y", g.resolve("y.npy").toString(), "--penalty", "l2",
                "--alpha", "auto", "--precision", "float64", "--out", dbl.toString(), "--quiet");
        assertEquals(0, b.code(), b.err());
        double chosen32 = dev.downhill.ModelFile.read(single).model().report().crossValidation().chosenAlpha();
        double chosen64 = dev.downhill.ModelFile.read(dbl).model().report().crossValidation().chosenAlpha();
        assertEquals(chosen64, chosen32, 1e-5 * chosen64, "the same grid point (α_max from float32 vs float64 passes)");
    }

    private static double[] coefficients(Path model) throws IOException {
        return dev.downhill.ModelFile.read(model).model().coefficients();
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

    /** A sparse .npz X over the memory budget is mapped (what gen writes is mappable) and fits to the same bits. */
    @Test
    void aTinyMemoryBudgetMapsASparseNpzAndGivesTheSameModel() throws IOException {
        Path out = dir.resolve("mapped-npz");
        run("gen", "--rows", "300", "--features", "40", "--density", "0.2", "--out-dir", out.toString(), "--quiet");
        String x = out.resolve("X.npz").toString();
        String y = out.resolve("y.npy").toString();
        CliRun inMemory = run("fit", "--x", x, "--y", y, "--solver", "cg", "--out", dir.resolve("sa.json").toString());
        CliRun mapped = run("fit", "--x", x, "--y", y, "--solver", "cg", "--memory-budget", "1k", "--out",
                dir.resolve("sb.json").toString());
        assertEquals(0, mapped.code(), mapped.err());
        assertTrue(mapped.err().contains("exceeds the memory budget") && mapped.err().contains("mapping its indices and values"),
                mapped.err());
        assertFalse(inMemory.err().contains("exceeds the memory budget"), inMemory.err());
        FittedModel a = ModelFile.read(dir.resolve("sa.json")).model();
        FittedModel b = ModelFile.read(dir.resolve("sb.json")).model();
        assertArrayEquals(a.coefficients(), b.coefficients(), 0, "bit for bit");
        assertEquals(a.intercept(), b.intercept(), 0);
    }

    /**
     * The default solver (auto) says what it chose and why; normal on nearly collinear columns is refused with
     * exit 1 and one stderr line giving the condition estimate and naming svd, which then solves it — as auto does
     * when the normal equations it tries first refuse.
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
        // auto tries the normal equations first (tall X); they refuse, and the SVD answers
        assertTrue(auto.out().contains("solver:      svd") && auto.out().contains("auto:        normal: ")
                && auto.out().contains("the normal equations refused"), auto.out());
    }

    /**
     * A model fitted on a CSV with a header records its columns, and predict reads a table by them: the target by its
     * name (a model fitted with --target price took the last column as the target of a file laid out like its own, and
     * predicted from a, price, b), the features by their names (swapped columns are read in the model's order), the
     * columns moved around the target still fine; a table without the target column is predicted without a score (its
     * last column is not scored as the target); a missing feature is refused naming it.
     */
    @Test
    void predictReadsATableByTheColumnsTheModelWasFittedOn() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        StringBuilder asFitted = new StringBuilder("a,price,b,c\n");
        StringBuilder swapped = new StringBuilder("a,price,c,b\n");
        StringBuilder moved = new StringBuilder("a,b,c,price\n");
        StringBuilder renamed = new StringBuilder("a,b,c,cost\n");
        for (int i = 0; i < 60; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double c = r.nextGaussian();
            double price = 2 * a - b + 0.5 * c + 3 + 0.01 * r.nextGaussian();
            asFitted.append(a).append(',').append(price).append(',').append(b).append(',').append(c).append('\n');
            swapped.append(a).append(',').append(price).append(',').append(c).append(',').append(b).append('\n');
            moved.append(a).append(',').append(b).append(',').append(c).append(',').append(price).append('\n');
            renamed.append(a).append(',').append(b).append(',').append(c).append(',').append(price).append('\n');
        }
        Path fitted = Files.writeString(dir.resolve("t1.csv"), asFitted);
        Path model = dir.resolve("m.json");
        CliRun fit = CliRun.of("fit", "--data", fitted.toString(), "--target", "price", "--solver", "svd", "--out", model.toString(),
                "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertEquals(java.util.Optional.of(new dev.downhill.TableColumns(List.of("a", "b", "c"), "price")), ModelFile.read(model).columns());
        Path p1 = dir.resolve("p1.npy");
        Path p3 = dir.resolve("p3.npy");
        CliRun same = CliRun.of("predict", "--model", model.toString(), "--data", fitted.toString(), "--out", p1.toString());
        assertEquals(0, same.code(), same.err());
        assertTrue(same.err().contains("R² 0.9999"), same.err()); // scored against price, not c
        CliRun movedRun = CliRun.of("predict", "--model", model.toString(), "--data", Files.writeString(dir.resolve("t3.csv"),
                moved).toString(), "--out", p3.toString());
        assertEquals(0, movedRun.code(), movedRun.err());
        try (HostArray a = NpyReader.readVector(p1); HostArray b = NpyReader.readVector(p3)) {
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), 0.0, "the same predictions with price moved last");
        }
        Path p2 = dir.resolve("p2.npy");
        CliRun swappedRun = CliRun.of("predict", "--model", model.toString(), "--data",
                Files.writeString(dir.resolve("t2.csv"), swapped).toString(), "--out", p2.toString());
        assertEquals(0, swappedRun.code(), swappedRun.err());
        assertTrue(swappedRun.err().contains("R² 0.9999"), swappedRun.err());
        try (HostArray a = NpyReader.readVector(p1); HostArray b = NpyReader.readVector(p2)) {
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), 0.0, "the same predictions with b and c swapped");
        }
        // the target renamed: no guess that the last column is it (a reviewer scored an 'id' column that way): predictions
        // only, the column named as ignored; --target says which it is
        Path t4 = Files.writeString(dir.resolve("t4.csv"), renamed);
        CliRun renamedRun = CliRun.of("predict", "--model", model.toString(), "--data", t4.toString());
        assertEquals(0, renamedRun.code(), renamedRun.err());
        assertTrue(renamedRun.err().contains("no target column 'price' in") && renamedRun.err().contains("predictions only, no score")
                && renamedRun.err().contains("does not use: 'cost'") && !renamedRun.err().contains("MSE"), renamedRun.err());
        CliRun named = CliRun.of("predict", "--model", model.toString(), "--data", t4.toString(), "--target", "cost");
        assertEquals(0, named.code(), named.err());
        assertTrue(named.err().contains("R² 0.9999"), named.err());
        // features alone: predicted, not read as two features and a target
        CliRun featuresOnly = CliRun.of("predict", "--model", model.toString(), "--data",
                Files.writeString(dir.resolve("t5.csv"), "a,b,c\n1,2,3\n4,5,6\n").toString());
        assertEquals(0, featuresOnly.code(), featuresOnly.err());
        assertEquals(2, featuresOnly.out().lines().count(), featuresOnly.out());
        assertTrue(featuresOnly.err().contains("predictions only, no score"), featuresOnly.err());
        // a feature the table lacks (its column 'd' the model does not have)
        CliRun other = CliRun.of("predict", "--model", model.toString(), "--data",
                Files.writeString(dir.resolve("t6.csv"), "a,b,d,price\n1,2,3,4\n4,5,6,7\n").toString());
        assertEquals(1, other.code(), other.err());
        assertTrue(other.err().contains("has no column 'c': the model was fitted on the features 'a', 'b', 'c'"), other.err());
    }
}
