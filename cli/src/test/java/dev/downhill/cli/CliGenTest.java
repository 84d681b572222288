package dev.downhill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code downhill gen}: values the chosen precision cannot hold, and the independence of θ and the rows. */
class CliGenTest {
    @TempDir
    Path dir;

    /** The values of a little-endian float32/float64 .npy file (format 1.0, C order), read here without the library. */
    static double[] npy(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        boolean float32 = header.contains("'<f4'");
        assertTrue(float32 || header.contains("'<f8'"), header);
        ByteBuffer b = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / (float32 ? 4 : 8)];
        for (int i = 0; i < v.length; i++) {
            v[i] = float32 ? b.getFloat() : b.getDouble();
        }
        return v;
    }

    private List<String> files(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isEmpty()).collect(Collectors.toList());
    }

    /**
     * --intercept or --noise beyond float32's range (±3.40e38), with the default --precision float32: every y would be
     * ±inf (as svmlight labels "Infinity"), which fit refuses. A usage error naming the option, exit 2, and no file.
     */
    @Test
    void anInterceptOrNoiseBeyondFloat32IsAUsageErrorAndWritesNothing() throws IOException {
        String[][] cases = {
            {"--intercept", "1e300"}, {"--intercept", "1e39"}, {"--intercept", "-1e39"}, {"--noise", "1e39"},
            {"--intercept", "1e39", "--density", "0.5", "--format", "svmlight"}, {"--noise", "1e39", "--density", "0.5"},
        };
        int k = 0;
        for (String[] extra : cases) {
            Path out = dir.resolve("g" + k++);
            List<String> args = new ArrayList<>(List.of("gen", "--rows", "10", "--features", "3", "--out-dir", out.toString(), "--quiet"));
            args.addAll(List.of(extra));
            CliRun r = CliRun.of(args.toArray(new String[0]));
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
            assertEquals(1, lines(r.err()).size(), r.err());
            assertTrue(r.err().startsWith("downhill: " + extra[0] + " "), r.err());
            assertTrue(r.err().contains("float32"), r.err());
            assertEquals(List.of(), files(out), "nothing written for " + String.join(" ", args));
        }
    }

    /** Files bigger than the disk's free space are refused before a row is made (they failed only once the disk was full). */
    @Test
    void filesBeyondTheDisksFreeSpaceAreRefusedAtOnce() throws IOException {
        Path out = dir.resolve("huge");
        long free = java.nio.file.Files.getFileStore(dir).getUsableSpace();
        long rows = Math.max(1_000_000L, free / 8 / 100 * 2); // 100 float64 features: X twice the free space
        CliRun r = CliRun.of("gen", "--rows", Long.toString(rows), "--features", "100", "--precision", "float64", "--out-dir",
                out.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("X.npy, y.npy and theta.npy need at least") && r.err().contains("free"), r.err());
        try (var files = java.nio.file.Files.list(out)) {
            assertEquals(0, files.count(), "nothing written");
        }
        CliRun svm = CliRun.of("gen", "--rows", Long.toString(rows), "--features", "100", "--density", "1", "--format", "svmlight",
                "--out-dir", out.toString());
        assertEquals(1, svm.code(), svm.out() + svm.err());
        assertTrue(svm.err().contains("data.svm need at least"), svm.err());
    }

    @Test
    void moreFeaturesThanAnArrayHoldsIsAUsageError() throws IOException {
        // θ and the column scales are arrays of n: 2³¹ − 1 features failed with "Requested array size exceeds VM limit"
        // and advice to raise -Xmx, which cannot help
        Path out = dir.resolve("wide");
        CliRun r = CliRun.of("gen", "--rows", "10", "--features", "2147483647", "--density", "1e-9", "--out-dir", out.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, lines(r.err()).size(), r.err());
        assertTrue(r.err().contains("--features 2147483647 is more than the 2,147,483,639 a Java array holds"), r.err());
        assertEquals(List.of(), files(out));
    }

    /**
     * Options each within range whose sum is not: --noise 1e38 in float32 puts σ·z beyond 3.40e38 wherever |z| > 3.4
     * (about one row in 1,500), and --intercept 1e308 with --noise 1e308 overflows float64 itself. Every y is checked
     * before the files are renamed into place: a usage error naming the row, and no file (dense and sparse, both formats).
     */
    @Test
    void aGeneratedTargetBeyondThePrecisionIsAUsageErrorAndWritesNothing() throws IOException {
        String[][] cases = {
            {"--noise", "1e38"}, {"--noise", "1e38", "--density", "0.5"}, {"--noise", "1e38", "--density", "0.5", "--format", "svmlight"},
            {"--intercept", "1e308", "--noise", "1e308", "--precision", "float64"},
        };
        int k = 0;
        for (String[] extra : cases) {
            Path out = dir.resolve("h" + k++);
            List<String> args = new ArrayList<>(List.of("gen", "--rows", "20000", "--features", "3", "--out-dir", out.toString(),
                    "--quiet"));
            args.addAll(List.of(extra));
            CliRun r = CliRun.of(args.toArray(new String[0]));
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
            assertEquals(1, lines(r.err()).size(), r.err());
            assertTrue(r.err().matches("(?s)downhill: --intercept \\S+ and --noise \\S+ make y at row \\d+ \\(zero-based\\) .*"), r.err());
            assertTrue(r.err().contains(List.of(extra).contains("float64") ? "beyond float64's range" : "beyond float32's range"), r.err());
            assertEquals(List.of(), files(out), "nothing written for " + String.join(" ", args));
        }
    }

    /** Values close to the limits but within them are written as asked: y finite, equal to b where σ = 0. */
    @Test
    void valuesWithinThePrecisionAreWritten() throws IOException {
        Path out = dir.resolve("ok");
        CliRun r = CliRun.of("gen", "--rows", "50", "--features", "3", "--intercept", "3e38", "--noise", "0", "--out-dir",
                out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        for (double y : npy(out.resolve("y.npy"))) {
            assertTrue(Double.isFinite(y), "y finite: " + y);
            assertEquals(3e38, y, 3e38 * 1e-6); // Xθ (a few units) is far below float32's resolution at 3e38
        }
        Path wide = dir.resolve("wide");
        r = CliRun.of("gen", "--rows", "50", "--features", "3", "--intercept", "1e300", "--precision", "float64", "--out-dir",
                wide.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        for (double y : npy(wide.resolve("y.npy"))) {
            assertEquals(1e300, y, 1e300 * 1e-12);
        }
        assertFalse(r.err().contains("warning"), r.err());
    }

    private double[] gen(Path out, long seed, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("gen", "--rows", "40", "--features", "6", "--seed", Long.toString(seed),
                "--out-dir", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        return npy(out.resolve("theta.npy"));
    }

    /** The stored values of an svmlight file (labels left out). */
    private static Set<Double> svmValues(Path file) throws IOException {
        Set<Double> values = new HashSet<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split(" ");
            for (int k = 1; k < parts.length; k++) {
                values.add(Double.parseDouble(parts[k].substring(parts[k].indexOf(':') + 1)));
            }
        }
        return values;
    }

    private static Set<Double> set(double[] v) {
        Set<Double> s = new HashSet<>();
        for (double x : v) {
            s.add(x);
        }
        return s;
    }

    /**
     * θ's generator and every row's are unrelated streams. They were not: with the default --seed 0, row 0 of X was θ
     * itself (a high-leverage row in every default dataset), and row i of --seed s + 1 was row i of --seed s shifted by
     * one draw. Now no row equals θ (float32, the default, as written: X[0] was θ rounded), and no value of X — N(0,1)
     * draws at --condition 1 — equals any value of θ or of X at the next seed (float64: a chance equality of two
     * Gaussian doubles is out of reach), dense and sparse, at seeds 0, 1, 2.
     */
    @Test
    void thetaAndTheRowsAreIndependentDraws() throws IOException {
        for (long seed = 0; seed <= 2; seed++) {
            Path out = dir.resolve("f32-" + seed);
            double[] theta = gen(out, seed);
            double[] x = npy(out.resolve("X.npy"));
            assertEquals(40 * 6, x.length);
            for (int i = 0; i < 40; i++) {
                double[] row = Arrays.copyOfRange(x, 6 * i, 6 * i + 6);
                boolean same = true;
                for (int j = 0; j < 6; j++) {
                    same &= row[j] == (float) theta[j];
                }
                assertFalse(same, "seed " + seed + ": row " + i + " of X is θ " + Arrays.toString(theta));
            }
        }
        for (long seed = 0; seed <= 2; seed++) {
            Path out = dir.resolve("f64-" + seed);
            Path next = dir.resolve("f64-next-" + seed);
            Set<Double> theta = set(gen(out, seed, "--precision", "float64"));
            gen(next, seed + 1, "--precision", "float64");
            Set<Double> x = set(npy(out.resolve("X.npy")));
            Set<Double> shared = new HashSet<>(x);
            shared.retainAll(theta);
            assertEquals(Set.of(), shared, "seed " + seed + ": values of X equal to values of θ");
            shared = new HashSet<>(x);
            shared.retainAll(set(npy(next.resolve("X.npy"))));
            assertEquals(Set.of(), shared, "seeds " + seed + " and " + (seed + 1) + ": shared values of X");

            Path sparse = dir.resolve("svm-" + seed);
            Path sparseNext = dir.resolve("svm-next-" + seed);
            theta = set(gen(sparse, seed, "--precision", "float64", "--density", "0.5", "--format", "svmlight"));
            gen(sparseNext, seed + 1, "--precision", "float64", "--density", "0.5", "--format", "svmlight");
            Set<Double> values = svmValues(sparse.resolve("data.svm"));
            assertTrue(values.size() >= 100, "stored values: " + values.size());
            shared = new HashSet<>(values);
            shared.retainAll(theta);
            assertEquals(Set.of(), shared, "seed " + seed + ", sparse: values of X equal to values of θ");
            shared = new HashSet<>(values);
            shared.retainAll(svmValues(sparseNext.resolve("data.svm")));
            assertEquals(Set.of(), shared, "seeds " + seed + " and " + (seed + 1) + ", sparse: shared values of X");
        }
    }
}
