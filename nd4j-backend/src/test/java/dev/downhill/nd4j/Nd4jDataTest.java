package dev.downhill.nd4j;

import static dev.downhill.testing.Compare.assertClose;
import static dev.downhill.testing.Compare.withIntercept;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.testing.TestData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** INDArray in (wrapped or copied) and out of the public API. */
class Nd4jDataTest {

    private static INDArray matrix(TestData t, DataType type) {
        return Nd4j.createFromArray(t.x).castTo(type);
    }

    private static INDArray vector(TestData t, DataType type) {
        return Nd4j.createFromArray(t.y).castTo(type);
    }

    @Test
    void cOrderFloat64IsWrappedWithoutCopyAndSeesLaterWrites() {
        TestData t = TestData.gaussian(50, 4, TestData.ramp(4), 1, 0.1, 1);
        INDArray x = matrix(t, DataType.DOUBLE);
        INDArray y = vector(t, DataType.DOUBLE);
        assertTrue(Nd4jData.wrapsWithoutCopy(x, y));
        try (Dataset d = Nd4jData.fromINDArray(x, y)) {
            assertFalse(d.ownsMemory(), "wrapped, not copied");
            assertEquals(Precision.FLOAT64, d.precision());
            assertEquals(t.x[3][2], d.x(3, 2), 0);
            x.putScalar(3, 2, 42.0);
            y.putScalar(7, -1.5);
            assertEquals(42.0, d.x(3, 2), 0, "a write to the INDArray is seen through the dataset: same memory");
            assertEquals(-1.5, d.y(7), 0);
        }
        assertEquals(42.0, x.getDouble(3, 2), 0, "closing the dataset leaves the INDArray alone");
    }

    @Test
    void cOrderFloat32IsWrappedToo() {
        TestData t = TestData.gaussian(20, 3, TestData.ramp(3), 1, 0.1, 2);
        INDArray x = matrix(t, DataType.FLOAT);
        INDArray y = vector(t, DataType.FLOAT).reshape(20, 1);
        try (Dataset d = Nd4jData.fromINDArray(x, y)) {
            assertFalse(d.ownsMemory());
            assertEquals(Precision.FLOAT32, d.precision());
            x.putScalar(19, 0, 0.25f);
            assertEquals(0.25, d.x(19, 0), 0);
            assertEquals((float) t.y[5], d.y(5), 0);
        }
    }

    @Test
    void aRowRangeViewIsWrappedAtItsOffset() {
        TestData t = TestData.gaussian(10, 3, TestData.ramp(3), 0, 0.1, 3);
        INDArray big = matrix(t, DataType.DOUBLE);
        INDArray rows = big.get(NDArrayIndex.interval(2, 7), NDArrayIndex.all());
        INDArray y = vector(t, DataType.DOUBLE).get(NDArrayIndex.interval(2, 7));
        assertTrue(Nd4jData.wrapsWithoutCopy(rows, y));
        try (Dataset d = Nd4jData.fromINDArray(rows, y)) {
            assertFalse(d.ownsMemory());
            assertEquals(5, d.rows());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(t.x[i + 2], d.row(i), 0);
                assertEquals(t.y[i + 2], d.y(i), 0);
            }
            big.putScalar(4, 1, 7.0);
            assertEquals(7.0, d.x(2, 1), 0);
        }
    }

    @Test
    void otherLayoutsAndTypesAreCopiedOnce() {
        TestData t = TestData.gaussian(30, 4, TestData.ramp(4), 0, 0.1, 4);
        INDArray c = matrix(t, DataType.DOUBLE);
        INDArray y = vector(t, DataType.DOUBLE);
        INDArray[] notWrappable = {
            c.dup('f'),                                                   // column-major
            c.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup('f'), // also f
            Nd4j.concat(1, c, c).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)), // a column range: rows strided by 8
            c.castTo(DataType.HALF),                                      // not float/double
        };
        for (INDArray x : notWrappable) {
            assertFalse(Nd4jData.wrapsWithoutCopy(x, y), "order " + x.ordering() + ", type " + x.dataType());
            try (Dataset d = Nd4jData.fromINDArray(x, y)) {
                assertTrue(d.ownsMemory(), "copied into memory the dataset owns");
                double tolerance = x.dataType() == DataType.HALF ? 1e-2 : 0;
                for (int i = 0; i < 30; i++) {
                    assertArrayEquals(t.x[i], d.row(i), tolerance * 10);
                }
                double before = d.x(0, 0);
                x.putScalar(0, 0, 99.0);
                assertEquals(before, d.x(0, 0), 0, "a copy does not see later writes");
            }
        }
        try (Dataset ints = Nd4jData.fromINDArray(Nd4j.createFromArray(new int[][] {{1, 2}, {3, 4}, {5, 7}}),
                Nd4j.createFromArray(1, 2, 3))) {
            assertEquals(Precision.FLOAT64, ints.precision());
            assertEquals(7.0, ints.x(2, 1), 0);
        }
    }

    @Test
    void yOfAnotherTypeIsCopiedWhileXIsStillWrapped() {
        TestData t = TestData.gaussian(12, 2, TestData.ramp(2), 0, 0.1, 5);
        INDArray x = matrix(t, DataType.DOUBLE);
        INDArray y = vector(t, DataType.FLOAT);
        assertTrue(Nd4jData.wrapsWithoutCopy(x, y));
        try (Dataset d = Nd4jData.fromINDArray(x, y)) {
            x.putScalar(1, 1, 5.0);
            assertEquals(5.0, d.x(1, 1), 0);
            assertEquals((float) t.y[3], d.y(3), 0);
        }
    }

    @Test
    void wrappedArraysStayAliveWhileTheDatasetIsReachable() throws InterruptedException {
        TestData t = TestData.gaussian(2000, 8, TestData.ramp(8), 0, 0.1, 6);
        Dataset d = Nd4jData.fromINDArray(matrix(t, DataType.DOUBLE), vector(t, DataType.DOUBLE));
        // the caller's INDArray references are gone; churn ND4J's allocator and the GC
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 50; k++) {
                Nd4j.create(DataType.DOUBLE, 2000, 8).addi(1.0);
            }
            System.gc();
            Thread.sleep(50); // ND4J's deallocator thread frees unreachable buffers
        }
        for (int i = 0; i < 2000; i += 97) {
            assertArrayEquals(t.x[i], d.row(i), 0);
        }
        assertEquals(t.y[1999], d.y(1999), 0);
        d.close();
    }

    @Test
    void badShapesAndValuesAreRejected() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nd4jData.fromINDArray(x, Nd4j.rand(DataType.DOUBLE, 4)));
        assertTrue(e.getMessage().contains("5 rows") && e.getMessage().contains("4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Nd4jData.fromINDArray(Nd4j.rand(DataType.DOUBLE, 2, 2, 2),
                Nd4j.rand(DataType.DOUBLE, 2)));
        assertThrows(IllegalArgumentException.class, () -> Nd4jData.fromINDArray(x, Nd4j.rand(DataType.DOUBLE, 5, 2)));
        INDArray nan = x.dup();
        nan.putScalar(3, 1, Double.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> Nd4jData.fromINDArray(nan, Nd4j.rand(DataType.DOUBLE, 5)));
        assertTrue(e.getMessage().contains("row 3, column 1"), e.getMessage());
        INDArray fNan = nan.dup('f');
        e = assertThrows(IllegalArgumentException.class, () -> Nd4jData.fromINDArray(fNan, Nd4j.rand(DataType.DOUBLE, 5)));
        assertTrue(e.getMessage().contains("row 3, column 1"), "copied data are validated too: " + e.getMessage());
    }

    @Test
    void resultsComeOutAsIndArrays() {
        TestData t = TestData.gaussian(40, 3, TestData.ramp(3), 2, 0.1, 7);
        INDArray x = matrix(t, DataType.DOUBLE);
        FittedModel m;
        try (Dataset d = Nd4jData.fromINDArray(x, vector(t, DataType.DOUBLE))) {
            m = LinearRegression.fit(d, FitConfig.builder().solver(Solver.GD).backend("nd4j").maxIterations(50).build());
            INDArray predicted = Nd4jData.predict(m, x);
            assertArrayEquals(m.predict(d), predicted.toDoubleVector(), 0, "same arithmetic as FittedModel.predict");
        }
        assertArrayEquals(m.coefficients(), Nd4jData.coefficients(m).toDoubleVector(), 0);
        assertArrayEquals(withIntercept(m), Nd4jData.coefficientsWithIntercept(m).toDoubleVector(), 0);
        assertArrayEquals(m.lossHistory(), Nd4jData.lossHistory(m).toDoubleVector(), 0);
        // the backend's prediction pass (ND4J mmul) against a plain loop: summation order only
        assertArrayEquals(m.predict(t.x), Nd4jData.predict(m, x.dup('f')).toDoubleVector(), 1e-13, "an f-order X is copied first");
        assertThrows(IllegalArgumentException.class, () -> Nd4jData.predict(m, Nd4j.rand(DataType.DOUBLE, 4, 2)));
    }

    @Test
    void fitsFromWrappedArraysMatchTheCpuBackend() {
        TestData t = TestData.gaussian(500, 6, TestData.ramp(6), 1.5, 0.2, 8);
        INDArray x = matrix(t, DataType.DOUBLE);
        INDArray y = vector(t, DataType.DOUBLE);
        try (Dataset d = Nd4jData.fromINDArray(x, y)) {
            FitConfig[] configs = {
                FitConfig.builder().solver(Solver.NORMAL).build(),
                FitConfig.builder().solver(Solver.SVD).build(),
                FitConfig.builder().solver(Solver.SVD).fitIntercept(false).build(),
                FitConfig.builder().solver(Solver.GD).maxIterations(300).tolerance(0).build(),
                FitConfig.builder().solver(Solver.MINIBATCH).batchSize(32).learningRate(0.01).maxIterations(20).tolerance(0).seed(3).build(),
            };
            for (FitConfig c : configs) {
                FittedModel nd4j = LinearRegression.fit(d, c.toBuilder().backend("nd4j").build());
                FittedModel cpu = LinearRegression.fit(d, c.toBuilder().backend("cpu").build());
                assertEquals("nd4j", nd4j.backend());
                // float64 on both: only summation order and LAPACK routes differ
                assertClose(withIntercept(nd4j), withIntercept(cpu), 1e-10, c.solver() + " nd4j vs cpu");
            }
        }
    }

    @Test
    void fitsOnAWideProblemMatchTheCpuBackend() {
        TestData t = TestData.gaussian(25, 60, TestData.ramp(60), 0.5, 0.1, 9);
        try (Dataset d = Nd4jData.fromINDArray(matrix(t, DataType.DOUBLE), vector(t, DataType.DOUBLE))) {
            for (boolean intercept : new boolean[] {true, false}) {
                FitConfig c = FitConfig.builder().solver(Solver.SVD).fitIntercept(intercept).build();
                FittedModel nd4j = LinearRegression.fit(d, c.toBuilder().backend("nd4j").build());
                FittedModel cpu = LinearRegression.fit(d, c.toBuilder().backend("cpu").build());
                assertEquals(cpu.rank(), nd4j.rank());
                assertClose(withIntercept(nd4j), withIntercept(cpu), 1e-10, "wide minimum-norm SVD, intercept " + intercept);
            }
        }
    }
}
