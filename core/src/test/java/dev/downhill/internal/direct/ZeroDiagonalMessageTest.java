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
 * The normal equations' line for a zero diagonal entry of XᵀX says what is true: a column whose values are all equal is
 * "all zero after centring (a constant column)"; a column that varies at ~1e-200 — its squares underflow float64, so
 * its diagonal entry is 0 although its values differ — is too small for the normal equations, not constant (it said
 * "a constant column", while the gradient solvers said the values were too small).
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
                        + "are too small for the normal equations in float64: its mean is about "), m);
                assertTrue(m.contains("(they handle down to 3.0e-154, as XᵀX squares X), so its squares underflow and XᵀX cannot "
                        + "tell its spread from 0 (it need not be a constant column); rescale X (a power of ten; θ scales back by "
                        + "the same factor); use the svd solver, which returns the minimum-norm solution"), m);
                assertFalse(m.contains("all zero"), m);
            }
        }
    }

    @Test
    void aConstantColumnIsStillCalledConstant() {
        for (double c : new double[] {0, 3, 1e-200}) {
            try (Dataset d = data(i -> c)) {
                SingularMatrixException e = assertThrows(SingularMatrixException.class,
                        () -> DirectLeastSquares.normalEquations(new ReferenceProblem(d), true, 1e12));
                if (c == 1e-200) { // a tiny constant: the squares cannot tell, and the line says so without calling it constant
                    assertTrue(e.getMessage().contains("column 2's values are too small for the normal equations"), e.getMessage());
                } else {
                    assertTrue(e.getMessage().startsWith("XᵀX (centred) is singular (condition number ∞): column 2 is all zero "
                            + "after centring (a constant column); use the svd solver"), e.getMessage());
                }
            }
        }
    }
}
