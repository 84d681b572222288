package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CrossValidation;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.testing.TestData;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The svd solver on sparse X: X is densified on the host within the direct solvers' memory budget and the dense svd
 * path runs on the copy.
 *
 * <p>Against the dense fit on the same data the answer must be the same bits: the copy holds the same values in the same
 * row-major places as {@link Dataset#of(double[][], double[])} makes, and the same backend and thread count give
 * bit-identical results (the design's determinism rule), so the tolerance is 0. Against an independent reference — the
 * least-squares (or minimum-norm) solution computed from the centred normal equations in 60-digit {@link BigDecimal} —
 * the tolerances are stated at each assertion.
 */
class SparseSvdTest {
    private static final MathContext DIGITS = new MathContext(60);

    /** A random sparse m × n matrix with ~density non-zeros, some columns' means far from 0 (centring matters). */
    private static double[][] sparse(SplittableRandom r, int m, int n, double density) {
        return CpuCsrProblemTest.sparse(r, m, n, density);
    }

    private static double[] targets(SplittableRandom r, double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 1.5;
            for (int j = 0; j < x[i].length; j++) {
                s += x[i][j] * ((j % 5) - 2);
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        return y;
    }

    private static FitConfig svd() {
        return FitConfig.builder().backend("cpu").solver(Solver.SVD).build();
    }

    @Test
    void tallSparseSvdIsTheDenseSvdAndTheExactLeastSquaresAnswer() {
        SplittableRandom r = new SplittableRandom(21);
        double[][] x = sparse(r, 60, 5, 0.5);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FittedModel dense = LinearRegression.fit(d, svd());
            FittedModel sparse = LinearRegression.fit(sd, svd());
            assertEquals(Solver.SVD, sparse.solver());
            assertEquals("", sparse.report().solverChoice(), "named, not chosen");
            assertEquals(5, sparse.rank());
            assertArrayEquals(dense.coefficients(), sparse.coefficients(), 0.0, "same values, places, backend and threads");
            assertEquals(dense.intercept(), sparse.intercept(), 0.0);
            // the exact answer: with full column rank the svd's answer is refined with double-double residuals to about
            // ε·κ(X) relative (κ of this 60 × 5 X is ~10), far inside 1e-12
            double[] exact = dev.downhill.testing.ExactLeastSquares.solve(x, y, true); // [θ, b]
            for (int j = 0; j < 5; j++) {
                assertEquals(exact[j], sparse.coefficients()[j], 1e-12 * Math.max(1, Math.abs(exact[j])), "θ" + j);
            }
            assertEquals(exact[5], sparse.intercept(), 1e-12 * Math.max(1, Math.abs(exact[5])), "b");
            // the same through a problem loaded sparse: densified from the dataset it was loaded from
            try (LoadedProblem loaded = LinearRegression.load(sd, svd())) {
                FittedModel viaLoaded = LinearRegression.fit(loaded, svd());
                assertEquals("cpu", viaLoaded.backend());
                assertArrayEquals(dense.coefficients(), viaLoaded.coefficients(), 0.0);
                assertEquals(dense.intercept(), viaLoaded.intercept(), 0.0);
            }
        }
    }

    @Test
    void wideSparseSvdIsTheMinimumNormAnswer() {
        SplittableRandom r = new SplittableRandom(22);
        double[][] x = sparse(r, 8, 20, 0.4);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            // without an intercept: X (8 × 20, full row rank) has a unique minimum-norm solution Xᵀ(XXᵀ)⁻¹y
            FitConfig plain = svd().toBuilder().fitIntercept(false).build();
            FittedModel dense = LinearRegression.fit(d, plain);
            FittedModel sparse = LinearRegression.fit(sd, plain);
            assertArrayEquals(dense.coefficients(), sparse.coefficients(), 0.0);
            assertEquals(8, sparse.rank());
            double[] minimumNorm = minimumNorm(x, y);
            // no refinement on a rank-deficient system: the SVD's answer is within ~κ(X)·ε·‖θ‖ (κ ≲ 100 here) of the exact one
            for (int j = 0; j < 20; j++) {
                assertEquals(minimumNorm[j], sparse.coefficients()[j], 1e-10 * norm(minimumNorm), "θ" + j);
            }
            // with an intercept the centred X has rank 7: the dense svd's minimum-norm answer, bit for bit
            FittedModel denseCentred = LinearRegression.fit(d, svd());
            FittedModel sparseCentred = LinearRegression.fit(sd, svd());
            assertEquals(7, sparseCentred.rank());
            assertArrayEquals(denseCentred.coefficients(), sparseCentred.coefficients(), 0.0);
            assertEquals(denseCentred.intercept(), sparseCentred.intercept(), 0.0);
        }
    }

    @Test
    void weightedAndFloat32SparseSvdAreTheirDenseFits() {
        SplittableRandom r = new SplittableRandom(23);
        double[][] x = sparse(r, 50, 6, 0.5);
        double[] y = targets(r, x);
        double[] w = new double[50];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.25 + r.nextDouble() * 4;
        }
        try (Dataset d = Dataset.of(x, y, w);
             SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y).withWeights(w)) {
            FittedModel dense = LinearRegression.fit(d, svd());
            FittedModel sparse = LinearRegression.fit(sd, svd());
            assertArrayEquals(dense.coefficients(), sparse.coefficients(), 0.0);
            assertEquals(dense.intercept(), sparse.intercept(), 0.0);
            assertEquals(dense.trainingWeightSum(), sparse.trainingWeightSum(), 0.0, "the weights as given");
        }
        float[][] xf = new float[50][6];
        float[] yf = new float[50];
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 6; j++) {
                xf[i][j] = (float) x[i][j];
            }
            yf[i] = (float) y[i];
        }
        double[] yd = new double[50];
        for (int i = 0; i < 50; i++) {
            yd[i] = yf[i];
        }
        double[][] xd = new double[50][6];
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 6; j++) {
                xd[i][j] = xf[i][j];
            }
        }
        try (Dataset d = Dataset.of(xf, yf); SparseDataset sd = SparseDataset.of(TestData.csr(xd, Precision.FLOAT32), yd)) {
            // 50 × 6 float32 is 1,200 bytes: within a 2,000-byte budget, where float64's 2,400 would not be
            FitConfig small = svd().toBuilder().directMemoryBudget(2_000).build();
            FittedModel dense = LinearRegression.fit(d, small);
            FittedModel sparse = LinearRegression.fit(sd, small);
            assertEquals(Precision.FLOAT32, sparse.precision());
            assertArrayEquals(dense.coefficients(), sparse.coefficients(), 0.0);
        }
    }

    @Test
    void overTheBudgetSvdIsRefusedInOneLineNamingTheSizes() {
        SplittableRandom r = new SplittableRandom(24);
        double[][] x = sparse(r, 60, 5, 0.5);
        double[] y = targets(r, x);
        try (SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            long nonZeros = sd.x().nonZeros();
            FitConfig tight = svd().toBuilder().directMemoryBudget(2_399).build(); // the copy: 60·5·8 = 2,400 bytes
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinearRegression.fit(sd, tight));
            String message = e.getMessage();
            assertFalse(message.contains("\n"), message);
            assertTrue(message.contains("60 × 5 float64 is 2 kB") && message.contains("(X has " + nonZeros + " non-zeros)")
                    && message.contains("budget of 2 kB") && message.contains("FitConfig.directMemoryBudget"), message);
            try (LoadedProblem loaded = LinearRegression.load(sd, svd())) {
                assertEquals(message, assertThrows(IllegalArgumentException.class, () -> LinearRegression.fit(loaded, tight)).getMessage());
            }
            FitConfig ridge = tight.toBuilder().penalty(Penalty.l2(0.1)).build();
            assertEquals(message, assertThrows(IllegalArgumentException.class,
                    () -> CrossValidation.fit(sd, ridge, 3, CrossValidation.Rule.MIN)).getMessage());
            // at the bound it runs
            assertEquals(Solver.SVD, LinearRegression.fit(sd, svd().toBuilder().directMemoryBudget(2_400).build()).solver());
        }
    }

    /**
     * More columns than the direct solvers take (50,000 > 46,340): refused by that limit before the dense copy, whatever
     * the copy's budget says (a review: a 2,000 × 50,000 X was densified, 915 MB, only to be refused by the limit).
     */
    @Test
    void beyondTheColumnLimitSvdIsRefusedBeforeTheCopy() {
        int n = 50_000;
        long[] pointers = {0, 1, 2, 3};
        int[] columns = {0, 7, n - 1};
        double[] values = {1, 2, 3};
        try (SparseDataset sd = SparseDataset.of(dev.downhill.io.CsrMatrix.of(pointers, columns, values, n, Precision.FLOAT64),
                new double[] {1, 2, 3})) {
            // a budget of 1 kB: the copy (1.2 MB) would be refused by it, had the column limit not come first
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearRegression.fit(sd, svd().toBuilder().directMemoryBudget(1_000).build()));
            assertTrue(e.getMessage().startsWith("50,000 columns: beyond the direct solvers' limit of 46,340 columns"), e.getMessage());
        }
    }

    @Test
    void crossValidationWithSvdOnSparseXIsTheDenseOne() {
        SplittableRandom r = new SplittableRandom(25);
        double[][] x = sparse(r, 90, 6, 0.4);
        double[] y = targets(r, x);
        try (Dataset d = Dataset.of(x, y); SparseDataset sd = SparseDataset.of(TestData.csr(x, Precision.FLOAT64), y)) {
            FitConfig ridge = svd().toBuilder().penalty(Penalty.l2(1)).build();
            FittedModel dense = CrossValidation.fit(d, ridge, 3, CrossValidation.Rule.MIN, 8, 1e-3);
            FittedModel sparse = CrossValidation.fit(sd, ridge, 3, CrossValidation.Rule.MIN, 8, 1e-3);
            assertEquals(Solver.SVD, sparse.solver());
            assertEquals(dense.config().penalty().alpha(), sparse.config().penalty().alpha(), 0.0, "the same α chosen");
            assertArrayEquals(dense.coefficients(), sparse.coefficients(), 0.0);
            assertArrayEquals(dense.report().crossValidation().meanMse(), sparse.report().crossValidation().meanMse(), 0.0);
            // an α path on a problem loaded sparse: X densified once for the whole path, each α the dense path's fit bit for bit
            double[] alphas = {3, 1, 0.1};
            try (LoadedProblem denseLoaded = LinearRegression.load(d, ridge); LoadedProblem sparseLoaded = LinearRegression.load(sd, ridge)) {
                java.util.List<FittedModel> densePath = CrossValidation.path(denseLoaded, ridge, alphas);
                java.util.List<FittedModel> sparsePath = CrossValidation.path(sparseLoaded, ridge, alphas);
                assertEquals(3, sparsePath.size());
                for (int k = 0; k < alphas.length; k++) {
                    assertEquals(Solver.SVD, sparsePath.get(k).solver());
                    assertEquals(alphas[k], sparsePath.get(k).config().penalty().alpha(), 0.0);
                    assertArrayEquals(densePath.get(k).coefficients(), sparsePath.get(k).coefficients(), 0.0, "α " + alphas[k]);
                    assertEquals(densePath.get(k).intercept(), sparsePath.get(k).intercept(), 0.0, "α " + alphas[k]);
                }
                // over the budget: refused before any fit, with the single fit's message
                FitConfig tight = ridge.toBuilder().directMemoryBudget(90 * 6 * 8 - 1).build();
                String single = assertThrows(IllegalArgumentException.class, () -> LinearRegression.fit(sparseLoaded, tight)).getMessage();
                assertEquals(single, assertThrows(IllegalArgumentException.class,
                        () -> CrossValidation.path(sparseLoaded, tight, alphas)).getMessage());
            }
        }
    }

    /** Xᵀ(XXᵀ)⁻¹y in 60-digit arithmetic (X of full row rank). */
    private static double[] minimumNorm(double[][] x, double[] y) {
        int m = x.length;
        int n = x[0].length;
        BigDecimal[][] a = new BigDecimal[m][m + 1];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < m; k++) {
                BigDecimal s = BigDecimal.ZERO;
                for (int j = 0; j < n; j++) {
                    s = s.add(new BigDecimal(x[i][j]).multiply(new BigDecimal(x[k][j])));
                }
                a[i][k] = s;
            }
            a[i][m] = new BigDecimal(y[i]);
        }
        BigDecimal[] z = solve(a, m);
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) {
            BigDecimal s = BigDecimal.ZERO;
            for (int i = 0; i < m; i++) {
                s = s.add(new BigDecimal(x[i][j]).multiply(z[i], DIGITS), DIGITS);
            }
            theta[j] = s.doubleValue();
        }
        return theta;
    }

    /** Gaussian elimination with partial pivoting on the augmented k × (k + 1) {@code a} (overwritten). */
    private static BigDecimal[] solve(BigDecimal[][] a, int k) {
        for (int c = 0; c < k; c++) {
            int pivot = c;
            for (int i = c + 1; i < k; i++) {
                if (a[i][c].abs().compareTo(a[pivot][c].abs()) > 0) {
                    pivot = i;
                }
            }
            BigDecimal[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            for (int i = c + 1; i < k; i++) {
                BigDecimal f = a[i][c].divide(a[c][c], DIGITS);
                for (int j = c; j <= k; j++) {
                    a[i][j] = a[i][j].subtract(f.multiply(a[c][j], DIGITS), DIGITS);
                }
            }
        }
        BigDecimal[] z = new BigDecimal[k];
        for (int i = k - 1; i >= 0; i--) {
            BigDecimal s = a[i][k];
            for (int j = i + 1; j < k; j++) {
                s = s.subtract(a[i][j].multiply(z[j], DIGITS), DIGITS);
            }
            z[i] = s.divide(a[i][i], DIGITS);
        }
        return z;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }
}
