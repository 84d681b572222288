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
 * with θ = 0 there; without an intercept only an all-zero column is constant.
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
