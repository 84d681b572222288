package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.ModelFile;
import dev.downhill.Solver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer of the readers (.npy, CSV, svmlight dense and sparse, SciPy .npz, model JSON): valid seed files are
 * mutated (bit flips, interesting bytes and tokens, insertions, deletions, duplicated ranges,
 * truncation, number tweaks) and read back. A reader may accept the input or throw what it documents —
 * {@link IllegalArgumentException} (including {@link MalformedFileException}) or
 * {@link UncheckedIOException} — with a message of bounded length; anything else (a
 * NullPointerException, an index or number-format exception, an arithmetic overflow, an
 * OutOfMemoryError from a size taken on trust, a hang) is a bug, reported with the seed, the
 * iteration and the input saved under {@code target/fuzz-failures}.
 *
 * <p>The JUnit run is short (500 inputs per format by default, a few seconds). Longer runs:
 * {@code -Ddownhill.fuzz.iterations=N} or {@code -Ddownhill.fuzz.seconds=S} (and
 * {@code -Ddownhill.fuzz.seed=K}) on {@code mvn -pl core test -Dtest=ReaderFuzzTest}, or
 * {@link #main} from the test class path ({@code java … dev.downhill.io.ReaderFuzzTest SECONDS [SEED]}),
 * which prints the inputs tried per format and the unexpected exceptions found.
 */
class ReaderFuzzTest {
    /** The longest message (without the file name) a reader may produce for a bad input. */
    static final int MAX_MESSAGE = 600;
    /** Densified svmlight inputs are capped so that a mutated index cannot ask for gigabytes here. */
    static final long DENSE_LIMIT = 16L << 20;

    @TempDir
    Path dir;

    /** One format: its seed files and how to read an input. */
    record Format(String name, String extension, List<byte[]> seeds, Consumer<Path> reader) {
    }

    /** Counts of one campaign. */
    static final class Stats {
        long inputs;
        long accepted;
        long rejected;
        final List<String> unexpected = new ArrayList<>();
    }

    @Test
    void readersThrowOnlyTheirDocumentedExceptions() throws IOException {
        long iterations = Long.getLong("downhill.fuzz.iterations", 500);
        long seconds = Long.getLong("downhill.fuzz.seconds", 0);
        long seed = Long.getLong("downhill.fuzz.seed", 20261130);
        List<String> unexpected = new ArrayList<>();
        for (Format f : formats()) {
            long t0 = System.nanoTime();
            Stats s = campaign(f, dir, seed, iterations, seconds);
            System.out.printf(Locale.ROOT, "fuzz %s: %d inputs, %d accepted, %d rejected cleanly, %d unexpected, %.1f s%n", f.name(),
                    s.inputs, s.accepted, s.rejected, s.unexpected.size(), (System.nanoTime() - t0) / 1e9);
            assertTrue(s.accepted > 0 && s.rejected > 0, f.name() + ": the mutations reach both outcomes");
            unexpected.addAll(s.unexpected);
        }
        assertEquals(List.of(), unexpected);
    }

    /** Long runs: {@code SECONDS [SEED]}; prints the totals per format. */
    public static void main(String[] args) throws IOException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        Path dir = Files.createTempDirectory("downhill-fuzz");
        long start = System.nanoTime();
        List<Format> formats = formats();
        int bad = 0;
        for (Format f : formats) {
            Stats s = campaign(f, dir, seed, Long.MAX_VALUE, Math.max(1, seconds / formats.size()));
            System.out.printf(Locale.ROOT, "fuzz %s: %d inputs, %d accepted, %d rejected cleanly, %d unexpected%n", f.name(), s.inputs,
                    s.accepted, s.rejected, s.unexpected.size());
            s.unexpected.forEach(System.out::println);
            bad += s.unexpected.size();
        }
        System.out.printf(Locale.ROOT, "seed %d, %.0f s, %d unexpected%n", seed, (System.nanoTime() - start) / 1e9, bad);
        System.exit(bad == 0 ? 0 : 1);
    }

    static Stats campaign(Format f, Path dir, long seed, long iterations, long seconds) throws IOException {
        Stats s = new Stats();
        SplittableRandom r = new SplittableRandom(seed ^ f.name().hashCode());
        Path input = dir.resolve("input" + f.extension());
        long deadline = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
        for (long i = 0; (seconds > 0 ? System.nanoTime() < deadline : i < iterations); i++) {
            byte[] bytes = f.seeds().get(r.nextInt(f.seeds().size()));
            int rounds = 1 + r.nextInt(4);
            for (int k = 0; k < rounds; k++) {
                bytes = mutate(bytes, r);
            }
            Files.write(input, bytes);
            s.inputs++;
            try {
                f.reader().accept(input);
                s.accepted++;
            } catch (IllegalArgumentException | UncheckedIOException e) {
                if (e instanceof NumberFormatException) {
                    s.unexpected.add(report(f, seed, i, bytes, e, "a raw NumberFormatException"));
                } else if (e.getMessage() == null || e.getMessage().replace(input.toString(), "").length() > MAX_MESSAGE) {
                    s.unexpected.add(report(f, seed, i, bytes, e, "message missing or longer than " + MAX_MESSAGE));
                } else {
                    s.rejected++;
                }
            } catch (RuntimeException | Error e) {
                s.unexpected.add(report(f, seed, i, bytes, e, "undocumented exception"));
            }
        }
        return s;
    }

    private static String report(Format f, long seed, long i, byte[] bytes, Throwable e, String why) {
        Path saved = Path.of("target", "fuzz-failures", f.name() + "-" + seed + "-" + i + f.extension());
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, bytes);
        } catch (IOException ignored) {
            // the report still names seed and iteration
        }
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        String m = String.valueOf(e.getMessage());
        return f.name() + " seed " + seed + " iteration " + i + " (" + saved + "): " + why + ": " + e.getClass().getName() + ": "
                + (m.length() > 200 ? m.substring(0, 200) + "…" : m) + "\n" + trace.toString().lines().skip(1).limit(8)
                .reduce("", (a, b) -> a + "\n" + b);
    }

    // ---------------------------------------------------------------- mutations

    private static final byte[][] TOKENS = {
        "0".getBytes(StandardCharsets.US_ASCII), "-1".getBytes(StandardCharsets.US_ASCII),
        "1e308".getBytes(StandardCharsets.US_ASCII), "1e-400".getBytes(StandardCharsets.US_ASCII),
        "NaN".getBytes(StandardCharsets.US_ASCII), "-inf".getBytes(StandardCharsets.US_ASCII),
        "99999999999999999999".getBytes(StandardCharsets.US_ASCII), "2147483648".getBytes(StandardCharsets.US_ASCII),
        "9223372036854775807".getBytes(StandardCharsets.US_ASCII), "\"".getBytes(StandardCharsets.US_ASCII),
        ",".getBytes(StandardCharsets.US_ASCII), ":".getBytes(StandardCharsets.US_ASCII), "\n".getBytes(StandardCharsets.US_ASCII),
        "\r".getBytes(StandardCharsets.US_ASCII), "\t".getBytes(StandardCharsets.US_ASCII), "#".getBytes(StandardCharsets.US_ASCII),
        "qid:".getBytes(StandardCharsets.US_ASCII), "(".getBytes(StandardCharsets.US_ASCII), ")".getBytes(StandardCharsets.US_ASCII),
        "'".getBytes(StandardCharsets.US_ASCII), "{".getBytes(StandardCharsets.US_ASCII), "}".getBytes(StandardCharsets.US_ASCII),
        "[".getBytes(StandardCharsets.US_ASCII), "]".getBytes(StandardCharsets.US_ASCII), "null".getBytes(StandardCharsets.US_ASCII),
        "True".getBytes(StandardCharsets.US_ASCII), "<f8".getBytes(StandardCharsets.US_ASCII), ">f4".getBytes(StandardCharsets.US_ASCII),
        "<i8".getBytes(StandardCharsets.US_ASCII), "|u1".getBytes(StandardCharsets.US_ASCII),
        "\uFEFF".getBytes(StandardCharsets.UTF_8), "é".getBytes(StandardCharsets.UTF_8), {(byte) 0xC3}, {0}, {(byte) 0xFF},
    };

    static byte[] mutate(byte[] in, SplittableRandom r) {
        int n = in.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 64);
        int at = n == 0 ? 0 : r.nextInt(n + 1);
        switch (r.nextInt(10)) {
            case 0: { // flip a bit
                byte[] b = in.clone();
                if (n > 0) {
                    int k = r.nextInt(n);
                    b[k] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1: { // replace a byte with an interesting one
                byte[] b = in.clone();
                if (n > 0) {
                    b[r.nextInt(n)] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, '\n', ',', ':', '.', 'e', '-', '9', ' ', '"'}[r.nextInt(13)];
                }
                return b;
            }
            case 2: { // insert a token
                byte[] t = TOKENS[r.nextInt(TOKENS.length)];
                out.write(in, 0, at);
                out.write(t, 0, t.length);
                out.write(in, at, n - at);
                return out.toByteArray();
            }
            case 3: { // overwrite with a token
                byte[] t = TOKENS[r.nextInt(TOKENS.length)];
                out.write(in, 0, at);
                out.write(t, 0, t.length);
                int skip = Math.min(n - at, t.length);
                out.write(in, at + skip, n - at - skip);
                return out.toByteArray();
            }
            case 4: { // delete a range
                int len = Math.min(n - at, 1 + r.nextInt(16));
                out.write(in, 0, at);
                out.write(in, at + len, n - at - len);
                return out.toByteArray();
            }
            case 5: { // duplicate a range
                int len = Math.min(n - at, 1 + r.nextInt(64));
                out.write(in, 0, at + len);
                out.write(in, at, n - at);
                return out.toByteArray();
            }
            case 6: // truncate
                return java.util.Arrays.copyOf(in, at);
            case 7: { // tweak a run of digits (sizes, shapes, indices, header lengths written as text)
                byte[] b = in.clone();
                for (int tries = 0; tries < 8 && n > 0; tries++) {
                    int k = r.nextInt(n);
                    if (b[k] >= '0' && b[k] <= '9') {
                        b[k] = (byte) ('0' + r.nextInt(10));
                        return b;
                    }
                }
                return b;
            }
            case 8: { // a random byte string
                byte[] t = new byte[1 + r.nextInt(8)];
                r.nextBytes(t);
                out.write(in, 0, at);
                out.write(t, 0, t.length);
                out.write(in, at, n - at);
                return out.toByteArray();
            }
            default: { // a long line or cell
                out.write(in, 0, at);
                byte c = (byte) "9a ,:".charAt(r.nextInt(5));
                for (int k = 0, len = 1 + r.nextInt(5000); k < len; k++) {
                    out.write(c);
                }
                out.write(in, at, n - at);
                return out.toByteArray();
            }
        }
    }

    // ---------------------------------------------------------------- seeds and readers

    static List<Format> formats() throws IOException {
        List<Format> all = new ArrayList<>();
        List<byte[]> npy = new ArrayList<>();
        for (String descr : new String[] {"<f4", "<f8", "<i4", "<i8"}) {
            for (boolean fortran : new boolean[] {false, true}) {
                npy.add(concat(NpyFiles.header(NpyFiles.dict(descr, fortran, "(3, 2)"), 1), NpyFiles.data(descr, fortran, 3, 2)));
            }
        }
        npy.add(concat(NpyFiles.header(NpyFiles.dict("<f8", false, "(4,)"), 2), NpyFiles.data("<f8", false, 4, 1)));
        npy.add(concat(NpyFiles.header(NpyFiles.dict("<f4", false, "(5,)"), 3), NpyFiles.data("<f4", false, 5, 1)));
        all.add(new Format("npy", ".npy", npy, ReaderFuzzTest::readNpy));
        List<byte[]> csv = List.of(
                utf8("a,b,y\n1,2,3\n4,5.5,-6e1\n7,8,9\n"),
                utf8("1;2;3\r\n4;5;6\r\n"),
                utf8("\uFEFF\"x\",\"y\"\n\"1.5\",2\n3,\"4\"\n\n5,6\n"),
                utf8("p\tq\n.5\t2.\n-3\t+4E-2\n"));
        all.add(new Format("csv", ".csv", csv, ReaderFuzzTest::readCsv));
        List<byte[]> svm = List.of(
                utf8("1 1:0.5 3:2\n-2 2:1e3 # comment\n0.25 qid:7 1:1 2:2 3:3\n"),
                utf8("# header comment\n3 4:1\n\n4 1:-1 4:2\n"),
                utf8("1.5 1:1\t2:2\n2 2:3\n"));
        all.add(new Format("svmlight", ".svm", svm, ReaderFuzzTest::readSvm));
        all.add(new Format("svmlight-sparse", ".svm", svm, ReaderFuzzTest::readSvmSparse));
        all.add(new Format("npz", ".npz", List.of(resource("/npz/csc32.npz"), resource("/npz/csr.npz")), ReaderFuzzTest::readNpz));
        all.add(new Format("model", ".json", List.of(modelJson(Solver.GD, 3), modelJson(Solver.SVD, 1), modelJson(Solver.MINIBATCH, 2500)),
                ReaderFuzzTest::readModel));
        return all;
    }

    private static void readNpy(Path p) {
        try (HostArray a = NpyReader.readMatrix(p)) {
            a.length();
        } catch (IllegalArgumentException first) {
            try (HostArray v = NpyReader.readVector(p)) {
                v.length();
            }
        }
    }

    private static void readCsv(Path p) {
        try (Dataset d = CsvReader.defaults().read(p)) {
            d.rows();
        }
    }

    private static void readSvm(Path p) {
        try (Dataset d = SvmLightReader.defaults().withDenseLimit(DENSE_LIMIT).read(p)) {
            d.rows();
        }
    }

    private static void readSvmSparse(Path p) {
        try (SparseData d = SvmLightReader.defaults().readSparse(p)) {
            d.x().nonZeros();
        }
    }

    private static void readNpz(Path p) {
        try (CsrMatrix x = NpzReader.readCsr(p)) {
            x.nonZeros();
        }
    }

    private static byte[] resource(String name) {
        try (java.io.InputStream in = ReaderFuzzTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void readModel(Path p) {
        ModelFile.read(p).model().predict(new double[ModelFile.read(p).model().features()]);
    }

    private static byte[] modelJson(Solver solver, int history) throws IOException {
        return dev.downhill.TestModels.modelJson(solver, history);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
