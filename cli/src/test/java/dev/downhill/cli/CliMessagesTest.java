package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and failures said in the command line's terms: one line, naming the option or the reason, never a Java
 * class, an enum constant or a library-only setting.
 */
class CliMessagesTest {
    /** What a CLI message must not contain: Java exception/class names, enum constants, library setting names. */
    private static final Pattern LEAKS = Pattern.compile("Exception|java\\.|Header\\.|Solver\\.|JsonReadFeature|learningRate|rankCutoff"
            + "|maxIterations|: checkpoint \\w+, now");

    @TempDir
    Path dir;

    private static void assertOneCleanLine(CliRun r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("downhill: "), r.err());
        assertFalse(LEAKS.matcher(r.err()).find(), "leaks a library internal: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + r.err().strip() + "' should contain '" + f + "'");
        }
    }

    /** m × 2 float64 X (column 1 scaled by {@code scale}) with y = x₀ + x₁/scale + 1: the exact θ is (1, 1/scale). */
    private Path[] data(int m, double scale) {
        double[] x = new double[2 * m];
        double[] y = new double[m];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < m; i++) {
            x[2 * i] = r.nextGaussian();
            x[2 * i + 1] = r.nextGaussian() * scale;
            y[i] = x[2 * i] + x[2 * i + 1] / scale + 1;
        }
        Path xFile = dir.resolve("X.npy");
        Path yFile = dir.resolve("y.npy");
        try (NpyWriter w = NpyWriter.create(xFile, Precision.FLOAT64, m, 2)) {
            w.write(x);
        }
        NpyWriter.writeVector(yFile, y, Precision.FLOAT64);
        return new Path[] {xFile, yFile};
    }

    /**
     * An svmlight file too wide to densify points to --sparse (it advised "raise the limit, use float32, or fix the number
     * of features": no option raises the limit, and --sparse, which fits such a file at once, went unmentioned).
     */
    @Test
    void anSvmLightFileTooWideToDensifyPointsToSparse() throws java.io.IOException {
        Path svm = dir.resolve("wide.svm");
        java.nio.file.Files.writeString(svm, "1 1:1\n2 2000000000:1\n");
        CliRun fit = CliRun.of("fit", "--data", svm.toString(), "--quiet");
        assertOneCleanLine(fit, 1, "over the limit of 8589934592 bytes", "--sparse on the command line", "--precision float32",
                "check its largest feature index (the number of features: index 2000000000 on line 2)",
                "in the library only, SvmLightReader.withDenseLimit raises the limit");
        assertFalse(fit.err().contains("raise the limit,"), fit.err());
    }

    /**
     * An svmlight file whose dense X would be large and mostly zeros is read sparse, saying so (a 97 MB file of 1 %
     * non-zeros became 1.6 GB of X, silently, until --sparse was given); --dense reads it dense; a small one is read dense
     * as before; --quiet says nothing.
     */
    @Test
    void aLargeMostlyZeroSvmLightFileIsReadSparseUnlessDenseIsGiven() throws java.io.IOException {
        Path svm = dir.resolve("hashed.svm");
        java.nio.file.Files.writeString(svm, "1 1:1 5000000:2\n2 2:1\n3 3:1 4:1\n"); // 3 × 5,000,000 float64: 120 MB dense
        CliRun fit = CliRun.of("fit", "--data", svm.toString());
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.err().contains("stores 3.3e-05 % of X (5 non-zeros): read sparse, X takes 92 bytes as CSR (dense it "
                + "would take 120 MB); --dense reads it dense"), fit.err());
        assertTrue(fit.out().contains("CSR (5 non-zeros)"), fit.out());
        CliRun dense = CliRun.of("fit", "--data", svm.toString(), "--dense");
        assertEquals(0, dense.code(), dense.err());
        assertFalse(dense.err().contains("read sparse") || dense.err().contains("--sparse would") || dense.out().contains("CSR"),
                dense.err() + dense.out());
        // the same answer either way (the minimum-norm least-squares θ of 3 rows: cg from 0 on both)
        assertEquals(line(fit.out(), "intercept:"), line(dense.out(), "intercept:"));
        assertFalse(CliRun.of("fit", "--data", svm.toString(), "--quiet").err().contains("read sparse"));
        Path small = dir.resolve("small.svm");
        java.nio.file.Files.writeString(small, "1 1:1 50:2\n2 2:1\n3 3:1 4:1\n");
        CliRun read = CliRun.of("fit", "--data", small.toString());
        assertFalse(read.err().contains("read sparse") || read.out().contains("CSR"), read.err() + read.out());
        CliRun both = CliRun.of("fit", "--data", small.toString(), "--sparse", "--dense");
        assertOneCleanLine(both, 2, "--sparse and --dense contradict each other: give one");
        Path table = dir.resolve("t.csv");
        java.nio.file.Files.writeString(table, "a,b,y\n1,2,3\n2,1,4\n3,5,2\n4,4,7\n");
        CliRun csv = CliRun.of("fit", "--data", table.toString(), "--dense", "--quiet");
        assertEquals(0, csv.code(), csv.err());
        assertTrue(csv.err().contains("--dense does nothing for a CSV/TSV --data file: it applies to svmlight files (ignored)"),
                csv.err());
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(prefix + " in " + out));
    }

    /**
     * SciPy's save_npz(path, X, compressed=False) file (committed) over the memory budget: never mappable (indices.npy's
     * data at byte 189), and the refusal gives the --memory-budget that reads it, not the save_npz call that wrote it.
     */
    @Test
    void aSciPyNpzOverTheBudgetIsToldTheBudgetThatReadsIt() throws Exception {
        Path npz = Path.of(CliMessagesTest.class.getResource("/npz/csr-stored.npz").toURI());
        Path y = dir.resolve("y.npy");
        NpyWriter.writeVector(y, new double[] {1, 2, 3, 4}, Precision.FLOAT64);
        CliRun fit = CliRun.of("fit", "--x", npz.toString(), "--y", y.toString(), "--memory-budget", "1", "--quiet");
        assertOneCleanLine(fit, 1, "not a multiple of 4", "read it into memory instead (--memory-budget 1m)",
                "save_npz files are never mappable", "downhill gen --density ... --format npz");
        assertFalse(fit.err().contains("save it with"), fit.err());
        CliRun read = CliRun.of("fit", "--x", npz.toString(), "--y", y.toString(), "--memory-budget", "1m", "--quiet");
        assertEquals(0, read.code(), read.err());
    }

    /**
     * A model fitted on nd4j (no sparse passes) predicts sparse X on the backend that takes it, with the one warning
     * README promises — it ran silently on cpu unless --backend nd4j was given; with it, still one warning, not two.
     */
    @Test
    void sparseXOnAnNd4jModelWarnsOnce() throws IOException {
        Path[] f = data(30, 1);
        Path model = dir.resolve("nd4j.json");
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--backend", "nd4j", "--solver", "normal",
                "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        Path npz = dir.resolve("X.npz");
        dev.downhill.io.NpzWriter.write(npz, 3, 2, Precision.FLOAT64, (i, columns, values) -> {
            columns[0] = (int) (i % 2);
            values[0] = i + 1;
            return 1;
        });
        Path svm = dir.resolve("d.svm");
        Files.writeString(svm, "1 1:1\n2 2:2\n3 1:3\n");
        String warning = "downhill: warning: the nd4j backend does not take sparse X: predicting on ";
        for (String[] input : new String[][] {{"--x", npz.toString()}, {"--data", svm.toString()}}) {
            for (boolean named : new boolean[] {false, true}) {
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("predict", "--model", model.toString(),
                        input[0], input[1]));
                if (named) {
                    args.addAll(java.util.List.of("--backend", "nd4j"));
                }
                CliRun predict = CliRun.of(args.toArray(String[]::new));
                assertEquals(0, predict.code(), predict.err());
                assertEquals(1, predict.err().lines().filter(l -> l.startsWith(warning)).count(), args + ": " + predict.err());
            }
        }
    }

    /** {@code predict --data -} without {@code --format} is a usage error (exit 2) as fit's is, before the model is read. */
    @Test
    void predictFromStandardInputWithoutAFormatIsAUsageErrorAsInFit() {
        Path[] f = data(30, 1);
        Path model = dir.resolve("m.json");
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", model.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--data", "-");
        assertOneCleanLine(predict, 2, "--data - (standard input) needs --format csv|tsv|svmlight", "(try: downhill predict --help)");
        assertEquals("", predict.out());
    }

    /**
     * Standard output that cannot be written (Linux's /dev/full: every write fails with ENOSPC) fails the command,
     * exit 1, one line; Java's print streams kept the error to themselves and the command exited 0 (a helper's review).
     * A child JVM, as the standard streams are the process's.
     */
    @Test
    void aCommandWhoseStandardOutputCannotBeWrittenFails() throws Exception {
        java.io.File full = new java.io.File("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(full.exists() && full.canWrite(), "/dev/full (Linux)");
        Path[] f = data(50, 1);
        Path err = dir.resolve("err.txt");
        java.util.List<String> command = java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "fit", "--x", f[0].toString(),
                "--y", f[1].toString(), "--solver", "svd");
        Process p = new ProcessBuilder(command).redirectOutput(full).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the child JVM ended");
        String message = Files.readString(err);
        assertEquals(1, p.exitValue(), message);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith("downhill: could not write all of the output to standard output"), message);
        // with --out: the model file is not written (standard output is an output too; it failed before the rename)
        Path model = dir.resolve("m.json");
        java.util.List<String> withOut = new java.util.ArrayList<>(command);
        withOut.addAll(java.util.List.of("--out", model.toString()));
        Process q = new ProcessBuilder(withOut).redirectOutput(full).redirectError(err.toFile()).start();
        assertTrue(q.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the child JVM ended");
        String second = Files.readString(err);
        assertEquals(1, q.exitValue(), second);
        assertEquals(1, second.lines().count(), second);
        assertTrue(second.startsWith("downhill: could not write to standard output (") && second.contains("no file written"), second);
        assertFalse(Files.exists(model), "no model written");
        // an error already failing the command keeps its code and its own message alone
        java.io.StringWriter w = new java.io.StringWriter();
        assertEquals(2, Main.withOutputChecked(2, true, new java.io.PrintWriter(w)));
        assertEquals("", w.toString());
    }

    /**
     * An output that cannot be replaced (immutable, {@code chattr +i}) fails predict and gen with exit 1 and one line,
     * the file as it was, and their summaries do not claim it was written (they were printed before the rename, a
     * reviewer's find); fit's says so after the rename already. Needs chattr (root), else skipped.
     */
    @Test
    void aSummaryNeverClaimsAFileThatCouldNotBeWritten() throws Exception {
        Path[] f = data(50, 1);
        Path model = dir.resolve("m.json");
        assertEquals(0, CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "svd", "--out",
                model.toString()).code());
        Path predictions = dir.resolve("p.npy");
        Files.write(predictions, new byte[] {1, 2, 3});
        Path genDir = dir.resolve("gen");
        Files.createDirectories(genDir);
        Path genX = genDir.resolve("X.npy");
        Files.write(genX, new byte[] {4, 5});
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.downhill.testing.Chattr.set("+i", predictions)
                && dev.downhill.testing.Chattr.set("+i", genX), "chattr +i here");
        try {
            CliRun predict = CliRun.of("predict", "--model", model.toString(), "--x", f[0].toString(), "--out", predictions.toString());
            assertOneCleanLine(predict, 1, "cannot write " + predictions);
            assertFalse(predict.out().contains("wrote"), predict.out());
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(predictions));
            CliRun gen = CliRun.of("gen", "--rows", "10", "--features", "2", "--out-dir", genDir.toString());
            assertOneCleanLine(gen, 1, "cannot write");
            assertFalse(gen.out().contains("wrote"), gen.out());
            assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(genX));
        } finally {
            dev.downhill.testing.Chattr.set("-i", predictions);
            dev.downhill.testing.Chattr.set("-i", genX);
        }
    }

    /**
     * An option given twice counts once, the last value (a script's default followed by an override; it was a usage
     * error); predict takes --quiet as fit does. A Fortran-order .npy X over the memory budget is refused in one line
     * naming the budget that reads it, with no note before it saying that it would be mapped.
     */
    @Test
    void theLastOfARepeatedOptionCountsAndPredictIsQuietToo() throws IOException {
        Path[] f = data(50, 1);
        Path model = dir.resolve("m.json");
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "gd", "--iterations", "200",
                "--iterations", "3", "--tol", "0", "--out", model.toString());
        assertEquals(0, fit.code(), fit.err());
        assertEquals(3, dev.downhill.ModelFile.read(model).model().iterations());
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--x", f[0].toString(), "--quiet", "--threads", "100000");
        assertEquals(0, predict.code(), predict.err());
        assertEquals("", predict.err(), "no note under --quiet");
        assertEquals(50, predict.out().lines().count());

        Path fortran = dir.resolve("XF.npy");
        double[][] rows = new double[50][2];
        for (int i = 0; i < 50; i++) {
            rows[i][0] = i;
            rows[i][1] = 1;
        }
        writeFortranNpy(fortran, rows);
        CliRun over = CliRun.of("fit", "--x", fortran.toString(), "--y", f[1].toString(), "--memory-budget", "100");
        assertOneCleanLine(over, 1, "exceeds the memory budget", "a Fortran-order array", "--memory-budget 1m or more");
        assertFalse(over.err().contains("note"), over.err());
    }

    /** A Fortran-order float64 .npy of {@code rows} (column by column). */
    private static void writeFortranNpy(Path file, double[][] rows) throws IOException {
        int m = rows.length;
        int n = rows[0].length;
        String dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (" + m + ", " + n + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 8 * m * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int j = 0; j < n; j++) {
            for (double[] row : rows) {
                b.putDouble(row[j]);
            }
        }
        Files.write(file, b.array());
    }

    /** An output that is an input file (the same file under another name too) is refused before any work, the file intact. */
    @Test
    void anOutputThatIsAnInputFileIsRefused() throws IOException {
        Path[] f = data(50, 1);
        byte[] y = Files.readAllBytes(f[1]);
        CliRun fit = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", f[1].toString());
        assertOneCleanLine(fit, 2, "--out " + f[1], "is the --y file", "give another name");
        CliRun sameFile = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out",
                dir.resolve(".").resolve("X.npy").toString());
        assertOneCleanLine(sameFile, 2, "is the --x file");
        assertTrue(java.util.Arrays.equals(y, Files.readAllBytes(f[1])), "y.npy untouched");
        Path model = dir.resolve("m.json");
        assertEquals(0, CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", model.toString(), "--quiet").code());
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--x", f[0].toString(), "--out", f[0].toString());
        assertOneCleanLine(predict, 2, "is the --x file");
        CliRun overModel = CliRun.of("predict", "--model", model.toString(), "--x", f[0].toString(), "--out", model.toString());
        assertOneCleanLine(overModel, 2, "--out must end in .npy, .csv or .txt"); // a model file cannot be a predictions file
    }

    /**
     * Two outputs naming one file (a hostile user's find: --out and --plot both same.png printed both success lines and
     * left only the PNG) are refused before any work, however the second is named.
     */
    @Test
    void twoOutputsNamingOneFileAreRefused() {
        Path[] f = data(50, 1);
        String same = dir.resolve("same.png").toString();
        CliRun both = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", same, "--plot", same);
        assertOneCleanLine(both, 2, "--plot " + same + " is the --out file", "give another name");
        assertFalse(Files.exists(dir.resolve("same.png")), "nothing written");
        CliRun paths = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--penalty", "l1", "--alpha", "auto",
                "--plot", same, "--path-plot", dir.resolve("sub").resolve("..").resolve("same.png").toString());
        assertOneCleanLine(paths, 2, "is the --plot file");
    }

    /** Conflicting weight options are usage errors (exit 2, as the README's table says), found before any file is read. */
    @Test
    void conflictingWeightOptionsAreUsageErrors() {
        Path[] f = data(50, 1);
        CliRun both = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--weights", f[1].toString(),
                "--weight-column", "w");
        assertOneCleanLine(both, 2, "give either --weights or --weight-column, not both");
        CliRun npy = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--weight-column", "w");
        assertOneCleanLine(npy, 2, "--weight-column applies to --data CSV/TSV files");
    }

    /**
     * Usage errors found by a review: a bad --checkpoint-every is refused even without --checkpoint; an output inside
     * the checkpoint folder (a model over its manifest destroyed it); an unknown demo --backend (exit 2, before any
     * output); gen's float32 columns that would underflow; empty folder names.
     */
    @Test
    void reviewedUsageErrors() {
        Path[] f = data(30, 1);
        String x = f[0].toString();
        String y = f[1].toString();
        assertOneCleanLine(CliRun.of("fit", "--x", x, "--y", y, "--checkpoint-every", "-1"), 2, "--checkpoint-every must be");
        Path ck = dir.resolve("ck");
        assertOneCleanLine(CliRun.of("fit", "--x", x, "--y", y, "--solver", "gd", "--checkpoint", ck.toString(), "--out",
                ck.resolve("checkpoint.json").toString()), 2, "is inside the --checkpoint folder");
        assertOneCleanLine(CliRun.of("fit", "--x", x, "--y", y, "--checkpoint", ""), 2, "--checkpoint needs a folder name");
        assertOneCleanLine(CliRun.of("fit", "--x", x, "--y", y, "--sparse"), 2, "a .npy X is dense");
        assertOneCleanLine(CliRun.of("fit", "--data", "-"), 2, "--data - (standard input) needs --format");
        CliRun demo = CliRun.of("demo", "--backend", "bogus", "--no-plots");
        assertOneCleanLine(demo, 2, "--backend must be auto or one of");
        assertEquals("", demo.out());
        assertOneCleanLine(CliRun.of("gen", "--rows", "10", "--features", "4", "--condition", "1e300", "--out-dir",
                dir.resolve("g").toString()), 2, "subnormal or 0");
        assertOneCleanLine(CliRun.of("gen", "--rows", "10", "--features", "4", "--out-dir", ""), 2, "--out-dir needs a folder name");
        // a checkpoint folder holding another fit's checkpoint: replaced, but not silently
        Path shared = dir.resolve("shared");
        CliRun first = CliRun.of("fit", "--x", x, "--y", y, "--solver", "gd", "--iterations", "5", "--tol", "0", "--checkpoint", shared.toString(),
                "--quiet");
        assertEquals(0, first.code(), first.err());
        assertEquals("", first.err());
        CliRun second = CliRun.of("fit", "--x", x, "--y", y, "--solver", "cg", "--checkpoint", shared.toString(), "--quiet");
        assertEquals(0, second.code(), second.err());
        assertTrue(second.err().startsWith("downhill: warning: --checkpoint " + shared + " holds gd, finished after 5 iterations, "
                + "which this fit replaces"), second.err());
    }

    /** A .txt --data file is read as its first lines look: CSV (a header, commas) or svmlight (index:value pairs). */
    @Test
    void aTxtDataFileIsReadAsItsLinesLook() throws IOException {
        StringBuilder csv = new StringBuilder("a,b,price\n");
        StringBuilder svm = new StringBuilder("# a comment\n\n");
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 40; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            csv.append(a).append(',').append(b).append(',').append(2 * a - b + 1).append('\n');
            svm.append(2 * a - b + 1).append(" 1:").append(a).append(" 2:").append(b).append('\n');
        }
        Path csvFile = dir.resolve("h.txt");
        Path svmFile = dir.resolve("s.txt");
        Files.writeString(csvFile, csv);
        svm.append("# café, in ISO-8859-1: not UTF-8, still svmlight\n");
        Files.writeString(svmFile, svm, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (Path f : new Path[] {csvFile, svmFile}) {
            CliRun fit = CliRun.of("fit", "--data", f.toString(), "--solver", "svd", "--quiet");
            assertEquals(0, fit.code(), f + ": " + fit.err());
            assertTrue(fit.out().contains("40 rows × 2 features"), fit.out());
            assertTrue(fit.out().contains("coefficients: [2.000000000, -1.000000000]"), fit.out());
        }
    }

    @Test
    void float32RefusesAFloat64ColumnItWouldTurnIntoZeros() {
        Path[] f = data(100, 1e-50);
        CliRun r = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--precision", "float32", "--solver", "gd");
        assertOneCleanLine(r, 1, "value at [0, 1] (zero-based)", "below float32's normal range", "--precision float64");
        assertFalse(r.out().contains("coefficients"), r.out());
        // float64 fits it: θ₁ = 1e50 (y is exactly linear, so svd recovers it to rounding)
        CliRun ok = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "svd", "--quiet");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("e+50]"), ok.out());
    }

    @Test
    void everyMalformedScheduleIsAUsageError() {
        Path[] f = data(50, 1);
        for (String s : new String[] {"invtime:1,2,abc", "invtime:1,2,", "invtime:1", "invtime:,2", "invtime:1,x", "invscaling:0.5,",
            "invscaling:", "invscaling:0.5,1", "invtime:1d,2"}) {
            CliRun r = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "sgd", "--schedule", s);
            assertOneCleanLine(r, 2, "schedule '" + s + "'");
            assertFalse(r.out().contains("coefficients"), s + ": " + r.out());
        }
    }

    @Test
    void aTargetNameForAHeaderlessCsvSaysToGiveAnIndex() throws IOException {
        Path[] f = data(50, 1);
        Path model = dir.resolve("m.json");
        assertEquals(0, CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", model.toString(), "--quiet").code());
        Path csv = Files.writeString(dir.resolve("nums.csv"), "1,2,3\n4,5,6\n");
        assertOneCleanLine(CliRun.of("predict", "--model", model.toString(), "--data", csv.toString(), "--target", "-1"), 1,
                "no header", "zero-based column index, 0 to 2");
    }

    @Test
    void solverAndStepAdviceNameTheOptions() {
        Path[] f = data(60, 1);
        // a singular X: column 2 = column 0 + column 1
        double[] x = new double[3 * 60];
        double[] y = new double[60];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 60; i++) {
            x[3 * i] = r.nextGaussian();
            x[3 * i + 1] = r.nextGaussian();
            x[3 * i + 2] = x[3 * i] + x[3 * i + 1];
            y[i] = x[3 * i] - 2 * x[3 * i + 1] + 0.5;
        }
        Path xs = dir.resolve("Xs.npy");
        try (NpyWriter w = NpyWriter.create(xs, Precision.FLOAT64, 60, 3)) {
            w.write(x);
        }
        Path ys = dir.resolve("ys.npy");
        NpyWriter.writeVector(ys, y, Precision.FLOAT64);
        // the library's advice in words, the command line's option beside it (once)
        CliRun singular = CliRun.of("fit", "--x", xs.toString(), "--y", ys.toString(), "--solver", "normal");
        assertOneCleanLine(singular, 1, "XᵀX", "; use the svd solver (--solver svd), which returns the minimum-norm solution");
        assertEquals(1, singular.err().split("--solver svd", -1).length - 1, singular.err());
        CliRun diverged = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "gd", "--lr", "100");
        assertOneCleanLine(diverged, 1, "gd diverged", "use a smaller learning rate: the automatic step size (--lr auto) for these data is");
        assertEquals(1, diverged.err().split("--lr auto", -1).length - 1, diverged.err());

        // svd on the singular X: the rank line says it is deficient; --quiet leaves stderr empty
        CliRun svd = CliRun.of("fit", "--x", xs.toString(), "--y", ys.toString(), "--solver", "svd", "--quiet");
        assertEquals(0, svd.code(), svd.err());
        assertTrue(svd.out().contains("rank:        2 of 3 (X is rank deficient: this is the minimum-norm solution"), svd.out());
        assertEquals("", svd.err());
        assertFalse(svd.out().contains("rankCutoff"), svd.out());
        // and the library's own warning (which names its rankCutoff setting) is off in the CLI's logging
        assertFalse(org.slf4j.LoggerFactory.getLogger(LinearRegression.RANK_LOGGER).isWarnEnabled());
        assertTrue(org.slf4j.LoggerFactory.getLogger(LinearRegression.class).isWarnEnabled(), "other warnings stay on");
    }

    /**
     * A library's warning reads as the command line's own: one line "downhill: warning: …" on the command's stderr (it was
     * "[WARN] …" on the JVM's stderr, outside the command's streams, where a second copy of a CLI warning went unseen).
     */
    @Test
    void libraryWarningsPrintAsTheCommandLinesOwn() throws IOException {
        Path[] f = data(50, 1);
        CliRun cd = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "cd", "--penalty", "l1",
                "--alpha", "0.01", "--checkpoint", dir.resolve("ck").toString(), "--standard-errors", "--quiet");
        assertEquals(0, cd.code(), cd.err());
        // the library's warning, once, as the command line's own line (cd saves its sweeps' state: no checkpoint warning)
        assertEquals("downhill: warning: standard errors not computed: the fit is penalised (l1): the penalty biases the "
                + "coefficients and the least-squares formulas do not apply\n", cd.err().replace("\r\n", "\n"));
        // an l1 fit says how many coefficients it kept (the coefficients line shows the first and last few only)
        String nonZeros = cd.out().lines().filter(l -> l.startsWith("non-zeros:")).findFirst().orElseThrow();
        assertEquals("non-zeros:   2 of 2 coefficients", nonZeros); // y = x₀ + x₁ + 1, α = 0.01: both kept
        // and that finished fit is what --resume gives back: the same model, not a second fit reported as resumed
        Path first = dir.resolve("cd1.json");
        Path again = dir.resolve("cd2.json");
        CliRun save = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "cd", "--penalty", "l1",
                "--alpha", "0.01", "--checkpoint", dir.resolve("ck2").toString(), "--out", first.toString(), "--quiet");
        assertEquals(0, save.code(), save.err());
        CliRun resumed = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "cd", "--penalty", "l1",
                "--alpha", "0.01", "--resume", dir.resolve("ck2").toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertFalse(resumed.err().contains("does nothing"), resumed.err());
        com.fasterxml.jackson.databind.JsonNode a = new com.fasterxml.jackson.databind.ObjectMapper().readTree(first.toFile());
        com.fasterxml.jackson.databind.JsonNode b = new com.fasterxml.jackson.databind.ObjectMapper().readTree(again.toFile());
        assertEquals(a.get("coefficients"), b.get("coefficients"));
        assertEquals(a.get("result").get("iterations"), b.get("result").get("iterations"));
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("dev.downhill.SomeLibraryClass");
        assertFalse(log.isInfoEnabled(), "nothing below WARN");
        java.io.StringWriter text = new java.io.StringWriter();
        CliLogging.printTo(new java.io.PrintWriter(text));
        try {
            log.info("not printed");
            log.warn("{} of {} kept", 2, 3);
            log.error("failed", new IllegalStateException("the reason\nand a second line"));
        } finally {
            CliLogging.printTo(null);
        }
        assertEquals("downhill: warning: 2 of 3 kept\ndownhill: error: failed: the reason and a second line\n",
                text.toString().replace("\r\n", "\n"));
    }

    @Test
    void aModelFileHoldingNaNIsNotAValidModel() throws IOException {
        Path[] f = data(50, 1);
        Path model = dir.resolve("m.json");
        assertEquals(0, CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--out", model.toString(), "--quiet").code());
        Path nan = Files.writeString(dir.resolve("nan.json"),
                Files.readString(model).replaceFirst("\"intercept\" : [-0-9.eE+]+", "\"intercept\" : NaN"));
        assertOneCleanLine(CliRun.of("predict", "--model", nan.toString(), "--x", f[0].toString()), 1, "non-numeric value NaN",
                "not a valid model", "line ");
    }

    @Test
    void writeFailuresGiveTheReason() throws IOException {
        Path[] f = data(50, 1);
        Path file = Files.writeString(dir.resolve("X2.npy"), "not a folder");
        assertOneCleanLine(CliRun.of("gen", "--rows", "10", "--features", "2", "--out-dir", file.toString(), "--quiet"), 1,
                "cannot create --out-dir " + file + ": the path exists and is not a folder");
        assertOneCleanLine(CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--quiet", "--out",
                file.resolve("m.json").toString()), 1, "cannot write " + file.resolve("m.json") + ": " + file + " is not a folder");
        CliRun ck = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--quiet", "--checkpoint", file.resolve("ck").toString());
        assertOneCleanLine(ck, 1, "cannot create checkpoint folder " + file.resolve("ck") + ": not a directory");
        Path proc = Path.of("/proc");
        if (Files.isDirectory(proc.resolve("self"))) { // Linux: /proc exists but takes no new files (ENOENT)
            CliRun out = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--quiet", "--out", "/proc/m.json");
            assertOneCleanLine(out, 1, "cannot write /proc/m.json: no such file or directory");
            assertFalse(out.err().contains(".tmp"), "the reason, not the temporary file's name: " + out.err());
            assertOneCleanLine(CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--quiet", "--checkpoint", "/proc/ck"),
                    1, "cannot create checkpoint folder /proc/ck: no such file or directory");
        }
    }

    @Test
    void aResumeWithOtherOptionsNamesThemAsOptions() {
        Path[] f = data(50, 1);
        Path ck = dir.resolve("ck");
        CliRun first = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "gd", "--standardize", "off",
                "--iterations", "3", "--checkpoint", ck.toString(), "--quiet");
        assertEquals(0, first.code(), first.err());
        CliRun again = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "gd", "--iterations", "3",
                "--resume", ck.toString(), "--quiet");
        assertOneCleanLine(again, 1, "checkpoint " + ck + " is of another fit: --standardize was off when the checkpoint was saved, "
                + "now auto");
        CliRun more = CliRun.of("fit", "--x", f[0].toString(), "--y", f[1].toString(), "--solver", "gd", "--standardize", "off",
                "--lr", "0.1", "--resume", ck.toString(), "--quiet");
        assertOneCleanLine(more, 1, "--lr was auto when the checkpoint was saved, now 0.1; --iterations was 3, now 10000");
    }

    /**
     * An svmlight file whose largest index is huge against its entries draws a warning before the fit allocates its
     * n-length vectors (one stray index of 2e8 in a 3-line file took ~8 GB before running out of memory).
     */
    @Test
    void aHugeIndexInASmallFileIsWarnedAbout() {
        java.io.StringWriter text = new java.io.StringWriter();
        InputOptions options = new InputOptions();
        options.warnings = new java.io.PrintWriter(text, true);
        options.warnWideForItsEntries(200_000_000, 3);
        assertEquals("downhill: warning: X has 200,000,000 columns (its largest index) but only 3 stored values: a fit keeps "
                + "several vectors of n float64 values (1.6 GB each); check the file's indices", text.toString().strip());
        java.io.StringWriter quiet = new java.io.StringWriter();
        options.warnings = new java.io.PrintWriter(quiet, true);
        options.warnWideForItsEntries(150_360, 19_350_708); // E2006's shape: nothing
        options.warnWideForItsEntries(20_000_000, 1_000_000); // 20 columns per stored value: nothing
        assertEquals("", quiet.toString());
    }

    /**
     * A column varying at ~1e-200 (gen --condition 1e200, float64): its squares underflow, so XᵀX's diagonal entry is 0,
     * but the column is not constant. normal says its values are too small, as the gradient solvers do for the same
     * column, not "a constant column"; dense X is pointed to svd, sparse X (whose svd would densify it, and whose cg
     * refuses the column too) to rescaling. svd, pointed to, keeps every column: scaled to unit norm the columns are
     * well conditioned (it said "rank: 1 of 3").
     */
    @Test
    void aColumnTooSmallToSquareIsNotCalledConstantByTheNormalEquations() throws IOException {
        Path dense = dir.resolve("tiny");
        CliRun gen = CliRun.of("gen", "--rows", "100", "--features", "3", "--condition", "1e200", "--precision", "float64", "--noise",
                "0", "--out-dir", dense.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        String x = dense.resolve("X.npy").toString();
        String y = dense.resolve("y.npy").toString();
        CliRun normal = CliRun.of("fit", "--x", x, "--y", y, "--solver", "normal");
        assertOneCleanLine(normal, 1, "column 2's values are too small for the normal equations in float64",
                "so their squares underflow and XᵀX holds 0 for a column that is not constant",
                "rescale X (a power of ten; θ scales back by the same factor); use the svd solver (--solver svd)");
        assertFalse(normal.err().contains("all zero"), normal.err());
        CliRun svd = CliRun.of("fit", "--x", x, "--y", y, "--solver", "svd");
        assertEquals(0, svd.code(), svd.err());
        assertTrue(svd.out().lines().anyMatch(l -> l.matches("rank: +3")), svd.out());
        CliRun gd = CliRun.of("fit", "--x", x, "--y", y, "--solver", "gd");
        assertOneCleanLine(gd, 1, "X's values are too small for the gradient solvers in float64: column 2's", "rescale X (a power of "
                + "ten; θ scales back by the same factor) or use the svd solver");

        Path sparse = dir.resolve("tiny-sparse");
        gen = CliRun.of("gen", "--rows", "100", "--features", "3", "--condition", "1e200", "--precision", "float64", "--noise", "0",
                "--density", "1", "--out-dir", sparse.toString(), "--quiet");
        assertEquals(0, gen.code(), gen.err());
        CliRun csr = CliRun.of("fit", "--x", sparse.resolve("X.npz").toString(), "--y", sparse.resolve("y.npy").toString(),
                "--solver", "normal");
        assertOneCleanLine(csr, 1, "column 2's values are too small for the normal equations in float64",
                "rescale X (a power of ten; θ scales back by the same factor): the svd solver would densify the sparse X, and cg "
                        + "needs X's squares too");
        assertFalse(csr.err().contains("all zero"), csr.err());
    }

    /**
     * A ridge cross-validation on X of scale 1e-100: the α path (from the lasso's α_max, which scales with X) shrinks θ
     * to 0 at every α, the error is the same all along, and α_max was chosen in silence (a review); now a warning says so.
     */
    @Test
    void aFlatCrossValidationCurveIsWarnedAbout() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        StringBuilder csv = new StringBuilder("a,b,c,y\n");
        for (int i = 0; i < 200; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double c = r.nextGaussian();
            csv.append(a * 1e-100).append(',').append(b * 1e-100).append(',').append(c * 1e-100).append(',')
                    .append(2 * a - b + 0.5 * c + 0.1 * r.nextGaussian()).append('\n');
        }
        Path data = dir.resolve("tiny.csv");
        Files.writeString(data, csv);
        CliRun fit = CliRun.of("fit", "--data", data.toString(), "--penalty", "l2", "--alpha", "auto", "--quiet");
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.err().contains("warning: the cross-validation error is the same at every α of the path")
                && fit.err().contains("rescale X's columns"), fit.err());
        Path scaled = dir.resolve("unit.csv");
        Files.writeString(scaled, csv.toString().replace("E-100", ""));
        CliRun unit = CliRun.of("fit", "--data", scaled.toString(), "--penalty", "l2", "--alpha", "auto", "--quiet");
        assertEquals(0, unit.code(), unit.err());
        assertFalse(unit.err().contains("the same at every α"), unit.err());
    }
}
