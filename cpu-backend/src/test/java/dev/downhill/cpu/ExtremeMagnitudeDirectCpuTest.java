package dev.downhill.cpu;

import static dev.downhill.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Score;
import dev.downhill.Solver;
import dev.downhill.testing.ExactLeastSquares;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The direct solvers on the cpu backend at the edges of float64's range (a numerical reviewer's F4 and F9); the references
 * are the same data scaled by exact powers of two into the normal range.
 */
class ExtremeMagnitudeDirectCpuTest {
    private static FitConfig config(Solver solver) {
        return FitConfig.builder().backend("cpu").solver(solver).precision(dev.downhill.Precision.FLOAT64).build();
    }

    /**
     * F9: y ≡ 3.25 (the reviewer's 10 × 3 X): θ = 0 exactly. The cpu Gram pass's c held rounding, every refinement
     * correction cancelled θ to ε of itself, and normal returned θ ≈ 1e-156 with a false "refinement stopped" warning.
     */
    @Test
    void aConstantTargetGivesExactlyZeroCoefficientsFromTheNormalEquations() {
        double[][] x = {{-0.5957258433447797, 0.39938547889431975, -0.685527777486436},
                {-0.7084067849532787, -0.5112637703176611, -0.6275626738045664},
                {-1.8247809921331866, -0.668271701024572, -0.014011094578567578},
                {1.2004887538923004, -0.2931780181939531, -0.3717423549172949},
                {0.5798384134581572, 0.5394025169930706, 1.5995252792272336},
                {0.5851115504218798, -0.019450286235887595, 1.3383289912756622},
                {1.5294819254178111, -0.47537841071405834, 0.15813988047309502},
                {-1.6806406063719657, -0.3641274726191472, -0.883751559732829},
                {-0.21407246588723866, -0.48163454666281014, -0.16604986483901601},
                {-0.1030345310149255, 0.49346811603417284, 0.2309384811096597}};
        double[] y = new double[10];
        java.util.Arrays.fill(y, 3.25);
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.AUTO, Solver.SVD}) {
                FittedModel m = LinearRegression.fit(d, config(s));
                assertArrayEquals(new double[3], m.coefficients(), 0.0, s.toString());
                assertEquals(3.25, m.intercept(), 0.0, s.toString());
            }
        }
    }

    /**
     * F4: X, y ≈ 2⁻²⁹⁹ (1e-90) with weights ≈ 2⁻⁴⁹⁸ (1e-150): every wᵢx̃ᵢⱼ² underflowed. normal said "column 0 is all zero
     * after centring (a constant column)" (false), then refused with advice to scale the weights up; core now hands the
     * backend the weights multiplied by 2⁴⁹⁸ (only their ratios matter: WeightScale), so normal and svd both solve it.
     * The weighted MSE (≈ 8e-183) and R² were 0 and NaN: wᵢrᵢ² underflowed in the score too.
     */
    @Test
    void tinyWeightsWithSmallDataAreSolvedByNormalAndSvdAndScoredRight() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 40;
        double[][] x = new double[m][3];
        double[] y = new double[m];
        double[] w = new double[m];
        double[][] xs = new double[m][3];
        double[] ys = new double[m];
        double[] ws = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 1;
            for (int j = 0; j < 3; j++) {
                x[i][j] = r.nextGaussian();
                s += (j + 1) * x[i][j];
                xs[i][j] = Math.scalb(x[i][j], -299);
            }
            y[i] = s + 0.1 * r.nextGaussian();
            w[i] = r.nextDouble() + 0.5;
            ys[i] = Math.scalb(y[i], -299);
            ws[i] = Math.scalb(w[i], -498);
        }
        double[] exact = ExactLeastSquares.solve(x, y, w, true);
        try (Dataset d = Dataset.of(xs, ys, ws); Dataset d0 = Dataset.of(x, y, w)) {
            for (Solver solver : new Solver[] {Solver.NORMAL, Solver.SVD}) {
                FittedModel model = LinearRegression.fit(d, config(solver));
                double[] got = {model.coefficients()[0], model.coefficients()[1], model.coefficients()[2],
                    Math.scalb(model.intercept(), 299)};
                assertClose(got, exact, 1e-13, solver + " with tiny weights vs BigDecimal");
            }
            FittedModel svd = LinearRegression.fit(d, config(Solver.SVD));
            Score score = svd.score(d);
            Score reference = LinearRegression.fit(d0, config(Solver.SVD)).score(d0);
            assertTrue(reference.mse() > 0 && reference.r2() > 0.99, reference.toString());
            assertEquals(Math.scalb(reference.mse(), -598), score.mse(), 1e-12 * score.mse(), "weighted MSE");
            assertEquals(reference.r2(), score.r2(), 1e-12, "weighted R²");
        }
    }
}
