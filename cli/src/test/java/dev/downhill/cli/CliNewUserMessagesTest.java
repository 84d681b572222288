package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.Precision;
import dev.downhill.io.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages a new user met in a review, in the project's words: an unknown command, scikit-learn's penalty names, too
 * few rows for --alpha auto's folds; NumPy files given to --data; and integer sample weights (counts), read as float64 like an integer X.
 */
class CliNewUserMessagesTest {
    @TempDir
    Path dir;
    private String x;
    private String y;

    /** 12 × 2 float64, y = x₀ − 2x₁ + 1 + small noise. */
    @BeforeEach
    void data() {
        int m = 12;
        double[] xs = new double[2 * m];
        double[] ys = new double[m];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < m; i++) {
            xs[2 * i] = r.nextGaussian();
            xs[2 * i + 1] = r.nextGaussian();
            ys[i] = xs[2 * i] - 2 * xs[2 * i + 1] + 1 + 0.01 * r.nextGaussian();
        }
        Path xFile = dir.resolve("X.npy");
        Path yFile = dir.resolve("y.npy");
        try (NpyWriter w = NpyWriter.create(xFile, Precision.FLOAT64, m, 2)) {
            w.write(xs);
        }
        NpyWriter.writeVector(yFile, ys, Precision.FLOAT64);
        x = xFile.toString();
        y = yFile.toString();
    }

    @Test
    void anUnknownCommandIsNamedAsSuch() {
        CliRun r = CliRun.of("frobnicate", "--x", "X.npy");
        assertEquals(2, r.code(), r.err());
        assertEquals("downhill: unknown command 'frobnicate': expected fit, predict, gen, info or demo (try: downhill --help)",
                r.err().strip());
    }

    /**
     * A review: pandas' unnamed-frame header "0,1,2" was fitted as a data row (51 rows, wrong coefficients, no word), and
     * its index column (an empty first header name) as a feature without a word. Now the labels are a header (--header no
     * reads them as data), the index draws a warning, and --header does nothing (a warning) for .npy data.
     */
    @Test
    void pandasHeadersAndIndexColumnsAreReadAsPandasWroteThem() throws IOException {
        StringBuilder rows = new StringBuilder();
        StringBuilder indexed = new StringBuilder(",a,b,y\n");
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 20; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            String row = a + "," + b + "," + (1 + a - 2 * b) + "\n";
            rows.append(row);
            indexed.append(i).append(',').append(row);
        }
        Path labels = Files.writeString(dir.resolve("labels.csv"), "0,1,2\n" + rows);
        CliRun fit = CliRun.of("fit", "--data", labels.toString(), "--solver", "svd");
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("20 rows × 2 features"), fit.out());
        CliRun data = CliRun.of("fit", "--data", labels.toString(), "--solver", "svd", "--header", "no");
        assertEquals(0, data.code(), data.err());
        assertTrue(data.out().contains("21 rows × 2 features"), data.out());
        CliRun bad = CliRun.of("fit", "--data", labels.toString(), "--header", "maybe");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("downhill: --header must be auto, yes or no, got 'maybe'"), bad.err());
        Path index = Files.writeString(dir.resolve("indexed.csv"), indexed);
        CliRun pandas = CliRun.of("fit", "--data", index.toString(), "--solver", "svd");
        assertEquals(0, pandas.code(), pandas.err());
        assertTrue(pandas.err().contains("downhill: warning: feature column 1 of " + index + " has no name in its header: it is "
                + "fitted as a feature (pandas writes its index so"), pandas.err());
        // a Latin-1 header ("größe"): its names are decoded with U+FFFD, and a warning says so (a review: silent)
        Path latin = Files.write(dir.resolve("latin.csv"), "gr\u00f6\u00dfe,b,y\n1,2,3\n2,1,1\n4,4,0\n5,1,2\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRun latin1 = CliRun.of("fit", "--data", latin.toString(), "--solver", "svd");
        assertEquals(0, latin1.code(), latin1.err());
        assertTrue(latin1.err().contains("downhill: warning: the header of " + latin + " is not UTF-8 (Latin-1 or Windows-1252"),
                latin1.err());
        Path xz = Files.write(dir.resolve("table.csv.xz"), new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0});
        CliRun packed = CliRun.of("fit", "--data", xz.toString());
        assertEquals(1, packed.code());
        assertEquals("downhill: " + xz + " is xz-compressed, which is not read (gzip and bzip2 are): decompress it first, or pipe "
                + "it (xz -dc " + xz + ") to --data - --format csv", packed.err().strip());
        CliRun folder = CliRun.of("fit", "--data", dir.toString());
        assertEquals("downhill: " + dir + " is a folder: --data names a file", folder.err().strip());
        CliRun npy = CliRun.of("fit", "--x", x, "--y", y, "--solver", "svd", "--header", "yes");
        assertEquals(0, npy.code(), npy.err());
        assertTrue(npy.err().contains("downhill: warning: --header does nothing for a .npy X: it applies to CSV/TSV files (ignored)"),
                npy.err());
    }

    /** As many unknowns as rows, unpenalised: the fit interpolates, and says so; a penalty or one more row, no word. */
    @Test
    void anUnpenalisedFitWithAsManyUnknownsAsRowsWarnsThatItInterpolates() throws IOException {
        Path square = Files.writeString(dir.resolve("square.csv"), "a,b,y\n1,2,3\n2,1,1\n4,4,0\n");
        CliRun exact = CliRun.of("fit", "--data", square.toString(), "--solver", "svd");
        assertEquals(0, exact.code(), exact.err());
        assertEquals("downhill: warning: 2 features and the intercept for 3 rows: without a penalty the least-squares answer fits "
                + "the training rows exactly (unless rows repeat), so R² = 1 there says nothing about new data; a penalty chooses "
                + "by a criterion (--penalty l2 or l1 with --alpha A, or --alpha auto)", exact.err().strip());
        CliRun wide = CliRun.of("fit", "--data", square.toString(), "--solver", "svd", "--no-intercept", "--target", "0");
        assertTrue(wide.err().isBlank(), "2 features, no intercept, 3 rows: " + wide.err());
        CliRun under = CliRun.of("fit", "--x", x, "--y", y, "--solver", "normal");
        assertTrue(under.err().isBlank(), under.err());
        // (and, on a machine without an NVIDIA driver, the summary says so in a few words, not the loader's reason)
        String solverLine = under.out().lines().filter(l -> l.startsWith("solver:")).findFirst().orElseThrow();
        assertTrue(!solverLine.contains("libcuda.so.1 not found"), solverLine);
        assertEquals("no NVIDIA driver for cuda", FitCommand.notAvailable("cuda: cannot load the CUDA runtime: libcuda.so.1 "
                + "not found (no NVIDIA driver on this machine)"));
        assertEquals("not available: cuda: no CUDA device", FitCommand.notAvailable("cuda: no CUDA device"));
        assertEquals("no NVIDIA driver for cuda; not available: other: its library is missing", FitCommand.notAvailable(
                "cuda: cannot load the CUDA runtime: libcuda.so.1 not found (no NVIDIA driver on this machine); other: its "
                + "library is missing"));
        Path two = Files.writeString(dir.resolve("two.csv"), "a,b,y\n1,2,3\n2,1,1\n");
        CliRun infinite = CliRun.of("fit", "--data", two.toString(), "--solver", "svd");
        assertTrue(infinite.err().contains("and infinitely many coefficient vectors do so: this is one of them"), infinite.err());
        CliRun ridge = CliRun.of("fit", "--data", two.toString(), "--solver", "svd", "--penalty", "l2", "--alpha", "0.1");
        assertTrue(ridge.err().isBlank(), ridge.err());
    }

    /**
     * Early stopping's validation rows leaving fewer training rows than unknowns: the library's one warning (a review: 0.99
     * of 100 rows trained on one row, in silence); a fraction that leaves enough, no word.
     */
    @Test
    void aValidationFractionThatLeavesTooFewTrainingRowsWarns() throws IOException {
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 100; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 7 + 2 * (i % 5) + (i % 3)).append('\n');
        }
        Path data = Files.writeString(dir.resolve("hundred.csv"), csv);
        CliRun few = CliRun.of("fit", "--data", data.toString(), "--solver", "sgd", "--validation-fraction", "0.99");
        assertEquals(0, few.code(), few.err());
        assertEquals("downhill: warning: the validation fraction 0.99 holds out 99 of 100 rows: sgd fits the 1 row left, fewer "
                + "than its 3 unknowns (2 coefficients and the intercept), so its answer says little about the data; lower the "
                + "fraction", few.err().strip());
        CliRun enough = CliRun.of("fit", "--data", data.toString(), "--solver", "sgd", "--validation-fraction", "0.1");
        assertTrue(!enough.err().contains("validation fraction"), enough.err());
        CliRun unwatched = CliRun.of("fit", "--data", data.toString(), "--solver", "sgd", "--validation-fraction", "0.1",
                "--tol", "0", "--iterations", "3");
        assertEquals(0, unwatched.code(), unwatched.err());
        assertEquals("downhill: warning: the validation fraction 0.1 holds out 10 of 100 rows, but with a tolerance of 0 no "
                + "stopping rule watches them: they only take no step; give a tolerance > 0 for early stopping, or a "
                + "validation fraction of 0 to fit every row", unwatched.err().lines().filter(l -> l.startsWith("downhill: "))
                .collect(java.util.stream.Collectors.joining("\n")));
    }

    @Test
    void numpyArchivesGivenAsDataPointToTheOptionsThatReadThem() throws IOException {
        Path archive = dir.resolve("train.npz"); // np.savez's name; --data never opens it
        CliRun npz = CliRun.of("fit", "--data", archive.toString());
        assertEquals(1, npz.code(), npz.err());
        assertEquals("downhill: --data reads CSV, TSV and svmlight files: give a scipy.sparse.save_npz matrix as --x X.npz "
                + "--y y.npy, and the arrays of an np.savez archive as .npy files (--x X.npy --y y.npy)", npz.err().strip());
        CliRun npy = CliRun.of("fit", "--data", x);
        assertEquals(1, npy.code(), npy.err());
        assertEquals("downhill: .npy files hold one array: use --x X.npy --y y.npy", npy.err().strip());
    }

    @Test
    void scikitLearnsPenaltyNamesPointToOurs() {
        for (String[] alias : new String[][] {{"lasso", "l1"}, {"ridge", "l2"}, {"enet", "elasticnet"}}) {
            CliRun r = CliRun.of("fit", "--x", x, "--y", y, "--penalty", alias[0], "--alpha", "0.1");
            assertTrue(r.code() != 0, r.err());
            assertTrue(r.err().contains("unknown penalty '" + alias[0] + "' (expected none, l2, l1 or elasticnet; "
                    + alias[0] + " is " + alias[1] + ")"), r.err());
        }
    }

    @Test
    void tooFewRowsForTheFoldsNameCv() throws IOException {
        Path two = dir.resolve("two");
        Files.createDirectories(two);
        try (NpyWriter w = NpyWriter.create(two.resolve("X.npy"), Precision.FLOAT64, 3, 2)) {
            w.write(new double[] {1, 2, 3, 4, 5, 7});
        }
        NpyWriter.writeVector(two.resolve("y.npy"), new double[] {1, 2, 4}, Precision.FLOAT64);
        String[] base = {"fit", "--x", two.resolve("X.npy").toString(), "--y", two.resolve("y.npy").toString(), "--penalty", "l1",
                "--alpha", "auto"};
        CliRun r = CliRun.of(base);
        assertEquals(1, r.code(), r.err());
        assertEquals("downhill: --alpha auto: 5-fold cross-validation (--cv, default 5) needs at least as many rows as folds, and "
                + "the data have 3: give --cv between 2 and 3, or a fixed --alpha", r.err().strip());
        CliRun four = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.stream.Stream.of("--cv", "4"))
                .toArray(String[]::new));
        assertTrue(four.err().contains("4-fold cross-validation (--cv 4) needs"), four.err());
    }

    /** --lr auto given explicitly (the default: scripts pass it) draws no warning where the solver has no step; a number does. */
    @Test
    void theDefaultLearningRateGivenExplicitlyIsNotIgnoredNoise() {
        for (String[] solver : new String[][] {{}, {"--solver", "normal"}, {"--solver", "cd"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("fit", "--x", x, "--y", y, "--penalty", "l1",
                    "--alpha", "0.01", "--lr", "auto", "--quiet"));
            if (solver.length > 0 && solver[1].equals("normal")) {
                args.set(args.indexOf("l1"), "l2");
            }
            args.addAll(java.util.List.of(solver));
            CliRun r = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            assertTrue(!r.err().contains("--lr does nothing"), args + ": " + r.err());
        }
        CliRun fixed = CliRun.of("fit", "--x", x, "--y", y, "--solver", "normal", "--lr", "0.1", "--quiet");
        assertTrue(fixed.err().contains("downhill: warning: --lr does nothing with --solver normal (ignored)"), fixed.err());
    }

    /** int64 and int32 weights (counts) fit as the same values in float64 (the same bits in the model file). */
    @Test
    void integerWeightsAreCounts() throws IOException {
        long[] counts = {1, 3, 2, 1, 5, 1, 2, 2, 1, 4, 1, 3};
        double[] asDoubles = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            asDoubles[i] = counts[i];
        }
        Path doubles = dir.resolve("w.npy");
        NpyWriter.writeVector(doubles, asDoubles, Precision.FLOAT64);
        JsonNode reference = fitWith(doubles, "w64.json");
        for (String dtype : new String[] {"<i8", "<i4"}) {
            Path ints = dir.resolve("w" + dtype.charAt(2) + ".npy");
            writeIntegers(ints, dtype, counts);
            JsonNode m = fitWith(ints, "w" + dtype.charAt(2) + ".json");
            assertEquals(reference.get("coefficients").toString(), m.get("coefficients").toString(), dtype);
            assertEquals(reference.get("intercept").asDouble(), m.get("intercept").asDouble(), 0, dtype);
        }
    }

    private JsonNode fitWith(Path weights, String name) throws IOException {
        Path out = dir.resolve(name);
        CliRun r = CliRun.of("fit", "--x", x, "--y", y, "--weights", weights.toString(), "--solver", "normal", "--quiet",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(out.toFile());
    }

    /** A version-1.0 .npy of little-endian integers ({@code <i8} or {@code <i4}), written by hand as NumPy lays it out. */
    private static void writeIntegers(Path file, String dtype, long[] values) throws IOException {
        String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + values.length + ",), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        int width = dtype.equals("<i8") ? 8 : 4;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + width * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (long v : values) {
            if (width == 8) {
                b.putLong(v);
            } else {
                b.putInt((int) v);
            }
        }
        Files.write(file, b.array());
    }
}
