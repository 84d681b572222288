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

    /**
     * sgd and mini-batches minimise the same weighted objective as the full-batch solvers: a batch's gradient
     * (2/k_B)Σ_B wᵢxᵢrᵢ is w̄ = Σw/m times the objective's on average, and the penalty's step was not, so they fitted the
     * penalty at α/w̄ (a hostile reviewer's find: all weights 10 moved θ by 50–190 %). One batch of every row (B = m) is a
     * full-batch proximal gradient step, so it must reach nesterov's answer; and weights that differ by a common factor
     * must give sgd (B = 1) the same θ.
     */
    @Test
    void stochasticSolversMinimiseTheWeightedPenalisedObjective() {
        SplittableRandom r = new SplittableRandom(5);
        int m = 60;
        int n = 5;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[] w = new double[m];
        double[] w10 = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() * (1 + j) + (j == 1 ? 1 : 0);
            }
            y[i] = x[i][0] - x[i][1] + 0.5 * x[i][2] + 2 * x[i][4] + 1 + 0.3 * r.nextGaussian();
            w[i] = 1 + 4 * r.nextDouble(); // mean ≈ 3: the old fits took the penalty at α/3
            w10[i] = 10 * w[i];
        }
        Penalty[] penalties = {Penalty.l2(0.5), Penalty.l1(0.05), Penalty.elasticNet(0.2, 0.5)};
        try (Dataset d = Dataset.of(x, y, w); Dataset d10 = Dataset.of(x, y, w10)) {
            for (Penalty penalty : penalties) {
                FittedModel reference = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.NESTEROV)
                        .penalty(penalty).tolerance(1e-14).maxIterations(200_000).build());
                FittedModel full = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.MINIBATCH).batchSize(m)
                        .penalty(penalty).tolerance(0).maxIterations(20_000).build());
                // 20,000 full-batch steps of a well-conditioned problem: converged far below this 1e-8
                for (int j = 0; j < n; j++) {
                    assertEquals(reference.coefficient(j), full.coefficient(j), 1e-8 * (1 + Math.abs(reference.coefficient(j))),
                            penalty + ": minibatch B = m, θ" + j);
                }
                assertEquals(reference.intercept(), full.intercept(), 1e-8 * (1 + Math.abs(reference.intercept())), penalty + ": b");
                FitConfig sgd = FitConfig.builder().backend("cpu").solver(Solver.SGD).penalty(penalty).tolerance(0).maxIterations(30)
                        .seed(3).build();
                FittedModel a = LinearRegression.fit(d, sgd);
                FittedModel b = LinearRegression.fit(d10, sgd);
                // the same steps up to rounding (each is η/w̄ times a batch sum of w-weighted terms: 10 cancels)
                for (int j = 0; j < n; j++) {
                    assertEquals(a.coefficient(j), b.coefficient(j), 1e-12 * (1 + Math.abs(a.coefficient(j))),
                            penalty + ": sgd, weights ×10, θ" + j);
                }
            }
        }
    }
}
