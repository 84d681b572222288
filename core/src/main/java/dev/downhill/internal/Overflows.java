package dev.downhill.internal;

import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;

/**
 * One-line {@link ArithmeticException}s for data whose sums or answer overflow float64 — values each finite, but near
 * the top of its range (about 1.8e308): y's mean (Σy overflows), a column mean of X, the right-hand side X_cᵀy_c, or
 * the least-squares coefficients themselves. Each names what overflows and the way out (rescale by a power of ten),
 * so no solver reaches LAPACK with a non-finite input or reports a non-finite model.
 */
public final class Overflows {
    private Overflows() {
    }

    /**
     * Refuses a centred fit whose column statistics are not finite: y's weighted mean (Σwy overflows), or a column
     * mean of X. Reads {@link ResidentProblem#columnStatistics()} (cached by a checked problem, and read by every
     * centred fit anyway).
     *
     * @throws ArithmeticException naming y or the column
     */
    public static void requireFiniteMeans(ResidentProblem problem) {
        ColumnStatistics stats = problem.columnStatistics();
        double[] means = stats.means();
        for (int j = 0; j < means.length; j++) {
            if (!Double.isFinite(means[j])) {
                throw new ArithmeticException("X's values are too large: column " + j + "'s mean overflows float64 (its sum "
                        + "is beyond ~1.8e308); rescale X (a power of ten; θ scales back by the same factor)");
            }
        }
        if (!Double.isFinite(stats.targetMean())) {
            throw new ArithmeticException("y's values are too large: its mean overflows float64 (the sum of y is beyond "
                    + "~1.8e308); rescale y (a power of ten; θ and b scale by the same factor)");
        }
    }

    /**
     * Refuses a right-hand side X_cᵀy_c (or the QR's transformed y) that is not finite.
     *
     * @param what the vector's name, e.g. "X_cᵀy_c"
     * @throws ArithmeticException when an entry is not finite
     */
    public static void requireFiniteTarget(double[] values, String what) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new ArithmeticException(what + " overflows float64 (y's values too large for X's); rescale y (a power "
                        + "of ten; θ and b scale by the same factor)");
            }
        }
    }

    /**
     * Refuses a fitted θ or b that is not finite: the least-squares answer is beyond float64's range (or the solve
     * that made it overflowed).
     *
     * @param solver the solver's name, for the message
     * @throws ArithmeticException naming the first entry that is not finite
     */
    public static void requireFiniteAnswer(double[] theta, double intercept, String solver) {
        for (int j = 0; j < theta.length; j++) {
            if (!Double.isFinite(theta[j])) {
                throw answer(solver, "coefficient " + j + " is " + theta[j]);
            }
        }
        if (!Double.isFinite(intercept)) {
            throw answer(solver, "the intercept is " + intercept);
        }
    }

    private static ArithmeticException answer(String solver, String which) {
        return new ArithmeticException("the fitted model is not finite in float64 (" + solver + ": " + which + "): the "
                + "least-squares answer, or the sums that lead to it, overflow; rescale y down or X up (powers of ten; θ scales "
                + "by y's factor over X's, b by y's)");
    }
}
