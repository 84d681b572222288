package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The report's constant columns do not depend on the solver: X = [1, x, 5] with an intercept has columns 0 and 2
 * constant (all zero after centring) for normal, svd (which reported none before: a review), cg, gd and nesterov, each
 * with θ = 0 there, and with an l1 term for cd by either route (none before: a review of auto's cd on tall dense X), on
 * a path and for cross-validation's chosen model (none before);
 * without an intercept only an all-zero column is constant.
 */
class ConstantColumnsReportTest {
    @Test
    void everySolverNamesTheSameConstantColumns() {
        SplittableRandom r = new SplittableRandom(3);
        int m = 200;
        double[][] x = new double[m][3];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            x[i][0] = 1;
            x[i][1] = r.nextGaussian();
            x[i][2] = 5;
            y[i] = 2 * x[i][1] + 1 + 0.1 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG, Solver.GD, Solver.NESTEROV}) {
                FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(s).build());
                assertArrayEquals(new int[] {0, 2}, model.report().constantColumns(), s.cliName());
                assertEquals(0, model.coefficient(0), 1e-15, s.cliName());
                assertEquals(0, model.coefficient(2), 1e-15, s.cliName());
            }
        }
        // an l1 fit: cd (named, and auto's choice on this tall X) names them as nesterov does — on the Gram matrix and,
        // on the same X as CSR, over its columns
        FitConfig lasso = FitConfig.builder().backend("cpu").penalty(dev.downhill.Penalty.l1(0.01)).build();
        try (Dataset d = Dataset.of(x, y);
             dev.downhill.SparseDataset sd = dev.downhill.SparseDataset.of(dev.downhill.testing.TestData.csr(x,
                     dev.downhill.Precision.FLOAT64), y)) {
            FittedModel nesterov = LinearRegression.fit(d, lasso.toBuilder().solver(Solver.NESTEROV).build());
            assertArrayEquals(new int[] {0, 2}, nesterov.report().constantColumns());
            for (FittedModel cd : new FittedModel[] {LinearRegression.fit(d, lasso), LinearRegression.fit(d,
                    lasso.toBuilder().solver(Solver.CD).build()), LinearRegression.fit(sd, lasso.toBuilder().solver(Solver.CD)
                    .build())}) {
                assertEquals(Solver.CD, cd.solver());
                assertArrayEquals(new int[] {0, 2}, cd.report().constantColumns(), cd.report().solverChoice());
                assertEquals(0, cd.coefficient(0), 0);
                assertEquals(0, cd.coefficient(2), 0);
            }
        }
        // a path on the Gram matrix (auto), and cross-validation's chosen model from the full data's path: the same columns
        try (Dataset d = Dataset.of(x, y); dev.downhill.LoadedProblem loaded = LinearRegression.load(d, lasso)) {
            for (FittedModel step : dev.downhill.CrossValidation.path(loaded, lasso, new double[] {0.1, 0.01})) {
                assertEquals(Solver.CD, step.solver(), step.report().solverChoice());
                assertArrayEquals(new int[] {0, 2}, step.report().constantColumns(), step.report().solverChoice());
            }
            FittedModel chosen = dev.downhill.CrossValidation.fit(d, lasso, 5, dev.downhill.CrossValidation.Rule.MIN);
            assertEquals(Solver.CD, chosen.solver(), chosen.report().solverChoice());
            assertArrayEquals(new int[] {0, 2}, chosen.report().constantColumns());
        }
        for (double[] row : x) {
            row[0] = 0;
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel svd = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.SVD).fitIntercept(false).build());
            FittedModel normal = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.NORMAL).fitIntercept(false).build());
            assertArrayEquals(normal.report().constantColumns(), svd.report().constantColumns());
            assertArrayEquals(new int[] {0}, svd.report().constantColumns());
        }
    }
}
