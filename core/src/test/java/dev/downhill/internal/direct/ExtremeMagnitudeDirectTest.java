package dev.downhill.internal.direct;

import static dev.downhill.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.SingularMatrixException;
import dev.downhill.internal.GramCoordinateDescent;
import dev.downhill.testing.ExactLeastSquares;
import dev.downhill.testing.ReferenceProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The direct solvers at the edges of float64's range (a numerical reviewer's F2, F3 and F9): X·2⁻ᵉ has the same answer
 * as X with θ·2ᵉ (and X·2⁻ᵉ, y·2⁻ᵉ the same θ), so the reference is the BigDecimal solution of the unscaled data,
 * scaled back by the exact power of two. 40 × 3 N(0,1) columns, y = Xθ + 1 + 0.1·N(0,1): κ ≈ 1.3.
 */
class ExtremeMagnitudeDirectTest {
    private static final int M = 40;

    private static double[][] x(int exponent, double[] y, int yExponent) {
        SplittableRandom r = new SplittableRandom(7);
        double[][] x = new double[M][3];
        for (int i = 0; i < M; i++) {
            double s = 1;
            for (int j = 0; j < 3; j++) {
                x[i][j] = r.nextGaussian();
                s += (j + 1) * x[i][j];
            }
            y[i] = Math.scalb(s + 0.1 * r.nextGaussian(), -yExponent);
            for (int j = 0; j < 3; j++) {
                x[i][j] = Math.scalb(x[i][j], -exponent);
            }
        }
        return x;
    }

    /** The BigDecimal [θ, b] of (X·2^exponent, y·2^yExponent): the unscaled problem's. */
    private static double[] unscaled(double[][] x, double[] y, int exponent, int yExponent) {
        double[][] x0 = new double[M][3];
        double[] y0 = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < 3; j++) {
                x0[i][j] = Math.scalb(x[i][j], exponent);
            }
            y0[i] = Math.scalb(y[i], yExponent);
        }
        return ExactLeastSquares.solve(x0, y0, true);
    }

    /**
     * F2: X ≈ 2⁻⁵³⁴ (≈ 1e-161), y of order 1. The centred Gram entries are subnormal (precision lost, not 0): the
     * normal equations returned θ 0.4 % off, silently, since refinement trusted G to ε; they now refuse, naming the
     * column, and svd solves it. cd's Gram statistics refuse the same column, in their own words. X ≈ 2⁻⁵⁰⁰ is still solved to the last bits.
     */
    @Test
    void theNormalEquationsRefuseColumnsWhoseGramEntriesAreSubnormalAndSolveThoseJustAbove() {
        double[] y = new double[M];
        double[][] x = x(534, y, 0);
        double[] exact = unscaled(x, y, 534, 0);
        try (Dataset d = Dataset.of(x, y)) {
            ReferenceProblem problem = new ReferenceProblem(d);
            SingularMatrixException e = assertThrows(SingularMatrixException.class,
                    () -> DirectLeastSquares.normalEquations(problem, true, 1e12));
            assertTrue(e.getMessage().contains("column 0's values are too small for the normal equations in float64"), e.getMessage());
            assertTrue(e.getMessage().contains("(they handle down to 3.0e-154, as XᵀX squares X)"), e.getMessage());
            assertFalse(e.getMessage().contains("all zero"), e.getMessage());
            ArithmeticException cd = assertThrows(ArithmeticException.class, () -> GramCoordinateDescent.Statistics.of(problem, true));
            assertTrue(cd.getMessage().startsWith("X's values are too small for coordinate descent (cd) in float64: column 0's"), cd.getMessage());
            DirectSolution s = DirectLeastSquares.svd(problem, true, FitConfig.builder().build().rankCutoff(M, 3));
            double[] got = new double[] {Math.scalb(s.coefficients()[0], -534), Math.scalb(s.coefficients()[1], -534),
                    Math.scalb(s.coefficients()[2], -534), s.intercept()};
            assertClose(got, exact, 1e-13, "svd on X·2⁻⁵³⁴ vs BigDecimal");
        }
        double[][] above = x(500, y, 0);
        double[] exactAbove = unscaled(above, y, 500, 0);
        try (Dataset d = Dataset.of(above, y)) {
            DirectSolution s = DirectLeastSquares.normalEquations(new ReferenceProblem(d), true, 1e12);
            double[] got = new double[] {Math.scalb(s.coefficients()[0], -500), Math.scalb(s.coefficients()[1], -500),
                    Math.scalb(s.coefficients()[2], -500), s.intercept()};
            assertClose(got, exactAbove, 1e-13, "normal on X·2⁻⁵⁰⁰ vs BigDecimal");
        }
    }

    /**
     * F3: X and y both ≈ 2⁻⁵³² (≈ 1e-160). svd's QR answer was right, but refinement's gradient X_cᵀr holds products
     * near 1e-320 (subnormal) and its corrections, applied, moved θ 4e-5 off. Corrections within that underflow's floor
     * are no longer applied.
     */
    @Test
    void svdIsNotMovedByRefinementCorrectionsThatAreTheGradientsUnderflow() {
        for (int e : new int[] {528, 532, 534}) {
            double[] y = new double[M];
            double[][] x = x(e, y, e);
            double[] exact = unscaled(x, y, e, e);
            try (Dataset d = Dataset.of(x, y)) {
                DirectSolution s = DirectLeastSquares.svd(new ReferenceProblem(d), true, FitConfig.builder().build().rankCutoff(M, 3));
                double[] got = new double[] {s.coefficients()[0], s.coefficients()[1], s.coefficients()[2], Math.scalb(s.intercept(), e)};
                assertClose(got, exact, 1e-13, "svd on X·2⁻" + e + ", y·2⁻" + e + " vs BigDecimal");
            }
        }
    }

    /**
     * F9: a constant y (y_c ≡ 0) has θ = 0 exactly. The Gram pass's c held rounding, each refinement correction cancelled
     * θ to ε of itself, and the normal equations returned θ ≈ 1e-156 with a warning that refinement had not converged.
     */
    @Test
    void aConstantTargetGivesExactlyZeroCoefficientsFromTheNormalEquations() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            double[][] x = new double[10][3];
            double[] y = new double[10];
            for (int i = 0; i < 10; i++) {
                for (int j = 0; j < 3; j++) {
                    x[i][j] = r.nextGaussian() * 3 + 1;
                }
                y[i] = 3.25;
            }
            try (Dataset d = Dataset.of(x, y)) {
                DirectSolution s = DirectLeastSquares.normalEquations(new ReferenceProblem(d), true, 1e12);
                assertArrayEquals(new double[3], s.coefficients(), 0.0, "trial " + trial);
                assertTrue(s.intercept() == 3.25, "b = " + s.intercept());
            }
        }
    }
}
