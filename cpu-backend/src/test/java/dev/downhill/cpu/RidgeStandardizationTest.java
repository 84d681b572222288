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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Standardization with a ridge scales column j by 1/√(σⱼ² + λⱼ/2) — the penalised Hessian's diagonal — instead of 1/σⱼ.
 * A hostile review's case: α = 100 on columns of σ = 0.01 beside columns of σ = 1. Scaled by 1/σ alone, the ridge's
 * curvature α/σ² = 1e6 sat beside the others' 1 + α ≈ 100: gd hit its 10,000-iteration limit (1,890 iterations
 * unstandardized). Now every solver converges in a few dozen iterations to the closed form the normal equations give.
 */
class RidgeStandardizationTest {

    @Test
    void aRidgeOnColumnsOfSmallSpreadNoLongerStallsTheGradientSolvers() {
        SplittableRandom r = new SplittableRandom(12);
        int m = 3_000;
        int n = 10;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 1;
            for (int j = 0; j < n; j++) {
                x[i][j] = (j < n / 2 ? 0.01 : 1) * r.nextGaussian() + 2;
                s += x[i][j] * (j % 3 - 1) * 3;
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        Penalty ridge = Penalty.l2(100);
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel exact = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.NORMAL).penalty(ridge).build());
            for (Solver solver : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG}) {
                FittedModel fit = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(solver).penalty(ridge)
                        .standardize(true).build());
                assertEquals(StopReason.CONVERGED, fit.stopReason(), solver + " in " + fit.iterations() + " iterations");
                assertTrue(fit.iterations() < 500, solver + ": " + fit.iterations() + " iterations");
                for (int j = 0; j < n; j++) { // tol 1e-10 on a well-conditioned (scaled) problem: well inside 1e-7
                    assertEquals(exact.coefficient(j), fit.coefficient(j), 1e-7 * (1 + Math.abs(exact.coefficient(j))),
                            solver + " θ" + j);
                }
                assertEquals(exact.intercept(), fit.intercept(), 1e-7 * (1 + Math.abs(exact.intercept())), solver + " b");
            }
        }
    }
}
