package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The svmlight reader's passes on several threads (ranges of whole lines, {@link TextRanges}) against the same reader on
 * one thread: the same bytes of X, y and the CSR arrays, and the same errors (line numbers counted from the file's start).
 */
class SvmLightRangesTest {
    /** Small ranges, so that a test file of a few hundred kB is cut in several. */
    private static final long RANGE_BYTES = 24 << 10;

    @TempDir
    Path dir;

    /**
     * About {@code bytes} of svmlight text with what a file may hold: a byte-order mark, \n and \r\n line ends, blank
     * lines, comment lines and comments after the data, qid tokens, values with exponents, and rows without pairs.
     */
    private Path file(String name, int bytes, long seed, boolean zeroBased) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("\uFEFF");
        while (sb.length() < bytes) {
            switch (r.nextInt(40)) {
                case 0 -> sb.append("\r\n");
                case 1 -> sb.append("# a comment line, ü\n");
                case 2 -> sb.append("   \t\n");
                default -> {
                    sb.append(r.nextInt(-9, 10)).append('.').append(r.nextInt(100));
                    if (r.nextInt(10) == 0) {
                        sb.append(" qid:").append(r.nextInt(50));
                    }
                    int j = zeroBased ? -1 : 0;
                    for (int k = 0, n = r.nextInt(0, 9); k < n; k++) {
                        j += r.nextInt(1, 60);
                        sb.append(' ').append(j).append(':').append(String.format(java.util.Locale.ROOT, "%.9f", r.nextGaussian()))
                                .append(r.nextInt(5) == 0 ? "e-3" : "");
                    }
                    sb.append(r.nextInt(12) == 0 ? " # trailing comment" : "").append(r.nextBoolean() ? "\n" : "\r\n");
                }
            }
        }
        if (zeroBased) {
            sb.append("1 0:2.5\n"); // an index 0: the file is 0-based by scikit-learn's rule
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        return f;
    }

    /** The first {@code elements} values of {@code size} bytes at {@code p}, as bytes (to compare bit for bit). */
    static byte[] bytes(Pointer p, long elements, int size) {
        ByteBuffer b = p.position(0).capacity(elements).limit(elements).asByteBuffer();
        byte[] out = new byte[(int) (elements * size)];
        b.get(out);
        return out;
    }

    private static SvmLightReader ranged(SvmLightReader r) {
        return r.withThreads(4).withRangeBytes(RANGE_BYTES);
    }

    @Test
    void rangesGiveTheOneThreadReadsBytes() throws IOException {
        for (boolean zeroBased : new boolean[] {false, true}) {
            Path f = file("d" + zeroBased + ".svm", 300_000, zeroBased ? 1 : 2, zeroBased);
            long[] cuts = TextRanges.cuts(f, 4, RANGE_BYTES);
            assertEquals(5, cuts.length, "four ranges");
            for (Precision p : Precision.values()) {
                SvmLightReader one = SvmLightReader.defaults().withPrecision(p).withThreads(1);
                List<SvmLightReader.IndexBase> reports = new ArrayList<>();
                SvmLightReader four = ranged(one).withIndexBaseReport(reports::add);
                long ranged = TextRanges.COMPLETED.get();
                try (SparseData a = one.readSparse(f); SparseData b = four.readSparse(f)) {
                    assertEquals(ranged + 1, TextRanges.COMPLETED.get(), "the four threads' read ran to its end");
                    assertEquals(a.x().rows(), b.x().rows());
                    assertEquals(a.x().cols(), b.x().cols());
                    long nnz = a.x().nonZeros();
                    assertEquals(nnz, b.x().nonZeros());
                    assertArrayEquals(bytes(a.x().rowPointers(), a.x().rows() + 1, 8), bytes(b.x().rowPointers(), b.x().rows() + 1, 8));
                    assertArrayEquals(bytes(a.x().columnIndices(), nnz, 4), bytes(b.x().columnIndices(), nnz, 4));
                    assertArrayEquals(bytes(a.x().values(), nnz, p.bytes()), bytes(b.x().values(), nnz, p.bytes()));
                    assertArrayEquals(bytes(a.y().pointer(), a.y().length(), p.bytes()), bytes(b.y().pointer(), b.y().length(), p.bytes()));
                }
                assertEquals(List.of(zeroBased ? SvmLightReader.IndexBase.ZERO : SvmLightReader.IndexBase.ONE), reports, "reported once");
                try (Dataset a = one.read(f); Dataset b = four.read(f)) {
                    assertEquals(ranged + 2, TextRanges.COMPLETED.get(), "the four threads' dense read ran to its end");
                    assertEquals(a.cols(), b.cols());
                    assertArrayEquals(bytes(a.xPointer(), a.rows() * a.cols(), p.bytes()), bytes(b.xPointer(), b.rows() * b.cols(), p.bytes()));
                    assertArrayEquals(bytes(a.yPointer(), a.rows(), p.bytes()), bytes(b.yPointer(), b.rows(), p.bytes()));
                }
            }
        }
    }

    /**
     * read(file, decision): the decision sees the whole file's shape (rows, features, stored values) before anything is
     * allocated, and the file is read dense or sparse as it says — the same bytes as read and readSparse, on one thread
     * and on four.
     */
    @Test
    void theShapeDecidesBetweenTheDenseAndTheSparseRead() throws IOException {
        Path f = file("c.svm", 200_000, 7, false);
        SvmLightReader one = SvmLightReader.defaults().withThreads(1);
        for (SvmLightReader reader : new SvmLightReader[] {one, ranged(one)}) {
            List<SvmLightReader.FileShape> seen = new ArrayList<>();
            try (SparseData a = one.readSparse(f);
                 SvmLightReader.Read b = reader.read(f, shape -> seen.add(shape))) {
                assertTrue(b.isSparse() && b.dense() == null);
                assertEquals(1, seen.size(), "asked once");
                SvmLightReader.FileShape shape = seen.get(0);
                assertEquals(new SvmLightReader.FileShape(SvmLightReader.IndexBase.ONE, a.x().rows(), a.x().cols(),
                        a.x().nonZeros(), shape.largestIndexLine()), shape, "the file's shape");
                String line = Files.readAllLines(f, StandardCharsets.UTF_8).get((int) shape.largestIndexLine() - 1);
                assertTrue(line.contains(" " + a.x().cols() + ":"), "the largest index's line: " + line);
                long nnz = a.x().nonZeros();
                assertArrayEquals(bytes(a.x().rowPointers(), a.x().rows() + 1, 8), bytes(b.sparse().x().rowPointers(), a.x().rows() + 1, 8));
                assertArrayEquals(bytes(a.x().columnIndices(), nnz, 4), bytes(b.sparse().x().columnIndices(), nnz, 4));
                assertArrayEquals(bytes(a.x().values(), nnz, 8), bytes(b.sparse().x().values(), nnz, 8));
                assertArrayEquals(bytes(a.y().pointer(), a.y().length(), 8), bytes(b.sparse().y().pointer(), a.y().length(), 8));
            }
            try (Dataset a = one.read(f); SvmLightReader.Read b = reader.read(f, shape -> false)) {
                assertTrue(!b.isSparse() && b.sparse() == null);
                assertArrayEquals(bytes(a.xPointer(), a.rows() * a.cols(), 8), bytes(b.dense().xPointer(), a.rows() * a.cols(), 8));
                assertArrayEquals(bytes(a.yPointer(), a.rows(), 8), bytes(b.dense().yPointer(), a.rows(), 8));
            }
        }
        // a dense read over the limit is refused after the decision, as read refuses it; the sparse read has no limit
        SvmLightReader tight = one.withDenseLimit(1_000);
        assertThrows(MalformedFileException.class, () -> tight.read(f, shape -> false));
        try (SvmLightReader.Read b = tight.read(f, shape -> shape.rows() * shape.features() * 8 > 1_000)) {
            assertTrue(b.isSparse());
        }
    }

    /**
     * gzip text is decompressed once into a plain copy whose passes are cut into ranges like any file's (it was read as
     * one stream, decompressed on each pass): the plain file's one-thread bytes, and the ranged read ran to its end.
     */
    @Test
    void gzipTextIsReadInRangesOfItsDecompressedCopy() throws IOException {
        Path f = file("z.svm", 200_000, 6, false);
        Path gz = dir.resolve("z.svm.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(f, out);
        }
        long ranged = TextRanges.COMPLETED.get();
        try (SparseData a = SvmLightReader.defaults().withThreads(1).readSparse(f);
             SparseData b = ranged(SvmLightReader.defaults()).readSparse(gz)) {
            assertEquals(ranged + 1, TextRanges.COMPLETED.get(), "the gzip file's four-thread read ran to its end");
            long nnz = a.x().nonZeros();
            assertEquals(a.x().rows(), b.x().rows());
            assertEquals(nnz, b.x().nonZeros());
            assertArrayEquals(bytes(a.x().rowPointers(), a.x().rows() + 1, 8), bytes(b.x().rowPointers(), b.x().rows() + 1, 8));
            assertArrayEquals(bytes(a.x().columnIndices(), nnz, 4), bytes(b.x().columnIndices(), nnz, 4));
            assertArrayEquals(bytes(a.x().values(), nnz, 8), bytes(b.x().values(), nnz, 8));
            assertArrayEquals(bytes(a.y().pointer(), a.y().length(), 8), bytes(b.y().pointer(), b.y().length(), 8));
        }
    }

    /**
     * A report that throws (a caller refusing the numbering) is called once and ends the read with its exception, as on
     * one thread: the ranged read once took it for a failure of its own and read the file again on one thread, which
     * called the report a second time.
     */
    @Test
    void aReportThatThrowsIsCalledOnce() throws IOException {
        Path f = file("r.svm", 200_000, 5, false);
        for (int threads : new int[] {1, 4}) {
            for (boolean sparse : new boolean[] {false, true}) {
                List<SvmLightReader.IndexBase> reports = new ArrayList<>();
                SvmLightReader reader = SvmLightReader.defaults().withThreads(threads).withRangeBytes(RANGE_BYTES)
                        .withIndexBaseReport(base -> {
                            reports.add(base);
                            throw new IllegalStateException("the numbering is refused");
                        });
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> (sparse ? (AutoCloseable) reader.readSparse(f) : reader.read(f)).close());
                assertEquals("the numbering is refused", e.getMessage());
                assertEquals(List.of(SvmLightReader.IndexBase.ONE), reports, threads + " threads, sparse " + sparse + ": reported once");
            }
        }
    }

    @Test
    void errorsNameTheLineCountedFromTheFilesStart() throws IOException {
        Path good = file("good.svm", 200_000, 3, false);
        List<String> lines = new ArrayList<>(Files.readAllLines(good, StandardCharsets.UTF_8));
        int bad = lines.size() - 20; // in the last range
        lines.set(bad, "1 3:x");
        Path f = dir.resolve("bad.svm");
        Files.write(f, lines, StandardCharsets.UTF_8);
        assertTrue(TextRanges.cuts(f, 4, RANGE_BYTES).length > 3);
        String one = assertThrows(MalformedFileException.class, () -> SvmLightReader.defaults().withThreads(1).readSparse(f).close()).getMessage();
        String four = assertThrows(MalformedFileException.class, () -> ranged(SvmLightReader.defaults()).readSparse(f).close()).getMessage();
        assertEquals(one, four);
        assertTrue(four.contains("line " + (bad + 1)), four);
        // the largest index beyond a given feature count: named by its line in the file (the ranges add their lines up)
        String oneDense = assertThrows(MalformedFileException.class, () -> SvmLightReader.defaults().withThreads(1).withFeatures(100)
                .read(good).close()).getMessage();
        String fourDense = assertThrows(MalformedFileException.class, () -> ranged(SvmLightReader.defaults()).withFeatures(100)
                .read(good).close()).getMessage();
        assertEquals(oneDense, fourDense);
        try (SparseData a = SvmLightReader.defaults().withThreads(1).readSparse(good)) {
            String ranged = assertThrows(MalformedFileException.class, () -> ranged(SvmLightReader.defaults())
                    .withFeatures(a.x().cols() - 1).readSparse(good).close()).getMessage();
            String single = assertThrows(MalformedFileException.class, () -> SvmLightReader.defaults().withThreads(1)
                    .withFeatures(a.x().cols() - 1).readSparse(good).close()).getMessage();
            assertEquals(single, ranged);
        }
    }

    @Test
    void cutsLieAfterNewlinesAndSmallOrCompressedFilesAreOneRange() throws IOException {
        Path f = file("c.svm", 200_000, 4, false);
        byte[] all = Files.readAllBytes(f);
        long[] cuts = TextRanges.cuts(f, 6, RANGE_BYTES);
        assertEquals(0, cuts[0]);
        assertEquals(all.length, cuts[cuts.length - 1]);
        for (int k = 1; k < cuts.length - 1; k++) {
            assertEquals('\n', all[(int) cuts[k] - 1], "cut " + k);
            assertTrue(cuts[k] - cuts[k - 1] >= RANGE_BYTES);
        }
        assertEquals(2, TextRanges.cuts(f, 1, RANGE_BYTES).length, "one thread");
        assertEquals(2, TextRanges.cuts(f, 6, all.length).length, "too small for two ranges");
        Path gz = dir.resolve("c.svm.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int k = 0; k < 40; k++) {
                out.write(all); // large enough to cut, but gzip is read as one stream
            }
        }
        assertEquals(2, TextRanges.cuts(gz, 6, RANGE_BYTES).length);
    }
}
