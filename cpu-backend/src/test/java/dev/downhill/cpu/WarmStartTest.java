package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.InitialCoefficients;
import dev.downhill.LinearRegression;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A warm start stops at the accuracy a cold start reaches: its stopping rule's ‖∇₀‖ is the larger of its own first
 * gradient norm and the norm at θ = 0. Started at a cold fit's answer it converges at once (it used to chase tol times
 * an already tiny gradient for ~100 iterations into "no progress"); started half-way it converges to the cold fit's
 * answer within the tolerance's reach.
 */
class WarmStartTest {

    @ParameterizedTest(name = "{0} standardize={1} {2} y×{3}")
    @CsvSource({"GD, false, FLOAT64, 1", "GD, true, FLOAT64, 1", "NESTEROV, false, FLOAT64, 1", "CG, true, FLOAT64, 1",
            "GD, false, FLOAT32, 1e12", "CG, true, FLOAT32, 1e12", "GD, true, FLOAT64, 1e200"}) // y far from 1: τ ≠ 1
    void aWarmStartStopsAtTheColdStartsAccuracy(Solver solver, boolean standardize, Precision precision, double yScale) {
        int n = 8;
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = 1 + j * 0.5 * (j % 2 == 0 ? 1 : -1);
        }
        TestData t = TestData.gaussian(2000, n, theta, 3, 0.5, 21);
        for (int i = 0; i < t.y.length; i++) {
            t.y[i] *= yScale;
        }
        boolean f32 = precision == Precision.FLOAT32;
        FitConfig.Builder base = FitConfig.builder().solver(solver).precision(precision).backend("cpu")
                .tolerance(f32 ? 1e-6 : 1e-10).standardize(standardize);
        try (Dataset d = Dataset.of(t.x, t.y)) {
            FittedModel cold = LinearRegression.fit(d, base.build());
            assertEquals(StopReason.CONVERGED, cold.stopReason());
            double[] answer = new double[n];
            for (int j = 0; j < n; j++) {
                answer[j] = cold.coefficient(j);
            }
            FittedModel atAnswer = LinearRegression.fit(d, base.initialCoefficients(InitialCoefficients.given(answer)).build());
            assertEquals(StopReason.CONVERGED, atAnswer.stopReason());
            assertTrue(atAnswer.iterations() <= 1, "started at the answer: " + atAnswer.iterations() + " iterations");
            FittedModel partial = LinearRegression.fit(d, base.initialCoefficients(InitialCoefficients.zeros()).maxIterations(2)
                    .build());
            double[] midway = new double[n];
            for (int j = 0; j < n; j++) {
                midway[j] = partial.coefficient(j);
            }
            FittedModel resumed = LinearRegression.fit(d, base.initialCoefficients(InitialCoefficients.given(midway))
                    .maxIterations(100_000).build());
            assertEquals(StopReason.CONVERGED, resumed.stopReason());
            for (int j = 0; j < n; j++) {
                // both stop at ‖∇‖ ≤ tol·‖∇(0)‖ (1e-10; float32 1e-6): on this well-conditioned X, θ within ~tol·10 of the
                // minimiser, relative to the coefficients' scale
                double scale = Math.abs(answer[j]) + yScale;
                assertEquals(answer[j], resumed.coefficient(j), (f32 ? 1e-4 : 1e-7) * scale, "coefficient " + j);
            }
        }
    }
}
