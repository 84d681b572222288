package dev.downhill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import dev.downhill.testing.ReferenceProblem;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The gradient solvers' refusal of a float64 column whose squares vanish in the column statistics (every |xᵢⱼ| below about
 * 1.5e-162). Two defects it guards: ±1e-200 alternating — mean exactly 0, squares 0 — was taken for a zero column, so gd,
 * nesterov, cg and sgd returned θⱼ = 0 with "converged" and R² 0.17 where svd gives 0.9997; and a column of 1e-200·N(0,1)
 * was refused as having a root mean square of |x̄ⱼ| (7.28e-202 on 500 rows, shrinking as 1/√m) instead of ~1e-200.
 */
class VanishedSquaresTest {
    private static final int M = 64;

    /** M × 3: N(0,1) columns 0 and 1, column 2 = {@code third}(i); y depends on column 2 through its sign. */
    private static Dataset data(IntToDoubleFunction third) {
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = new double[M][3];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = r.nextGaussian();
            x[i][2] = third.applyAsDouble(i);
            y[i] = x[i][0] - x[i][1] + 5 * Math.signum(x[i][2]) + 0.1 * r.nextGaussian();
        }
        return Dataset.of(x, y);
    }

    /** Column 2's root mean square about 0, computed on the column times 2^700 (exact) and scaled back. */
    private static double rootMeanSquare(IntToDoubleFunction third) {
        double s = 0;
        for (int i = 0; i < M; i++) {
            double v = Math.scalb(third.applyAsDouble(i), 700);
            s += v * v;
        }
        return Math.scalb(Math.sqrt(s / M), -700);
    }

    private static void assertRefusedWith(IntToDoubleFunction third) {
        String expected = String.format(Locale.ROOT, "X's values are too small for the gradient solvers in float64: column 2's root "
                + "mean square is about %.3g (they handle down to 3.0e-154", rootMeanSquare(third));
        for (boolean centred : new boolean[] {true, false}) {
            for (boolean standardize : new boolean[] {true, false}) {
                try (Dataset d = data(third)) {
                    String refusal = CentredObjective.scaleProblem(new ReferenceProblem(d), centred, standardize);
                    assertTrue(refusal != null && refusal.startsWith(expected), centred + " " + standardize + ": " + refusal);
                }
            }
        }
        for (Solver solver : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG, Solver.SGD}) {
            try (Dataset d = data(third)) {
                ArithmeticException e = assertThrows(ArithmeticException.class,
                        () -> LinearRegression.fit(d, FitConfig.builder().solver(solver).build()), solver.toString());
                assertTrue(e.getMessage().startsWith(expected), e.getMessage());
            }
        }
    }

    @Test
    void tinyValuesWhoseMeanIsExactlyZeroAreRefusedNotDropped() {
        IntToDoubleFunction alternating = i -> i % 2 == 0 ? 1e-200 : -1e-200;
        double sum = 0;
        for (int i = 0; i < M; i++) {
            sum += alternating.applyAsDouble(i);
        }
        assertTrue(sum == 0 && 1e-200 * 1e-200 == 0, "mean exactly 0, squares 0");
        assertRefusedWith(alternating);
    }

    @Test
    void theRefusalNamesTheColumnsRootMeanSquareNotItsMean() {
        SplittableRandom r = new SplittableRandom(5);
        double[] tiny = new double[M];
        for (int i = 0; i < M; i++) {
            tiny[i] = 1e-200 * r.nextGaussian();
        }
        assertRefusedWith(i -> tiny[i]);
    }

    /** A {@link ReferenceProblem} that counts its gradient passes. */
    private static final class CountingProblem extends ReferenceProblem {
        int gradients;

        CountingProblem(Dataset d) {
            super(d);
        }

        @Override
        public dev.downhill.spi.ResidualSums gradient(dev.downhill.spi.BackendVector theta, double intercept, double targetWeight,
                double scale, dev.downhill.spi.RowSlice rows, dev.downhill.spi.BackendVector out) {
            gradients++;
            return super.gradient(theta, intercept, targetWeight, scale, rows, out);
        }
    }

    @Test
    void aCheckedProblemProbesItsZeroColumnsOncePerSetting() {
        try (Dataset d = data(i -> 0)) {
            CountingProblem counted = new CountingProblem(d);
            dev.downhill.spi.ResidentProblem checked = CheckedProblem.of(counted);
            for (int k = 0; k < 3; k++) {
                assertNull(CentredObjective.scaleProblem(checked, true, true));
            }
            assertEquals(1, counted.gradients, "one probe pass about the means");
            assertNull(CentredObjective.scaleProblem(checked, true, false));
            assertNull(CentredObjective.scaleProblem(checked, false, true));
            assertEquals(2, counted.gradients, "and one about 0, whatever asks for it");
            assertNull(CentredObjective.scaleProblem(counted, true, true));
            assertEquals(3, counted.gradients, "an unchecked problem measures each time");
        }
    }

    @Test
    void aZeroColumnIsNotRefused() {
        for (boolean centred : new boolean[] {true, false}) {
            try (Dataset d = data(i -> 0)) {
                assertNull(CentredObjective.scaleProblem(new ReferenceProblem(d), centred, true));
                assertNull(CentredObjective.scaleProblem(new ReferenceProblem(d), centred, false));
            }
        }
    }
}
