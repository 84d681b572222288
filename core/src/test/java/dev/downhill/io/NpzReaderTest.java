package dev.downhill.io;

import static dev.downhill.io.NpyReaderTest.assertMalformed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.Precision;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scipy.sparse.save_npz files: real ones written by SciPy 1.10 (committed), and hand-made ones for every variation and error. */
class NpzReaderTest {
    private static final double[][] X = {{0, 1.5, 0, 0}, {2.25, 0, 0, -3e-7}, {0, 0, 0, 0}, {0, 0, 7, 0}};

    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(NpzReaderTest.class.getResource("/npz/" + name).toURI());
    }

    private static void assertMatrix(double[][] expected, CsrMatrix x, double tolerance) {
        assertEquals(expected.length, x.rows());
        assertEquals(expected[0].length, x.cols());
        long stored = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], x.get(i, j), tolerance * Math.abs(expected[i][j]), i + ", " + j);
                stored += expected[i][j] != 0 ? 1 : 0;
            }
        }
        assertEquals(stored, x.nonZeros());
    }

    @Test
    void readsACooFileAsItsCsrWithRepeatedEntriesSummed() throws URISyntaxException, IOException {
        // save_npz('coo.npz', coo_matrix((data, (row, col)))) with entries out of order and (3, 2) stored twice, 3 + 4
        try (CsrMatrix x = NpzReader.readCsr(resource("coo.npz"))) {
            assertEquals(Precision.FLOAT64, x.precision());
            assertMatrix(X, x, 0);
            long[] pointers = new long[5];
            x.rowPointers().get(pointers);
            assertArrayEquals(new long[] {0, 1, 3, 3, 4}, pointers, "X.tocsr()'s rows");
            assertEquals(1, x.columnIndices().get(0));
            assertEquals(0, x.columnIndices().get(1), "row 1's columns sorted");
            assertEquals(3, x.columnIndices().get(2));
        }
        try (CsrMatrix x = NpzReader.readCsr(resource("coo.npz"), Precision.FLOAT32)) {
            assertMatrix(X, x, 0x1p-24);
        }
        assertEquals(5, NpzReader.csrSize(resource("coo.npz")).nonZeros(), "the stored entries, repeats included");
        // an index out of range is named with its entry and array
        Path bad = dir.resolve("bad-coo.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(bad))) {
            entry(z, "row.npy", npy("<i4", new long[] {2}, ints(0, 2)));
            entry(z, "col.npy", npy("<i4", new long[] {2}, ints(1, 5)));
            entry(z, "format.npy", npy("|S3", new long[0], "coo".getBytes(StandardCharsets.US_ASCII)));
            entry(z, "shape.npy", npy("<i8", new long[] {2}, longs(3, 4)));
            entry(z, "data.npy", npy("<f8", new long[] {2}, doubles(new double[] {1, 2})));
        }
        assertMalformed(() -> NpzReader.readCsr(bad), "col.npy: entry 1 is 5, outside [0, 4)");
    }

    @Test
    void readsWhatSciPyWritesCompressedCsrAndStoredCsc() throws URISyntaxException {
        // save_npz('csr.npz', X) (deflated, float64, int32 indices) and save_npz('csc32.npz', X.tocsc().astype(float32), compressed=False)
        try (CsrMatrix x = NpzReader.readCsr(resource("csr.npz"))) {
            assertEquals(Precision.FLOAT64, x.precision());
            assertMatrix(X, x, 0);
        }
        try (CsrMatrix x = NpzReader.readCsr(resource("csc32.npz"))) {
            assertEquals(Precision.FLOAT32, x.precision());
            assertMatrix(X, x, 0x1p-24);
            long[] pointers = new long[5];
            x.rowPointers().get(pointers);
            assertArrayEquals(new long[] {0, 1, 3, 3, 4}, pointers, "converted to CSR");
        }
        try (CsrMatrix x = NpzReader.readCsr(resource("csc32.npz"), Precision.FLOAT64)) {
            assertEquals(Precision.FLOAT64, x.precision());
            assertEquals((double) (float) -3e-7, x.get(1, 3), 0);
        }
    }

    @Test
    void aRandomMatrixRoundTripsThroughHandMadeFilesOfEveryIndexWidthAndLayout() throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        int m = 57;
        int n = 33;
        double[][] dense = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                dense[i][j] = r.nextInt(6) == 0 ? r.nextGaussian() : 0;
            }
        }
        for (boolean csc : new boolean[] {false, true}) {
            for (boolean wide : new boolean[] {false, true}) {
                Path f = write(dir.resolve("r" + csc + wide + ".npz"), dense, csc, wide, "|S3");
                try (CsrMatrix x = NpzReader.readCsr(f)) {
                    assertMatrix(dense, x, 0);
                }
            }
        }
        try (CsrMatrix x = NpzReader.readCsr(write(dir.resolve("u.npz"), dense, false, false, "<U3"))) {
            assertMatrix(dense, x, 0);
        }
    }

    @Test
    void whatNpzWriterWritesReadsBackAndScipyAgreesWhenPresent() throws Exception {
        SplittableRandom seeds = new SplittableRandom(8);
        long seed = seeds.nextLong();
        int m = 40;
        int n = 25;
        NpzWriter.RowSource rows = (i, columns, values) -> {
            SplittableRandom r = new SplittableRandom(seed + i);
            int k = 0;
            for (int j = 0; j < n; j++) {
                if (r.nextInt(4) == 0) {
                    columns[k] = j;
                    values[k++] = r.nextGaussian();
                }
            }
            return k;
        };
        double[][] dense = new double[m][n];
        int[] c = new int[n];
        double[] v = new double[n];
        for (int i = 0; i < m; i++) {
            int k = rows.row(i, c, v);
            for (int e = 0; e < k; e++) {
                dense[i][c[e]] = v[e];
            }
        }
        Path f = dir.resolve("w.npz");
        long nnz = NpzWriter.write(f, m, n, Precision.FLOAT64, rows);
        try (CsrMatrix x = NpzReader.readCsr(f)) {
            assertEquals(nnz, x.nonZeros());
            assertMatrix(dense, x, 0);
        }
        Path python = Path.of("/usr/bin/python3");
        if (Files.isExecutable(python)) {
            Process p = new ProcessBuilder(python.toString(), "-c", "import sys, scipy.sparse as sp; "
                    + "X = sp.load_npz(sys.argv[1]); print(X.shape[0], X.shape[1], X.nnz, repr(float(X.sum())))", f.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0) {
                double sum = 0;
                for (double[] row : dense) {
                    for (double x : row) {
                        sum += x;
                    }
                }
                String[] parts = out.split(" ");
                assertEquals(m + " " + n + " " + nnz, parts[0] + " " + parts[1] + " " + parts[2], out);
                assertEquals(sum, Double.parseDouble(parts[3]), 1e-12 * nnz, "SciPy's sum of the values");
            }
        }
    }

    @Test
    void refusesWhatIsNotAScipySparseFileWithTheReason() throws IOException {
        double[][] one = {{1, 0}, {0, 2}};
        assertMalformed(() -> NpzReader.readCsr(write(dir.resolve("bsr.npz"), one, false, false, "|S3", "bsr")),
                "sparse format 'bsr' is not supported", "X.tocsr()");
        Path huge = write(dir.resolve("huge.npz"), new double[][] {{1, 0}, {0, 1e300}}, false, false, "|S3");
        assertMalformed(() -> NpzReader.readCsr(huge, dev.downhill.Precision.FLOAT32),
                "data.npy: entry 1 (zero-based; row 1, column 1): 1.0E300", "beyond float32's range", "--precision float64");
        Path tiny = write(dir.resolve("tiny.npz"), new double[][] {{1, 0}, {0, 1e-50}}, false, false, "|S3");
        assertMalformed(() -> NpzReader.readCsr(tiny, dev.downhill.Precision.FLOAT32),
                "data.npy: entry 1 (zero-based; row 1, column 1): 1.0E-50", "below float32's normal range", "become 0",
                "--precision float64");
        // the entry's place in X, CSR and CSC, with empty rows/columns before it (their pointers repeat)
        double[][] sparse = {{0, 0, 0, 0}, {2, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 3}, {0, 0, 1e300, 0}};
        Path rows = write(dir.resolve("rows.npz"), sparse, false, false, "|S3");
        assertMalformed(() -> NpzReader.readCsr(rows, dev.downhill.Precision.FLOAT32),
                "data.npy: entry 2 (zero-based; row 4, column 2): 1.0E300");
        Path columns = write(dir.resolve("columns.npz"), sparse, true, false, "|S3");
        assertMalformed(() -> NpzReader.readCsr(columns, dev.downhill.Precision.FLOAT32),
                "data.npy: entry 1 (zero-based; row 4, column 2): 1.0E300");
        Path deflated = write(dir.resolve("deflated.npz"), new double[][] {{1, 0, 2}, {0, 3, 0}, {4, 0, 5}}, false, false, "|S3");
        ZipDirectory.Member data = ZipDirectory.read(deflated).get("data.npy");
        byte[] zipped = Files.readAllBytes(deflated);
        zipped[(int) (data.dataStart() + data.compressedSize() - 1)] ^= 1; // the deflate stream's last byte
        Files.write(deflated, zipped);
        assertMalformed(() -> NpzReader.readCsr(deflated), "data.npy is corrupted");
        // an np.savez archive (arrays X and y): named as such, with what to save instead
        Path archive = dir.resolve("arch.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(archive))) {
            entry(z, "X.npy", npy("<f8", new long[] {1, 2}, doubles(1, 2)));
            entry(z, "y.npy", npy("<f8", new long[] {1}, doubles(3)));
        }
        assertMalformed(() -> NpzReader.readCsr(archive), "not a scipy.sparse .npz file", "it holds the arrays 'X', 'y' (an "
                + "np.savez archive?)", "--x X.npy --y y.npy");
        Path notZip = Files.writeString(dir.resolve("x.npz"), "hello");
        assertMalformed(() -> NpzReader.readCsr(notZip), "not a readable .npz (zip) file");
        Path empty = dir.resolve("empty.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(empty))) {
            entry(z, "data.npy", npy("<f8", new long[] {0}, new byte[0]));
        }
        assertMalformed(() -> NpzReader.readCsr(empty), "it has no format.npy", "save_npz");
        Path unsorted = dir.resolve("unsorted.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(unsorted))) {
            entry(z, "format.npy", npy("|S3", new long[0], "csr".getBytes(StandardCharsets.US_ASCII)));
            entry(z, "shape.npy", npy("<i8", new long[] {2}, longs(1, 3)));
            entry(z, "indptr.npy", npy("<i4", new long[] {2}, ints(0, 2)));
            entry(z, "indices.npy", npy("<i4", new long[] {2}, ints(2, 0)));
            entry(z, "data.npy", npy("<f8", new long[] {2}, doubles(1, 2)));
        }
        try (CsrMatrix x = NpzReader.readCsr(unsorted)) { // sorted on reading, as SciPy's sum_duplicates() would
            assertEquals(2, x.nonZeros());
            assertEquals(2, x.get(0, 0), 0);
            assertEquals(1, x.get(0, 2), 0);
        }
        Path duplicates = dir.resolve("duplicates.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(duplicates))) {
            entry(z, "format.npy", npy("|S3", new long[0], "csr".getBytes(StandardCharsets.US_ASCII)));
            entry(z, "shape.npy", npy("<i8", new long[] {2}, longs(3, 4)));
            // row 0: (3, 1), (1, 2), (3, 4) → (1, 2), (3, 5); row 1 empty; row 2: (0, 7), (2, 8) already canonical
            entry(z, "indptr.npy", npy("<i8", new long[] {4}, longs(0, 3, 3, 5)));
            entry(z, "indices.npy", npy("<i4", new long[] {5}, ints(3, 1, 3, 0, 2)));
            entry(z, "data.npy", npy("<f8", new long[] {5}, doubles(1, 2, 4, 7, 8)));
        }
        try (CsrMatrix x = NpzReader.readCsr(duplicates)) {
            assertEquals(4, x.nonZeros(), "one duplicate merged");
            long[] pointers = new long[4];
            x.rowPointers().get(pointers);
            assertArrayEquals(new long[] {0, 2, 2, 4}, pointers);
            assertEquals(2, x.get(0, 1), 0);
            assertEquals(5, x.get(0, 3), 0);
            assertEquals(7, x.get(2, 0), 0);
            assertEquals(8, x.get(2, 2), 0);
        }
        // a pointer that falls after a row needing repair: refused, not hidden by the repair's rewritten pointer
        Path falling = dir.resolve("falling.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(falling))) {
            entry(z, "format.npy", npy("|S3", new long[0], "csr".getBytes(StandardCharsets.US_ASCII)));
            entry(z, "shape.npy", npy("<i8", new long[] {2}, longs(4, 3)));
            entry(z, "indptr.npy", npy("<i4", new long[] {5}, ints(0, 5, 4, 5, 6)));
            entry(z, "indices.npy", npy("<i4", new long[] {6}, ints(0, 1, 0, 2, 1, 2)));
            entry(z, "data.npy", npy("<f8", new long[] {6}, doubles(1, 2, 3, 4, 5, 6)));
        }
        assertMalformed(() -> NpzReader.readCsr(falling), "CSR row 1: row pointers go from 5 to 4");
    }

    // ---------------------------------------------------------------- a save_npz look-alike

    private static Path write(Path f, double[][] dense, boolean csc, boolean wideIndices, String formatType) throws IOException {
        return write(f, dense, csc, wideIndices, formatType, csc ? "csc" : "csr");
    }

    private static Path write(Path f, double[][] dense, boolean csc, boolean wideIndices, String formatType, String format)
            throws IOException {
        int outer = csc ? dense[0].length : dense.length;
        int inner = csc ? dense.length : dense[0].length;
        long[] pointers = new long[outer + 1];
        java.util.List<Long> idx = new java.util.ArrayList<>();
        java.util.List<Double> val = new java.util.ArrayList<>();
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                double v = csc ? dense[b][a] : dense[a][b];
                if (v != 0) {
                    idx.add((long) b);
                    val.add(v);
                }
            }
            pointers[a + 1] = idx.size();
        }
        String intType = wideIndices ? "<i8" : "<i4";
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            byte[] text = formatType.startsWith("|") ? format.getBytes(StandardCharsets.US_ASCII) : utf32(format);
            entry(z, "indices.npy", npy(intType, new long[] {idx.size()}, wideIndices ? longs(idx) : ints(idx)));
            entry(z, "indptr.npy", npy(intType, new long[] {pointers.length}, wideIndices ? longs(pointers) : ints(pointers)));
            entry(z, "format.npy", npy(formatType, new long[0], text));
            entry(z, "shape.npy", npy("<i8", new long[] {2}, longs(dense.length, dense[0].length)));
            entry(z, "data.npy", npy("<f8", new long[] {val.size()}, doubles(val.stream().mapToDouble(Double::doubleValue).toArray())));
        }
        return f;
    }

    private static void entry(ZipOutputStream z, String name, byte[] bytes) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(bytes);
        z.closeEntry();
    }

    private static byte[] npy(String descr, long[] shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + NpyHeader.shapeText(shape) + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    private static byte[] utf32(String s) {
        ByteBuffer b = ByteBuffer.allocate(4 * s.length()).order(ByteOrder.LITTLE_ENDIAN);
        s.codePoints().forEach(b::putInt);
        return b.array();
    }

    private static byte[] ints(java.util.List<Long> v) {
        return ints(v.stream().mapToLong(Long::longValue).toArray());
    }

    private static byte[] longs(java.util.List<Long> v) {
        return longs(v.stream().mapToLong(Long::longValue).toArray());
    }

    private static byte[] ints(long... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putInt((int) x);
        }
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }
}
