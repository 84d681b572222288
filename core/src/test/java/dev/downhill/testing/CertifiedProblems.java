package dev.downhill.testing;

import dev.downhill.FittedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Our own instances of the kinds of problem the NIST StRD linear-regression suite certifies, each with its
 * 60-digit BigDecimal reference solution of the same double inputs ({@link ExactLeastSquares}):
 * <ul>
 *   <li>Filip-like: a degree-10 polynomial in raw powers of x ∈ [−8.8, −3.1] (scaled condition ~4e9);</li>
 *   <li>Wampler-like: degree-5 polynomials on x = 0…20 with exact y, small noise and huge noise (a large
 *       residual);</li>
 *   <li>Longley-like: 16 rows of strongly collinear macro-economic columns;</li>
 *   <li>Norris-like: a straight line over x ∈ [0, 1000];</li>
 *   <li>Pontius-like: a quadratic with x to 3e6, x² to 9e12;</li>
 *   <li>a quadratic in x ≈ 1e6 (x² ≈ 1e12): a parabola in x − 1e6 expanded in raw powers;</li>
 *   <li>NoInt-like: a line through the origin fitted without intercept, x ≈ 1e6.</li>
 * </ul>
 */
public final class CertifiedProblems {

    /** A problem: data, whether the intercept is fitted, and [θ₁ … θₙ, b] exact (b = 0 without intercept). */
    public record Problem(String name, double[][] x, double[] y, boolean intercept, double[] exact, boolean wellPosed) {
        /** Correct significant digits of the worst coefficient (and the intercept when fitted), at most 17. */
        public int worstDigits(double[] coefficients, double intercept) {
            int worst = 17;
            for (int j = 0; j < coefficients.length; j++) {
                worst = Math.min(worst, digits(coefficients[j], exact[j]));
            }
            return this.intercept ? Math.min(worst, digits(intercept, exact[coefficients.length])) : worst;
        }

        /** The same for a fitted model, as a real number of digits (−log₁₀ of the worst relative error, at most 17). */
        public double worstDigits(FittedModel m) {
            double worst = 17;
            for (int j = 0; j < x[0].length; j++) {
                worst = Math.min(worst, realDigits(m.coefficient(j), exact[j]));
            }
            return intercept ? Math.min(worst, realDigits(m.intercept(), exact[x[0].length])) : worst;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private CertifiedProblems() {
    }

    /** Every problem; {@code wellPosed} marks those whose scaled XᵀX the normal equations must accept. */
    public static List<Problem> all() {
        List<Problem> list = new ArrayList<>();
        list.add(filip());
        list.add(wampler("Wampler-1-like (exact y)", 0, 2));
        list.add(wampler("Wampler-3-like (small noise)", 2000, 3));
        list.add(wampler("Wampler-5-like (huge noise: a large residual)", 1e7, 4));
        list.add(longley());
        list.add(norrisLike());
        list.add(pontiusLike());
        list.add(quadraticNearAMillion());
        list.add(noInterceptLineThroughLargeOffsets());
        return list;
    }

    /** The well-posed problems the iterative solvers must also solve to ≥ 9 digits. */
    public static List<Problem> wellPosed() {
        return List.of(norrisLike(), pontiusLike(), noInterceptLineThroughLargeOffsets());
    }

    /** −log₁₀ of the relative error (17 when exact). */
    public static double realDigits(double got, double exact) {
        return got == exact ? 17 : -Math.log10(Math.abs(got - exact) / Math.abs(exact));
    }

    public static int digits(double got, double exact) {
        if (got == exact) {
            return 17;
        }
        double d = -Math.log10(Math.abs(got - exact) / Math.abs(exact));
        return Double.isNaN(d) ? 0 : (int) Math.max(0, Math.min(17, Math.floor(d)));
    }

    private static Problem problem(String name, double[][] x, double[] y, boolean intercept) {
        return of(name, x, y, intercept, true);
    }

    private static Problem of(String name, double[][] x, double[] y, boolean intercept, boolean wellPosed) {
        return new Problem(name, x, y, intercept, ExactLeastSquares.solve(x, y, intercept), wellPosed);
    }

    static double[][] powers(double[] x, int degree) {
        double[][] out = new double[x.length][degree];
        for (int i = 0; i < x.length; i++) {
            double p = 1;
            for (int k = 0; k < degree; k++) {
                p *= x[i];
                out[i][k] = p;
            }
        }
        return out;
    }

    public static Problem filip() {
        SplittableRandom r = new SplittableRandom(1);
        int m = 82;
        double[] x = new double[m];
        double[] y = new double[m];
        double[] beta = {-1467.49, -2772.18, -2316.37, -1127.97, -354.48, -75.12, -10.88, -1.06, -0.067, -0.0025, -0.0000403};
        for (int i = 0; i < m; i++) {
            x[i] = -8.8 + 5.7 * r.nextDouble();
            double p = 1;
            double s = 0;
            for (double b : beta) {
                s += b * p;
                p *= x[i];
            }
            y[i] = s + 0.003 * r.nextGaussian();
        }
        return of("Filip-like (degree 10 over [-8.8, -3.1])", powers(x, 10), y, true, false);
    }

    public static Problem wampler(String name, double noise, long seed) {
        double[] x = new double[21];
        double[] y = new double[21];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i <= 20; i++) {
            x[i] = i;
            double p = 1;
            double s = 0;
            for (int k = 0; k <= 5; k++) {
                s += p;
                p *= x[i];
            }
            y[i] = s + noise * r.nextGaussian();
        }
        return of(name, powers(x, 5), y, true, true);
    }

    public static Problem longley() {
        SplittableRandom r = new SplittableRandom(3);
        int m = 16;
        double[][] x = new double[m][6];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double trend = i + 0.3 * r.nextGaussian();
            x[i][0] = 83 + 2.3 * trend + 0.2 * r.nextGaussian();          // price deflator
            x[i][1] = 234289 + 15000 * trend + 500 * r.nextGaussian();    // GNP
            x[i][2] = 2356 + 120 * r.nextGaussian() + 40 * trend;          // unemployed
            x[i][3] = 1590 + 90 * trend + 30 * r.nextGaussian();           // armed forces
            x[i][4] = 107608 + 1300 * trend + 50 * r.nextGaussian();       // population
            x[i][5] = 1947 + i;                                           // year
            y[i] = 60323 + 700 * trend + 200 * r.nextGaussian();
        }
        return of("Longley-like (collinear columns)", x, y, true, true);
    }

    /** y = 1e-3·(x − 1e6)² + 0.5·(x − 1e6) + noise on x = 1e6 + 0…40, fitted in raw powers x, x². */
    public static Problem quadraticNearAMillion() {
        SplittableRandom r = new SplittableRandom(6);
        int m = 41;
        double[] x = new double[m];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            x[i] = 1e6 + i;
            double d = x[i] - 1e6;
            y[i] = 1e-3 * d * d + 0.5 * d + 0.01 * r.nextGaussian();
        }
        return of("quadratic in x ~ 1e6 (x² ~ 1e12)", powers(x, 2), y, true, true);
    }

    /** 36 rows, y = −0.262 + 1.00021x + 0.9·N(0,1), x uniform on [0, 1000], both rounded to 0.1 (as in Norris). */
    public static Problem norrisLike() {
        return norrisLike(7);
    }

    /** {@link #norrisLike()}'s line drawn from another seed. */
    public static Problem norrisLike(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
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
}
