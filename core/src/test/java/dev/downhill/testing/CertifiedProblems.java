package dev.downhill.testing;

import dev.downhill.FittedModel;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Our own instances of the well-posed kinds of problem the NIST StRD certifies, with their 60-digit
 * BigDecimal solutions ({@link ExactLeastSquares}) of the same double inputs: a simple line over
 * x ∈ [0, 1000] (Norris-like), a quadratic with x = 1.5e5 … 3e6 so x² reaches 9e12 (Pontius-like), and a
 * line through the origin fitted to data far from it, x ~ 1e6 (NoInt-like, no intercept). Tiny (≤ 40 rows).
 */
public final class CertifiedProblems {

    /** One problem: X, y, whether an intercept is fitted, and the exact [θ₁ … θₙ, b]. */
    public record Problem(String name, double[][] x, double[] y, boolean intercept, double[] exact) {
        /** The fewest correct significant digits over the coefficients and (when fitted) the intercept. */
        public double worstDigits(FittedModel m) {
            double worst = 17;
            for (int j = 0; j < x[0].length; j++) {
                worst = Math.min(worst, digits(m.coefficient(j), exact[j]));
            }
            return intercept ? Math.min(worst, digits(m.intercept(), exact[x[0].length])) : worst;
        }
    }

    private CertifiedProblems() {
    }

    /** −log₁₀ of the relative error (17 when exact). */
    public static double digits(double got, double exact) {
        return got == exact ? 17 : -Math.log10(Math.abs(got - exact) / Math.abs(exact));
    }

    /** The three problems. */
    public static List<Problem> wellPosed() {
        return List.of(norrisLike(), pontiusLike(), noInterceptLineThroughLargeOffsets());
    }

    /** 36 rows, y = −0.262 + 1.00021x + 0.9·N(0,1), x uniform on [0, 1000], both rounded to 0.1 (as in Norris). */
    public static Problem norrisLike() {
        SplittableRandom r = new SplittableRandom(7);
        int m = 36;
        double[][] x = new double[m][1];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            x[i][0] = Math.rint(10000 * r.nextDouble()) / 10;
            y[i] = Math.rint(10 * (-0.262 + 1.00021 * x[i][0] + 0.9 * r.nextGaussian())) / 10;
        }
        return problem("Norris-like line", x, y, true);
    }

    /** 40 rows, columns x and x², x = 1.5e5·k (k = 1…20, twice each), y = 6.7e-4 + 7.32e-7x − 3.16e-15x² + 2e-4·N(0,1) to 5 decimals. */
    public static Problem pontiusLike() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 40;
        double[][] x = new double[m][2];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double xi = 150000.0 * (i / 2 + 1);
            x[i][0] = xi;
            x[i][1] = xi * xi;
            y[i] = Math.rint(1e5 * (6.7e-4 + 7.32e-7 * xi - 3.16e-15 * xi * xi + 2e-4 * r.nextGaussian())) / 1e5;
        }
        return problem("Pontius-like quadratic, x to 3e6", x, y, true);
    }

    /** 21 rows, no intercept, x = 1e6 + i (i = 0…20), y = 2.5x + N(0,1): the line through 0 fitted far from 0. */
    public static Problem noInterceptLineThroughLargeOffsets() {
        SplittableRandom r = new SplittableRandom(13);
        int m = 21;
        double[][] x = new double[m][1];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            x[i][0] = 1e6 + i;
            y[i] = 2.5 * x[i][0] + r.nextGaussian();
        }
        return problem("no-intercept line at x ~ 1e6", x, y, false);
    }

    private static Problem problem(String name, double[][] x, double[] y, boolean intercept) {
        return new Problem(name, x, y, intercept, ExactLeastSquares.solve(x, y, intercept));
    }
}
