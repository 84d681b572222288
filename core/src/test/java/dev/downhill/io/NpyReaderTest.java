package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** NpyReader on hand-built files: every dtype and order, precision conversions, and broken files. */
class NpyReaderTest {
    /** Every value in these tests is exactly representable in the precision read, so comparisons are exact. */
    private static final double EXACT = 0.0;

    @TempDir
    Path dir;

    static MalformedFileException assertMalformed(Executable call, String... fragments) {
        MalformedFileException e = assertThrows(MalformedFileException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        return e;
    }

    private static void assertMatrix(HostArray a, String descr, int rows, int cols, Precision precision) {
        assertEquals(2, a.rank());
        assertEquals(rows, a.rows());
        assertEquals(cols, a.cols());
        assertEquals(precision, a.precision());
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(NpyFiles.value(descr, i, j), a.get(i, j), EXACT, descr + " (" + i + ", " + j + ")");
            }
        }
    }

    static Stream<Arguments> dtypesAndOrders() {
        return Stream.of("<f4", "<f8", "<i4", "<i8")
                .flatMap(d -> Stream.of(Arguments.of(d, false), Arguments.of(d, true)));
    }

    @ParameterizedTest(name = "{0} fortran={1}")
    @MethodSource("dtypesAndOrders")
    void readsEveryDtypeInBothOrdersAtItsNaturalPrecision(String descr, boolean fortran) {
        Path f = NpyFiles.matrix(dir.resolve("x.npy"), descr, fortran, 5, 7);
        Precision natural = descr.equals("<f4") ? Precision.FLOAT32 : Precision.FLOAT64;
        try (HostArray a = NpyReader.readMatrix(f)) {
            assertMatrix(a, descr, 5, 7, natural);
        }
        NpyHeader h = NpyReader.readHeader(f);
        assertEquals(fortran, h.fortranOrder());
        assertEquals(descr, h.dtype().descr());
        assertEquals(128, h.dataOffset(), "a 5 × 7 header pads to 128 bytes");
    }

    @ParameterizedTest(name = "{0} fortran={1}")
    @MethodSource("dtypesAndOrders")
    void readsEveryDtypeInBothOrdersAtBothPrecisions(String descr, boolean fortran) {
        Path f = NpyFiles.matrix(dir.resolve("x.npy"), descr, fortran, 4, 3);
        for (Precision p : Precision.values()) {
            try (HostArray a = NpyReader.readMatrix(f, p)) {
                assertMatrix(a, descr, 4, 3, p);
            }
        }
    }

    /** Tiny staging chunks and windows reach every tile and window boundary of the transposing and chunked paths. */
    @ParameterizedTest(name = "{0}×{1} chunk {2} B window {3}")
    @MethodSource("tilings")
    void tilesAndChunksCoverTheMatrixExactly(int rows, int cols, int chunkBytes, int window) {
        for (String descr : new String[] {"<f4", "<f8", "<i4"}) {
            for (boolean fortran : new boolean[] {false, true}) {
                Path f = NpyFiles.matrix(dir.resolve("t.npy"), descr, fortran, rows, cols);
                for (Precision p : Precision.values()) {
                    try (HostArray a = NpyReader.readMatrix(f, p, chunkBytes, window)) {
                        assertMatrix(a, descr, rows, cols, p);
                    }
                }
            }
        }
    }

    static Stream<Arguments> tilings() {
        return Stream.of(
                Arguments.of(37, 23, 256, 50),      // partial columns: many row and column tiles, 2-row windows
                Arguments.of(7, 100, 2048, 1000),   // whole columns, two column tiles
                Arguments.of(3, 10, 256, 16),       // whole matrix in one tile, 1-row windows
                Arguments.of(9, 130, 512, 200),     // partial columns, 64 + 64 + 2 column tiles
                Arguments.of(1, 9, 8, 9),           // one row: read sequentially whatever the order
                Arguments.of(9, 1, 8, 9),           // one column: likewise
                Arguments.of(5, 4, 16, 4));         // chunk smaller than a row of tile columns: 2 × 1 tiles
    }

    @Test
    void readsFormatVersions2And3() {
        for (int major : new int[] {2, 3}) {
            Path f = NpyFiles.write(dir.resolve("v" + major + ".npy"),
                    NpyFiles.header(NpyFiles.dict("<f8", false, "(2, 3)"), major), NpyFiles.data("<f8", false, 2, 3));
            try (HostArray a = NpyReader.readMatrix(f)) {
                assertMatrix(a, "<f8", 2, 3, Precision.FLOAT64);
            }
            assertEquals(major, NpyReader.readHeader(f).majorVersion());
        }
    }

    @Test
    void aHugeIntegerInTheHeaderIsNamedByItsFirstDigitsNotEchoedWhole() {
        // found by the long fuzz run: a 600-digit shape entry was echoed whole into the error line
        String digits = "9".repeat(600);
        Path f = NpyFiles.write(dir.resolve("huge.npy"), NpyFiles.header("{'descr': '<f8', 'fortran_order': False, 'shape': (" + digits
                + ", 3), }", 1));
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> NpyReader.readMatrix(f));
        String message = e.getMessage().replace(f.toString(), "");
        assertTrue(message.contains("integer 99999999999999999999… (600 digits) is out of range"), message);
        assertTrue(message.length() < 200, message.length() + " characters: " + message);
    }

    @Test
    void acceptsTheHeaderSpellingsPythonWrites() {
        // double quotes, no trailing comma, keys in another order, Python 2 longs, extra spaces
        String dict = "{\"shape\": ( 2L ,3L ), \"fortran_order\":False,\"descr\":\"<f8\"}";
        Path f = NpyFiles.write(dir.resolve("py2.npy"), NpyFiles.header(dict, 1), NpyFiles.data("<f8", false, 2, 3));
        try (HostArray a = NpyReader.readMatrix(f)) {
            assertMatrix(a, "<f8", 2, 3, Precision.FLOAT64);
        }
    }

    @Test
    void integerConversionRoundsAsDocumented() {
        long big = (1L << 53) + 1; // not a double
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        data.putLong(big).putLong(-7).putLong(Long.MAX_VALUE); // exact longs: doubles cannot carry them
        Path i8 = NpyFiles.write(dir.resolve("i8.npy"), NpyFiles.header(NpyFiles.dict("<i8", false, "(3,)"), 1), data.array());
        try (HostArray v = NpyReader.readVector(i8)) {
            assertEquals(Precision.FLOAT64, v.precision());
            assertEquals((double) big, v.get(0), EXACT, "2^53+1 rounds to nearest double (2^53)");
            assertEquals(-7.0, v.get(1), EXACT);
            assertEquals(9.223372036854775807e18, v.get(2), EXACT);
        }
        Path i4 = NpyFiles.write(dir.resolve("i4.npy"), NpyFiles.header(NpyFiles.dict("<i4", false, "(2,)"), 1),
                NpyFiles.littleEndian("<i4", 16_777_217, Integer.MIN_VALUE));
        try (HostArray v = NpyReader.readVector(i4)) {
            assertEquals(16_777_217.0, v.get(0), EXACT, "float64, the natural precision of int32, is exact");
            assertEquals(Integer.MIN_VALUE, v.get(1), EXACT);
        }
        try (HostArray v = NpyReader.readVector(i4, Precision.FLOAT32)) {
            assertEquals(16_777_216.0, v.get(0), EXACT, "float32 holds integers exactly only up to 2^24");
        }
        Path f8 = NpyFiles.write(dir.resolve("f8.npy"), NpyFiles.header(NpyFiles.dict("<f8", false, "(1,)"), 1),
                NpyFiles.littleEndian("<f8", 0.1));
        try (HostArray v = NpyReader.readVector(f8, Precision.FLOAT32)) {
            assertEquals((double) 0.1f, v.get(0), EXACT, "float64 → float32 rounds to nearest");
        }
    }

    @Test
    void readsVectorsAsOneDimensionalOrOneColumn() {
        Path flat = NpyFiles.write(dir.resolve("y1.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(4,)"), 1),
                NpyFiles.littleEndian("<f4", 1.5, -2, 3, 4.25));
        Path column = NpyFiles.write(dir.resolve("y2.npy"), NpyFiles.header(NpyFiles.dict("<f4", true, "(4, 1)"), 1),
                NpyFiles.littleEndian("<f4", 1.5, -2, 3, 4.25));
        for (Path f : new Path[] {flat, column}) {
            try (HostArray v = NpyReader.readVector(f)) {
                assertEquals(1, v.rank());
                assertEquals(4, v.rows());
                assertEquals(1, v.cols());
                org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1.5, -2, 3, 4.25}, v.toDoubleArray(), EXACT);
            }
        }
    }

    @Test
    void readsADatasetInXsPrecisionOrTheOneAsked() {
        Path x = NpyFiles.matrix(dir.resolve("x.npy"), "<f4", true, 6, 3);
        Path y = NpyFiles.write(dir.resolve("y.npy"), NpyFiles.header(NpyFiles.dict("<i8", false, "(6,)"), 1),
                NpyFiles.littleEndian("<i8", 1, 2, 3, 4, 5, 6));
        try (Dataset d = NpyReader.readDataset(x, y, null)) {
            assertEquals(Precision.FLOAT32, d.precision(), "X's natural precision");
            assertEquals(6, d.rows());
            assertEquals(3, d.cols());
            for (int i = 0; i < 6; i++) {
                assertEquals(i + 1, d.y(i), EXACT);
                for (int j = 0; j < 3; j++) {
                    assertEquals(NpyFiles.value("<f4", i, j), d.x(i, j), EXACT);
                }
            }
        }
        try (Dataset d = NpyReader.readDataset(x, y, Precision.FLOAT64)) {
            assertEquals(Precision.FLOAT64, d.precision());
            assertEquals(NpyFiles.value("<f4", 5, 2), d.x(5, 2), EXACT);
        }
    }

    @Test
    void aDatasetNeedsAsManyTargetsAsRows() {
        Path x = NpyFiles.matrix(dir.resolve("x.npy"), "<f8", false, 6, 3);
        Path y = NpyFiles.write(dir.resolve("y.npy"), NpyFiles.header(NpyFiles.dict("<f8", false, "(5,)"), 1),
                NpyFiles.littleEndian("<f8", 1, 2, 3, 4, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyReader.readDataset(x, y, null));
        assertTrue(e.getMessage().contains("(6, 3)") && e.getMessage().contains("(5,)")
                && e.getMessage().contains("x.npy") && e.getMessage().contains("y.npy"), e.getMessage());
    }

    // ---------------------------------------------------------------- broken files

    private Path withHeader(String dict, byte[] data) {
        return NpyFiles.write(dir.resolve("bad.npy"), NpyFiles.header(dict, 1), data);
    }

    @Test
    void rejectsATruncatedFileNamingExpectedAndActualBytes() {
        byte[] header = NpyFiles.header(NpyFiles.dict("<f4", false, "(10, 10)"), 1);
        byte[] data = new byte[399]; // 400 needed
        Path f = NpyFiles.write(dir.resolve("short.npy"), header, data);
        MalformedFileException e = assertMalformed(() -> NpyReader.readMatrix(f), "short.npy", "truncated",
                "400 data bytes", "file of 528 bytes", "it has 527 bytes", "1 missing");
        assertEquals(f, e.file());
    }

    @Test
    void rejectsTrailingBytes() {
        Path f = NpyFiles.write(dir.resolve("long.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(2,)"), 1),
                new byte[12]);
        assertMalformed(() -> NpyReader.readVector(f), "longer than its header says", "4 extra");
    }

    @Test
    void rejectsBadMagicAndVersions() {
        Path text = NpyFiles.write(dir.resolve("text.npy"), "a,b\n1,2\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertMalformed(() -> NpyReader.readMatrix(text), "not an .npy file", "a,b");
        Path empty = NpyFiles.write(dir.resolve("empty.npy"), new byte[0]);
        assertMalformed(() -> NpyReader.readMatrix(empty), "not an .npy file", "0 bytes");
        byte[] h = NpyFiles.header(NpyFiles.dict("<f4", false, "(1,)"), 1);
        h[6] = 4;
        assertMalformed(() -> NpyReader.readVector(NpyFiles.write(dir.resolve("v4.npy"), h, new byte[4])), "version 4.0");
        h[6] = 1;
        h[7] = 1;
        assertMalformed(() -> NpyReader.readVector(NpyFiles.write(dir.resolve("v11.npy"), h, new byte[4])), "version 1.1");
        byte[] preambleOnly = java.util.Arrays.copyOf(NpyFiles.header(NpyFiles.dict("<f4", false, "(1,)"), 1), 9);
        assertMalformed(() -> NpyReader.readVector(NpyFiles.write(dir.resolve("p.npy"), preambleOnly)), "ends inside the .npy preamble");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() {
        byte[] h = NpyFiles.header(NpyFiles.dict("<f4", false, "(1,)"), 1);
        h[8] = (byte) 0xff;
        h[9] = (byte) 0x7f; // 32767 bytes of header claimed
        assertMalformed(() -> NpyReader.readVector(NpyFiles.write(dir.resolve("hl.npy"), h, new byte[4])),
                "ends inside the header", "32767");
        byte[] v2 = NpyFiles.header(NpyFiles.dict("<f4", false, "(1,)"), 2);
        v2[11] = 0x7f; // about 2 GiB claimed
        assertMalformed(() -> NpyReader.readVector(NpyFiles.write(dir.resolve("hl2.npy"), v2, new byte[4])),
                "header length field says", "more than");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} trailing",
        "['descr', '<f4']",
        "{1: '<f4', 'fortran_order': False, 'shape': (2,)}",
        "{'descr': 4, 'fortran_order': False, 'shape': (2,)}",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}",
    })
    void rejectsMalformedHeaders(String dict) {
        Path f = withHeader(dict, new byte[8]);
        MalformedFileException e = assertMalformed(() -> NpyReader.readVector(f), "bad.npy");
        assertTrue(e.detail().contains("header") || e.detail().contains("descr") || e.detail().contains("structured"),
                e.getMessage());
    }

    /** Header values in messages are written as Python writes them, not as the parser's Java records. */
    @Test
    void headerValuesInMessagesReadAsPython() {
        assertMalformed(() -> NpyReader.readVector(withHeader("{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, "
                + "'shape': (2,)}", new byte[16])), "descr [('a', '<f4'), ('b', '<f4')]");
        assertMalformed(() -> NpyReader.readVector(withHeader("{'descr': ('<f8', (2,)), 'fortran_order': False, 'shape': (2,)}",
                new byte[32])), "got ('<f8', (2,))");
    }

    @Test
    void namesWhatIsWrongWithAHeader() {
        assertMalformed(() -> NpyReader.readVector(withHeader("{'descr': '<f4', 'fortran_order': False}", new byte[0])),
                "lacks the key 'shape'");
        assertMalformed(() -> NpyReader.readVector(withHeader(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", new byte[8])), "unexpected key 'extra'");
        assertMalformed(() -> NpyReader.readVector(withHeader(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", new byte[8])), "must be a tuple", "got 2");
        assertMalformed(() -> NpyReader.readVector(withHeader(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}", new byte[8])), "appears twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {">f4", ">f8", ">i4", ">i8"})
    void rejectsBigEndianWithAClearMessage(String descr) {
        Path f = NpyFiles.write(dir.resolve("be.npy"), NpyFiles.header(NpyFiles.dict(descr, false, "(2, 2)"), 1),
                NpyFiles.data(descr, false, 2, 2));
        assertMalformed(() -> NpyReader.readMatrix(f), "big-endian", "'" + descr + "'", "astype('<" + descr.substring(1) + "')");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<f2", "<c8", "|b1", "|u1", "<u4", "|O", "<U3", "<M8[s]"})
    void rejectsUnsupportedDtypes(String descr) {
        Path f = withHeader(NpyFiles.dict(descr, false, "(2,)"), new byte[8]);
        assertMalformed(() -> NpyReader.readVector(f), "unsupported dtype '" + descr + "'", "<f4 (float32)");
    }

    @Test
    void rejectsDtypesWithoutByteOrder() {
        Path f = withHeader(NpyFiles.dict("=f4", false, "(2,)"), new byte[8]);
        assertMalformed(() -> NpyReader.readVector(f), "'=f4'", "byte order", "'<f4'");
    }

    @Test
    void rejectsShapesOfTheWrongRank() {
        Path vector = withHeader(NpyFiles.dict("<f4", false, "(2,)"), new byte[8]);
        assertMalformed(() -> NpyReader.readMatrix(vector), "shape (2,)", "reshape(-1, 1)");
        Path cube = NpyFiles.write(dir.resolve("cube.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(2, 2, 2)"), 1),
                new byte[32]);
        assertMalformed(() -> NpyReader.readMatrix(cube), "shape (2, 2, 2)");
        Path scalar = NpyFiles.write(dir.resolve("scalar.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "()"), 1),
                new byte[4]);
        assertMalformed(() -> NpyReader.readVector(scalar), "shape ()");
        Path wide = NpyFiles.matrix(dir.resolve("wide.npy"), "<f4", false, 3, 2);
        assertMalformed(() -> NpyReader.readVector(wide), "(m,) or (m, 1)", "shape (3, 2)");
        Path none = NpyFiles.write(dir.resolve("none.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(0, 3)"), 1));
        assertMalformed(() -> NpyReader.readMatrix(none), "holds no values");
    }

    @Test
    void rejectsNonFiniteValuesNamingRowAndColumnInEveryPath() {
        double[] values = {1, 2, 3, 4, 5, Double.NaN};
        // C order, same precision (read in place) and converted
        Path c = NpyFiles.write(dir.resolve("nan.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(2, 3)"), 1),
                NpyFiles.littleEndian("<f4", values));
        assertMalformed(() -> NpyReader.readMatrix(c), "value at [1, 2] (zero-based) is NaN");
        assertMalformed(() -> NpyReader.readMatrix(c, Precision.FLOAT64), "value at [1, 2]", "NaN");
        // Fortran order: the element at file position 5 is (1, 2) of a 2 × 3 matrix
        Path f = NpyFiles.write(dir.resolve("nanF.npy"), NpyFiles.header(NpyFiles.dict("<f8", true, "(2, 3)"), 1),
                NpyFiles.littleEndian("<f8", 1, 2, 3, Double.POSITIVE_INFINITY, 5, 6));
        assertMalformed(() -> NpyReader.readMatrix(f), "value at [1, 1] (zero-based) is Infinity");
        Path big = NpyFiles.write(dir.resolve("big.npy"), NpyFiles.header(NpyFiles.dict("<f8", false, "(2,)"), 1),
                NpyFiles.littleEndian("<f8", 1, 1e300));
        assertMalformed(() -> NpyReader.readVector(big, Precision.FLOAT32), "value at [1]", "1.0E300 is beyond float32's range",
                "--precision float64", "in the library, Precision.FLOAT64");
    }

    @Test
    void refusesFloat64ValuesThatFloat32WouldTurnIntoZeroOrASubnormal() {
        // 1e-50 rounds to 0 and 1e-40 to a subnormal in float32: both would silently lose the value
        for (double tiny : new double[] {1e-50, -1e-40}) {
            double[] values = {1, 2, 3, 4, tiny, 6};
            Path c = NpyFiles.write(dir.resolve("tinyC.npy"), NpyFiles.header(NpyFiles.dict("<f8", false, "(2, 3)"), 1),
                    NpyFiles.littleEndian("<f8", values));
            assertMalformed(() -> NpyReader.readMatrix(c, Precision.FLOAT32), "value at [1, 1] (zero-based)",
                    tiny + " is below float32's normal range", tiny == 1e-50 ? "become 0" : "subnormal", "--precision float64");
            try (HostArray a = NpyReader.readMatrix(c, Precision.FLOAT64)) {
                assertEquals(tiny, a.get(4), EXACT, "float64 keeps it");
            }
            // Fortran order: file position 3 is (1, 1) of a 2 × 3 matrix
            Path f = NpyFiles.write(dir.resolve("tinyF.npy"), NpyFiles.header(NpyFiles.dict("<f8", true, "(2, 3)"), 1),
                    NpyFiles.littleEndian("<f8", 1, 2, 3, tiny, 5, 6));
            assertMalformed(() -> NpyReader.readMatrix(f, Precision.FLOAT32), "value at [1, 1] (zero-based)", String.valueOf(tiny));
        }
        // zeros, float32's smallest normal and integers stay accepted
        Path ok = NpyFiles.write(dir.resolve("ok.npy"), NpyFiles.header(NpyFiles.dict("<f8", false, "(3,)"), 1),
                NpyFiles.littleEndian("<f8", 0.0, -0.0, Float.MIN_NORMAL));
        try (HostArray a = NpyReader.readVector(ok, Precision.FLOAT32)) {
            assertEquals(Float.MIN_NORMAL, a.get(2), EXACT);
        }
    }

    @Test
    void freesItsMemoryWhenAReadFails() {
        int n = 1 << 18; // 1 MiB of float32
        double[] values = new double[n];
        values[n - 1] = Double.NaN; // found in the last chunk, after the whole array was allocated
        Path f = NpyFiles.write(dir.resolve("late.npy"), NpyFiles.header(NpyFiles.dict("<f4", false, "(" + n + ",)"), 1),
                NpyFiles.littleEndian("<f4", values));
        long before = Pointer.totalBytes();
        assertMalformed(() -> NpyReader.readVector(f), "NaN");
        assertTrue(Pointer.totalBytes() < before + 4L * n, "the 1 MiB destination must be freed");
    }

    @Test
    void reportsAMissingFileAsAnIoFailure() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> NpyReader.readMatrix(dir.resolve("nope.npy")));
        assertTrue(e.getMessage().contains("nope.npy"), e.getMessage());
    }
}
