package dev.downhill.internal.direct;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.SingularMatrixException;
import dev.downhill.testing.ReferenceProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The normal equations and a zero diagonal entry of XᵀX: a column whose values are all equal gets coefficient 0 (it
 * was refused, "all zero after centring (a constant column)"); a column that varies at ~1e-200 — its squares underflow float64, so
 * its diagonal entry is 0 although its values differ — is too small for the normal equations, not constant (it said
 * "a constant column", while the gradient solvers said the values were too small). The two are told apart by the
 * column's spread measured without squaring ({@link dev.downhill.internal.ColumnSpread}), not by its mean: ±1e-200 alternating has mean exactly
 * 0 and was called "all zero".
 */
class ZeroDiagonalMessageTest {
    private static final int M = 40;

    /** M × 3: N(0,1) columns 0 and 1, column 2 = {@code third}(i). */
    private static Dataset data(java.util.function.IntToDoubleFunction third) {
        SplittableRandom r = new SplittableRandom(17);
        double[][] x = new double[M][3];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = r.nextGaussian();
            x[i][2] = third.applyAsDouble(i);
            y[i] = x[i][0] - x[i][1] + 0.1 * r.nextGaussian();
        }
        return Dataset.of(x, y);
    }

    @Test
    void aColumnTooSmallToSquareIsNotCalledConstant() {
        SplittableRandom r = new SplittableRandom(5);
        double[] tiny = new double[M];
        for (int i = 0; i < M; i++) {
            tiny[i] = 1e-200 * r.nextGaussian();
        }
        double min = java.util.Arrays.stream(tiny).min().orElseThrow();
        double max = java.util.Arrays.stream(tiny).max().orElseThrow();
        assertNotEquals(min, max, "the column varies");
        assertTrue(max * max == 0, "its squares underflow float64");
        for (boolean centred : new boolean[] {true, false}) {
            try (Dataset d = data(i -> tiny[i])) {
                SingularMatrixException e = assertThrows(SingularMatrixException.class,
                        () -> DirectLeastSquares.normalEquations(new ReferenceProblem(d), centred, 1e12));
                String m = e.getMessage();
                assertTrue(m.startsWith((centred ? "XᵀX (centred)" : "XᵀX") + " is singular (condition number ∞): column 2's values "
                        + "are too small for the normal equations in float64: their root mean square" + (centred ? " deviation" : "")
                        + " is about "), m);
                // the root mean square (about the mean, or 0), computed here on the column times 2^700 (exact) and scaled back
                double mean = centred ? java.util.Arrays.stream(tiny).map(v -> Math.scalb(v, 700)).sum() / M : 0;
                double rms = Math.scalb(Math.sqrt(java.util.Arrays.stream(tiny).map(v -> Math.scalb(v, 700) - mean)
                        .map(v -> v * v).sum() / M), -700);
                assertTrue(m.contains(String.format(java.util.Locale.ROOT, " is about %.3g (they handle down to 3.0e-154, as XᵀX "
                        + "squares X), so their squares underflow and XᵀX ", rms)
                        + "holds 0 for a column that is not constant; rescale X (a power of ten; θ scales back by the same factor); "
                        + "use the svd solver, which returns the minimum-norm solution"), m);
                assertFalse(m.contains("all zero"), m);
            }
        }
    }

    @Test
    void tinyValuesWhoseMeanIsExactlyZeroAreNotCalledZero() {
        // ±1e-200 alternating: the mean is exactly 0 and every square underflows, so the column statistics see a zero column
        double[] sum = {0};
        for (int i = 0; i < M; i++) {
            sum[0] += i % 2 == 0 ? 1e-200 : -1e-200;
        }
        assertTrue(sum[0] == 0 && 1e-200 * 1e-200 == 0, "mean exactly 0, squares 0");
        for (boolean centred : new boolean[] {true, false}) {
            try (Dataset d = data(i -> i % 2 == 0 ? 1e-200 : -1e-200)) {
                SingularMatrixException e = assertThrows(SingularMatrixException.class,
                        () -> DirectLeastSquares.normalEquations(new ReferenceProblem(d), centred, 1e12));
                String m = e.getMessage();
                // the root mean square of ±1e-200 is 1e-200, about 0 and about the mean 0 alike: measured through
                // double-double passes it is exact to the last digit printed
                assertTrue(m.startsWith((centred ? "XᵀX (centred)" : "XᵀX") + " is singular (condition number ∞): column 2's values "
                        + "are too small for the normal equations in float64: their root mean square" + (centred ? " deviation" : "")
                        + " is about 1.00e-200 (they handle down to 3.0e-154, as XᵀX squares X)"), m);
                assertFalse(m.contains("all zero"), m);
            }
        }
    }

    /**
     * A constant column (all equal: zero after centring; or all zero without an intercept) gets coefficient 0 — the
     * minimum-norm answer, svd's — and is named in the solution, where the normal equations used to refuse the whole fit
     * ("column 2 is all zero after centring (a constant column)"; Spark's normal solver and scikit-learn answer). A column
     * too small to square is still refused (above).
     */
    @Test
    void aConstantColumnGetsCoefficientZero() {
        for (double c : new double[] {0, 3, 1e-200}) {
            try (Dataset d = data(i -> c)) {
                for (boolean centred : new boolean[] {true, false}) {
                    if (!centred && c != 0) {
                        continue; // uncentred, 3 is an intercept's column and 1e-200 too small to square
                    }
                    DirectSolution normal = DirectLeastSquares.normalEquations(new ReferenceProblem(d), centred, 1e12);
                    // the least-squares answer of the other two columns alone (BigDecimal), θ₂ = 0 beside it
                    double[][] two = new double[M][2];
                    double[] y = new double[M];
                    for (int i = 0; i < M; i++) {
                        two[i][0] = d.x(i, 0);
                        two[i][1] = d.x(i, 1);
                        y[i] = d.y(i);
                    }
                    double[] exact = dev.downhill.testing.ExactLeastSquares.solve(two, y, centred);
                    String what = "c = " + c + (centred ? ", centred" : "");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2}, normal.constantColumns(), what);
                    org.junit.jupiter.api.Assertions.assertEquals(0.0, normal.coefficients()[2], what);
                    for (int j = 0; j < 2; j++) { // refined to rounding on a well-conditioned problem
                        org.junit.jupiter.api.Assertions.assertEquals(exact[j], normal.coefficients()[j], 1e-13 * (1 + Math.abs(exact[j])),
                                what + " θ" + j);
                    }
                    // b = ȳ − x̄ᵀθ: the constant column's 1e-200·0 adds nothing
                    org.junit.jupiter.api.Assertions.assertEquals(centred ? exact[2] : 0, normal.intercept(), 1e-13, what + " b");
                }
                SingularMatrixException e = c != 1e-200 ? null : assertThrows(SingularMatrixException.class,
                        () -> DirectLeastSquares.normalEquations(new ReferenceProblem(d), false, 1e12));
                if (e != null) { // uncentred, 1e-200 is too small to square
                    assertTrue(e.getMessage().startsWith("XᵀX is singular (condition number ∞): column 2's values are too small "
                            + "for the normal equations in float64: their root mean square is about 1.00e-200 "), e.getMessage());
                }
            }
        }
    }

    @Test
    void everyColumnConstantGivesTheMean() {
        try (Dataset d = Dataset.of(new double[][] {{1, 0}, {1, 0}, {1, 0}}, new double[] {1, 2, 6})) {
            DirectSolution normal = DirectLeastSquares.normalEquations(new ReferenceProblem(d), true, 1e12);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0}, normal.coefficients());
            org.junit.jupiter.api.Assertions.assertEquals(3.0, normal.intercept());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 1}, normal.constantColumns());
        }
    }
}
