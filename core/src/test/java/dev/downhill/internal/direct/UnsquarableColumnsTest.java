package dev.downhill.internal.direct;

import static dev.downhill.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.spi.QrReduction;
import dev.downhill.testing.ExactLeastSquares;
import dev.downhill.testing.ReferenceProblem;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Columns whose values are too small to square in float64 (gen --condition 1e200: scales 1, 1e-100, 1e-200). svd scales
 * every column to unit norm before deciding the rank, so it must keep them: X_c·D is well conditioned. It reported rank
 * 1 of 3: the deviations pass squares X, so the 1e-200 column's sum of squares underflowed to 0 and its scale stayed 1
 * (a singular value near 1e-199, below the cutoff); the rank-deficient route then re-decided the rank on the unscaled
 * factor and dropped the 1e-100 column too. The factor's column norms now complete the scaling; the plain-Java QR, which
 * squared its reflector (vᵀv = 0 for such a column), no longer squares anything.
 */
class UnsquarableColumnsTest {
    /** Column j of {@link #graded} is N(0,1)·2^(−STEP·j): 2⁻³³² ≈ 1.1e-100, 2⁻⁶⁶⁴ ≈ 1.2e-200 (powers of two: exact). */
    private static final int STEP = 332;
    private static final int M = 200;

    /**
     * M × 4: N(0,1) columns scaled by 1, 2⁻³³², 2⁻⁶⁶⁴, and ±2⁻⁶⁶⁴ alternating (mean exactly 0, sum of squares 0 in
     * float64); y = Σⱼ xⱼ·θⱼ + 0.1·N(0,1) with θ = (0.5, −2^332, 2^664, 3·2^664), every column's signal of order 1.
     */
    private static double[][] graded(double[] y) {
        SplittableRandom r = new SplittableRandom(41);
        double[][] x = new double[M][4];
        for (int i = 0; i < M; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = Math.scalb(r.nextGaussian(), -STEP);
            x[i][2] = Math.scalb(r.nextGaussian(), -2 * STEP);
            x[i][3] = Math.scalb(i % 2 == 0 ? 1.0 : -1.0, -2 * STEP);
            y[i] = 0.5 * x[i][0] - Math.scalb(x[i][1], STEP) + Math.scalb(x[i][2], 2 * STEP) + 3 * Math.scalb(x[i][3], 2 * STEP)
                    + 0.1 * r.nextGaussian();
        }
        return x;
    }

    /** [θ, b] with θⱼ multiplied by column j's scale (exact): the coefficients of the well-scaled problem, all of order 1. */
    private static double[] unitScale(double[] theta, double intercept) {
        return new double[] {theta[0], Math.scalb(theta[1], -STEP), Math.scalb(theta[2], -2 * STEP), Math.scalb(theta[3], -2 * STEP),
                intercept};
    }

    @Test
    void svdKeepsColumnsWhoseSquaresUnderflowAndMatchesTheBigDecimalSolution() {
        double[] y = new double[M];
        double[][] x = graded(y);
        assertEquals(0, x[0][2] * x[0][2], 0, "the 1e-200 columns' squares underflow float64");
        double[] exact = ExactLeastSquares.solve(x, y, true);
        double[] expected = unitScale(exact, exact[4]);
        try (Dataset d = Dataset.of(x, y)) {
            DirectSolution s = DirectLeastSquares.svd(new ReferenceProblem(d), true, FitConfig.builder().build().rankCutoff(M, 4));
            assertEquals(4, s.rank(), "every column is independent: X_c·D is well conditioned");
            // κ(X_c·D) ≈ 1.3 (four independent N(0,1) columns, 200 rows): the refined float64 answer is accurate to ~1e-15
            // in the unit-scale coordinates, the 60-digit reference to ~1e-16; 1e-10 per the project's habit. Dropping a
            // column (the defect) is an error of order 1.
            assertClose(unitScale(s.coefficients(), s.intercept()), expected, 1e-10, "svd vs BigDecimal, unit-scale coordinates");
        }
    }

    /**
     * Rank-deficient X with a column near 1e-200: [a, a, 2⁻⁶⁶⁴·b]. The route for rank-deficient X takes the SVD of the
     * unscaled factor (the minimum-norm θ of the unscaled problem, as NumPy's lstsq), whose third column's squares
     * underflow: the plain-Java Jacobi SVD rotated it forever ("did not converge in 80 sweeps"). Its answer is that of
     * lstsq with the same cutoff: the 1e-200 column is below it, and the minimum norm splits a's coefficient in halves.
     */
    @Test
    void theRankDeficientRouteDecomposesAFactorWithAColumnWhoseSquaresUnderflow() {
        SplittableRandom r = new SplittableRandom(1); // a seed whose factor the old Jacobi loop did not converge on (most did not)
        double[][] x = new double[M][3];
        double[][] a = new double[M][1];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            a[i][0] = r.nextGaussian();
            x[i][0] = a[i][0];
            x[i][1] = a[i][0];
            x[i][2] = Math.scalb(r.nextGaussian(), -2 * STEP);
            y[i] = a[i][0] + 0.1 * r.nextGaussian();
        }
        double[] exact = ExactLeastSquares.solve(a, y, true); // [θ, b] of y on a alone, 60 digits
        try (Dataset d = Dataset.of(x, y)) {
            DirectSolution s = DirectLeastSquares.svd(new ReferenceProblem(d), true, FitConfig.builder().build().rankCutoff(M, 3));
            assertEquals(1, s.rank());
            // the kept part (σ ≈ ‖a‖√2, κ = 1) is solved to a few ulps: 1e-10 per the project's habit
            assertClose(new double[] {s.coefficients()[0], s.coefficients()[1], s.intercept()},
                    new double[] {exact[0] / 2, exact[0] / 2, exact[1]}, 1e-10, "minimum-norm θ vs BigDecimal");
            assertTrue(Math.abs(s.coefficients()[2]) < 1e-150, "the column below the cutoff: " + s.coefficients()[2]);
        }
    }

    @Test
    void javaJacobiSvdConvergesWithAColumnWhoseSquaresUnderflow() {
        SplittableRandom r = new SplittableRandom(2);
        int rows = 50;
        double[] a = new double[rows * 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        for (int i = 0; i < rows; i++) {
            a[i + rows] = Math.scalb(a[i + rows], -2 * STEP);
        }
        double[] sigma = JavaDenseKernels.INSTANCE.svd(a, rows, 3).singular();
        // σ₁, σ₂ are those of columns 0 and 2 (column 1 is 1e-200 of them): √ of the eigenvalues of their 2 × 2 Gram matrix
        // in closed form, (p + s)/2 ± √(((p − s)/2)² + q²); κ ≈ 1.3, so both routes agree to ~1e-15, 1e-13 allowed
        double p = 0;
        double q = 0;
        double s = 0;
        for (int i = 0; i < rows; i++) {
            p += a[i] * a[i];
            q += a[i] * a[i + 2 * rows];
            s += a[i + 2 * rows] * a[i + 2 * rows];
        }
        double root = Math.hypot((p - s) / 2, q);
        assertClose(new double[] {sigma[0], sigma[1]}, new double[] {Math.sqrt((p + s) / 2 + root), Math.sqrt((p + s) / 2 - root)},
                1e-13, "σ of the unit columns");
        assertTrue(sigma[2] < 1e-150, "σ₃ = " + sigma[2]);
    }

    @Test
    void householderQrOfAColumnNear1e200IsTheFactorOfTheUnitColumnScaled() {
        SplittableRandom r = new SplittableRandom(7);
        int rows = 50;
        double[] unit = new double[rows * 3];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = r.nextGaussian();
        }
        double[] tiny = unit.clone();
        for (int i = 0; i < rows; i++) {
            tiny[i + rows] = Math.scalb(unit[i + rows], -2 * STEP); // column 1 near 1e-200: its squares underflow
        }
        QrReduction expected = HouseholderQr.reduce(unit, rows, 3);
        QrReduction got = HouseholderQr.reduce(tiny, rows, 3);
        // R of A·diag(1, 2⁻⁶⁶⁴, 1) is R(A)·diag(1, 2⁻⁶⁶⁴, 1) in exact arithmetic, and the reflectors (vᵢ = xᵢ/(x₀ − β))
        // are scale-free: agreement to a few ulps (1e-14 relative, of R entries of order 1–10). It was NaN: vᵀv underflowed.
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i <= j; i++) {
                double want = j == 1 ? Math.scalb(expected.get(i, j), -2 * STEP) : expected.get(i, j);
                double have = got.get(i, j);
                double size = j == 1 ? Math.scalb(1.0, -2 * STEP) * 10 : 10;
                assertTrue(Math.abs(have - want) <= 1e-14 * size, "R(" + i + ", " + j + ") = " + have + ", expected " + want);
            }
        }
    }
}
