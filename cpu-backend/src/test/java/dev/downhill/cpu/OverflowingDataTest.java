package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.DivergenceException;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Solver;
import org.junit.jupiter.api.Test;

/**
 * Data whose values are finite but whose sums or least-squares answer overflow float64 (a reviewer's reproduction):
 * every solver refuses with one {@link ArithmeticException} naming what overflows and saying to rescale — never a
 * LAPACKE info code, a "please report" divergence, or a non-finite model reported as converged.
 */
class OverflowingDataTest {
    private static final Solver[] SOLVERS = {Solver.AUTO, Solver.GD, Solver.NESTEROV, Solver.CG, Solver.NORMAL, Solver.SVD,
            Solver.SGD, Solver.MINIBATCH};

    private static FitConfig config(Solver solver, boolean intercept) {
        return FitConfig.builder().backend("cpu").solver(solver).fitIntercept(intercept).build();
    }

    private static ArithmeticException refused(Dataset d, Solver s, boolean intercept) {
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> LinearRegression.fit(d, config(s, intercept)),
                s.toString());
        assertFalse(e instanceof DivergenceException, s + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("LAPACK") || e.getMessage().contains("please report"), s + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("rescale"), s + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), s + ": " + e.getMessage());
        return e;
    }

    /** y of 1e308–1.6e308: Σy overflows, so ȳ is not finite; each solver said something else (dpotrs info −7, dgeqrf −4, "please report"). */
    @Test
    void aTargetWhoseSumOverflowsIsRefusedByEverySolverNamingY() {
        double[][] x = {{1}, {2}, {3}, {4}};
        double[] y = {1e308, 1.2e308, 1.4e308, 1.6e308};
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : SOLVERS) {
                assertTrue(refused(d, s, true).getMessage().startsWith("y's values are too large"), s.toString());
            }
        }
    }

    /**
     * X = [[1,2],[2,3],[3,5]], y = (1e308, −1e308, 1e308): the exact answer θ = (−6e308, 4e308) (by hand: X has full
     * rank and 3 rows, so with the intercept the fit is exact, and θ is beyond float64). gd and cg returned ±∞ as
     * CONVERGED, svd b = NaN, normal dpotrs' info −7.
     */
    @Test
    void anAnswerBeyondFloat64IsRefusedNotReturned() {
        double[][] x = {{1, 2}, {2, 3}, {3, 5}};
        double[] y = {1e308, -1e308, 1e308};
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : new Solver[] {Solver.AUTO, Solver.GD, Solver.CG, Solver.NORMAL, Solver.SVD, Solver.NESTEROV}) {
                refused(d, s, true);
            }
        }
    }

    /**
     * Without an intercept no mean is needed: the same large y either fits — to the answer of y scaled by the exact
     * power 2⁻¹⁰⁰⁰, scaled back — or is refused with the one-line ArithmeticException; never anything else.
     */
    @Test
    void withoutAnInterceptLargeTargetsFitExactlyOrAreRefusedCleanly() {
        double[][] x = {{1}, {2}, {3}, {4}};
        double[] y = {1e308, 1.2e308, 1.4e308, 1.6e308};
        double[] small = new double[4];
        for (int i = 0; i < 4; i++) {
            small[i] = Math.scalb(y[i], -1000);
        }
        // θ = Σxy/Σx² (one column, no intercept), computed on the scaled y and scaled back: exact powers of two
        double reference = Math.scalb((small[0] + 2 * small[1] + 3 * small[2] + 4 * small[3]) / 30, 1000);
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver s : SOLVERS) {
                FittedModel m;
                try {
                    m = LinearRegression.fit(d, config(s, false));
                } catch (ArithmeticException e) {
                    refused(d, s, false);
                    continue;
                }
                assertTrue(Double.isFinite(m.coefficient(0)), s.toString());
                // the stochastic solvers stop near the minimum (their default tolerance), the others at it
                assertEquals(reference, m.coefficient(0), (s.isStochastic() ? 2e-2 : 1e-6) * reference, s.toString());
            }
        }
    }

    /** Just inside the range (y ≈ 1e300, sums finite): every exact solver still fits, to the scaled data's answer. */
    @Test
    void largeButSummableTargetsStillFit() {
        double[][] x = {{1}, {2}, {3}, {4}};
        double[] y = {1e300, 1.2e300, 1.4e300, 1.7e300};
        // θ = cov(x, y)/var(x) on y scaled by 2⁻⁹⁹⁷ (by hand: x̄ = 2.5, Σ(x − x̄)² = 5), scaled back
        double[] s = new double[4];
        for (int i = 0; i < 4; i++) {
            s[i] = Math.scalb(y[i], -997);
        }
        double theta = Math.scalb((-1.5 * s[0] - 0.5 * s[1] + 0.5 * s[2] + 1.5 * s[3]) / 5, 997);
        try (Dataset d = Dataset.of(x, y)) {
            for (Solver solver : new Solver[] {Solver.AUTO, Solver.NORMAL, Solver.SVD, Solver.CG}) {
                FittedModel m = LinearRegression.fit(d, config(solver, true));
                assertEquals(theta, m.coefficient(0), 1e-9 * theta, solver.toString());
            }
        }
    }
}
