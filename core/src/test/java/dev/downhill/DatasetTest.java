package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class DatasetTest {
    private static final double[][] X = {{1.5, -2.0, 3.25}, {0.0, 4.0, -1e-3}};
    private static final double[] Y = {10.0, -20.5};

    private static void assertRejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    private static void assertNullArgument(Executable call, String argument) {
        assertEquals(argument, assertThrows(NullPointerException.class, call).getMessage());
    }

    private static void assertMatches(Dataset d, double[][] x, double[] y, double tol) {
        assertEquals(x.length, d.rows());
        assertEquals(x[0].length, d.cols());
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                assertEquals(x[i][j], d.x(i, j), tol, "x(" + i + "," + j + ")");
            }
            assertArrayEquals(x[i], d.row(i), tol, "row " + i);
            assertEquals(y[i], d.y(i), tol, "y(" + i + ")");
        }
        assertArrayEquals(y, d.targets(), tol);
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    private static DoubleBuffer directDoubles(double... v) {
        DoubleBuffer b = ByteBuffer.allocateDirect(8 * v.length).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        b.put(v).clear();
        return b;
    }

    private static FloatBuffer directFloats(float... v) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(v).clear();
        return b;
    }

    // ---------------------------------------------------------------- copying factories

    @Test
    void ofDoubleCopiesAndReadsBack() {
        double[][] x = deepCopy(X);
        double[] y = Y.clone();
        try (Dataset d = Dataset.of(x, y)) {
            assertEquals(Precision.FLOAT64, d.precision());
            assertTrue(d.ownsMemory());
            assertMatches(d, X, Y, 0.0);
            // mutate the sources: the dataset must not change
            x[0][0] = 999;
            x[1][2] = -999;
            y[1] = 123;
            assertEquals(1.5, d.x(0, 0), 0.0);
            assertEquals(-1e-3, d.x(1, 2), 0.0);
            assertEquals(-20.5, d.y(1), 0.0);
            // and the accessors hand out copies
            d.row(0)[0] = 77;
            d.targets()[0] = 77;
            assertMatches(d, X, Y, 0.0);
        }
    }

    @Test
    void ofFloatCopiesAndReadsBack() {
        float[][] x = {{1.5f, -2f, 3.25f}, {0f, 4f, 0.1f}};
        float[] y = {10f, -20.5f};
        try (Dataset d = Dataset.of(x, y)) {
            assertEquals(Precision.FLOAT32, d.precision());
            // widening float → double is exact, so compare against (double) of the float
            double[][] expected = {{1.5, -2, 3.25}, {0, 4, (double) 0.1f}};
            assertMatches(d, expected, new double[] {10, -20.5}, 0.0);
            x[1][2] = 5f;
            y[0] = 0f;
            assertEquals((double) 0.1f, d.x(1, 2), 0.0);
            assertEquals(10.0, d.y(0), 0.0);
        }
    }

    @Test
    void ofRowMajorMatchesOf() {
        double[] flat = {1.5, -2.0, 3.25, 0.0, 4.0, -1e-3};
        double[] y = Y.clone();
        try (Dataset d = Dataset.ofRowMajor(flat, 2, 3, y)) {
            flat[0] = 42;
            y[0] = 42;
            assertMatches(d, X, Y, 0.0);
        }
        float[] flatF = {1, 2, 3, 4, 5, 6};
        try (Dataset d = Dataset.ofRowMajor(flatF, 3, 2, new float[] {7, 8, 9})) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertMatches(d, new double[][] {{1, 2}, {3, 4}, {5, 6}}, new double[] {7, 8, 9}, 0.0);
        }
    }

    @Test
    void ofRowMajorShapeChecksMentionBothShapes() {
        assertRejects(() -> Dataset.ofRowMajor(new double[5], 2, 3, new double[2]), "5", "2 × 3", "6");
        assertRejects(() -> Dataset.ofRowMajor(new double[7], 2, 3, new double[2]), "7", "2 × 3", "6");
        assertRejects(() -> Dataset.ofRowMajor(new float[5], 2, 3, new float[2]), "5", "2 × 3", "6");
        assertRejects(() -> Dataset.ofRowMajor(new double[6], 2, 3, new double[3]), "2 rows", "3 values");
        assertRejects(() -> Dataset.ofRowMajor(new float[6], 2, 3, new float[1]), "2 rows", "1 values");
        assertRejects(() -> Dataset.ofRowMajor(new double[0], 0, 3, new double[0]), "0 rows");
        assertRejects(() -> Dataset.ofRowMajor(new double[0], 2, 0, new double[2]), "0 columns");
        assertRejects(() -> Dataset.ofRowMajor(new double[1], Long.MAX_VALUE, 2, new double[1]), "overflows");
    }

    @Test
    void ofShapeChecks() {
        assertRejects(() -> Dataset.of(new double[][] {{1, 2}, {3}}, new double[] {1, 2}), "ragged", "row 1");
        assertRejects(() -> Dataset.of(new float[][] {{1, 2}, {3, 4, 5}}, new float[] {1, 2}), "ragged", "row 1");
        assertRejects(() -> Dataset.of(new double[][] {{1}, {2}}, new double[] {1}), "2 rows", "1 values");
        assertRejects(() -> Dataset.of(new double[0][], new double[0]), "zero rows");
        assertRejects(() -> Dataset.of(new double[][] {{}}, new double[] {1}), "zero columns");
        // a null row is a bad value of X; a null argument is a NullPointerException naming it (the package's convention)
        assertRejects(() -> Dataset.of(new double[][] {{1}, null}, new double[] {1, 2}), "row 1 is null");
        assertNullArgument(() -> Dataset.of((double[][]) null, new double[] {1}), "x");
        assertNullArgument(() -> Dataset.of(new double[][] {{1}}, null), "y");
        assertNullArgument(() -> Dataset.of(new double[][] {{1}}, new double[] {1}, null), "weights");
        assertNullArgument(() -> Dataset.of(new float[][] {{1}}, new float[] {1}, null), "weights");
        assertNullArgument(() -> Dataset.ofRowMajor((double[]) null, 1, 1, new double[] {1}), "x");
        assertNullArgument(() -> Dataset.ofRowMajor(new float[] {1}, 1, 1, null), "y");
        assertNullArgument(() -> Dataset.ofRowMajor(new double[] {1}, 1, 1, new double[] {1}, null), "weights");
        assertNullArgument(() -> Dataset.wrap((org.bytedeco.javacpp.Pointer) null, new DoublePointer(1), 1, 1), "x");
        assertNullArgument(() -> Dataset.wrap((java.nio.DoubleBuffer) null, null, 1, 1), "x");
        assertNullArgument(() -> Dataset.wrap(java.nio.ByteBuffer.allocateDirect(8), java.nio.ByteBuffer.allocateDirect(8), 1, 1, null),
                "precision");
        DoublePointer adoptedY = new DoublePointer(1);
        assertNullArgument(() -> Dataset.adopt(null, adoptedY, 1, 1), "x");
        assertTrue(adoptedY.isNull(), "adopt frees what it was given on a refusal, a null argument included");
        try (Dataset d = Dataset.of(new double[][] {{1}}, new double[] {1})) {
            assertNullArgument(() -> d.withWeights((double[]) null), "weights");
            assertNullArgument(() -> d.withWeights((DoublePointer) null), "weights");
        }
    }

    @Test
    void nonFiniteValuesAreLocatedByRowAndColumn() {
        double[][] x = deepCopy(X);
        x[1][2] = Double.NaN;
        assertRejects(() -> Dataset.of(x, Y), "X", "NaN", "row 1, column 2");
        double[][] x2 = deepCopy(X);
        x2[0][1] = Double.POSITIVE_INFINITY;
        assertRejects(() -> Dataset.of(x2, Y), "X", "Infinity", "row 0, column 1");
        assertRejects(() -> Dataset.of(X, new double[] {1, Double.NEGATIVE_INFINITY}), "y", "-Infinity", "row 1");

        float[][] xf = {{1, 2}, {3, 4}, {5, Float.NaN}};
        assertRejects(() -> Dataset.of(xf, new float[] {1, 2, 3}), "X", "NaN", "row 2, column 1");
        assertRejects(() -> Dataset.of(new float[][] {{1}, {2}}, new float[] {Float.NaN, 1}), "y", "NaN", "row 0");

        // flat row-major: element k = 4 of a 3 × 3 matrix is (1, 1)
        double[] flat = new double[9];
        flat[4] = Double.NaN;
        assertRejects(() -> Dataset.ofRowMajor(flat, 3, 3, new double[3]), "NaN", "row 1, column 1");
        float[] flatF = new float[9];
        flatF[7] = Float.POSITIVE_INFINITY;
        assertRejects(() -> Dataset.ofRowMajor(flatF, 3, 3, new float[3]), "Infinity", "row 2, column 1");
        assertRejects(() -> Dataset.ofRowMajor(new double[6], 3, 2, new double[] {0, 0, Double.NaN}), "y", "row 2");
        assertRejects(() -> Dataset.ofRowMajor(new float[6], 3, 2, new float[] {0, Float.NaN, 0}), "y", "row 1");
    }

    // ---------------------------------------------------------------- wrapping factories

    @Test
    void wrapDirectDoubleBufferDoesNotCopy() {
        DoubleBuffer x = directDoubles(1, 2, 3, 4, 5, 6);
        DoubleBuffer y = directDoubles(7, 8);
        try (Dataset d = Dataset.wrap(x, y, 2, 3)) {
            assertEquals(Precision.FLOAT64, d.precision());
            assertFalse(d.ownsMemory());
            assertMatches(d, new double[][] {{1, 2, 3}, {4, 5, 6}}, new double[] {7, 8}, 0.0);
            x.put(4, -55.5);
            y.put(0, 0.25);
            assertEquals(-55.5, d.x(1, 1), 0.0, "a write through the buffer must be visible: no copy");
            assertArrayEquals(new double[] {4, -55.5, 6}, d.row(1), 0.0);
            assertEquals(0.25, d.y(0), 0.0);
        }
        // closing a wrapped dataset leaves the caller's memory usable
        assertEquals(-55.5, x.get(4), 0.0);
    }

    @Test
    void wrapDirectFloatBufferDoesNotCopy() {
        FloatBuffer x = directFloats(1, 2, 3, 4);
        FloatBuffer y = directFloats(5, 6);
        try (Dataset d = Dataset.wrap(x, y, 2, 2)) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertFalse(d.ownsMemory());
            assertMatches(d, new double[][] {{1, 2}, {3, 4}}, new double[] {5, 6}, 0.0);
            x.put(1, 0.5f);
            y.put(1, -1f);
            assertEquals(0.5, d.x(0, 1), 0.0);
            assertEquals(-1.0, d.y(1), 0.0);
        }
    }

    @Test
    void wrapDirectByteBufferDoesNotCopy() {
        ByteBuffer x = ByteBuffer.allocateDirect(6 * 8).order(ByteOrder.nativeOrder());
        ByteBuffer y = ByteBuffer.allocateDirect(3 * 8).order(ByteOrder.nativeOrder());
        for (int k = 0; k < 6; k++) {
            x.putDouble(k * 8, k + 0.5);
        }
        for (int i = 0; i < 3; i++) {
            y.putDouble(i * 8, -i);
        }
        x.position(16); // wrap reads from position 0 regardless of the buffer's position
        try (Dataset d = Dataset.wrap(x, y, 3, 2, Precision.FLOAT64)) {
            assertMatches(d, new double[][] {{0.5, 1.5}, {2.5, 3.5}, {4.5, 5.5}}, new double[] {0, -1, -2}, 0.0);
            x.putDouble(5 * 8, 100.0);
            assertEquals(100.0, d.x(2, 1), 0.0);
        }
        assertEquals(16, x.position(), "the caller's buffer position is left alone");

        ByteBuffer xf = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.nativeOrder());
        ByteBuffer yf = ByteBuffer.allocateDirect(2 * 4).order(ByteOrder.nativeOrder());
        for (int k = 0; k < 4; k++) {
            xf.putFloat(k * 4, k * 2f);
        }
        yf.putFloat(0, 1f).putFloat(4, 3f);
        try (Dataset d = Dataset.wrap(xf, yf, 2, 2, Precision.FLOAT32)) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertMatches(d, new double[][] {{0, 2}, {4, 6}}, new double[] {1, 3}, 0.0);
            xf.putFloat(0, -9f);
            assertEquals(-9.0, d.x(0, 0), 0.0);
        }
    }

    @Test
    void wrapRejectsHeapBuffersAndWrongByteOrder() {
        assertRejects(() -> Dataset.wrap(DoubleBuffer.allocate(4), DoubleBuffer.allocate(2), 2, 2), "direct");
        assertRejects(() -> Dataset.wrap(FloatBuffer.allocate(4), directFloats(1, 2), 2, 2), "direct");
        assertRejects(() -> Dataset.wrap(ByteBuffer.allocate(32), ByteBuffer.allocate(16), 2, 2, Precision.FLOAT64), "direct");
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        assertRejects(() -> Dataset.wrap(ByteBuffer.allocateDirect(32).order(other), ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()),
                2, 2, Precision.FLOAT64), "byte order");
    }

    @Test
    void wrapChecksShapesAndValues() {
        assertRejects(() -> Dataset.wrap(directDoubles(1, 2, 3), directDoubles(1, 2), 2, 2), "3", "2 × 2", "4");
        assertRejects(() -> Dataset.wrap(directDoubles(1, 2, 3, 4), directDoubles(1), 2, 2), "2 rows", "1 values");
        // larger buffers are fine ("at least")
        try (Dataset d = Dataset.wrap(directDoubles(1, 2, 3, 4, 99), directDoubles(5, 6, 99), 2, 2)) {
            assertMatches(d, new double[][] {{1, 2}, {3, 4}}, new double[] {5, 6}, 0.0);
        }
        assertRejects(() -> Dataset.wrap(directDoubles(1, 2, Double.NaN, 4), directDoubles(1, 2), 2, 2), "NaN", "row 1, column 0");
        assertRejects(() -> Dataset.wrap(directFloats(1, 2, 3, 4), directFloats(1, Float.NEGATIVE_INFINITY), 2, 2), "y", "row 1");
        // values beyond the shape are not inspected
        try (Dataset d = Dataset.wrap(directDoubles(1, 2, 3, 4, Double.NaN), directDoubles(5, 6), 2, 2)) {
            assertEquals(4.0, d.x(1, 1), 0.0);
        }
    }

    @Test
    void wrapPointerDoesNotCopy() {
        try (DoublePointer px = new DoublePointer(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
             DoublePointer py = new DoublePointer(-1.0, -2.0, -3.0)) {
            try (Dataset d = Dataset.wrap(px, py, 3, 2)) {
                assertEquals(Precision.FLOAT64, d.precision());
                assertFalse(d.ownsMemory());
                assertMatches(d, new double[][] {{1, 2}, {3, 4}, {5, 6}}, new double[] {-1, -2, -3}, 0.0);
                px.put(3, 40.0);
                py.put(2, 0.0);
                assertEquals(40.0, d.x(1, 1), 0.0, "write through the pointer visible: no copy");
                assertEquals(0.0, d.y(2), 0.0);
            }
            // the caller's memory is still readable after closing the wrapped dataset
            assertEquals(40.0, px.get(3), 0.0);
        }
    }

    @Test
    void wrapPointerStartsAtItsPosition() {
        try (DoublePointer px = new DoublePointer(99.0, 1.0, 2.0, 3.0, 4.0);
             DoublePointer py = new DoublePointer(7.0, 8.0)) {
            px.position(1);
            try (Dataset d = Dataset.wrap(px, py, 2, 2)) {
                assertMatches(d, new double[][] {{1, 2}, {3, 4}}, new double[] {7, 8}, 0.0);
            }
            assertEquals(1, px.position(), "the caller's pointer position is left alone");
            // 4 values remain from position 1: 2 × 3 needs 6
            assertRejects(() -> Dataset.wrap(px, py, 2, 3), "4", "2 × 3", "6");
        }
    }

    @Test
    void wrapPointerFloatAndChecks() {
        try (FloatPointer px = new FloatPointer(1f, 2f, 3f, 4f);
             FloatPointer py = new FloatPointer(5f, 6f);
             DoublePointer dy = new DoublePointer(5.0, 6.0)) {
            try (Dataset d = Dataset.wrap(px, py, 2, 2)) {
                assertEquals(Precision.FLOAT32, d.precision());
                assertMatches(d, new double[][] {{1, 2}, {3, 4}}, new double[] {5, 6}, 0.0);
            }
            assertRejects(() -> Dataset.wrap(px, dy, 2, 2), "FloatPointer", "DoublePointer");
            px.put(2, Float.NaN);
            assertRejects(() -> Dataset.wrap(px, py, 2, 2), "NaN", "row 1, column 0");
            assertRejects(() -> Dataset.wrap(new DoublePointer(), new DoublePointer(), 1, 1), "null pointer");
        }
    }

    // ---------------------------------------------------------------- conversion and lifecycle

    @Test
    void toPrecisionConvertsValues() {
        double[][] x = {{0.1, 1e-8, -3.0}, {1e30, 2.5, 1.0 / 3}};
        double[] y = {Math.PI, -Math.E};
        try (Dataset d = Dataset.of(x, y)) {
            try (Dataset f = d.toPrecision(Precision.FLOAT32)) {
                assertEquals(Precision.FLOAT32, f.precision());
                assertTrue(f.ownsMemory());
                assertEquals(2, f.rows());
                assertEquals(3, f.cols());
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        // the reference: Java's round-to-nearest double → float narrowing
                        assertEquals((double) (float) x[i][j], f.x(i, j), 0.0, "x(" + i + "," + j + ")");
                    }
                    assertEquals((double) (float) y[i], f.y(i), 0.0);
                }
                // and back: float → double is exact
                try (Dataset back = f.toPrecision(Precision.FLOAT64)) {
                    assertEquals(Precision.FLOAT64, back.precision());
                    for (int i = 0; i < 2; i++) {
                        assertArrayEquals(f.row(i), back.row(i), 0.0);
                    }
                    assertArrayEquals(f.targets(), back.targets(), 0.0);
                }
            }
            // the source is untouched by the conversions
            assertMatches(d, x, y, 0.0);
        }
    }

    @Test
    void closingTheResultOfASamePrecisionConversionLeavesTheSourceOpen() {
        double[][] x = {{0.1, 1e-8, -3.0}, {1e30, 2.5, 1.0 / 3}};
        double[] y = {Math.PI, -Math.E};
        double[] w = {0.5, 2};
        try (Dataset d = Dataset.of(x, y, w)) {
            try (Dataset f = d.toPrecision(Precision.FLOAT64)) {
                assertEquals(Precision.FLOAT64, f.precision());
                assertFalse(f.ownsMemory(), "a view: nothing copied");
                assertArrayEquals(w, f.weights(), 0);
                assertMatches(f, x, y, 0.0);
                try (Dataset.Use use = f.use()) {
                    assertThrows(IllegalStateException.class, d::close, "a use of the view pins the source");
                }
            }
            assertTrue(d.isOpen(), "closing the view left the source open");
            assertMatches(d, x, y, 0.0);
            assertArrayEquals(w, d.weights(), 0);
            try (Dataset again = d.toPrecision(Precision.FLOAT64).toPrecision(Precision.FLOAT64)) {
                assertMatches(again, x, y, 0.0);
            }
            assertTrue(d.isOpen());
        }
        Dataset source = Dataset.of(x, y);
        Dataset view = source.toPrecision(Precision.FLOAT64);
        source.close();
        assertFalse(view.isOpen());
        assertThrows(IllegalStateException.class, () -> view.x(0, 0), "the view needs its source open");
        view.close();
    }

    @Test
    void closeTwiceIsHarmlessAndUseAfterCloseThrows() {
        Dataset d = Dataset.of(X, Y);
        d.close();
        assertDoesNotThrow(d::close);
        assertThrows(IllegalStateException.class, () -> d.x(0, 0));
        assertThrows(IllegalStateException.class, () -> d.y(0));
        assertThrows(IllegalStateException.class, () -> d.row(0));
        assertThrows(IllegalStateException.class, d::targets);
        assertThrows(IllegalStateException.class, d::xPointer);
        assertThrows(IllegalStateException.class, d::yPointer);
        assertThrows(IllegalStateException.class, () -> d.toPrecision(Precision.FLOAT32));
        // shape stays readable
        assertEquals(2, d.rows());
        assertEquals(3, d.cols());

        Dataset w = Dataset.wrap(directDoubles(1, 2), directDoubles(3), 1, 2);
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.x(0, 1));
    }

    @Test
    void pointersExposeTheData() {
        try (Dataset d = Dataset.of(X, Y)) {
            DoublePointer px = (DoublePointer) d.xPointer();
            DoublePointer py = (DoublePointer) d.yPointer();
            for (int k = 0; k < 6; k++) {
                assertEquals(X[k / 3][k % 3], px.get(k), 0.0);
            }
            assertEquals(Y[1], py.get(1), 0.0);
            assertTrue(d.toString().contains("2 × 3"), d.toString());
        }
    }

    @Test
    void toPrecisionRefusesValuesFloat32CannotHold() {
        // 1e-50 would become 0 and 1e-40 a subnormal: the fit would silently see another X or y
        double[][] x = {{1, 1e-50}, {2, 3e-50}, {3, 2e-50}};
        try (Dataset d = Dataset.of(x, new double[] {1, 2, 3})) {
            assertRejects(() -> d.toPrecision(Precision.FLOAT32), "X at row 0, column 1", "1.0E-50 is below float32's normal range",
                    "become 0");
        }
        try (Dataset d = Dataset.of(new double[][] {{1}, {2}}, new double[] {1, -1e-40})) {
            assertRejects(() -> d.toPrecision(Precision.FLOAT32), "y at row 1", "-1.0E-40", "subnormal");
        }
        try (Dataset d = Dataset.of(new double[][] {{1}, {3e38 * 2}}, new double[] {1, 2})) {
            assertRejects(() -> d.toPrecision(Precision.FLOAT32), "X at row 1, column 0", "beyond float32's range");
        }
        // zeros and float32's smallest normal convert exactly
        try (Dataset d = Dataset.of(new double[][] {{0}, {-0.0}, {Float.MIN_NORMAL}}, new double[] {1, 2, 3});
             Dataset f = d.toPrecision(Precision.FLOAT32)) {
            assertEquals(Float.MIN_NORMAL, f.x(2, 0), 0.0);
        }
    }

    @Test
    void sparseFloat32TargetsRefuseValuesFloat32CannotHold() {
        try (dev.downhill.io.CsrMatrix m = dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2}, new int[] {0, 0}, new double[] {1, 2}, 1,
                Precision.FLOAT32)) {
            assertRejects(() -> SparseDataset.of(m, new double[] {1e-50, 1}), "y at row 0", "below float32's normal range");
            assertThrows(IllegalStateException.class, m::rowPointers, "SparseDataset.of took X and closed it when it threw");
        }
        assertRejects(() -> dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2}, new int[] {0, 0}, new double[] {1, 1e-50}, 1,
                Precision.FLOAT32), "CSR value 1", "below float32's normal range");
        assertRejects(() -> dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2}, new int[] {0, 0}, new double[] {1, 1.5 * Float.MIN_VALUE},
                1, Precision.FLOAT32), "CSR value 1", "the subnormal");
        // a value that already is a float32 subnormal (float32 data rebuilt as float32: cross-validation folds) converts exactly
        try (dev.downhill.io.CsrMatrix m = dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2}, new int[] {0, 0},
                new double[] {1, 3 * (double) Float.MIN_VALUE}, 1, Precision.FLOAT32); SparseDataset d = SparseDataset.of(m, new double[] {1, 2})) {
            assertEquals(2, d.rows());
        }
    }

    /** SparseDataset.of owns its X: a second dataset of the same matrix is refused, leaving the first one whole. */
    @Test
    void oneCsrMatrixMakesOneSparseDataset() {
        dev.downhill.io.CsrMatrix m = dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2}, new int[] {0, 1}, new double[] {1, 2}, 2,
                Precision.FLOAT64);
        try (SparseDataset first = SparseDataset.of(m, new double[] {1, 2})) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparseDataset.of(m, new double[] {3, 4}));
            assertTrue(e.getMessage().contains("already belongs to a SparseDataset") && e.getMessage().contains("second matrix"),
                    e.getMessage());
            assertEquals(2.0, m.get(1, 1), 0.0, "not closed by the refused call");
            assertEquals(2, first.rows());
            assertEquals(1.0, first.x().get(0, 0), 0.0);
        }
        assertThrows(IllegalStateException.class, m::rowPointers, "closed with its dataset");
    }

    @Test
    void reviewFindingsAreRejectedClearly() {
        DoubleBuffer bigEndian = ByteBuffer.allocateDirect(4 * 8).asDoubleBuffer();
        DoubleBuffer yNative = ByteBuffer.allocateDirect(2 * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.wrap(bigEndian, yNative, 2, 2));
        assertTrue(e.getMessage().contains("byte order"), e.getMessage());
        try (Dataset d = Dataset.of(new double[][] {{1, 2}, {1e300, 4}}, new double[] {1, 2})) {
            e = assertThrows(IllegalArgumentException.class, () -> d.toPrecision(Precision.FLOAT32));
            assertTrue(e.getMessage().contains("row 1, column 0"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> d.x(2, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> d.x(0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> d.y(-1));
        }
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[][] {null}, new double[] {1}));
        assertTrue(e.getMessage().contains("row 0 is null"), e.getMessage());
    }

    @Test
    void adoptedMemoryIsReadFromItsPositionAndFreedOnClose() {
        DoublePointer x = new DoublePointer(1, 2, 3, 4);
        DoublePointer y = new DoublePointer(5, 6);
        Dataset d = Dataset.adopt(x, y, 2, 2);
        assertTrue(d.ownsMemory());
        x.position(3); // moving the caller's pointer afterwards changes nothing
        assertEquals(2, d.x(0, 1), 0);
        d.close();
        assertTrue(x.isNull(), "adopted memory is freed on close");
        assertDoesNotThrow(d::close);
    }

    /**
     * Memory the caller frees under a dataset (closing the Pointer it adopted or wrapped) is refused at the next use, with
     * a message saying which, instead of a fit on freed memory (a review read θ ≈ 1e-277 from one); closing the dataset
     * afterwards still works.
     */
    @Test
    void memoryFreedByTheCallerUnderADatasetIsRefusedAtTheNextUse() {
        DoublePointer ax = new DoublePointer(1, 2, 3, 4);
        DoublePointer ay = new DoublePointer(5, 6);
        Dataset adopted = Dataset.adopt(ax, ay, 2, 2);
        ax.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, adopted::use);
        assertEquals("the memory this dataset reads was freed: a Pointer given to Dataset.adopt was closed by its caller "
                + "(adopt takes ownership: close the dataset, not the pointer)", e.getMessage());
        assertThrows(IllegalStateException.class, () -> adopted.x(0, 0));
        assertDoesNotThrow(adopted::close);

        DoublePointer wx = new DoublePointer(1, 2, 3, 4);
        DoublePointer wy = new DoublePointer(5, 6);
        DoublePointer ww = new DoublePointer(1, 2);
        try (Dataset wrapped = Dataset.wrap(wx, wy, 2, 2); Dataset weighted = wrapped.withWeights(ww)) {
            assertEquals(6, weighted.y(1), 0);
            ww.close();
            e = assertThrows(IllegalStateException.class, weighted::use);
            assertTrue(e.getMessage().contains("Dataset.wrap or withWeights was closed (wrapped memory must outlive the "
                    + "dataset)"), e.getMessage());
            assertEquals(6, wrapped.y(1), 0); // its own memory is still the caller's, unfreed
            wy.close();
            e = assertThrows(IllegalStateException.class, wrapped::use);
            assertTrue(e.getMessage().startsWith("the memory this dataset reads was freed"), e.getMessage());
        } finally {
            wx.close();
        }
    }

    @Test
    void aDatasetInUseRefusesToCloseAndFreesNothing() {
        Dataset d = Dataset.of(X, Y);
        Dataset.Use a = d.use();
        Dataset.Use b = d.use();
        IllegalStateException e = assertThrows(IllegalStateException.class, d::close);
        assertTrue(e.getMessage().contains("2 fits or predictions (or other uses) still read it"), e.getMessage());
        assertTrue(d.isOpen());
        assertArrayEquals(X[1], d.row(1), 0, "the memory is still there");
        a.close();
        a.close(); // releasing twice counts once
        assertThrows(IllegalStateException.class, d::close);
        b.close();
        d.close();
        assertFalse(d.isOpen());
        assertThrows(IllegalStateException.class, d::use, "a closed dataset cannot be used");
        d.close();
    }

    @Test
    void predictionMarksTheDatasetInUse() throws Exception {
        FittedModel m = new FittedModel(new double[] {1, 1, 1}, 0, Solver.GD, "cpu", Precision.FLOAT64, 2, 1,
                StopReason.CONVERGED, new double[] {1}, new double[] {1}, java.time.Duration.ZERO, 0.1, -1,
                FitConfig.builder().build(), new ConvergenceReport(false, new int[0], Double.NaN));
        try (Dataset d = Dataset.of(X, Y)) {
            assertArrayEquals(new double[] {2.75, 3.999}, m.predict(d), 1e-12);
            // after a prediction the use is released: closing works (checked by the try-with-resources)
        }
    }

    // ---------------------------------------------------------------- sample weights

    @Test
    void weightsAreCopiedSummedAndCarriedThroughConversion() {
        double[] w = {0.5, 2};
        try (Dataset d = Dataset.of(X, Y, w)) {
            w[0] = 99; // a copy
            assertTrue(d.isWeighted());
            assertEquals(2.5, d.weightSum(), 0);
            assertEquals(0.5, d.weight(0), 0);
            assertArrayEquals(new double[] {0.5, 2}, d.weights(), 0);
            assertTrue(d.toString().contains("weighted"), d.toString());
            try (Dataset f = d.toPrecision(Precision.FLOAT32)) {
                assertTrue(f.isWeighted());
                assertArrayEquals(new double[] {0.5, 2}, f.weights(), 0);
                assertEquals(2.5, f.weightSum(), 0);
            }
        }
        try (Dataset d = Dataset.of(X, Y)) {
            assertFalse(d.isWeighted());
            assertEquals(2.0, d.weightSum(), 0);
            assertEquals(1.0, d.weight(1), 0);
            assertEquals(null, d.weights());
        }
        try (Dataset d = Dataset.ofRowMajor(new float[] {1, 2, 3, 4}, 2, 2, new float[] {1, 2}, new double[] {0, 3})) {
            assertEquals(Precision.FLOAT32, d.precision());
            assertEquals(3.0, d.weightSum(), 0);
        }
    }

    @Test
    void badWeightsAreRefusedNamingTheRow() {
        assertRejects(() -> Dataset.of(X, Y, new double[] {1, -0.5}), "weights", "-0.5", "row 1", "≥ 0");
        assertRejects(() -> Dataset.of(X, Y, new double[] {Double.NaN, 1}), "NaN", "row 0");
        assertRejects(() -> Dataset.of(X, Y, new double[] {1, Double.POSITIVE_INFINITY}), "Infinity", "row 1");
        assertRejects(() -> Dataset.of(X, Y, new double[] {0, 0}), "every weight is 0");
        try (Dataset d = Dataset.of(X, Y)) { // a null precision converted X to float32 and left precision() null
            assertNullArgument(() -> d.toPrecision(null), "target");
        }
        // weights too small to compute with (a hostile user's 1e-315: the gradient solvers diverged on NaN, normal and svd
        // returned wrong answers at 5e-324); a tiny weight beside a normal one is fine (it is nearly a zero weight)
        assertRejects(() -> Dataset.of(X, Y, new double[] {1e-315, 1e-315}), "largest weight is 1.0E-315", "scale the weights up");
        assertRejects(() -> Dataset.of(X, Y, new double[] {Double.MIN_VALUE, 0}), "too small");
        try (Dataset d = Dataset.of(X, Y, new double[] {1e-315, 1}); Dataset e = Dataset.of(X, Y, new double[] {0x1p-500, 0x1p-500})) {
            assertEquals(1.0, d.weightSum(), 1e-300);
            assertEquals(0x1p-499, e.weightSum(), 0);
        }
        try (SparseDataset sd = SparseDataset.of(dev.downhill.testing.TestData.csr(X, Precision.FLOAT64), Y)) {
            assertRejects(() -> sd.withWeights(new double[] {1e-320, 0}), "largest weight", "scale the weights up");
        }
        // a CSR value outside float32's range is refused before any native memory is taken (the row pointers and column
        // indices allocated first were left to the garbage collector: 12 MB for ten calls on 100,000 rows)
        long[] pointers = new long[100_001];
        int[] columns = new int[100_000];
        double[] values = new double[100_000];
        for (int i = 0; i < 100_000; i++) {
            pointers[i + 1] = i + 1;
            values[i] = i == 99_999 ? 1e300 : 1;
        }
        long before = org.bytedeco.javacpp.Pointer.totalBytes();
        for (int k = 0; k < 10; k++) {
            assertRejects(() -> dev.downhill.io.CsrMatrix.of(pointers, columns, values, 1, Precision.FLOAT32), "float64");
        }
        assertTrue(org.bytedeco.javacpp.Pointer.totalBytes() <= before, "native bytes " + before + " → "
                + org.bytedeco.javacpp.Pointer.totalBytes());
        assertRejects(() -> Dataset.of(X, Y, new double[] {1, 2, 3}), "2 rows", "3 values");
        assertRejects(() -> Dataset.ofRowMajor(new double[] {1, 2}, 2, 1, new double[] {1, 2}, new double[] {1}), "2 rows",
                "1 values");
        try (Dataset d = Dataset.of(X, Y)) {
            assertRejects(() -> d.withWeights(new double[] {-1, 1}), "row 0");
            try (DoublePointer p = new DoublePointer(1.0, Double.NaN)) {
                assertRejects(() -> d.withWeights(p), "NaN", "row 1");
            }
            try (DoublePointer p = new DoublePointer(1.0)) {
                assertRejects(() -> d.withWeights(p), "2 rows", "1 values");
            }
        }
    }

    @Test
    void aWeightedViewSharesXAndYAndNeedsItsBaseOpen() {
        Dataset base = Dataset.of(X, Y);
        Dataset view = base.withWeights(new double[] {1, 3});
        assertTrue(view.isWeighted());
        assertFalse(base.isWeighted());
        assertEquals(base.xPointer().address(), view.xPointer().address());
        assertFalse(view.ownsMemory());
        try (Dataset.Use use = view.use()) {
            assertThrows(IllegalStateException.class, base::close, "the view's use pins the base");
        }
        try (DoublePointer wrapped = new DoublePointer(2.0, 0.0); Dataset other = base.withWeights(wrapped)) {
            assertEquals(2.0, other.weightSum(), 0);
            assertEquals(0.0, other.weight(1), 0);
        }
        base.close();
        assertFalse(view.isOpen());
        assertThrows(IllegalStateException.class, view::xPointer);
        // a fit of the view says what is closed: its base (it said "dataset is closed" of the open view)
        IllegalStateException e = assertThrows(IllegalStateException.class, view::use);
        assertEquals("the dataset this view shares X and y with is closed", e.getMessage());
        view.close();
        assertEquals("dataset is closed", assertThrows(IllegalStateException.class, view::use).getMessage());
    }

    /** The sparse dataset refuses bad targets and weights in the dense dataset's words (they were worded apart). */
    @Test
    void sparseDatasetsRefuseBadTargetsAndWeightsAsDenseOnesDo() {
        double[][] rows = {{1, 0}, {0, 2}, {3, 0}};
        double[] y = {1, 2, 3};
        for (double[] badY : new double[][] {{1, Double.NaN, 3}, {1, 2, Double.NEGATIVE_INFINITY}}) {
            String dense = assertThrows(IllegalArgumentException.class, () -> Dataset.of(rows, badY).close()).getMessage();
            String sparse = assertThrows(IllegalArgumentException.class,
                    () -> SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2, 3}, new int[] {0, 1, 0},
                            new double[] {1, 2, 3}, 2, Precision.FLOAT64), badY).close()).getMessage();
            assertEquals(dense, sparse);
        }
        for (double[] w : new double[][] {{1, -1, 1}, {1, 1, Double.NaN}, {0, 0, 0}}) {
            try (Dataset d = Dataset.of(rows, y);
                 SparseDataset s = SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2, 3}, new int[] {0, 1, 0},
                         new double[] {1, 2, 3}, 2, Precision.FLOAT64), y)) {
                String dense = assertThrows(IllegalArgumentException.class, () -> d.withWeights(w).close()).getMessage();
                String sparse = assertThrows(IllegalArgumentException.class, () -> s.withWeights(w).close()).getMessage();
                assertEquals(dense, sparse);
            }
        }
    }

    /** SparseDataset.withWeights moves X and y (Dataset's gives a view): the emptied dataset says where they went. */
    @Test
    void aSparseDatasetMovedIntoItsWeightedOneSaysSo() {
        SparseDataset s = SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 1, 2, 3}, new int[] {0, 1, 0},
                new double[] {1, 2, 3}, 2, Precision.FLOAT64), new double[] {1, 2, 3});
        try (SparseDataset weighted = s.withWeights(new double[] {1, 2, 1})) {
            String m = assertThrows(IllegalStateException.class, s::use).getMessage();
            assertEquals("the sparse dataset's X and y were moved into the weighted dataset withWeights returned (unlike "
                    + "Dataset.withWeights, which gives a view): use that one", m);
            weighted.use().close();
        }
        s.close(); // frees nothing, harmless
        SparseDataset closed = SparseDataset.of(dev.downhill.io.CsrMatrix.of(new long[] {0, 1}, new int[] {0}, new double[] {1}, 1,
                Precision.FLOAT64), new double[] {1});
        closed.close();
        assertEquals("the sparse dataset is closed", assertThrows(IllegalStateException.class, closed::use).getMessage());
    }
}
