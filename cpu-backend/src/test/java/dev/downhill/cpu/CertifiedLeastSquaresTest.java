package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.testing.ExactLeastSquares;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The SVD solver on the kinds of problem the NIST StRD certifies (our own instances, with 60-digit
 * BigDecimal reference solutions of the same double inputs): a degree-10 polynomial over a narrow x
 * range far from 0 (Filip-like), degree-5 polynomials with huge y (Wampler-like), strongly collinear
 * macro-economic-style columns (Longley-like). Required: ≥ 7 correct significant digits in every
 * coefficient and the intercept.
 */
class CertifiedLeastSquaresTest {

    private static int correctDigits(double got, double exact) {
        if (got == exact) {
            return 17;
        }
        return (int) Math.floor(-Math.log10(Math.abs(got - exact) / Math.abs(exact)));
    }

    private static int worstDigits(double[][] x, double[] y) {
        return worstDigits(x, y, Solver.SVD);
    }

    private static int worstDigits(double[][] x, double[] y, Solver solver) {
        double[] exact = ExactLeastSquares.solve(x, y, true);
        FittedModel m;
        try (Dataset d = Dataset.of(x, y)) {
            m = LinearRegression.fit(d, FitConfig.builder().solver(solver).backend("cpu").build());
        }
        int worst = 17;
        for (int j = 0; j < x[0].length; j++) {
            worst = Math.min(worst, correctDigits(m.coefficient(j), exact[j]));
        }
        return Math.min(worst, correctDigits(m.intercept(), exact[x[0].length]));
    }

    private static double[][] powers(double[] x, int degree) {
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

    @Test
    void filipLikeDegreeTenPolynomialOverANarrowRange() {
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
        int digits = worstDigits(powers(x, 10), y);
        System.out.println("DIGITS filip " + digits);
        assertTrue(digits >= 7, "Filip-like: " + digits + " correct digits");
        // the normal equations square the condition number: refused with the estimate and a pointer to SVD
        dev.downhill.SingularMatrixException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.downhill.SingularMatrixException.class, () -> worstDigits(powers(x, 10), y, Solver.NORMAL));
        assertTrue(e.conditionEstimate() > FitConfig.NORMAL_EQUATIONS_MAX_CONDITION && e.getMessage().contains("SVD"), e.getMessage());
    }

    @Test
    void wamplerLikeDegreeFivePolynomialsWithHugeY() {
        double[] x = new double[21];
        for (int i = 0; i <= 20; i++) {
            x[i] = i;
        }
        double[] exact = new double[21];
        double[] noisy = new double[21];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i <= 20; i++) {
            double p = 1;
            double s = 0;
            for (int k = 0; k <= 5; k++) {
                s += p;
                p *= x[i];
            }
            exact[i] = s;
            noisy[i] = s + 1e5 * r.nextGaussian();
        }
        int d1 = worstDigits(powers(x, 5), exact);
        int d2 = worstDigits(powers(x, 5), noisy);
        System.out.println("DIGITS wampler " + d1 + " " + d2);
        assertTrue(d1 >= 7, "Wampler-1-like: " + d1 + " correct digits");
        assertTrue(d2 >= 7, "Wampler-4/5-like: " + d2 + " correct digits");
        int n1 = worstDigits(powers(x, 5), exact, Solver.NORMAL);
        int n2 = worstDigits(powers(x, 5), noisy, Solver.NORMAL);
        assertTrue(n1 >= 7 && n2 >= 7, "normal equations, Wampler-like: " + n1 + ", " + n2 + " correct digits");
    }

    @Test
    void longleyLikeStronglyCollinearColumns() {
        SplittableRandom r = new SplittableRandom(3);
        int m = 16;
        double[][] x = new double[m][6];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double year = 1947 + i;
            double trend = i + 0.3 * r.nextGaussian();
            x[i][0] = 83 + 2.3 * trend + 0.2 * r.nextGaussian();          // price deflator
            x[i][1] = 234289 + 15000 * trend + 500 * r.nextGaussian();    // GNP
            x[i][2] = 2356 + 120 * r.nextGaussian() + 40 * trend;          // unemployed
            x[i][3] = 1590 + 90 * trend + 30 * r.nextGaussian();           // armed forces
            x[i][4] = 107608 + 1300 * trend + 50 * r.nextGaussian();       // population
            x[i][5] = year;
            y[i] = 60323 + 700 * trend + 200 * r.nextGaussian();
        }
        int digits = worstDigits(x, y);
        assertTrue(digits >= 7, "Longley-like: " + digits + " correct digits");
        int normal = worstDigits(x, y, Solver.NORMAL);
        assertTrue(normal >= 7, "normal equations, Longley-like: " + normal + " correct digits");
    }
}
