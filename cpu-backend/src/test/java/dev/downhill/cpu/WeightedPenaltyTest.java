package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.testing.ExactLeastSquares;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sample weights and a ridge penalty together (two changes made apart): the objective (1/(2Σw))Σwᵢrᵢ² + (α/2)‖θ‖² has
 * the normal equations (X_cᵀWX_c + Σw·α·I)θ = X_cᵀWy_c with weighted means, solved here in 60-digit BigDecimal.
 */
class WeightedPenaltyTest {

    @Test
    void weightedRidgeMatchesItsExactNormalEquationsOnEverySolverThatTakesIt() {
        SplittableRandom r = new SplittableRandom(17);
        int m = 40;
        int n = 6;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[] w = new double[m];
        double sw = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() + (j == 2 ? 3 : 0);
            }
            y[i] = x[i][0] - 2 * x[i][4] + r.nextGaussian();
            w[i] = r.nextInt(5) * 0.5;
            sw += w[i];
        }
        double alpha = 0.3;
        double[] ridge = new double[n];
        java.util.Arrays.fill(ridge, sw * alpha);
        double[] exact = ExactLeastSquares.solve(x, y, w, true, ridge);
        try (Dataset d = Dataset.of(x, y, w)) {
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG, Solver.NESTEROV, Solver.GD}) {
                FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(s).penalty(Penalty.l2(alpha))
                        .tolerance(1e-13).maxIterations(100_000).build());
                // direct solvers: refined to rounding (1e-12); iterative: stopped at ‖S∇‖ ≤ 1e-13·‖S∇₀‖ on a
                // well-conditioned ridge problem (≤ 1e-10)
                double tolerance = s.isIterative() ? 1e-10 : 1e-12;
                for (int j = 0; j < n; j++) {
                    assertEquals(exact[j], model.coefficient(j), tolerance * (1 + Math.abs(exact[j])), s + " θ" + j);
                }
                assertEquals(exact[n], model.intercept(), tolerance * (1 + Math.abs(exact[n])), s + " b");
            }
        }
    }
}
