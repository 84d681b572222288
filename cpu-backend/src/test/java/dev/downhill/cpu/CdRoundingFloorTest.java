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
 * warning says it is a rounding floor. cd over the columns of wide X near interpolation, still converging (too slowly
 * for its objective to show it within a window), is not stopped there: it runs to its limit. Reference: the least-squares answer of the normal
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
            assertTrue(warning.contains(", short of --tol 1e-10: its gap and objective stopped falling with θ at rest"), warning);
            assertTrue(warning.matches(".*; --tol [125]e-0[5-9] accepts them"), warning);
        }
    }
    /**
     * Wide X near interpolation over the columns (100 × 1,000 dense, α 1e-8): the objective falls by far less than the Gram
     * route's cancellation bound per window and the gap is held up by its dual point, yet the sweeps still move θ. The
     * first version of the no-progress rule stopped this fit after 480 sweeps (a review: 200 × 2,000, 126 sweeps, the
     * objective 22 % above where 10,000 sweeps took it); now cd runs to its limit, and the objective keeps falling.
     */
    @Test
    void wideXStillConvergingOverTheColumnsIsNotStopped() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 100;
        int n = 1_000;
        double[] truth = new double[n];
        for (int j = 0; j < n; j++) {
            truth[j] = r.nextGaussian();
        }
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian();
                y[i] += truth[j] * x[i][j];
            }
            y[i] += r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FitConfig lasso = FitConfig.builder().backend("cpu").solver(Solver.CD).penalty(Penalty.l1(1e-8)).build();
            FittedModel shorter = LinearRegression.fit(d, lasso.toBuilder().maxIterations(800).build());
            FittedModel longer = LinearRegression.fit(d, lasso.toBuilder().maxIterations(1_600).build());
            assertTrue(shorter.report().solverChoice().contains("over the columns"), shorter.report().solverChoice());
            assertEquals(StopReason.ITERATION_LIMIT, shorter.stopReason(), "stopped after " + shorter.iterations());
            assertEquals(StopReason.ITERATION_LIMIT, longer.stopReason(), "stopped after " + longer.iterations());
            assertTrue(longer.report().objective() < shorter.report().objective() * (1 - 1e-3),
                    longer.report().objective() + " vs " + shorter.report().objective());
        }
    }
}
