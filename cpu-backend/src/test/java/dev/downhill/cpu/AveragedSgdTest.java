package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.internal.AveragingWarning;
import dev.downhill.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Averaged SGD through the library ({@link FitConfig#averageFrom()}): the model's coefficients and intercept are the
 * mean of the iterates from the first averaged step, checked against separate fits stopped after each of those steps;
 * a fit that stops before averaging begins returns its last iterate and warns; the setting survives the model file.
 */
class AveragedSgdTest {
    private static Dataset data() {
        TestData t = TestData.gaussian(120, 4, new double[] {1.5, -2, 0.5, 3}, 0.7, 0.5, 21);
        for (double[] row : t.x) {
            row[1] = 40 + 8 * row[1]; // an offset and a scale: the intercept and the standardization carry the average
        }
        return Dataset.of(t.x, t.y);
    }

    /**
     * Mini-batches of all 120 rows (one step an epoch, so a fit of k epochs stops at step k): averaging from step 3 over
     * 9 epochs gives the arithmetic mean of the models of 3, 4, …, 9 epochs — in the user's coefficients and intercept,
     * which are linear in the internal θ — to within the running mean's roundings (a few ulps of the largest value).
     */
    @Test
    void theModelIsTheMeanOfTheIteratesFromTheFirstAveragedStep() {
        try (Dataset d = data()) {
            FitConfig.Builder base = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(120).learningRate(0.05)
                    .standardize(true).tolerance(0).penalty(Penalty.l2(0.01)).precision(Precision.FLOAT64);
            FittedModel averaged = LinearRegression.fit(d, base.averageFrom(3).maxIterations(9).build());
            double[] mean = new double[4];
            double intercept = 0;
            for (int k = 3; k <= 9; k++) {
                FittedModel stopped = LinearRegression.fit(d, base.averageFrom(0).maxIterations(k).build());
                for (int j = 0; j < 4; j++) {
                    mean[j] += stopped.coefficients()[j] / 7;
                }
                intercept += stopped.intercept() / 7;
            }
            FittedModel last = LinearRegression.fit(d, base.averageFrom(0).maxIterations(9).build());
            for (int j = 0; j < 4; j++) {
                assertEquals(mean[j], averaged.coefficients()[j], 1e-13 * (1 + Math.abs(mean[j])), "θ̄_" + j);
                assertTrue(Math.abs(averaged.coefficients()[j] - last.coefficients()[j]) > 1e-6,
                        "the average differs from the last iterate in θ_" + j);
            }
            assertEquals(intercept, averaged.intercept(), 1e-12 * (1 + Math.abs(intercept)), "the intercept follows θ̄");
            assertEquals(9, averaged.iterations());
            assertTrue(AveragingWarning.of(averaged, "averageFrom").isEmpty(), "averaged: no warning");
        }
    }

    /** sgd over 120 rows for 2 epochs takes 240 steps: averaging from step 500 never begins — the last iterate, warned. */
    @Test
    void aFitThatStopsBeforeAveragingBeginsReturnsItsLastIterateAndWarns() {
        try (Dataset d = data()) {
            FitConfig.Builder base = FitConfig.builder().solver(Solver.SGD).learningRate(0.001).tolerance(0).maxIterations(2);
            FittedModel late = LinearRegression.fit(d, base.averageFrom(500).build());
            FittedModel plain = LinearRegression.fit(d, base.averageFrom(0).build());
            assertArrayEquals(plain.coefficients(), late.coefficients(), "the last iterate");
            assertEquals("averageFrom 500: the fit stopped after 240 steps, before averaging began, so the coefficients are "
                    + "its last iterate's, not an average; lower averageFrom", AveragingWarning.of(late, "averageFrom").orElseThrow());
            FittedModel begun = LinearRegression.fit(d, base.averageFrom(240).build()); // θ̄ = θ after the last step
            assertArrayEquals(plain.coefficients(), begun.coefficients(), "averaging from the last step: that iterate");
            assertTrue(AveragingWarning.of(begun, "averageFrom").isEmpty());
        }
    }

    @Test
    void theFirstAveragedStepSurvivesTheModelFileAndOldFilesReadAsUnaveraged() throws IOException {
        try (Dataset d = data()) {
            FittedModel model = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SGD).averageFrom(7).maxIterations(3)
                    .build());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ModelFile.write(out, model, model.score(d));
            String json = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(json.replace(" ", "").contains("\"averageFrom\":7"), json);
            assertEquals(7, ModelFile.read(new ByteArrayInputStream(out.toByteArray())).model().config().averageFrom());
            FittedModel plain = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SGD).maxIterations(3).build());
            ByteArrayOutputStream plainOut = new ByteArrayOutputStream();
            ModelFile.write(plainOut, plain, plain.score(d));
            assertTrue(!plainOut.toString(java.nio.charset.StandardCharsets.UTF_8).contains("averageFrom"),
                    "written only when asked");
            assertEquals(0, ModelFile.read(new ByteArrayInputStream(plainOut.toByteArray())).model().config().averageFrom());
        }
    }

    @Test
    void aNegativeFirstStepIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FitConfig.builder().averageFrom(-1));
        assertEquals("the first averaged step must be ≥ 1 (or 0 for no averaging), got -1", e.getMessage());
    }
}
