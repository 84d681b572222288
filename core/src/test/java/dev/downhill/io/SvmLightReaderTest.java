package dev.downhill.io;

import static dev.downhill.io.NpyReaderTest.assertMalformed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SvmLightReader: densifying, options, the dense-size limit and malformed lines. */
class SvmLightReaderTest {
    /** Decimal literals compared with the same literals in Java: exact. */
    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    private Path svm(String text) {
        try {
            return Files.writeString(dir.resolve("data.svm"), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertData(Dataset d, double[][] x, double[] y) {
        assertEquals(x.length, d.rows());
        assertEquals(x[0].length, d.cols());
        for (int i = 0; i < x.length; i++) {
            assertArrayEquals(x[i], d.row(i), EXACT, "row " + i);
        }
        assertArrayEquals(y, d.targets(), EXACT);
    }

    @Test
    void densifiesWithZerosSkippingCommentsQidAndBlankLines() {
        Path f = svm("# a comment line\n"
                + "1.5 qid:3 1:0.5 3:-2 # trailing comment\n"
                + "\n"
                + "-2\t2:4e1\t4:1\n"
                + "+0 \n");
        try (Dataset d = SvmLightReader.readDataset(f)) {
            assertEquals(Precision.FLOAT64, d.precision());
            assertData(d, new double[][] {{0.5, 0, -2, 0}, {0, 40, 0, 1}, {0, 0, 0, 0}}, new double[] {1.5, -2, 0});
        }
    }

    @Test
    void readsAGzipFileAsItsText() throws IOException {
        // scikit-learn's load_svmlight_file reads .gz transparently; a gzip file of any name is decompressed (it was read
        // as text: a line of binary garbage)
        String text = "1.5 1:0.5 3:-2\n-2 2:4e1 4:1\n";
        Path gz = dir.resolve("data.svm.gz");
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        try (Dataset d = SvmLightReader.readDataset(gz); Dataset plain = SvmLightReader.readDataset(svm(text))) {
            assertData(d, new double[][] {{0.5, 0, -2, 0}, {0, 40, 0, 1}}, new double[] {1.5, -2});
            assertData(plain, new double[][] {{0.5, 0, -2, 0}, {0, 40, 0, 1}}, new double[] {1.5, -2});
        }
        Path broken = dir.resolve("broken.svm.gz");
        byte[] bytes = Files.readAllBytes(gz);
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> SvmLightReader.readDataset(broken).close());
        assertTrue(e.getMessage().contains("broken.svm.gz") && e.getMessage().contains("gzip: "), e.getMessage());
    }

    @Test
    void readsABzip2FileAsItsTextEveryStreamOfIt() throws IOException {
        // LIBSVM's collection distributes its files as .bz2 and scikit-learn reads them; these bytes are the bzip2 tool's
        // (`printf '1.5 1:0.5 3:-2\n' | bzip2 -9`, then the second line likewise), concatenated as pbzip2 writes a file:
        // two streams, both read
        java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
        byte[] first = b64.decode("QlpoOTFBWSZTWbl2xm8AAAPYAAAQQAN6ECAAMQAwIAwgUNK+BpQz4u5IpwoSFy7YzeA=");
        byte[] second = b64.decode("QlpoOTFBWSZTWTpZgxkAAAHZAAAQQAI0EAIAIAAiGmjahDAh6shJTBeLuSKcKEgdLMGMgA==");
        Path bz2 = dir.resolve("data.svm.bz2");
        try (java.io.OutputStream out = Files.newOutputStream(bz2)) {
            out.write(first);
            out.write(second);
        }
        Path unnamed = dir.resolve("data-without-a-suffix");
        Files.copy(bz2, unnamed);
        double[][] x = {{0.5, 0, -2, 0}, {0, 40, 0, 1}};
        for (Path f : new Path[] {bz2, unnamed}) {
            try (Dataset d = SvmLightReader.readDataset(f); SparseData sparse = SvmLightReader.defaults().readSparse(f)) {
                assertData(d, x, new double[] {1.5, -2});
                assertEquals(2, sparse.x().rows());
                assertEquals(4, sparse.x().nonZeros());
            }
        }
        Path broken = dir.resolve("broken.svm.bz2");
        Files.write(broken, java.util.Arrays.copyOf(first, first.length - 6));
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> SvmLightReader.readDataset(broken).close());
        assertTrue(e.getMessage().contains("broken.svm.bz2"), e.getMessage());
    }

    @Test
    void honoursAFixedFeatureCountZeroBasedIndicesAndFloat32() {
        Path f = svm("1 1:1 2:2\n2 2:3\n");
        try (Dataset d = SvmLightReader.defaults().withFeatures(4).read(f)) {
            assertData(d, new double[][] {{1, 2, 0, 0}, {0, 3, 0, 0}}, new double[] {1, 2});
        }
        try (Dataset d = SvmLightReader.defaults().withZeroBasedIndices(true).read(svm("1 0:7 2:9\n"))) {
            assertData(d, new double[][] {{7, 0, 9}}, new double[] {1});
        }
        try (Dataset d = SvmLightReader.defaults().withPrecision(Precision.FLOAT32).read(svm("0.1 1:0.2\n"))) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertEquals((double) 0.1f, d.y(0), EXACT);
            assertEquals((double) 0.2f, d.x(0, 0), EXACT);
        }
    }

    /** The numbering each read resolved is reported once per read, dense or sparse: auto by the file's indices, or forced. */
    @Test
    void reportsTheNumberingEachReadResolved() {
        java.util.List<SvmLightReader.IndexBase> seen = new java.util.ArrayList<>();
        SvmLightReader reader = SvmLightReader.defaults().withIndexBaseReport(seen::add);
        reader.read(svm("1 0:7 2:9\n")).close();
        reader.read(svm("1 1:7 2:9\n")).close();
        reader.readSparse(svm("1 3:7\n2 0:1\n")).close();
        reader.withZeroBasedIndices(true).readSparse(svm("1 1:7\n")).close();
        reader.withIndexBase(SvmLightReader.IndexBase.ONE).withFeatures(5).read(svm("1 1:7\n")).close();
        assertEquals(java.util.List.of(SvmLightReader.IndexBase.ZERO, SvmLightReader.IndexBase.ONE, SvmLightReader.IndexBase.ZERO,
                SvmLightReader.IndexBase.ZERO, SvmLightReader.IndexBase.ONE), seen);
    }

    @Test
    void densifiesRowsWiderThanItsBuffer() {
        int n = OffHeapAppender.BUFFER_ELEMENTS + 17; // rows cross buffer flushes mid-row
        Path f = svm("1 1:1 " + n + ":2\n2 " + (n / 2) + ":3\n3\n");
        try (Dataset d = SvmLightReader.readDataset(f)) {
            assertEquals(n, d.cols());
            assertEquals(1, d.x(0, 0), EXACT);
            assertEquals(2, d.x(0, n - 1), EXACT);
            assertEquals(3, d.x(1, n / 2 - 1), EXACT);
            assertEquals(0, d.x(1, n / 2), EXACT);
            assertEquals(0, d.x(2, n - 1), EXACT);
            assertArrayEquals(new double[] {1, 2, 3}, d.targets(), EXACT);
        }
    }

    @Test
    void refusesADenseSizeOverTheLimitBeforeAllocating() {
        // 2 rows × 2·10^9 features × 8 bytes = 32 GB: over the default 8 GiB
        Path f = svm("1 1:1\n2 2000000000:1\n");
        long before = Pointer.totalBytes();
        assertMalformed(() -> SvmLightReader.readDataset(f), "2 rows × 2000000000 features × 8 bytes",
                "32000000000 bytes", "limit of 8589934592 bytes (8.0 GiB)",
                // the way out that works (it advised "raise the limit", which no command-line option does, and not --sparse)
                "read it sparse instead (--sparse on the command line; SvmLightReader.readSparse in the library)",
                "use float32 (--precision float32", "in the library only, SvmLightReader.withDenseLimit raises the limit");
        assertTrue(Pointer.totalBytes() <= before, "nothing allocated");
        Path small = svm("1 1:1\n2 3:1\n");
        assertMalformed(() -> SvmLightReader.defaults().withDenseLimit(40).read(small), "= 48 bytes", "limit of 40 bytes");
        try (Dataset d = SvmLightReader.defaults().withDenseLimit(48).read(small)) {
            assertEquals(3, d.cols(), "exactly at the limit is allowed");
        }
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 9223372036854775807:1\n")), "more than 2^63");
    }

    @Test
    void reportsMalformedTokensWithLineAndToken() {
        MalformedFileException e = assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:1\n2 1:1 oops\n")),
                "data.svm: line 2, token 3", "expected index:value, got 'oops'");
        assertEquals(2, e.line());
        assertEquals(3, e.column());
        assertEquals("token", e.columnUnit());
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:abc\n")), "line 1, token 2", "'abc' is not a number");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:nan\n")), "line 1, token 2", "not a finite number");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:\n")), "line 1, token 2", "empty");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 x:1\n")), "line 1, token 2", "index 'x'");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 -1:1\n")), "index '-1'");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 99999999999999999999:1\n")), "too large");
        assertMalformed(() -> SvmLightReader.defaults().withIndexBase(SvmLightReader.IndexBase.ONE).read(svm("1 0:1\n")),
                "line 1, token 2", "1-based", "zero-based");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 3:1 2:1\n")), "line 1, token 3", "index 2 does not increase",
                "previous one was 3");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 2:1 2:5\n")), "line 1, token 3", "does not increase");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:1 qid:2\n")), "line 1, token 3", "qid must directly follow");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 qid:x 1:1\n")), "qid 'x'");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:1\nNaN 1:1\n")), "line 2, token 1", "label", "not a finite number");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1,2 1:1\n")), "line 1, token 1", "multi-label");
        assertMalformed(() -> SvmLightReader.readDataset(svm("a,b,y\n1,2,3\n")), "line 1, token 1", "'a,b,y'",
                "no index:value pairs: a CSV file? give --format csv");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:1e999\n")), "line 1, token 2", "out of the float64 range");
        assertMalformed(() -> SvmLightReader.defaults().withPrecision(Precision.FLOAT32).read(svm("1 1:1e-50\n")), "line 1, token 2",
                "'1e-50' is below the float32 range", "--precision float64");
        assertMalformed(() -> SvmLightReader.defaults().withPrecision(Precision.FLOAT32).read(svm("1e-45 1:1\n")), "line 1, token 1",
                "subnormal");
        assertMalformed(() -> SvmLightReader.defaults().withFeatures(2).read(svm("1 1:1\n2 3:1\n")),
                "line 2, token 2", "index 3 exceeds the 2 features");
    }

    @Test
    void reportsFilesWithoutDataOrFeatures() {
        assertMalformed(() -> SvmLightReader.readDataset(svm("# only a comment\n\n")), "no data lines");
        assertMalformed(() -> SvmLightReader.readDataset(svm("1\n2\n")), "no features");
        try (Dataset d = SvmLightReader.defaults().withFeatures(2).read(svm("1\n2\n"))) {
            assertData(d, new double[][] {{0, 0}, {0, 0}}, new double[] {1, 2});
        }
    }

    @Test
    void freesItsMemoryWhenALateValueOverflows() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            sb.append(i).append(" 1:1 50:2\n");
        }
        sb.append("1 1:1e999\n"); // syntax passes the first pass; the range fails in the second, after allocation
        Path f = svm(sb.toString());
        long before = Pointer.totalBytes();
        assertMalformed(() -> SvmLightReader.readDataset(f), "line 10001, token 2", "out of the float64 range");
        assertTrue(Pointer.totalBytes() < before + 8L * 50 * 10_000, "X (4 MB) must have been freed");
    }

    @Test
    void aNamedPipeIsReadOnceAndHugeTokensAreEchoedShort() throws Exception {
        assertMalformed(() -> SvmLightReader.readDataset(svm("1 1:" + "7".repeat(10) + "z".repeat(500_000) + "\n")),
                "line 1, token 2", "…' (500010 characters) is not a number");
        Path fifo = svm("").resolveSibling("pipe.svm");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0);
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "3 1:1 2:2\n6 2:5\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.setDaemon(true);
        writer.start();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        try {
            java.util.concurrent.Future<double[]> read = pool.submit(() -> {
                try (dev.downhill.Dataset d = SvmLightReader.readDataset(fifo)) {
                    return d.row(1);
                }
            });
            org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 5}, read.get(20, java.util.concurrent.TimeUnit.SECONDS), 0);
        } finally {
            pool.shutdownNow();
        }
    }
}
