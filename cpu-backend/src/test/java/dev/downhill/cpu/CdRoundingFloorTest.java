package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.internal.ConvergenceWarning;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * cd at an α so small that the rounding of X̃ᵀr rules its duality gap: the dual point's scale α·m/‖X̃ᵀr‖_∞ cannot reach 1,
 * so the relative gap stays near ½‖r‖²(1 − scale)²/‖y_c‖², far above the default tolerance, while θ is the lasso's answer
 * to working precision. cd stops for want of progress ({@link StopReason#NO_PROGRESS}) within a few hundred sweeps
 * (before: it ran to its 10,000-sweep limit and warned that the coefficients "may be far from the minimiser"), and the
 * warning says how close the gap certifies the objective to be. Reference: the least-squares answer of the normal
 * equations, from which the lasso's differs by about α·‖(X̃ᵀX̃/m)⁻¹‖ ≈ 1e-10 here.
 */
class CdRoundingFloorTest {

    @Test
    void aTinyAlphaStopsAtTheRoundingFloorWithTheLeastSquaresAnswerAndSaysHowCloseItIs() {
        SplittableRandom r = new SplittableRandom(7);
        int m = 20_000;
        int n = 100;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double previous = r.nextGaussian();
            double s = 0;
            for (int j = 0; j < n; j++) {
                previous = 0.9 * previous + Math.sqrt(1 - 0.81) * r.nextGaussian();
                x[i][j] = previous;
                s += x[i][j] * ((j % 7) - 3) * 0.3;
            }
            y[i] = s + r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FitConfig lasso = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(Penalty.l1(1e-12)).build();
            FittedModel cd = LinearRegression.fit(d, lasso);
            FittedModel normal = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.NORMAL).build());
            assertEquals(StopReason.NO_PROGRESS, cd.stopReason(), "gap " + cd.report().dualityGap() + " after " + cd.iterations());
            assertTrue(cd.iterations() < 2_000, "stopped at the floor, not the limit: " + cd.iterations());
            double gap = cd.report().dualityGap();
            assertTrue(gap > lasso.tolerance() && gap < 1e-5, "the floor: " + gap);
            for (int j = 0; j < n; j++) { // least squares to ~1e-10 (the lasso's shift) plus cd's rounding: 1e-8 of the scale 1
                assertEquals(normal.coefficient(j), cd.coefficient(j), 1e-8, "θ" + j);
            }
            assertEquals(normal.intercept(), cd.intercept(), 1e-8);
            String warning = ConvergenceWarning.of(cd, "--iterations", "--tol", "--solver").orElseThrow();
            assertTrue(warning.startsWith("cd stopped making progress (no_progress) at relative duality gap "), warning);
            assertTrue(warning.contains(", short of --tol 1e-10: the objective is within "), warning);
            assertTrue(warning.matches(".*; --tol [125]e-0[5-9] accepts this answer"), warning);
        }
    }
}
