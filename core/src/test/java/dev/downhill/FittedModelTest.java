package dev.downhill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** In package dev.downhill to reach FittedModel's package-private constructor. */
class FittedModelTest {
    private static final double TOL = 1e-12;

    private static FittedModel model(double[] theta, double b) {
        return new FittedModel(theta, b, Solver.GD, "test", Precision.FLOAT64, 4, 3, StopReason.CONVERGED,
                new double[] {5, 2, 1.5}, new double[] {4, 1, 0.1}, Duration.ofMillis(12), 0.05, -1,
                FitConfig.builder().build(), new ConvergenceReport(false, new int[0], Double.NaN));
    }

    @Test
    void aCoefficientIndexOutOfRangeNamesTheIndexAndTheFeatures() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        assertEquals(0.5, m.coefficient(2), 0.0);
        for (int j : new int[] {3, -1, Integer.MAX_VALUE}) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> m.coefficient(j));
            assertTrue(e.getMessage().contains("index " + j) && e.getMessage().contains("3 features"), e.getMessage());
            assertTrue(e.getClass() == IndexOutOfBoundsException.class, e.getClass().getName());
        }
    }

    @Test
    void aModelThatIsNotFiniteIsAnArithmeticExceptionNotAModel() {
        ArithmeticException theta = assertThrows(ArithmeticException.class,
                () -> model(new double[] {2, Double.NEGATIVE_INFINITY}, 3));
        assertTrue(theta.getMessage().contains("coefficient 1 is -Infinity"), theta.getMessage());
        ArithmeticException b = assertThrows(ArithmeticException.class, () -> model(new double[] {2, 1}, Double.NaN));
        assertTrue(b.getMessage().contains("the intercept is NaN"), b.getMessage());
    }

    @Test
    void predictIsDotPlusIntercept() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        // hand-computed: 2·1 − 1·2 + 0.5·4 + 3 = 5;  2·0 − 1·0 + 0.5·0 + 3 = 3;  2·(−1) − 1·3 + 0.5·(−2) + 3 = −3
        double[][] x = {{1, 2, 4}, {0, 0, 0}, {-1, 3, -2}};
        assertArrayEquals(new double[] {5, 3, -3}, m.predict(x), TOL);
        assertEquals(5, m.predict(new double[] {1, 2, 4}), TOL);
        try (Dataset d = Dataset.of(x, new double[] {0, 0, 0})) {
            assertArrayEquals(new double[] {5, 3, -3}, m.predict(d), TOL);
        }
    }

    @Test
    void predictingOnAnotherBackendChangesOnlyWherePredictionsRun() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        FittedModel moved = m.predictingOn("auto");
        assertEquals(null, moved.config().backend(), "auto: the automatic choice");
        assertEquals("test", moved.backend(), "the record of the fit stays");
        assertArrayEquals(m.coefficients(), moved.coefficients(), 0);
        assertEquals(m.intercept(), moved.intercept(), 0);
        assertArrayEquals(m.lossHistory(), moved.lossHistory(), 0);
        assertEquals(m.config().solver(), moved.config().solver());
        assertThrows(IllegalArgumentException.class, () -> m.predictingOn("not a name"));
        // a name no backend on the class path has (core's tests have none) is refused now, as a fit's would be: it was
        // accepted, and the predictions then ran silently on the automatic choice
        dev.downhill.spi.BackendUnavailableException e = assertThrows(dev.downhill.spi.BackendUnavailableException.class,
                () -> m.predictingOn("elsewhere"));
        assertTrue(e.getMessage().contains("unknown backend 'elsewhere'"), e.getMessage());
    }

    @Test
    void predictingOnOtherThreadsChangesOnlyTheThreadCount() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        FittedModel moved = m.predictingOnThreads(3);
        assertEquals(3, moved.config().threads());
        assertEquals(3, moved.config().backendOptions().threads());
        assertEquals(m.config().backend(), moved.config().backend(), "the backend stays");
        assertArrayEquals(m.coefficients(), moved.coefficients(), 0);
        assertEquals(m.intercept(), moved.intercept(), 0);
        assertEquals(m.config().backendOptions().toBuilder().threads(3).build(), moved.config().backendOptions(),
                "the other backend options stay");
        assertEquals(0, moved.predictingOnThreads(0).config().threads(), "0: every core");
        assertThrows(IllegalArgumentException.class, () -> m.predictingOnThreads(-1));
    }

    /** float32 rows predict as the same values in double rows (widened exactly), with the same checks. */
    @Test
    void floatRowsPredictAsTheSameValuesInDoubleRows() {
        FittedModel m = model(new double[] {2, -1, 0.1}, 3);
        float[][] x = {{1.1f, 2, 4}, {0, 0, 0}, {-1, 3.3f, -2}};
        double[][] wide = {{1.1f, 2, 4}, {0, 0, 0}, {-1, 3.3f, -2}};
        assertArrayEquals(m.predict(wide), m.predict(x), 0);
        assertEquals(m.predict(wide[2]), m.predict(x[2]), 0);
        assertMessage(() -> m.predict(new float[][] {{1, 2, 3}, {1, 2}}), "row 1 has 2 values but the model has 3 coefficients");
        assertMessage(() -> m.predict(new float[][] {{1, 2, 3}, null}), "row 1 is null");
        assertMessage(() -> m.predict(new float[] {1, Float.NaN, 3}), "row 0, column 1 is NaN: every value of X must be finite");
        assertNullArgument(() -> m.predict((float[][]) null), "x");
        assertNullArgument(() -> m.predict((float[]) null), "x");
    }

    @Test
    void predictChecksWidths() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.predict(new double[][] {{1, 2, 3}, {1, 2}}));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("2 values") && e.getMessage().contains("3 coefficients"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.predict(new double[] {1, 2, 3, 4}));
        try (Dataset d = Dataset.of(new double[][] {{1, 2}}, new double[] {1})) {
            e = assertThrows(IllegalArgumentException.class, () -> m.predict(d));
            assertTrue(e.getMessage().contains("2 columns"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> m.score(new double[][] {{1, 2, 3}}, new double[] {1, 2}));
        // a null row and non-finite values: one IllegalArgumentException naming what is wrong (they were bare NPEs, or a
        // NaN prediction and a Score of NaN); a null argument: a NullPointerException naming it (the package's convention)
        assertNullArgument(() -> m.predict((double[][]) null), "x");
        assertMessage(() -> m.predict(new double[][] {{1, 2, 3}, null}), "row 1 is null");
        assertNullArgument(() -> m.predict((double[]) null), "x");
        assertNullArgument(() -> m.predict((Dataset) null), "data");
        assertNullArgument(() -> m.score(null, new double[] {1}), "x");
        assertNullArgument(() -> m.score(new double[][] {{1, 2, 3}}, null), "y");
        assertMessage(() -> m.predict(new double[] {1, Double.NaN, 3}), "row 0, column 1 is NaN");
        assertMessage(() -> m.score(new double[][] {{1, 2, 3}}, new double[] {Double.POSITIVE_INFINITY}), "y[0] is Infinity");
    }

    /**
     * Every prediction and score refuses a null dataset or problem with a NullPointerException naming the argument (some
     * were bare NullPointerExceptions without a message, then IllegalArgumentExceptions), and an output buffer too small
     * for the rows before the data are loaded into a backend (it was checked only after the load).
     */
    @Test
    void predictionArgumentsAreCheckedBeforeTheDataAreLoaded() {
        FittedModel m = model(new double[] {2, -1, 0.5}, 3);
        try (org.bytedeco.javacpp.DoublePointer out = new org.bytedeco.javacpp.DoublePointer(2)) {
            assertNullArgument(() -> m.predict((Dataset) null, out), "data");
            assertNullArgument(() -> m.score((Dataset) null), "data");
            assertNullArgument(() -> m.predict((SparseDataset) null), "data");
            assertNullArgument(() -> m.predict((SparseDataset) null, out), "data");
            assertNullArgument(() -> m.score((SparseDataset) null), "data");
            assertNullArgument(() -> m.predict((LoadedProblem) null), "problem");
            assertNullArgument(() -> m.predict((LoadedProblem) null, out), "problem");
            assertNullArgument(() -> m.score((LoadedProblem) null), "problem");
            try (Dataset d = Dataset.of(new double[][] {{1, 2, 4}, {0, 0, 0}, {-1, 3, -2}}, new double[3])) {
                int loads = dev.downhill.spi.CountingBackends.loads("test-host");
                assertMessage(() -> m.predict(d, out), "out holds 2 values from its position but there are 3 rows");
                assertEquals(loads, dev.downhill.spi.CountingBackends.loads("test-host"), "the data were loaded first");
            }
        }
    }

    private static void assertNullArgument(org.junit.jupiter.api.function.Executable call, String argument) {
        assertEquals(argument, assertThrows(NullPointerException.class, call).getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    /**
     * A constant y (0.1 on 3 rows: its mean sums to 0.30000000000000004/3, an ulp off, so Σ(y − ȳ)² computed is ~1e-33,
     * not 0): R² is NaN, undefined, whatever the predictions — not 1 − noise/noise; a y constant over the rows of weight
     * &gt; 0 too.
     */
    @Test
    void aConstantTargetHasNoR2() {
        FittedModel m = model(new double[] {0, 0}, 0.1);
        double[][] x = {{1, 2}, {3, 4}, {5, 6}};
        assertTrue((0.1 + 0.1 + 0.1) / 3 != 0.1, "the premise: ȳ computed is off by an ulp");
        Score s = m.score(x, new double[] {0.1, 0.1, 0.1});
        assertEquals(0, s.mse(), 0);
        assertTrue(Double.isNaN(s.r2()), s.toString());
        FittedModel off = model(new double[] {1e-9, 0}, 0.1);
        assertTrue(Double.isNaN(off.score(x, new double[] {0.1, 0.1, 0.1}).r2()));
    }

    @Test
    void scoreMseAndR2ByHand() {
        // ŷ = 2x + 1 on x = 0, 1, 2, 3 gives ŷ = 1, 3, 5, 7; y = 1, 4, 4, 8
        // residuals 0, −1, 1, −1 → SS_res = 3, MSE = 3/4
        // ȳ = 17/4 = 4.25; SS_tot = 3.25² + 0.25² + 0.25² + 3.75² = 10.5625 + 0.0625 + 0.0625 + 14.0625 = 24.75
        // R² = 1 − 3/24.75 = 0.878787…
        FittedModel m = model(new double[] {2}, 1);
        double[][] x = {{0}, {1}, {2}, {3}};
        double[] y = {1, 4, 4, 8};
        Score s = m.score(x, y);
        assertEquals(0.75, s.mse(), TOL);
        assertEquals(1 - 3 / 24.75, s.r2(), TOL);
        try (Dataset d = Dataset.of(x, y)) {
            Score sd = m.score(d);
            assertEquals(0.75, sd.mse(), TOL);
            assertEquals(1 - 3 / 24.75, sd.r2(), TOL);
        }
        // a perfect fit: MSE 0, R² 1
        Score perfect = m.score(x, new double[] {1, 3, 5, 7});
        assertEquals(0, perfect.mse(), 0.0);
        assertEquals(1, perfect.r2(), 0.0);
        // constant y: R² undefined
        Score flat = m.score(x, new double[] {2, 2, 2, 2});
        assertEquals((1 + 1 + 9 + 25) / 4.0, flat.mse(), TOL);
        assertTrue(Double.isNaN(flat.r2()));
        // predicting the mean everywhere gives R² = 0
        FittedModel mean = model(new double[] {0}, 4.25);
        assertEquals(0, mean.score(x, y).r2(), TOL);
        assertThrows(IllegalArgumentException.class, () -> m.score(new double[0][], new double[0]));
    }

    @Test
    void accessorsReturnCopies() {
        double[] theta = {1, 2, 3};
        FittedModel m = model(theta, 0.5);
        theta[0] = 100; // the constructor copied
        assertEquals(1, m.coefficient(0), 0.0);
        double[] c = m.coefficients();
        c[1] = -7;
        assertArrayEquals(new double[] {1, 2, 3}, m.coefficients(), 0.0);
        m.lossHistory()[0] = -1;
        assertArrayEquals(new double[] {5, 2, 1.5}, m.lossHistory(), 0.0);
        m.gradientNormHistory()[0] = -1;
        assertArrayEquals(new double[] {4, 1, 0.1}, m.gradientNormHistory(), 0.0);
        assertEquals(1.5, m.finalLoss(), 0.0);
        assertEquals(3, m.features());
        assertEquals(0.5, m.intercept(), 0.0);
        assertEquals(Solver.GD, m.solver());
        assertEquals("test", m.backend());
        assertEquals(4, m.trainingRows());
        assertEquals(3, m.iterations());
        assertEquals(StopReason.CONVERGED, m.stopReason());
        assertEquals(0.05, m.learningRate(), 0.0);
        assertEquals(-1, m.rank());
        assertTrue(m.fitIntercept());
    }

    @Test
    void directSolverModelHasNoLossHistory() {
        FittedModel m = new FittedModel(new double[] {1}, 0, Solver.SVD, "test", Precision.FLOAT32, 2, 0,
                StopReason.DIRECT_SOLUTION, new double[0], new double[0], Duration.ZERO, Double.NaN, 1,
                FitConfig.builder().solver(Solver.SVD).fitIntercept(false).build(), new ConvergenceReport(false, new int[0], Double.NaN));
        assertTrue(Double.isNaN(m.finalLoss()));
        assertEquals(1, m.rank());
        assertEquals(false, m.fitIntercept());
    }
}
