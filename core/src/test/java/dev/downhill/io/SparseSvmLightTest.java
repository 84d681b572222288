package dev.downhill.io;

import static dev.downhill.io.NpyReaderTest.assertMalformed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Precision;
import dev.downhill.io.SvmLightReader.IndexBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** svmlight read sparse (CSR), scikit-learn's index numbering rule, and CSR validation. */
class SparseSvmLightTest {
    @TempDir
    Path dir;

    private Path svm(String text) throws IOException {
        return Files.writeString(dir.resolve("data.svm"), text, StandardCharsets.UTF_8);
    }

    /**
     * Exactly what scikit-learn 1.x's {@code dump_svmlight_file(X, y, f)} writes (zero_based=True by default) for
     * X = [[0, 1.5, 0, 0], [2.25, 0, 0, -3e-7], [0, 0, 0, 0], [0, 0, 7, 0]], y = [1, -2.5, 0.125, 4]: it loads with
     * no option, as zero-based, with n = 4.
     */
    private static final String SKLEARN_DUMP = "1 1:1.5\n-2.5 0:2.25 3:-3e-07\n0.125 \n4 2:7\n";
    private static final double[][] SKLEARN_X = {{0, 1.5, 0, 0}, {2.25, 0, 0, -3e-7}, {0, 0, 0, 0}, {0, 0, 7, 0}};

    @Test
    void aScikitLearnDumpLoadsSparseWithNoOption() throws IOException {
        try (SparseData d = SvmLightReader.defaults().readSparse(svm(SKLEARN_DUMP))) {
            CsrMatrix x = d.x();
            assertEquals(4, x.rows());
            assertEquals(4, x.cols());
            assertEquals(4, x.nonZeros());
            long[] pointers = new long[5];
            x.rowPointers().get(pointers);
            assertArrayEquals(new long[] {0, 1, 3, 3, 4}, pointers);
            int[] columns = new int[4];
            x.columnIndices().get(columns);
            assertArrayEquals(new int[] {1, 0, 3, 2}, columns);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(SKLEARN_X[i][j], x.get(i, j), 0, i + ", " + j);
                }
            }
            assertArrayEquals(new double[] {1, -2.5, 0.125, 4}, d.y().toDoubleArray(), 0);
        }
    }

    @Test
    void theNumberingFollowsScikitLearnUnlessForced() throws IOException {
        Path oneBased = svm("1 1:5 3:6\n2 2:7\n");
        try (Dataset d = SvmLightReader.readDataset(oneBased)) {
            assertEquals(3, d.cols(), "no 0 anywhere: 1-based, n = the largest index");
            assertArrayEquals(new double[] {5, 0, 6}, d.row(0), 0);
        }
        try (Dataset d = SvmLightReader.defaults().withIndexBase(IndexBase.ZERO).read(oneBased)) {
            assertEquals(4, d.cols(), "forced 0-based: n = the largest index + 1");
            assertArrayEquals(new double[] {0, 5, 0, 6}, d.row(0), 0);
        }
        Path zeroBased = svm("1 1:5 3:6\n2 0:7\n");
        try (SparseData d = SvmLightReader.defaults().readSparse(zeroBased)) {
            assertEquals(4, d.x().cols(), "a 0 on the last line makes the whole file 0-based");
            assertEquals(5, d.x().get(0, 1), 0);
            assertEquals(7, d.x().get(1, 0), 0);
        }
        assertMalformed(() -> SvmLightReader.defaults().withIndexBase(IndexBase.ONE).readSparse(zeroBased),
                "line 2, token 2", "index 0, but indices are 1-based");
        assertMalformed(() -> SvmLightReader.defaults().withFeatures(3).readSparse(zeroBased), "line 1, token 3",
                "index 3 exceeds the 3 features given (indices are 0-based: the file has an index 0)");
    }

    @Test
    void sparseAndDenseReadsAgreeOnARandomFileInBothPrecisions() throws IOException {
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder text = new StringBuilder();
        int rows = 300;
        for (int i = 0; i < rows; i++) {
            text.append(r.nextDouble(-5, 5));
            for (int j = 1; j <= 70; j++) {
                if (r.nextInt(9) == 0) {
                    text.append(' ').append(j).append(':').append(r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8)));
                }
            }
            text.append('\n');
        }
        Path f = svm(text.toString());
        for (Precision p : Precision.values()) {
            SvmLightReader reader = SvmLightReader.defaults().withPrecision(p);
            try (Dataset dense = reader.read(f); SparseData sparse = reader.readSparse(f)) {
                assertEquals(p, sparse.x().precision());
                assertEquals(dense.cols(), sparse.x().cols());
                long stored = 0;
                for (int i = 0; i < rows; i++) {
                    double[] row = dense.row(i);
                    for (int j = 0; j < row.length; j++) {
                        assertEquals(row[j], sparse.x().get(i, j), 0, "(" + i + ", " + j + ") " + p);
                        stored += row[j] != 0 ? 1 : 0;
                    }
                }
                assertEquals(stored, sparse.x().nonZeros());
                assertArrayEquals(dense.targets(), sparse.y().toDoubleArray(), 0);
            }
        }
    }

    @Test
    void csrArraysAreValidatedWithTheRowNamed() {
        try (CsrMatrix ok = CsrMatrix.of(new long[] {0, 2, 2, 3}, new int[] {0, 4, 1}, new double[] {1, 2, 3}, 5, Precision.FLOAT64)) {
            assertEquals(3, ok.nonZeros());
            assertEquals(2, ok.get(0, 4), 0);
            assertEquals(0, ok.get(1, 1), 0);
            assertTrue(ok.toString().startsWith("3 × 5 CSR, 3 non-zeros"));
        }
        refused("CSR row 0: column index 1 follows 4 (indices must be sorted within a row)",
                new long[] {0, 2}, new int[] {4, 1}, new double[] {1, 2}, 5);
        refused("CSR row 1: column index 3 appears twice", new long[] {0, 1, 3}, new int[] {0, 3, 3}, new double[] {1, 2, 3}, 5);
        refused("CSR row 0: column index 5 is outside [0, 5)", new long[] {0, 1}, new int[] {5}, new double[] {1}, 5);
        refused("CSR row 0, column 2 (zero-based): value NaN is not finite", new long[] {0, 1}, new int[] {2}, new double[] {Double.NaN}, 5);
        refused("CSR row 1: row pointers go from 2 to 1", new long[] {0, 2, 1, 2}, new int[] {0, 1}, new double[] {1, 2}, 5);
        refused("CSR row pointers end at 0 but there are 1 column indices", new long[] {0, 1, 0}, new int[] {2}, new double[] {1}, 5);
        refused("CSR row pointers must start at 0, got 1", new long[] {1, 1}, new int[] {2}, new double[] {1}, 5);
        refused("CSR has 1 column indices but 2 values", new long[] {0, 1}, new int[] {2}, new double[] {1, 2}, 5);
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> dev.downhill.SparseDataset.of(
                CsrMatrix.of(new long[] {0, 0}, new int[0], new double[0], 0, Precision.FLOAT64), new double[] {1}));
        assertEquals("need at least one row and one feature, got 1 × 0", empty.getMessage());
        CsrMatrix closed = CsrMatrix.of(new long[] {0}, new int[0], new double[0], 3, Precision.FLOAT32);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, closed::values);
    }

    private static void refused(String message, long[] pointers, int[] columns, double[] values, long cols) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.of(pointers, columns, values, cols, Precision.FLOAT64));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
