package dev.downhill.io;

import static dev.downhill.io.NpyReaderTest.assertMalformed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CsvReader on good files (headers, targets, delimiters, quoting, line endings) and broken ones. */
class CsvReaderTest {
    /** Decimal text parsed to float64 is compared with the same literal in Java: exact. */
    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    private Path csv(String text) {
        try {
            return Files.writeString(dir.resolve("data.csv"), text, StandardCharsets.UTF_8);
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
    void aTextFileStartingWithTheLettersBZhAndADigitIsText() throws IOException {
        // "BZh" and a digit are bzip2's first four bytes, but also a header cell's; bzip2 is told by the block (or
        // end-of-stream) magic that follows them in every stream. A plain CSV with such a header, and bzip2 of it (whose
        // decompressed spool starts with the same letters), both read (were "cannot read …: Bad block header")
        String text = "BZh1,BZh2,y\n1,2,3.5\n2,1,3\n3,5,9.5\n";
        Path plain = csv(text);
        Path bz2 = dir.resolve("header.csv.bz2");
        try (java.io.OutputStream out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(
                Files.newOutputStream(bz2))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        double[][] x = {{1, 2}, {2, 1}, {3, 5}};
        for (Path f : new Path[] {plain, bz2}) {
            assertEquals(List.of("BZh1", "BZh2", "y"), CsvReader.defaults().layout(f).columnNames(), f.toString());
            try (Dataset d = CsvReader.readDataset(f)) {
                assertData(d, x, new double[] {3.5, 3, 9.5});
            }
        }
        // the bzip2 tool's empty stream ("BZh9", the end-of-stream magic, a CRC) is still bzip2: an empty file
        Path empty = dir.resolve("empty.csv.bz2");
        Files.write(empty, java.util.Base64.getDecoder().decode("QlpoORdyRThQkAAAAAA="));
        RuntimeException e = assertThrows(RuntimeException.class, () -> CsvReader.readDataset(empty).close());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void readsAGzipFileAsItsText() throws IOException {
        // both passes (the byte count of rows and the parse) read the decompressed text (the count read the gzip bytes)
        StringBuilder text = new StringBuilder("x1,x2,price\n");
        for (int i = 0; i < 500; i++) {
            text.append(i).append(',').append(-i * 0.5).append(',').append(i * 3).append('\n');
        }
        Path gz = dir.resolve("data.csv.gz");
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        try (Dataset d = CsvReader.readDataset(gz); Dataset plain = CsvReader.readDataset(csv(text.toString()))) {
            assertEquals(500, d.rows());
            assertArrayEquals(plain.targets(), d.targets(), EXACT);
            assertArrayEquals(plain.row(499), d.row(499), EXACT);
        }
    }

    @Test
    void readsAHeaderedFileWithTheLastColumnAsTarget() {
        Path f = csv("x1,x2,price\n1.5,-2,10\n3e2,.25,20.5\n");
        try (Dataset d = CsvReader.readDataset(f)) {
            assertEquals(Precision.FLOAT64, d.precision());
            assertData(d, new double[][] {{1.5, -2}, {300, 0.25}}, new double[] {10, 20.5});
        }
        CsvLayout layout = CsvReader.defaults().layout(f);
        assertTrue(layout.hasHeader());
        assertEquals(',', layout.delimiter());
        assertEquals("price", layout.targetName());
        assertEquals(List.of("x1", "x2"), layout.featureNames());
    }

    /**
     * NumPy's savetxt with a header writes "# " before it (a reviewer's find: the whitespace file failed as ragged, the
     * CSV named its first feature "# a"): the marker is dropped, with either delimiter, and the names are the header's.
     * Forced absent, a "#" line is data (and fails as such).
     */
    @Test
    void numpysSavetxtHeaderWithItsHashMarkerIsAHeader() {
        for (String text : new String[] {"# a,b,y\n1,2,3\n4,5,6.5\n", "# a b y\n1 2 3\n4 5 6.5\n", "#a\tb\ty\n1\t2\t3\n4\t5\t6.5\n"}) {
            Path f = csv(text);
            CsvLayout layout = CsvReader.defaults().layout(f);
            assertTrue(layout.hasHeader(), text);
            assertEquals(List.of("a", "b", "y"), layout.columnNames(), text);
            try (Dataset d = CsvReader.defaults().withTarget("a").read(f)) {
                assertData(d, new double[][] {{2, 3}, {5, 6.5}}, new double[] {1, 4});
            }
        }
        Path f = csv("# a,b,y\n1,2,3\n");
        assertThrows(MalformedFileException.class, () -> CsvReader.defaults().withHeader(CsvReader.Header.ABSENT).read(f).close());
    }

    /**
     * np.savetxt(f, Z, header="a,b,y") — the header as the README shows it, the rows with savetxt's default delimiter,
     * a space — writes "# a,b,y" over space-separated rows (a review: refused as "the row has 1 cells, expected 3", the
     * delimiter taken from the header): the rows' delimiter comes from the first data line when it splits that line into
     * as many cells as the header names; the one-thread and the ranged reads agree. A header that names another count
     * keeps its own delimiter (and the rows fail as before, naming it).
     */
    @Test
    void aHashHeaderOverRowsWithAnotherDelimiterTakesTheRowsDelimiter() {
        String rows = "1.000000000000000000e+00 2.000000000000000000e+00 3.000000000000000000e+00\n\n4 5 6.5\n";
        for (String text : new String[] {"# a,b,y\n" + rows, "# a b y\n1,2,3\n\n4,5,6.5\n", "# a;b;y\n1\t2\t3\n4\t5\t6.5\n"}) {
            Path f = csv(text);
            CsvLayout layout = CsvReader.defaults().layout(f);
            assertEquals(List.of("a", "b", "y"), layout.columnNames(), text);
            for (CsvReader reader : new CsvReader[] {CsvReader.defaults().withThreads(1),
                    CsvReader.defaults().withThreads(2).withRangeBytes(16)}) {
                try (Dataset d = reader.withTarget("y").read(f)) {
                    assertData(d, new double[][] {{1, 2}, {4, 5}}, new double[] {3, 6.5});
                }
            }
        }
        Path f = csv("# a,b\n1 2 3\n");
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> CsvReader.defaults().read(f).close());
        assertTrue(e.getMessage().contains("delimiter ','"), e.getMessage());
    }

    /** A comma file read with the tab delimiter asked for: the one-column message says what the line has instead. */
    @Test
    void aWrongDelimiterSaysWhatTheLineHas() {
        Path f = csv("a,b,y\n1,2,3\n");
        MalformedFileException e = assertThrows(MalformedFileException.class,
                () -> CsvReader.defaults().withDelimiter('\t').read(f).close());
        assertTrue(e.getMessage().endsWith("found 1 column with delimiter tab; need at least 2 (the features and the target): is "
                + "the delimiter right? (it has 3 columns with delimiter ',')"), e.getMessage());
    }

    /** A '#' comment line after the first: the row's error says such lines are not skipped, whichever way it fails. */
    @Test
    void aCommentLineInTheMiddleIsNamedAsOne() {
        for (String comment : new String[] {"# a note", "# 1,2,3"}) {
            Path f = csv("a,b,y\n1,2,3\n" + comment + "\n2,3,5\n");
            MalformedFileException e = assertThrows(MalformedFileException.class, () -> CsvReader.defaults().read(f).close());
            assertTrue(e.getMessage().contains("line 3") && e.getMessage().endsWith("the line starts with '#', and lines starting "
                    + "with '#' are not comments here (NumPy's loadtxt skips them): remove them, e.g. grep -v '^#'"), e.getMessage());
        }
    }

    /** A target name the header lacks: the header's names listed (the first eight, then how many more and the last). */
    @Test
    void anUnknownTargetListsTheHeadersNames() {
        Path few = csv("a,b,y\n1,2,3\n");
        MalformedFileException e = assertThrows(MalformedFileException.class,
                () -> CsvReader.defaults().withTarget("nosuch").read(few).close());
        assertTrue(e.getMessage().endsWith("no column is named 'nosuch'; the header names 3 columns: 'a', 'b', 'y'"), e.getMessage());
        StringBuilder header = new StringBuilder();
        StringBuilder row = new StringBuilder();
        for (int k = 0; k < 12; k++) {
            header.append("feature_").append(k).append(',');
            row.append(k).append(',');
        }
        Path many = csv(header + "y\n" + row + "1\n");
        e = assertThrows(MalformedFileException.class, () -> CsvReader.defaults().withTarget("nosuch").read(many).close());
        assertTrue(e.getMessage().endsWith("the header names 13 columns: 'feature_0', 'feature_1', 'feature_2', 'feature_3', "
                + "'feature_4', 'feature_5', 'feature_6', 'feature_7', … (5 more; the last 'y')"), e.getMessage());
    }

    /** Lines that end with the delimiter ("a,b,y,"): the empty last column is named as what it is (a review). */
    @Test
    void aTrailingDelimiterIsNamed() {
        for (String text : new String[] {"a,b,y,\n1,2,3,\n4,5,6,\n", "1,2,3,\n4,5,6,\n"}) {
            Path f = csv(text);
            MalformedFileException e = assertThrows(MalformedFileException.class, () -> CsvReader.readDataset(f).close());
            assertTrue(e.getMessage().contains("column 4: the cell is empty") && e.getMessage().endsWith("; the lines end with "
                    + "the delimiter ',', which makes an empty last column: remove it"), e.getMessage());
        }
        Path inner = csv("a,b,y\n1,,3\n");
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> CsvReader.readDataset(inner).close());
        assertFalse(e.getMessage().contains("delimiter"), e.getMessage());
    }

    @Test
    void readsAFileWithoutHeader() {
        Path f = csv("1,2,3\n4,5,6\n");
        try (Dataset d = CsvReader.readDataset(f)) {
            assertData(d, new double[][] {{1, 2}, {4, 5}}, new double[] {3, 6});
        }
        CsvLayout layout = CsvReader.defaults().layout(f);
        assertFalse(layout.hasHeader());
        assertEquals(List.of("column 1", "column 2"), layout.featureNames());
    }

    @Test
    void choosesTheTargetByNameOrIndex() {
        Path f = csv("a,target,b\n1,100,2\n3,300,4\n");
        try (Dataset d = CsvReader.defaults().withTarget("target").read(f)) {
            assertData(d, new double[][] {{1, 2}, {3, 4}}, new double[] {100, 300});
        }
        try (Dataset d = CsvReader.defaults().withTargetIndex(0).read(f)) {
            assertData(d, new double[][] {{100, 2}, {300, 4}}, new double[] {1, 3});
        }
        assertEquals(List.of("a", "b"), CsvReader.defaults().withTarget("target").layout(f).featureNames());
    }

    @Test
    void detectsSemicolonAndTabOrTakesTheDelimiterGiven() {
        try (Dataset d = CsvReader.readDataset(csv("a;b;y\n1;2;3\n"))) {
            assertData(d, new double[][] {{1, 2}}, new double[] {3});
        }
        try (Dataset d = CsvReader.readDataset(csv("a\tb\ty\n1\t2\t3\n4\t5\t6\n"))) {
            assertData(d, new double[][] {{1, 2}, {4, 5}}, new double[] {3, 6});
        }
        try (Dataset d = CsvReader.defaults().withDelimiter('|').read(csv("1|2\n3|4\n"))) {
            assertData(d, new double[][] {{1}, {3}}, new double[] {2, 4});
        }
    }

    /** NumPy's np.savetxt(f, np.column_stack([X, y])) writes '%.18e' cells separated by one space. */
    @Test
    void readsWhitespaceSeparatedCellsAsNumPySavetxtWritesThem() {
        Path f = csv("1.500000000000000000e+00 -2.000000000000000000e+00 1.000000000000000000e+01\n"
                + "  3.000000000000000000e+02   2.500000000000000000e-01\t2.050000000000000000e+01  \n");
        // the second line's tab: runs of any whitespace separate, once the first line chose whitespace
        try (Dataset d = CsvReader.readDataset(f)) {
            assertData(d, new double[][] {{1.5, -2}, {300, 0.25}}, new double[] {10, 20.5});
        }
        Path named = csv("\"x one\"  x2 y\n1 2 3\n");
        CsvLayout layout = CsvReader.defaults().layout(named);
        assertEquals(' ', layout.delimiter());
        assertEquals(List.of("x one", "x2", "y"), layout.columnNames());
        try (Dataset d = CsvReader.defaults().read(named)) {
            assertData(d, new double[][] {{1, 2}}, new double[] {3});
        }
        assertMalformed(() -> CsvReader.readDataset(csv("1 2 3\n4 5\n")), "line 2", "2 cells, expected 3", "delimiter whitespace");
        assertMalformed(() -> CsvReader.readDataset(csv("\"1\"2 3\n")), "after the closing quote");
        // a comma anywhere in the first line keeps comma-separated cells, spaces in them stripped as before
        try (Dataset d = CsvReader.readDataset(csv("1 ,2\n3, 4\n"))) {
            assertData(d, new double[][] {{1}, {3}}, new double[] {2, 4});
        }
    }

    @Test
    void handlesQuotesBlankLinesCrlfBomAndSpaces() {
        String text = "\uFEFF\"x, first\",\"say \"\"y\"\"\"\r\n\r\n \"1.5\" , 2 \r\n\n3,\"4\"";
        Path f = csv(text);
        try (Dataset d = CsvReader.readDataset(f)) {
            assertData(d, new double[][] {{1.5}, {3}}, new double[] {2, 4});
        }
        assertEquals(List.of("x, first", "say \"y\""), CsvReader.defaults().layout(f).columnNames());
    }

    @Test
    void headerCanBeForcedEitherWay() {
        Path numericNames = csv("1,2\n3,4\n5,6\n");
        try (Dataset d = CsvReader.defaults().withHeader(CsvReader.Header.PRESENT).read(numericNames)) {
            assertData(d, new double[][] {{3}, {5}}, new double[] {4, 6});
        }
        Path f = csv("a,b\n1,2\n");
        assertMalformed(() -> CsvReader.defaults().withHeader(CsvReader.Header.ABSENT).read(f),
                "line 1, column 1", "'a' is not a number");
    }

    @Test
    void pandasColumnLabelsAreAHeaderAndMessagesSayWhatToGive() {
        // pd.DataFrame(np.c_[X, y]).to_csv(f, index=False) writes "0,1,2": a review found it fitted as a data row, silently
        Path labels = csv("0,1,2\n1.5,2,3\n4,5,6.5\n");
        try (Dataset d = CsvReader.readDataset(labels)) {
            assertData(d, new double[][] {{1.5, 2}, {4, 5}}, new double[] {3, 6.5});
        }
        assertEquals(List.of("0", "1", "2"), CsvReader.defaults().layout(labels).columnNames());
        try (Dataset d = CsvReader.defaults().withHeader(CsvReader.Header.ABSENT).read(labels)) {
            assertEquals(3, d.rows(), "read as data when asked");
        }
        // pandas' to_csv with its index: an empty cell, then the labels (the index column is then a feature, named '')
        assertEquals(List.of("", "0", "1", "2"), CsvReader.defaults().layout(csv(",0,1,2\n0,1.5,2,3\n")).columnNames());
        // fewer than 3 labels are as likely data ("0,1": x from 0, a 0/1 target): a review found a row lost so
        for (String notLabels : new String[] {"1,2,3\n4,5,6\n", "0,2,1\n4,5,6\n", "0,1.0,2\n4,5,6\n", "1,0\n4,5\n",
                "0,1\n4,5\n", ",0,1\n3,4,5\n"}) {
            assertFalse(CsvReader.defaults().layout(csv(notLabels)).hasHeader(), notLabels);
        }
        // a header with a number among names: the message names the option that reads it as one
        assertMalformed(() -> CsvReader.readDataset(csv("x1,2020,y\n1,2,3\n")), "line 1, column 1", "'x1' is not a number",
                "give --header yes if it is one");
        // a '#' comment over the real header: the '#' line is savetxt's header, and the message says so
        assertMalformed(() -> CsvReader.readDataset(csv("# my data\na,b,y\n1,2,3\n")), "line 2", "the row has 1 cell, expected 2",
                "line 1 starts with '#' and was read as a header");
        // UTF-16 text (NUL bytes between the ASCII ones) is named as such
        Path utf16 = dir.resolve("utf16.csv");
        try {
            Files.write(utf16, "a,b\n1,2\n".getBytes(StandardCharsets.UTF_16LE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertMalformed(() -> CsvReader.readDataset(utf16), "line 1", "the file looks UTF-16 encoded", "save it as UTF-8");
        // xz (or zstd, lz4, zip) by its magic bytes, whatever the name: named, with what to do (was a row-count error)
        Path xz = dir.resolve("data.dat");
        try {
            Files.write(xz, new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, (byte) 0xe6, (byte) 0xd6, (byte) 0xb4, 0x46});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        UncheckedIOException packed = assertThrows(UncheckedIOException.class, () -> CsvReader.readDataset(xz));
        assertTrue(packed.getMessage().contains("the file is xz-compressed, which is not read (gzip and bzip2 are)"),
                packed.getMessage());
    }

    @Test
    void readsFloat32RoundingEachCellOnce() {
        Path f = csv("0.1,0.2\n16777217,3.4028235e38\n");
        try (Dataset d = CsvReader.defaults().withPrecision(Precision.FLOAT32).read(f)) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertEquals((double) 0.1f, d.x(0, 0), EXACT);
            assertEquals((double) 0.2f, d.y(0), EXACT);
            assertEquals(16777216.0, d.x(1, 0), EXACT, "2^24 + 1 rounds to 2^24 in float32");
            assertEquals((double) Float.MAX_VALUE, d.y(1), EXACT);
        }
    }

    // ---------------------------------------------------------------- broken files

    @Test
    void reportsARaggedRowWithItsLine() {
        Path f = csv("a,b,y\n1,2,3\n\n4,5\n6,7,8\n");
        MalformedFileException e = assertMalformed(() -> CsvReader.readDataset(f),
                "data.csv: line 4", "2 cells, expected 3");
        assertEquals(4, e.line());
        assertMalformed(() -> CsvReader.readDataset(csv("1,2\n3,4,5\n")), "line 2", "3 cells, expected 2");
    }

    @Test
    void reportsBadCellsWithLineColumnAndName() {
        MalformedFileException nan = assertMalformed(() -> CsvReader.readDataset(csv("a,b,y\n1,2,3\n4,NaN,6\n")),
                "data.csv: line 3, column 2", "'NaN' is not a finite number", "(column 'b')");
        assertEquals(3, nan.line());
        assertEquals(2, nan.column());
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,5,-inf\n")), "line 2, column 3", "not a finite number");
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,,6\n")), "line 2, column 2", "empty");
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,5,\n")), "line 2, column 3", "empty");
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,five,6\n")), "line 2, column 2", "'five' is not a number");
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,0x10,6\n")), "'0x10' is not a number");
        assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4,1e999,6\n")), "line 2, column 2", "out of the float64 range");
        assertMalformed(() -> CsvReader.defaults().withPrecision(Precision.FLOAT32).read(csv("1,1e39\n")),
                "line 1, column 2", "out of the float32 range", "--precision float64", "in the library, Precision.FLOAT64");
        // a non-zero literal float32 would hold as 0 (1e-50) or a subnormal (1e-40) is refused too; zeros are not
        assertMalformed(() -> CsvReader.defaults().withPrecision(Precision.FLOAT32).read(csv("1,2\n3,1e-50\n")),
                "line 2, column 2", "'1e-50' is below the float32 range", "become 0", "--precision float64");
        assertMalformed(() -> CsvReader.defaults().withPrecision(Precision.FLOAT32).read(csv("-1e-40,2\n3,4\n")),
                "line 1, column 1", "'-1e-40' is below the float32 range", "subnormal");
        try (Dataset d = CsvReader.defaults().withPrecision(Precision.FLOAT32).read(csv("0e-50,-0.000,5\n"))) {
            assertEquals(0.0, d.x(0, 0), EXACT);
        }
        assertMalformed(() -> CsvReader.readDataset(csv("x,y\n1,2\n\"3,4\n")), "line 3, column 1", "unterminated quote");
        // a first row mixing numbers and text is data, so the text is reported rather than the row dropped
        assertMalformed(() -> CsvReader.readDataset(csv("1,b,3\n4,5,6\n")), "line 1, column 2", "'b' is not a number");
        // and says why it was not taken as a header (a hostile user's 'x,2020,y' header)
        assertMalformed(() -> CsvReader.readDataset(csv("x,2020,y\n4,5,6\n")), "line 1, column 1", "'x' is not a number",
                "line 1 was read as data, not as a header, since some of its cells are numbers");
        // a later line's text says nothing of headers
        MalformedFileException later = assertThrows(MalformedFileException.class,
                () -> CsvReader.readDataset(csv("1,2,3\n4,b,6\n")));
        assertFalse(later.getMessage().contains("header"), later.getMessage());
    }

    @Test
    void reportsLayoutProblems() {
        assertMalformed(() -> CsvReader.readDataset(csv("")), "empty");
        assertMalformed(() -> CsvReader.readDataset(csv("\n  \n")), "empty");
        assertMalformed(() -> CsvReader.readDataset(csv("a,b\n\n")), "header (line 1) but no data rows");
        assertMalformed(() -> CsvReader.readDataset(csv("1\n2\n")), "found 1 column", "delimiter");
        Path f = csv("a,b,y\n1,2,3\n");
        assertMalformed(() -> CsvReader.defaults().withTarget("price").read(f), "no column is named 'price'", "'a', 'b', 'y'");
        assertMalformed(() -> CsvReader.defaults().withTargetIndex(3).read(f), "index 3", "3 columns");
        assertMalformed(() -> CsvReader.defaults().withTarget("y").read(csv("1,2\n")), "no header");
        assertMalformed(() -> CsvReader.defaults().withTarget("a").read(csv("a,a,y\n1,2,3\n")), "several columns");
        assertThrows(UncheckedIOException.class, () -> CsvReader.readDataset(dir.resolve("missing.csv")));
    }

    @Test
    void freesItsMemoryWhenTheLastRowIsBad() {
        StringBuilder sb = new StringBuilder();
        int rows = 20_000;
        for (int i = 0; i < rows; i++) {
            sb.append(i).append(',').append(i + 1).append(',').append(i + 2).append('\n');
        }
        sb.append("1,2,oops\n");
        Path f = csv(sb.toString());
        long before = Pointer.totalBytes();
        assertMalformed(() -> CsvReader.readDataset(f), "line " + (rows + 1) + ", column 3");
        assertTrue(Pointer.totalBytes() < before + 8L * 2 * rows, "X (320 KB) must have been freed");
    }

    @Test
    void aHugeBadCellIsEchoedShort() {
        String cell = "x".repeat(1_000_000);
        MalformedFileException e = assertMalformed(() -> CsvReader.readDataset(csv("1,2,3\n4," + cell + ",6\n")),
                "line 2, column 2", "'" + "x".repeat(60) + "…' (1000000 characters) is not a number");
        assertTrue(e.getMessage().length() < 300, "message length " + e.getMessage().length());
        assertEquals("'abc'", MalformedFileException.quote("abc"));
        assertEquals(62, MalformedFileException.quote("y".repeat(60)).length(), "60 characters are echoed whole");
    }

    @Test
    void aBadCellsControlCharactersAreEscapedInTheOneLineMessage() {
        // a binary file read as text, or a cell holding a terminal escape: the message is one clean line
        assertMalformed(() -> CsvReader.readDataset(csv("a,y\n1,2\n\u001b[31mred\u0007\u0000,3\n")),
                "line 3, column 1", "'\\x1b[31mred\\x07\\x00' is not a number");
        assertEquals("'a\\x7fb\\u2028c'", MalformedFileException.quote("a\u007fb\u2028c"));
        assertEquals("'tab\\x09'", MalformedFileException.quote("tab\t"));
    }

    @Test
    void aNamedPipeIsReadOnceWithoutHanging() throws Exception {
        Path fifo = dir.resolve("pipe.csv");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
                "mkfifo is available");
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, "a,b,y\n1,2,3\n4,5,6\n", StandardCharsets.UTF_8); // blocks until the reader opens it
            } catch (IOException e) {
                throw new UncheckedIOException(e);
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
                try (Dataset d = CsvReader.readDataset(fifo)) {
                    return d.targets();
                }
            });
            // before the fix the second pass opened the pipe again and waited forever for a writer
            assertArrayEquals(new double[] {3, 6}, read.get(20, java.util.concurrent.TimeUnit.SECONDS), EXACT);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * withoutTarget reads every column as a feature (y zero), one column included; withFeatureColumns picks X's columns
     * in the order given and skips the others unparsed (text in an id or a date column is no error) — on one thread and
     * on several, alike.
     */
    @Test
    void readsFeaturesWithoutATargetAndPicksColumnsInAnyOrder() throws IOException {
        Path f = Files.writeString(dir.resolve("table.csv"), "id,c,a,date,b\nr1,3,1,2024-01-01,2\nr2,6,4,2024-01-02,5\nr3,9,7,2024-01-03,8\n");
        for (CsvReader reader : new CsvReader[] {CsvReader.defaults(), CsvReader.defaults().withThreads(2).withRangeBytes(16)}) {
            try (Dataset d = reader.withoutTarget().withFeatureColumns(2, 4, 1).read(f)) {
                assertData(d, new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}, new double[] {0, 0, 0});
            }
            try (Dataset d = reader.withTarget("c").withFeatureColumns(4, 2).read(f)) {
                assertData(d, new double[][] {{2, 1}, {5, 4}, {8, 7}}, new double[] {3, 6, 9});
            }
        }
        try (Dataset d = CsvReader.defaults().withoutTarget().read(csv("1.5\n2.5\n"))) {
            assertData(d, new double[][] {{1.5}, {2.5}}, new double[] {0, 0});
        }
        try (Dataset d = CsvReader.defaults().withoutTarget().withWeightColumn("w").read(csv("a,w,b\n1,2,3\n4,5,6\n"))) {
            assertData(d, new double[][] {{1, 3}, {4, 6}}, new double[] {0, 0});
            assertTrue(d.isWeighted());
        }
        assertEquals(-1, CsvReader.defaults().withoutTarget().layout(f).targetIndex());
        assertEquals(5, CsvReader.defaults().withoutTarget().layout(f).features());
        assertMalformed(() -> CsvReader.defaults().withFeatureColumns(1, 4).read(f), "'b'", "as a feature and as the target");
        assertMalformed(() -> CsvReader.defaults().withoutTarget().withFeatureColumns(1, 7).read(f), "index 7", "5 columns");
        assertThrows(IllegalArgumentException.class, () -> CsvReader.defaults().withFeatureColumns(1, 1));
    }
}
