package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.CoefficientInference;
import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The coefficients' standard errors, t- and p-values ({@link CoefficientInference}) against an independent reference:
 * NumPy's inverse of the uncentred [1 X]ᵀW[1 X] and SciPy's t.sf on the same data (values below, produced by
 * {@code /usr/bin/python3 cpu-backend/src/test/resources/inference/reference.py}, NumPy 1.24 / SciPy 1.17 from Debian).
 *
 * <p>Tolerance: 1e-10 relative for standard errors and t-values. The reference inverts [1 X]ᵀW[1 X] (condition number
 * 4.5e4 with the intercept, ~100 without, printed with the values), so its own error is at most about 4.5e4·ε ≈ 1e-11;
 * ours is about κ·ε of the centred, column-scaled matrix (smaller). p-values: a relative error δ of t moves p by about
 * δ·t²·(ν + 1)/(ν + t²) relative (the tail's logarithm is ~t²/2 near the normal), so 1e-10·(1 + t²).
 */
class CoefficientInferenceCpuTest {
    private static final double RELATIVE = 1e-10;

    static final double[][] X = {
            {2.954909, -0.24181, 10.82736},
            {1.258529, 1.952474, 10.320363},
            {2.929622, -3.482352, 9.737244},
            {2.016338, -3.044038, 9.912125},
            {3.770687, -3.888917, 9.045161},
            {2.041297, -2.774973, 9.699283},
            {2.828298, 1.510092, 10.001782},
            {3.048681, -1.057921, 10.267149},
            {4.140976, 1.191015, 10.325128},
            {1.819559, 0.277236, 9.932488},
            {3.339894, 2.270511, 8.679566},
            {2.18242, 0.103702, 9.788434},
            {2.96834, -1.675969, 10.964769},
            {3.225127, -1.474623, 9.89098},
            {3.580265, 2.007567, 9.953371},
            {4.234933, -0.762265, 9.01517},
            {4.190555, -5.274162, 10.046276},
            {4.362009, 2.203341, 10.210778},
            {1.304812, 1.178022, 9.914871},
            {2.152236, -1.556393, 9.445137},
            {2.493317, -2.253025, 10.040765},
            {2.741725, -0.011374, 10.52851},
            {1.978157, -6.134564, 10.748586},
            {2.531476, -0.791093, 9.302307},
            {3.775233, -0.688541, 9.95323},
            {4.639087, -1.298819, 9.64051},
            {3.194303, 0.070521, 10.456161},
            {5.923264, -0.524914, 10.314526},
            {1.974461, -3.043508, 10.10462},
            {2.067899, 0.695825, 10.087475}};
    static final double[] Y = {25.968973, 22.958067, 24.455627, 23.057323, 22.204956, 22.789365, 24.011303, 24.029373, 24.635636, 22.608487, 20.923707, 22.070382, 26.437504, 24.585337, 24.187061, 23.668547, 24.743458, 26.237157, 22.314122, 22.962915, 22.632607, 25.564895, 24.46116, 21.886437, 23.953171, 25.558359, 23.471213, 26.82291, 24.620435, 24.134295};
    static final double[] W = {2.674573, 1.938704, 1.949998, 2.663973, 1.577653, 2.132832, 0.752244, 0.556891, 2.713701, 0.837094, 0.429792, 2.457346, 2.389864, 1.184694, 0.752949, 2.005428, 1.198616, 0.336089, 2.495387, 1.535237, 1.483102, 1.067067, 1.389771, 1.295283, 1.147926, 0.79535, 0.391981, 1.855897, 0.606406, 2.272198};
    // PLAIN: df = 26, cond([1 X]ᵀW[1 X]) = 4.48e+04; intercept first when fitted
    static final double[] PLAIN_SE = {2.6605126433885866, 0.12683952238965174, 0.06236753664387749, 0.26041347732640946};
    static final double[] PLAIN_T = {0.5675247307340519, 6.306017500879667, -0.7075090824074548, 7.698805440016496};
    static final double[] PLAIN_P = {0.5752259506895636, 1.1233795684826162e-06, 0.48554426104360127, 3.604786508254252e-08};
    static final double PLAIN_SIGMA2 = 0.5285712191050401;
    // WEIGHTED: df = 26, cond([1 X]ᵀW[1 X]) = 4.46e+04; intercept first when fitted
    static final double[] WEIGHTED_SE = {2.403895580353058, 0.10937299269534886, 0.05963576249889509, 0.23579882293542823};
    static final double[] WEIGHTED_T = {0.61821769483122, 7.083943996207277, -0.8901576459335513, 8.542512014546656};
    static final double[] WEIGHTED_P = {0.5418100964664899, 1.5986929698275264e-07, 0.38154431661688626, 5.057451149194254e-09};
    static final double WEIGHTED_SIGMA2 = 0.6502564284430485;
    // ORIGIN: df = 27, cond([1 X]ᵀW[1 X]) = 103; intercept first when fitted
    static final double[] ORIGIN_SE = {0.1218051070890548, 0.06157557049216825, 0.03923870666308832};
    static final double[] ORIGIN_T = {6.704059355104614, -0.7100349574457953, 54.81660573182282};
    static final double[] ORIGIN_P = {3.386477965099784e-07, 0.48377029908033764, 3.1943515207301074e-29};
    static final double ORIGIN_SIGMA2 = 0.5152998592002179;
    // WEIGHTED_ORIGIN: df = 27, cond([1 X]ᵀW[1 X]) = 95.2; intercept first when fitted
    static final double[] WEIGHTED_ORIGIN_SE = {0.10645060855841691, 0.058662193475494284, 0.03291985518720779};
    static final double[] WEIGHTED_ORIGIN_T = {7.389426759867024, -0.9669077641777658, 65.57222179385721};
    static final double[] WEIGHTED_ORIGIN_P = {5.993516174337494e-08, 0.34217186997563753, 2.6228614975605387e-31};
    static final double WEIGHTED_ORIGIN_SIGMA2 = 0.6353774322791884;

    @Test
    void normalEquationsMatchNumPyWithAndWithoutInterceptAndWeights() {
        check(fit(X, null, Solver.NORMAL, true), PLAIN_SE, PLAIN_T, PLAIN_P, PLAIN_SIGMA2, 26);
        check(fit(X, W, Solver.NORMAL, true), WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P, WEIGHTED_SIGMA2, 26);
        check(fit(X, null, Solver.NORMAL, false), ORIGIN_SE, ORIGIN_T, ORIGIN_P, ORIGIN_SIGMA2, 27);
        check(fit(X, W, Solver.NORMAL, false), WEIGHTED_ORIGIN_SE, WEIGHTED_ORIGIN_T, WEIGHTED_ORIGIN_P, WEIGHTED_ORIGIN_SIGMA2, 27);
    }

    @Test
    void svdMatchesNumPyOnBothOfItsFullRankRoutes() {
        // the default cutoff: the factor is clearly of full rank (triangular solves, no SVD)
        check(fit(X, null, Solver.SVD, true), PLAIN_SE, PLAIN_T, PLAIN_P, PLAIN_SIGMA2, 26);
        check(fit(X, W, Solver.SVD, false), WEIGHTED_ORIGIN_SE, WEIGHTED_ORIGIN_T, WEIGHTED_ORIGIN_P, WEIGHTED_ORIGIN_SIGMA2, 27);
        // a cutoff of 0.05 is too close for the O(n²) bound to clear: the SVD decides (rank 3 still: the scaled X's
        // singular values are within a factor 3 of each other) and V·Σ⁻²·Vᵀ gives the inverse
        FitConfig.Builder svd = FitConfig.builder().solver(Solver.SVD).rankCutoff(0.05).standardErrors(true);
        try (Dataset d = Dataset.of(X, Y, W)) {
            FittedModel model = LinearRegression.fit(d, svd.build());
            assertEquals(3, model.rank());
            check(model, WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P, WEIGHTED_SIGMA2, 26);
        }
    }

    @Test
    void sparseXThroughItsGramMatrixMatchesToo() {
        // normal on a CSR X: the sparse Gram pass (a downdate XᵀWX − Σw·x̄x̄ᵀ, which here cancels up to 400-fold in the
        // third column: (XᵀWX)ⱼⱼ/centred ≈ (10² + 0.5²)/0.5²) and the sparse prediction pass for the residuals; the
        // cancellation costs at most 400·ε·κ, far inside 1e-10
        try (dev.downhill.SparseDataset plain = dev.downhill.SparseDataset.of(csr(X), Y);
             dev.downhill.SparseDataset weighted = plain.withWeights(W)) {
            FittedModel model = LinearRegression.fit(weighted, FitConfig.builder().solver(Solver.NORMAL).standardErrors(true).build());
            check(model, WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P, WEIGHTED_SIGMA2, 26);
        }
    }

    /**
     * Rows of weight 0 leave ν as it was (R's lm, Spark's summary): 20 of them with arbitrary values appended give the
     * 30 weighted rows' NumPy statistics, df 26 (counted, they made ν 46 and every p-value too small), dense and sparse.
     */
    @Test
    void rowsOfWeightZeroDoNotCountInTheDegreesOfFreedom() {
        int extra = 20;
        double[][] x = Arrays.copyOf(X, X.length + extra);
        double[] y = Arrays.copyOf(Y, Y.length + extra);
        double[] w = Arrays.copyOf(W, W.length + extra); // zeros
        for (int i = X.length; i < x.length; i++) {
            x[i] = new double[] {100 + i, -3 * i, i % 7};
            y[i] = 1e3 * ((i % 2) - 0.5);
        }
        FitConfig config = FitConfig.builder().solver(Solver.NORMAL).standardErrors(true).build();
        try (Dataset d = Dataset.of(x, y, w)) {
            check(LinearRegression.fit(d, config), WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P, WEIGHTED_SIGMA2, 26);
            check(LinearRegression.fit(d, config.toBuilder().solver(Solver.SVD).build()), WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P,
                    WEIGHTED_SIGMA2, 26);
        }
        try (dev.downhill.SparseDataset plain = dev.downhill.SparseDataset.of(csr(x), y);
             dev.downhill.SparseDataset weighted = plain.withWeights(w)) {
            check(LinearRegression.fit(weighted, config), WEIGHTED_SE, WEIGHTED_T, WEIGHTED_P, WEIGHTED_SIGMA2, 26);
        }
    }

    @Test
    void weightsScaledByAConstantChangeOnlyTheResidualVariance() {
        // precision weights: w·c leaves Cov(θ) = σ̂²(X_cᵀWX_c)⁻¹ as it is and multiplies σ̂² by c; c = 2⁻⁴⁰ also makes core
        // rescale the weights for the backend (WeightScale), whose σ̂² must come back in the caller's scale
        double[] scaled = Arrays.stream(W).map(v -> v * 0x1p-40).toArray();
        FittedModel model = fit(X, scaled, Solver.NORMAL, true);
        CoefficientInference s = model.inference().orElseThrow();
        assertClose(WEIGHTED_SE, withIntercept(s), RELATIVE, "standard errors");
        assertEquals(WEIGHTED_SIGMA2 * 0x1p-40, s.residualVariance(), RELATIVE * WEIGHTED_SIGMA2 * 0x1p-40);
    }

    @Test
    void aConstantColumnIsLeftOutAsRDoesAndItsStatisticsAreNaN() {
        double[][] wider = appendColumn(X, i -> 7.25); // collinear with the intercept: R's lm reports NA for it
        for (Solver solver : new Solver[] {Solver.NORMAL, Solver.SVD}) {
            FittedModel model = fit(wider, W, solver, true);
            CoefficientInference s = model.inference().orElseThrow();
            assertTrue(Double.isNaN(s.standardErrors()[3]) && Double.isNaN(s.tValues()[3]) && Double.isNaN(s.pValues()[3]),
                    solver + ": " + s);
            assertEquals(26, s.degreesOfFreedom(), solver.cliName()); // the rank, not the column count
            double[] three = Arrays.copyOf(withIntercept(s), 4);
            assertClose(WEIGHTED_SE, three, RELATIVE, solver + " standard errors");
            assertEquals(WEIGHTED_SIGMA2, s.residualVariance(), RELATIVE * WEIGHTED_SIGMA2);
        }
        // without an intercept an all-zero column is the one the solvers set aside
        double[][] zero = appendColumn(X, i -> 0);
        CoefficientInference s = fit(zero, null, Solver.NORMAL, false).inference().orElseThrow();
        assertTrue(Double.isNaN(s.standardErrors()[3]));
        assertClose(ORIGIN_SE, Arrays.copyOf(s.standardErrors(), 3), RELATIVE, "standard errors");
        assertEquals(27, s.degreesOfFreedom());
    }

    @Test
    void aRankDeficientSvdFitReportsOnlyWhatIsEstimable() {
        double[][] collinear = appendColumn(X, i -> X[i][0] + X[i][1]); // x₄ = x₁ + x₂: θ₁, θ₂, θ₄ not estimable
        FittedModel model = fit(collinear, null, Solver.SVD, true);
        assertEquals(3, model.rank());
        CoefficientInference s = model.inference().orElseThrow();
        double[] se = s.standardErrors();
        assertTrue(Double.isNaN(se[0]) && Double.isNaN(se[1]) && Double.isNaN(se[3]), Arrays.toString(se));
        assertEquals(26, s.degreesOfFreedom());
        // θ₃ and b are estimable (x̄₁ + x̄₂ − x̄₄ = 0: x̄ is orthogonal to the null direction), and the column space is X's
        assertEquals(PLAIN_SE[3], se[2], 1e-8 * PLAIN_SE[3]); // 1e-8: x₄ is collinear only to rounding (~1e-16 of it)
        assertEquals(PLAIN_SE[0], s.interceptStandardError(), 1e-8 * PLAIN_SE[0]);
        assertEquals(PLAIN_SIGMA2, s.residualVariance(), 1e-8 * PLAIN_SIGMA2);
    }

    @Test
    void autoAskedForThemSolvesExactlyInsteadOfTryingConjugateGradients() {
        // 5200 × 640 well-conditioned: auto would try cg first (AutoSolverTrialTest), whose answer has no factorization
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        int m = 5_200;
        int n = 640;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian();
                y[i] += x[i][j] * ((j % 5) - 2) * 0.1;
            }
            y[i] += 3 + 0.5 * r.nextGaussian();
        }
        try (Dataset d = Dataset.of(x, y)) {
            FittedModel model = LinearRegression.fit(d, FitConfig.builder().backend("cpu").standardErrors(true).build());
            assertEquals(Solver.NORMAL, model.solver(), model.report().solverChoice());
            assertTrue(model.report().solverChoice().contains("no cg trial (the standard errors"), model.report().solverChoice());
            CoefficientInference s = model.inference().orElseThrow();
            assertEquals(m - n - 1, s.degreesOfFreedom());
            // σ̂² estimates the noise variance 0.25: within 5 standard deviations (√(2/ν)·0.25 ≈ 0.0054 each)
            assertEquals(0.25, s.residualVariance(), 0.03);
        }
    }

    @Test
    void noDegreesOfFreedomGiveNaN() {
        double[][] x = Arrays.copyOf(X, 4); // 4 rows, 3 columns and the intercept: ν = 0
        try (Dataset d = Dataset.of(x, Arrays.copyOf(Y, 4))) {
            CoefficientInference s = LinearRegression.fit(d, FitConfig.builder().solver(Solver.SVD).standardErrors(true).build())
                    .inference().orElseThrow();
            assertEquals(0, s.degreesOfFreedom());
            assertTrue(Double.isNaN(s.residualVariance()) && Double.isNaN(s.interceptStandardError()));
            assertTrue(Arrays.stream(s.standardErrors()).allMatch(Double::isNaN) && Arrays.stream(s.pValues()).allMatch(Double::isNaN));
        }
    }

    @Test
    void penalisedAndIterativeFitsLeaveThemOutAndTheFitIsUnchanged() {
        try (Dataset d = Dataset.of(X, Y)) {
            FitConfig.Builder ridge = FitConfig.builder().solver(Solver.NORMAL).penalty(Penalty.l2(0.1));
            FittedModel with = LinearRegression.fit(d, ridge.standardErrors(true).build());
            FittedModel without = LinearRegression.fit(d, ridge.standardErrors(false).build());
            assertFalse(with.inference().isPresent());
            assertEquals(Arrays.toString(without.coefficients()), Arrays.toString(with.coefficients()));
            assertFalse(LinearRegression.fit(d, FitConfig.builder().solver(Solver.CG).standardErrors(true).build())
                    .inference().isPresent());
            assertFalse(LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).build()).inference().isPresent());
            // asking changes nothing of the fit itself
            FittedModel plain = LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).build());
            FittedModel asked = LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).standardErrors(true).build());
            assertEquals(Arrays.toString(plain.coefficients()), Arrays.toString(asked.coefficients()));
            assertEquals(plain.intercept(), asked.intercept());
        }
    }

    @Test
    void float32StatisticsAreThoseOfTheRoundedDataToItsPrecision() {
        // a float32 fit solves the float32-rounded X and y exactly; its statistics move with that rounding, by about
        // κ·2⁻²⁴ relative (κ ≈ 4.5e4 here at most): 1e-3 bounds it with room
        float[][] x = new float[X.length][];
        float[] y = new float[Y.length];
        for (int i = 0; i < X.length; i++) {
            x[i] = new float[] {(float) X[i][0], (float) X[i][1], (float) X[i][2]};
            y[i] = (float) Y[i];
        }
        try (Dataset d = Dataset.of(x, y)) {
            CoefficientInference s = LinearRegression.fit(d, FitConfig.builder().solver(Solver.NORMAL).standardErrors(true).build())
                    .inference().orElseThrow();
            assertClose(PLAIN_SE, withIntercept(s), 1e-3, "float32 standard errors");
        }
    }

    /** x (every row of 3 values) as a CSR matrix storing each entry. */
    private static dev.downhill.io.CsrMatrix csr(double[][] x) {
        long[] pointers = new long[x.length + 1];
        int[] columns = new int[3 * x.length];
        double[] values = new double[3 * x.length];
        for (int i = 0; i < x.length; i++) {
            pointers[i + 1] = 3L * (i + 1);
            for (int j = 0; j < 3; j++) {
                columns[3 * i + j] = j;
                values[3 * i + j] = x[i][j];
            }
        }
        return dev.downhill.io.CsrMatrix.of(pointers, columns, values, 3, dev.downhill.Precision.FLOAT64);
    }

    private static FittedModel fit(double[][] x, double[] w, Solver solver, boolean intercept) {
        try (Dataset d = w == null ? Dataset.of(x, Y) : Dataset.of(x, Y, w)) {
            FittedModel model = LinearRegression.fit(d, FitConfig.builder().solver(solver).fitIntercept(intercept)
                    .standardErrors(true).build());
            assertTrue(model.inference().isPresent(), solver.cliName());
            return model;
        }
    }

    /** The reference's order: the intercept first when fitted, then θ. */
    private static double[] withIntercept(CoefficientInference s) {
        double[] se = s.standardErrors();
        double[] out = new double[se.length + 1];
        out[0] = s.interceptStandardError();
        System.arraycopy(se, 0, out, 1, se.length);
        return out;
    }

    private static void check(FittedModel model, double[] se, double[] t, double[] p, double sigma2, long freedom) {
        CoefficientInference s = model.inference().orElseThrow();
        boolean intercept = model.fitIntercept();
        double[] gotSe = intercept ? withIntercept(s) : s.standardErrors();
        double[] gotT = s.tValues();
        double[] gotP = s.pValues();
        if (intercept) {
            gotT = prepend(s.interceptTValue(), gotT);
            gotP = prepend(s.interceptPValue(), gotP);
        }
        String what = model.solver().cliName() + (intercept ? "" : " (no intercept)");
        assertClose(se, gotSe, RELATIVE, what + " standard errors");
        assertClose(t, gotT, RELATIVE, what + " t-values");
        for (int j = 0; j < p.length; j++) {
            assertEquals(p[j], gotP[j], RELATIVE * (1 + t[j] * t[j]) * p[j], what + " p-value " + j);
        }
        assertEquals(sigma2, s.residualVariance(), RELATIVE * sigma2, what + " σ̂²");
        assertEquals(freedom, s.degreesOfFreedom(), what);
        if (!intercept) {
            assertTrue(Double.isNaN(s.interceptStandardError()) && Double.isNaN(s.interceptPValue()));
        }
    }

    private static double[] prepend(double first, double[] rest) {
        double[] out = new double[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], relative * Math.abs(expected[j]), what + " [" + j + "]: " + Arrays.toString(actual));
        }
    }

    private static double[][] appendColumn(double[][] x, java.util.function.IntToDoubleFunction column) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = Arrays.copyOf(x[i], x[i].length + 1);
            out[i][x[i].length] = column.applyAsDouble(i);
        }
        return out;
    }
}
