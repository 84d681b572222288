package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV reader's rows parsed on several threads (ranges of whole lines, {@link TextRanges}) against the same reader on
 * one thread: the same bytes of X, y and the weights, and the same errors (line numbers from the file's start).
 */
class CsvRangesTest {
    private static final long RANGE_BYTES = 24 << 10;

    @TempDir
    Path dir;

    /**
     * About {@code bytes} of a table of 5 columns (a, b, "c", w, price) with what a file may hold: a byte-order mark, a
     * header (or not), \n and \r\n line ends, blank lines, quoted cells, spaces around cells, exponents.
     */
    private Path table(String name, int bytes, long seed, boolean header, String delimiter) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("\uFEFF");
        if (header) {
            sb.append(String.join(delimiter, "a", "b", "\"c\"", "w", "price")).append('\n');
        }
        while (sb.length() < bytes) {
            if (r.nextInt(30) == 0) {
                sb.append(r.nextBoolean() ? "\n" : "  \r\n");
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                String v = k == 3 ? String.format(Locale.ROOT, "%.3f", r.nextDouble() * 2)
                        : String.format(Locale.ROOT, "%.9f", r.nextGaussian() * 100) + (r.nextInt(6) == 0 ? "e-2" : "");
                cells.add(!delimiter.equals(" ") && r.nextInt(10) == 0 ? "\"" + v + "\"" : v);
            }
            sb.append(String.join(delimiter, cells)).append(r.nextBoolean() ? "\n" : "\r\n");
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        return f;
    }

    private static void assertSameData(Dataset a, Dataset b) {
        int size = a.precision().bytes();
        assertEquals(a.rows(), b.rows());
        assertEquals(a.cols(), b.cols());
        assertArrayEquals(SvmLightRangesTest.bytes(a.xPointer(), a.rows() * a.cols(), size), SvmLightRangesTest.bytes(b.xPointer(), b.rows() * b.cols(), size));
        assertArrayEquals(SvmLightRangesTest.bytes(a.yPointer(), a.rows(), size), SvmLightRangesTest.bytes(b.yPointer(), b.rows(), size));
        assertEquals(a.isWeighted(), b.isWeighted());
        if (a.isWeighted()) {
            assertArrayEquals(SvmLightRangesTest.bytes(a.weightsPointer(), a.rows(), 8), SvmLightRangesTest.bytes(b.weightsPointer(), b.rows(), 8));
        }
    }

    @Test
    void rangesGiveTheOneThreadReadsBytes() throws IOException {
        Path withHeader = table("h.csv", 300_000, 1, true, ",");
        Path bare = table("n.csv", 300_000, 2, false, ";");
        Path spaced = table("s.txt", 300_000, 3, false, " ");
        assertEquals(5, TextRanges.cuts(withHeader, 4, RANGE_BYTES).length, "four ranges");
        for (Precision p : Precision.values()) {
            CsvReader[] readers = {
                CsvReader.defaults().withPrecision(p).withTarget("price").withWeightColumn("w"),
                CsvReader.defaults().withPrecision(p).withTargetIndex(1),
            };
            for (CsvReader reader : readers) {
                Path f = reader == readers[0] ? withHeader : bare;
                long ranged = TextRanges.COMPLETED.get();
                try (Dataset one = reader.withThreads(1).read(f); Dataset four = reader.withThreads(4).withRangeBytes(RANGE_BYTES).read(f)) {
                    assertEquals(ranged + 1, TextRanges.COMPLETED.get(), "the four threads' read ran to its end");
                    assertSameData(one, four);
                }
            }
            CsvReader whitespace = CsvReader.defaults().withPrecision(p).withDelimiter(' ');
            try (Dataset one = whitespace.withThreads(1).read(spaced);
                 Dataset four = whitespace.withThreads(4).withRangeBytes(RANGE_BYTES).read(spaced)) {
                assertSameData(one, four);
            }
        }
    }

    /** withPrecision keeps the threads and the range size set before it (it once reset both: --threads was lost with --precision). */
    @Test
    void withPrecisionKeepsTheThreads() throws IOException {
        Path f = table("p.csv", 200_000, 5, true, ",");
        for (Precision p : Precision.values()) {
            long ranged = TextRanges.COMPLETED.get();
            try (Dataset one = CsvReader.defaults().withPrecision(p).withThreads(1).read(f);
                 Dataset four = CsvReader.defaults().withThreads(4).withRangeBytes(RANGE_BYTES).withPrecision(p).read(f)) {
                assertEquals(ranged + 1, TextRanges.COMPLETED.get(), "read in ranges: withPrecision kept withThreads/withRangeBytes");
                assertEquals(p, four.precision());
                assertSameData(one, four);
            }
            ranged = TextRanges.COMPLETED.get();
            try (Dataset one = CsvReader.defaults().withThreads(1).withRangeBytes(RANGE_BYTES).withPrecision(p).read(f)) {
                assertEquals(ranged, TextRanges.COMPLETED.get(), "withThreads(1) kept: one range");
                assertEquals(p, one.precision());
            }
        }
    }

    @Test
    void errorsNameTheLineCountedFromTheFilesStart() throws IOException {
        Path good = table("g.csv", 200_000, 4, true, ",");
        List<String> lines = new ArrayList<>(Files.readAllLines(good, StandardCharsets.UTF_8));
        int bad = lines.size() - 10;
        lines.set(bad, "1,2,x,0.5,3");
        Path f = dir.resolve("bad.csv");
        Files.write(f, lines, StandardCharsets.UTF_8);
        assertTrue(TextRanges.cuts(f, 4, RANGE_BYTES).length > 3);
        CsvReader reader = CsvReader.defaults().withWeightColumn("w");
        String one = assertThrows(MalformedFileException.class, () -> reader.withThreads(1).read(f).close()).getMessage();
        String four = assertThrows(MalformedFileException.class,
                () -> reader.withThreads(4).withRangeBytes(RANGE_BYTES).read(f).close()).getMessage();
        assertEquals(one, four);
        assertTrue(four.contains("line " + (bad + 1)), four);
    }
}
