package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.CrossValidationReport;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.Penalty;
import dev.downhill.SparseDataset;
import dev.downhill.Precision;
import dev.downhill.testing.TestData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Ridge's cross-validation path goes further down while its least validation error sits at the path's end: on
 * noise-free data (y = X·(1, 2, 3) + 1, where every penalty only hurts) the default path ends at lasso's α_max and its
 * answer was shrunk to a third (θ ≈ (0.25, 0.45, 0.75), R² = 0.43); extended it comes within 1e-6 of the exact θ (the
 * penalty at 10⁻¹²·α_max shrinks θ by about that much relative to X's scale). On noisy data the least error comes inside the
 * path and nothing is extended; a lasso path is never extended (scikit-learn's grid, for parity), its report says
 * when the least error sat at the end.
 */
class RidgeCrossValidationPathTest {
    private static final double[] THETA = {1, 2, 3};

    private static double[][] x(int m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[m][3];
        for (double[] row : x) {
            for (int j = 0; j < 3; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return x;
    }

    private static double[] y(double[][] x, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 1 + noise * r.nextGaussian();
            for (int j = 0; j < 3; j++) {
                y[i] += THETA[j] * x[i][j];
            }
        }
        return y;
    }

    @Test
    void aRidgePathWhoseErrorStillFallsAtItsEndGoesFurtherDown() {
        double[][] x = x(50, 3);
        double[] y = y(x, 0, 4);
        FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.l2(1)).build();
        FittedModel dense;
        try (Dataset d = Dataset.of(x, y)) {
            dense = CrossValidation.fit(d, config, 5, CrossValidation.Rule.MIN);
        }
        FittedModel sparse;
        try (SparseDataset s = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            sparse = CrossValidation.fit(s, config, 5, CrossValidation.Rule.MIN);
        }
        for (FittedModel model : new FittedModel[] {dense, sparse}) {
            CrossValidationReport cv = model.report().crossValidation();
            int length = cv.alphas().length;
            assertTrue(length > CrossValidation.DEFAULT_PATH_LENGTH, "the path was extended: " + length + " values");
            assertEquals((CrossValidation.DEFAULT_PATH_LENGTH - 1) * (CrossValidation.RIDGE_EXTENSIONS + 1) + 1, length,
                    "noise-free: the error falls to the last extension's end");
            assertEquals(cv.alphas()[0] * 1e-12, cv.alphas()[length - 1], 1e-9 * cv.alphas()[length - 1], "down to 1e-12·α_max");
            assertTrue(cv.minimumAtPathEnd(), "still falling at 1e-12·α_max: the report says so");
            for (int j = 0; j < 3; j++) {
                assertEquals(THETA[j], model.coefficients()[j], 1e-6, "θ" + j);
            }
            assertEquals(1, model.intercept(), 1e-6);
        }
    }

    @Test
    void aRidgePathWithItsLeastErrorInsideAndALassoPathAreNotExtended() {
        double[][] x = x(200, 5);
        double[] noisy = y(x, 30, 6); // σ = 30 against a signal of |θ| ≈ 3.7: the best ridge α is large
        try (Dataset d = Dataset.of(x, noisy)) {
            CrossValidationReport ridge = CrossValidation.fit(d, FitConfig.builder().backend("cpu").penalty(Penalty.l2(1)).build(),
                    5, CrossValidation.Rule.MIN).report().crossValidation();
            assertEquals(CrossValidation.DEFAULT_PATH_LENGTH, ridge.alphas().length);
            assertFalse(ridge.minimumAtPathEnd());
        }
        double[] exact = y(x, 0, 6);
        try (Dataset d = Dataset.of(x, exact)) {
            CrossValidationReport lasso = CrossValidation.fit(d, FitConfig.builder().backend("cpu").penalty(Penalty.l1(1)).build(),
                    5, CrossValidation.Rule.MIN).report().crossValidation();
            assertEquals(CrossValidation.DEFAULT_PATH_LENGTH, lasso.alphas().length, "scikit-learn's grid, not extended");
            assertTrue(lasso.minimumAtPathEnd(), "noise-free: lasso's least error is at 1e-3·α_max, and the report says so");
        }
    }

    /**
     * A dense ridge cross-validation under auto runs its paths on the Gram matrix (one SVD a path, O(n²) an α) and fits the
     * chosen α again with the normal equations; svd named runs every α over X as before. Same table to rounding, same
     * choice, and the returned model is the normal equations' fit at that α (a review's 300,000 × 200 ridge CV took over
     * 300 s with a refined solve per α and fold; 20,000 × 100 went from 60 s to 3 s).
     */
    @Test
    void aRidgeCrossValidationOnTheGramMatrixGivesTheTableAndModelOfOneFitPerAlpha() {
        SplittableRandom r = new SplittableRandom(17);
        int m = 400;
        int n = 12;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            double s = 0.5;
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian() + (j > 0 ? 0.6 * x[i][j - 1] : 0); // correlated neighbours
                s += (j % 3 - 1) * x[i][j];
            }
            y[i] = s + 0.8 * r.nextGaussian();
        }
        FitConfig auto = FitConfig.builder().backend("cpu").penalty(Penalty.l2(1)).build();
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel gram = CrossValidation.fit(d, auto, 5, CrossValidation.Rule.MIN);
            FittedModel overX = CrossValidation.fit(d, auto.toBuilder().solver(dev.downhill.Solver.SVD).build(), 5,
                    CrossValidation.Rule.MIN);
            assertTrue(gram.report().solverChoice().startsWith("normal: the ridge path on the Gram matrix (400 × 12")
                    && gram.report().solverChoice().contains("; at the chosen α: normal"), gram.report().solverChoice());
            assertFalse(overX.report().solverChoice().contains("Gram matrix"), overX.report().solverChoice());
            CrossValidationReport a = gram.report().crossValidation();
            CrossValidationReport b = overX.report().crossValidation();
            assertEquals(b.alphas().length, a.alphas().length);
            for (int k = 0; k < a.alphas().length; k++) {
                // the fold fits of G's SVD against refined solves over X: θ to ~κ·ε, errors to far below their spread
                assertEquals(b.meanMse()[k], a.meanMse()[k], 1e-10 * b.meanMse()[k], "mean validation MSE at α " + k);
            }
            assertEquals(b.chosenAlpha(), a.chosenAlpha(), 0.0);
            assertEquals(dev.downhill.Solver.NORMAL, gram.solver());
            FittedModel atAlpha = dev.downhill.LinearRegression.fit(d, auto.toBuilder().penalty(Penalty.l2(a.chosenAlpha())).build());
            for (int j = 0; j < n; j++) { // the fit at that α itself, bit for bit
                assertEquals(atAlpha.coefficient(j), gram.coefficient(j), 0.0, "θ" + j);
                assertEquals(atAlpha.coefficient(j), overX.coefficient(j), 1e-12 * (1 + Math.abs(atAlpha.coefficient(j))), "θ" + j);
            }
            assertEquals(atAlpha.intercept(), gram.intercept(), 0.0);
            // sparse X: the same paths on its sparse Gram matrices (one pass over each fold's training rows), the same table
            for (double[] row : x) {
                for (int j = 0; j < n; j += 2) {
                    row[j] = 0; // half the columns' entries stored
                }
            }
            try (Dataset zeroed = Dataset.of(x, y); SparseDataset sparse = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
                FittedModel onCsr = CrossValidation.fit(sparse, auto, 5, CrossValidation.Rule.MIN);
                FittedModel reference = CrossValidation.fit(zeroed, auto.toBuilder().solver(dev.downhill.Solver.SVD).build(), 5,
                        CrossValidation.Rule.MIN);
                assertTrue(onCsr.report().solverChoice().startsWith("normal: the ridge path on the Gram matrix (sparse X, 400 × 12"),
                        onCsr.report().solverChoice());
                CrossValidationReport c = onCsr.report().crossValidation();
                CrossValidationReport e = reference.report().crossValidation();
                for (int k = 0; k < c.alphas().length; k++) {
                    assertEquals(e.meanMse()[k], c.meanMse()[k], 1e-10 * e.meanMse()[k], "sparse: mean validation MSE at α " + k);
                }
                assertEquals(e.chosenAlpha(), c.chosenAlpha(), 0.0);
                FittedModel sparseAtAlpha = dev.downhill.LinearRegression.fit(sparse, auto.toBuilder()
                        .penalty(Penalty.l2(c.chosenAlpha())).build());
                for (int j = 0; j < n; j++) {
                    assertEquals(sparseAtAlpha.coefficient(j), onCsr.coefficient(j), 0.0, "sparse θ" + j);
                }
            }
            // the coefficient path (the full data's SVD answers) within the fits' rounding of the path over X
            double[][] pa = a.coefficientPath();
            double[][] pb = b.coefficientPath();
            for (int k = 0; k < pa.length; k++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(pb[k][j], pa[k][j], 1e-9 * (1 + Math.abs(pb[k][j])), "path " + k + ", θ" + j);
                }
            }
        }
    }

    /**
     * X whose squares leave float64 (entries near 1e160, or 1e-160): where the Gram statistics refuse it the ridge's
     * paths run over X, each fit choosing its own solver (svd where the normal equations refuse), as before the Gram
     * route — a review found the dense cross-validation failing there with cd's lasso message.
     */
    @Test
    void aRidgeCrossValidationOnXBeyondTheGramMatricesRangeRunsItsPathsOverX() {
        for (double scale : new double[] {1e160, 1e-160}) {
            double[][] x = x(200, 5);
            for (double[] row : x) { // (x has 3 columns)
                for (int j = 0; j < row.length; j++) {
                    row[j] *= scale;
                }
            }
            double[] y = y(x(200, 5), 0.5, 6);
            FitConfig config = FitConfig.builder().backend("cpu").penalty(Penalty.l2(1)).build();
            try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
                for (FittedModel model : new FittedModel[] {CrossValidation.fit(d, config, 5, CrossValidation.Rule.MIN),
                        CrossValidation.fit(sd, config, 5, CrossValidation.Rule.MIN)}) {
                    // (the Gram route where its statistics took X, the paths over X where they refused it)
                    for (int j = 0; j < 3; j++) {
                        assertTrue(Double.isFinite(model.coefficient(j)), "θ" + j + " at scale " + scale);
                    }
                }
            }
        }
    }
}
