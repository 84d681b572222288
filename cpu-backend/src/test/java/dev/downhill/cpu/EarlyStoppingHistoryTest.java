package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.ModelFile;
import dev.downhill.Solver;
import dev.downhill.internal.StochasticGradientSolver;
import dev.downhill.spi.EpochRows;
import dev.downhill.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Early stopping's validation history ({@link dev.downhill.ConvergenceReport#validationHistory()}): one held-out MSE per
 * epoch, the last one the final model's MSE on the held-out rows (computed here from the model's predictions, weighted);
 * kept by the model file; empty without early stopping.
 */
class EarlyStoppingHistoryTest {
    @Test
    void theLastValidationErrorIsTheModelsErrorOnTheHeldOutRows() throws IOException {
        int m = 400;
        TestData t = TestData.gaussian(m, 5, TestData.ramp(5), 0.4, 0.8, 3);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 4) * 0.5;
        }
        FitConfig config = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(16).validationFraction(0.25).seed(5)
                .maxIterations(200).build();
        try (Dataset d = Dataset.of(t.x, t.y, w)) {
            FittedModel model = LinearRegression.fit(d, config);
            double[] history = model.report().validationHistory();
            assertEquals(model.iterations(), history.length, "one per epoch");
            assertTrue(model.report().bestValidationEpoch() >= 1 && model.report().bestValidationEpoch() <= history.length);
            EpochRows rows = StochasticGradientSolver.split(config, m);
            long[] held = new long[(int) rows.held()];
            rows.validation(0, held, 0, held.length);
            double squares = 0;
            double weight = 0;
            for (long i : held) {
                double r = model.predict(t.x[(int) i]) - t.y[(int) i];
                squares += w[(int) i] * r * r;
                weight += w[(int) i];
            }
            assertEquals(squares / weight, history[history.length - 1], 1e-9 * squares / weight, "the held-out weighted MSE");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ModelFile.write(out, model, model.score(d));
            assertTrue(out.toString(java.nio.charset.StandardCharsets.UTF_8).contains("\"bestValidationEpoch\""));
            FittedModel back = ModelFile.read(new ByteArrayInputStream(out.toByteArray())).model();
            assertEquals(model.report(), back.report(), "the report, history included, survives the file");
            FittedModel plain = LinearRegression.fit(d, config.toBuilder().validationFraction(0).build());
            assertEquals(0, plain.report().validationHistory().length, "no early stopping, no history");
            assertEquals(0, plain.report().bestValidationEpoch());
        }
    }
}
