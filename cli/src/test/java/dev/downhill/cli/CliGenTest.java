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
import java.util.List;
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
}
