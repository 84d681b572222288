package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * X at the edges of the precision's range (1e±155/1e-200 in float64, 1e±30 in float32): the gradient solvers refuse it
 * with one line instead of stopping at θ = 0 "converged" (what they did: their squared scalars overflowed or vanished),
 * and {@code auto} takes the exact solve, which gets it right — the unscaled data's answer divided by the scale.
 */
class ScaleGuardTest {

    private static double[][] data(SplittableRandom r, int m, int n, double k, double[] y) {
        double[][] x = new double[m][n];
        for (int i = 0; i < m; i++) {
            double s = 1;
            for (int j = 0; j < n; j++) {
                double v = r.nextGaussian() + j;
                s += v * (j + 1);
                x[i][j] = v * k;
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        return x;
    }

    @Test
    void float64DataFarOutOfRangeIsRefusedByGradientSolversAndSolvedByAuto() {
        for (double k : new double[] {1e155, 1e-200}) {
            int m = 200;
            double[] y = new double[m];
            double[][] x = data(new SplittableRandom(3), m, 3, k, y);
            double[][] unscaled = data(new SplittableRandom(3), m, 3, 1, new double[m]);
            try (Dataset d = Dataset.of(x, y); Dataset u = Dataset.of(unscaled, y)) {
                for (Solver s : new Solver[] {Solver.GD, Solver.CG, Solver.NESTEROV}) {
                    ArithmeticException e = assertThrows(ArithmeticException.class,
                            () -> LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(s).build()), s + " at " + k);
                    assertTrue(e.getMessage().contains(k > 1 ? "too large" : "too small") && e.getMessage().contains("svd"),
                            e.getMessage());
                }
                FittedModel auto = LinearRegression.fit(d, FitConfig.builder().backend("cpu").build());
                FittedModel reference = LinearRegression.fit(u, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
                assertEquals(Solver.SVD, auto.solver(), auto.report().solverChoice());
                for (int j = 0; j < 3; j++) {
                    // the same least-squares problem up to the scale k of X: θ = θ(unscaled)/k to rounding
                    assertEquals(reference.coefficient(j) / k, auto.coefficient(j), 1e-9 * Math.abs(reference.coefficient(j) / k),
                            "θ" + j + " at " + k);
                }
                assertEquals(reference.intercept(), auto.intercept(), 1e-9 * Math.abs(reference.intercept()));
            }
        }
    }

    @Test
    void float32DataAt1ePlusMinus30IsRefusedByGradientSolvers() {
        for (double k : new double[] {1e30, 1e-30}) {
            int m = 100;
            double[] y = new double[m];
            double[][] x = data(new SplittableRandom(4), m, 2, k, y);
            float[][] xf = new float[m][2];
            float[] yf = new float[m];
            for (int i = 0; i < m; i++) {
                xf[i][0] = (float) x[i][0];
                xf[i][1] = (float) x[i][1];
                yf[i] = (float) y[i];
            }
            try (Dataset d = Dataset.of(xf, yf)) {
                ArithmeticException e = assertThrows(ArithmeticException.class,
                        () -> LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.GD).build()));
                assertTrue(e.getMessage().contains("in float32"), e.getMessage());
            }
        }
    }

    @Test
    void targetsFarOutOfRangeAreRefusedByGradientSolversAndSolvedByAuto() {
        for (double k : new double[] {1e155, 1e-200}) {
            int m = 150;
            double[] y = new double[m];
            double[][] x = data(new SplittableRandom(5), m, 3, 1, y);
            double[] scaled = new double[m];
            for (int i = 0; i < m; i++) {
                scaled[i] = y[i] * k;
            }
            try (Dataset d = Dataset.of(x, scaled); Dataset u = Dataset.of(x, y)) {
                ArithmeticException e = assertThrows(ArithmeticException.class,
                        () -> LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.CG).build()));
                assertTrue(e.getMessage().startsWith("y's values are too " + (k > 1 ? "large" : "small")), e.getMessage());
                FittedModel auto = LinearRegression.fit(d, FitConfig.builder().backend("cpu").build());
                FittedModel reference = LinearRegression.fit(u, FitConfig.builder().backend("cpu").solver(Solver.SVD).build());
                for (int j = 0; j < 3; j++) { // θ scales with y
                    assertEquals(reference.coefficient(j) * k, auto.coefficient(j), 1e-9 * Math.abs(reference.coefficient(j) * k));
                }
            }
        }
    }

    @Test
    void constantColumnsAndOrdinaryDataPassTheGuard() {
        double[][] x = {{5, 1}, {5, 2}, {5, 4}, {5, 7}};
        double[] y = {1, 2, 3, 5};
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel gd = LinearRegression.fit(d, FitConfig.builder().backend("cpu").solver(Solver.CG).build());
            assertEquals(0, gd.coefficient(0), 0, "a constant column keeps coefficient 0");
        }
    }
}
