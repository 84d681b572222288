package dev.downhill.testing;

import static dev.downhill.testing.Compare.assertClose;
import static dev.downhill.testing.Compare.withIntercept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Penalised fits (ridge, lasso, elastic net) on one backend, against independent references: the ridge closed form in
 * BigDecimal ({@link ExactLeastSquares#solveRidge}), the lasso / elastic-net optimality (KKT) conditions computed here
 * in plain float64 loops, and scikit-learn's answers committed as {@code sklearn-reference.txt}. The penalties live
 * in core, so one test per solver family suffices; a backend whose passes are slow (the cuda fake device) returns
 * {@link #cheap()} true and skips the long stochastic fits.
 */
public abstract class PenaltyContract {

    protected abstract String backendName();

    /** True where each pass is expensive (an emulated device): the stochastic tests are skipped. */
    protected boolean cheap() {
        return false;
    }

    protected FitConfig.Builder config(Solver solver, Penalty penalty) {
        return FitConfig.builder().solver(solver).penalty(penalty).backend(backendName());
    }

    protected FittedModel fit(double[][] x, double[] y, FitConfig config) {
        try (Dataset d = Dataset.of(x, y)) {
            return LinearRegression.fit(d, config);
        }
    }

    private static dev.downhill.spi.ResidentProblem load(Dataset d, FitConfig config) {
        // checked as LinearRegression.load does (the column statistics cached there)
        return dev.downhill.internal.CheckedProblem.of(dev.downhill.spi.Backends.load(config.backend(), d, config.precision(),
                config.backendOptions()));
    }

    private static double[] ridgeDiagonal(int m, double alpha, double[] factors) {
        double[] r = new double[factors.length];
        for (int j = 0; j < r.length; j++) {
            r[j] = m * alpha * factors[j];
        }
        return r;
    }

    private static double[] ones(int n) {
        double[] o = new double[n];
        Arrays.fill(o, 1);
        return o;
    }

    // ------------------------------------------------------------------ ridge

    @Test
    void ridgeMatchesTheBigDecimalClosedFormOnEveryFullBatchAndDirectSolver() {
        TestData t = TestData.gaussian(80, 6, TestData.ramp(6), 2, 0.5, 21);
        double alpha = 0.4;
        double[] exact = ExactLeastSquares.solveRidge(t.x, t.y, true, ridgeDiagonal(80, alpha, ones(6)));
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(alpha)).build());
            // cond(XᵀX + mαI) ≈ 2 and the answer is refined in double-double: ~1e-15; 1e-12 leaves room
            assertClose(withIntercept(m), exact, 1e-12, s.cliName());
            assertEquals(StopReason.DIRECT_SOLUTION, m.stopReason());
        }
        for (Solver s : new Solver[] {Solver.CG, Solver.GD, Solver.NESTEROV}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(alpha)).tolerance(1e-13).build());
            // ‖∇‖ ≤ 1e-13‖∇₀‖ on a problem with κ ≈ 2 bounds the relative error near 1e-13; 1e-9 per the issue
            assertClose(withIntercept(m), exact, 1e-9, s.cliName());
            assertTrue(Double.isFinite(m.report().objective()), "objective recorded");
        }
    }

    @Test
    void aHugeRidgeStillGetsAFiniteAutomaticStep() {
        // λ = 1e160: the power iteration's ‖w‖² overflowed, its estimate became 0 and the automatic step 1 (gd and
        // nesterov diverged at the first step). The answer is ≈ Xᵀy_c/(mλ): compared with the closed form in BigDecimal.
        TestData t = TestData.gaussian(80, 6, TestData.ramp(6), 2, 0.5, 23);
        double alpha = 1e160;
        double[] exact = ExactLeastSquares.solveRidge(t.x, t.y, true, ridgeDiagonal(80, alpha, ones(6)));
        for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(alpha)).tolerance(1e-12).build());
            // κ ≈ 1 (the ridge dominates): a handful of steps reach the answer to the tolerance
            assertClose(withIntercept(m), exact, 1e-9, s.cliName());
            // the step is in the standardized coordinates, which with a ridge scale column j by 1/√(σⱼ² + λ/2): S·H·S has
            // diagonal 2, so L̂ lies in [2, 2·6] and η = 0.9/L̂ in [0.075, 0.45] (with 1/σⱼ alone it was ~1e-160) — finite,
            // and not the fallback step 1 of an overflowed estimate
            assertTrue(m.learningRate() >= 0.07 && m.learningRate() <= 0.46, s.cliName() + " η " + m.learningRate());
        }
    }

    @Test
    void ridgeWithMoreFeaturesThanRowsIsDefiniteForNormalSvdCgAndGradientDescent() {
        TestData t = TestData.gaussian(15, 30, TestData.ramp(30), 1, 0.3, 22);
        double alpha = 0.05;
        double[] exact = ExactLeastSquares.solveRidge(t.x, t.y, true, ridgeDiagonal(15, alpha, ones(30)));
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(alpha)).build());
            // XᵀX + mαI with mα = 0.75 against σ²(X) up to ~100: cond ~ 1e2, refined: ~1e-15
            assertClose(withIntercept(m), exact, 1e-9, s.cliName() + " p > n");
        }
        for (Solver s : new Solver[] {Solver.CG, Solver.NESTEROV}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(alpha)).tolerance(1e-13).maxIterations(20_000).build());
            // cond ~ 1e2: a gradient reduced 1e13-fold leaves ≤ 1e-11 relative error; 1e-9 per the issue
            assertClose(withIntercept(m), exact, 1e-9, s.cliName() + " p > n");
        }
    }

    @Test
    void penaltyFactorsWeightTheRidgeAndZeroLeavesACoefficientUnpenalised() {
        TestData t = TestData.gaussian(50, 5, TestData.ramp(5), -1, 0.5, 23);
        double[] factors = {0, 1, 2, 0.5, 1};
        double[] exact = ExactLeastSquares.solveRidge(t.x, t.y, true, ridgeDiagonal(50, 0.3, factors));
        for (Solver s : new Solver[] {Solver.SVD, Solver.NORMAL, Solver.CG}) {
            FittedModel m = fit(t.x, t.y, config(s, Penalty.l2(0.3).withPenaltyFactors(factors)).tolerance(1e-13).build());
            assertClose(withIntercept(m), exact, 1e-9, s.cliName() + " with penalty factors");
        }
        assertThrows(IllegalArgumentException.class,
                () -> fit(t.x, t.y, config(Solver.SVD, Penalty.l2(0.3).withPenaltyFactors(new double[] {1, 1})).build()),
                "factors of the wrong length are refused when the fit starts");
    }

    @Test
    void ridgeMakesASingularProblemDefiniteForTheDirectSolvers() {
        TestData t = TestData.gaussian(40, 4, TestData.ramp(4), 1, 0.2, 24);
        double[][] x = new double[40][];
        for (int i = 0; i < 40; i++) { // column 4 duplicates column 0, column 5 is constant
            x[i] = new double[] {t.x[i][0], t.x[i][1], t.x[i][2], t.x[i][3], t.x[i][0], 3};
        }
        assertThrows(dev.downhill.SingularMatrixException.class, () -> fit(x, t.y, config(Solver.NORMAL, Penalty.none()).build()));
        double[] exact = ExactLeastSquares.solveRidge(x, t.y, true, ridgeDiagonal(40, 0.1, ones(6)));
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG}) {
            FittedModel m = fit(x, t.y, config(s, Penalty.l2(0.1)).tolerance(1e-13).build());
            // the regularised matrix has condition ~1e2: refined direct answers ~1e-15, cg to its tolerance
            assertClose(withIntercept(m), exact, 1e-9, s.cliName() + " on a singular X with ridge");
            assertEquals(m.coefficient(0), m.coefficient(4), 1e-12, "the duplicated columns share the weight");
            assertEquals(0, m.coefficient(5), 1e-12, "the constant column gets nothing");
        }
    }

    // ------------------------------------------------------------------ lasso and elastic net

    @Test
    void float32LassoStopsOnTheGapAtItsDefaultTolerance() {
        Reference ref = Reference.load();
        Data tall = ref.data.get("tall");
        Model lasso = ref.models.get(0);
        float[][] xf = new float[tall.x.length][tall.x[0].length];
        float[] yf = new float[tall.y.length];
        for (int i = 0; i < xf.length; i++) {
            for (int j = 0; j < xf[0].length; j++) {
                xf[i][j] = (float) tall.x[i][j];
            }
            yf[i] = (float) tall.y[i];
        }
        try (Dataset d = Dataset.of(xf, yf)) {
            FittedModel m = LinearRegression.fit(d, config(Solver.NESTEROV, lasso.penalty()).build());
            assertEquals(StopReason.DUALITY_GAP, m.stopReason());
            assertTrue(m.report().dualityGap() <= FitConfig.DEFAULT_GD_TOLERANCE_FLOAT32);
            // data rounded to float32 (relative 6e-8) and a gap of 1e-6: measured 8e-7 from the float64 answer; 1e-5
            assertClose(withIntercept(m), lasso.answer(), 1e-5, "float32 lasso");
        }
    }

    /**
     * The optimality conditions of {@link Penalty}'s objective at (θ, b) in float64: with cⱼ = (1/m)Σᵢxᵢⱼrᵢ,
     * r = y − Xθ − b (Σr = 0 with an intercept, so X may stand for X_c), sⱼ = cⱼ − α(1−ρ)pⱼθⱼ must equal αρpⱼ·sign θⱼ
     * where θⱼ ≠ 0 and satisfy |sⱼ| ≤ αρpⱼ where θⱼ = 0. Returns the largest violation relative to ‖(1/m)X_cᵀy_c‖_∞.
     */
    static double kktViolation(double[][] x, double[] y, double[] theta, double b, double alpha, double ratio, double[] p) {
        int m = x.length;
        int n = theta.length;
        double[] c = new double[n];
        double[] cy = new double[n];
        double[] mean = new double[n];
        double yMean = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                mean[j] += x[i][j] / m;
            }
            yMean += y[i] / m;
        }
        for (int i = 0; i < m; i++) {
            double r = y[i] - b;
            for (int j = 0; j < n; j++) {
                r -= x[i][j] * theta[j];
            }
            for (int j = 0; j < n; j++) {
                c[j] += x[i][j] * r / m;
                cy[j] += (x[i][j] - mean[j]) * (y[i] - yMean) / m;
            }
        }
        double scale = 0;
        for (double v : cy) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int j = 0; j < n; j++) {
            double s = c[j] - alpha * (1 - ratio) * p[j] * theta[j];
            double l1 = alpha * ratio * p[j];
            double v = theta[j] != 0 ? Math.abs(s - Math.copySign(l1, theta[j])) : Math.max(0, Math.abs(s) - l1);
            worst = Math.max(worst, v);
        }
        return worst / scale;
    }

    @Test
    void lassoAndElasticNetMeetTheirOptimalityConditionsToNineDigitsOnGdAndNesterov() {
        Reference ref = Reference.load();
        Data tall = ref.data.get("tall");
        double[] p = ones(tall.x[0].length);
        // an emulated device (milliseconds a launch) runs the standardized fits of the first penalty only: ~400 passes
        for (double[] ar : cheap() ? new double[][] {{0.05, 1}} : new double[][] {{0.05, 1}, {0.1, 0.5}}) {
            Penalty penalty = Penalty.elasticNet(ar[0], ar[1]);
            for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV}) {
                for (boolean standardize : cheap() ? new boolean[] {true} : new boolean[] {true, false}) {
                    FittedModel m = fit(tall.x, tall.y, config(s, penalty).standardize(standardize).tolerance(1e-15)
                            .maxIterations(standardize || s == Solver.NESTEROV ? 20_000 : 200_000).build());
                    double v = kktViolation(tall.x, tall.y, m.coefficients(), m.intercept(), ar[0], ar[1], p);
                    // float64 with the gap driven to ~1e-15: the subgradient conditions hold to the rounding floor of
                    // (1/m)X_cᵀr (~1e-15 relative); 1e-9 per the issue
                    assertTrue(v <= 1e-9, s.cliName() + " standardize=" + standardize + " " + penalty + ": KKT violation " + v
                            + " after " + m.iterations() + " (" + m.stopReason() + ")");
                    assertTrue(m.stopReason() == StopReason.DUALITY_GAP || m.stopReason() == StopReason.NO_PROGRESS,
                            m.stopReason().toString());
                }
            }
        }
    }

    @Test
    void theAnswerDoesNotDependOnStandardizationAndAZeroFactorLeavesACoefficientFree() {
        Data tall = Reference.load().data.get("tall");
        int n = tall.x[0].length;
        double[] factors = ones(n);
        factors[2] = 0; // θ₂ is 0 in the penalised answer; unpenalised it must satisfy c₂ = 0
        Penalty penalty = Penalty.l1(0.3).withPenaltyFactors(factors);
        FittedModel on = fit(tall.x, tall.y, config(Solver.NESTEROV, penalty).standardize(true).tolerance(1e-15).build());
        FittedModel off = fit(tall.x, tall.y, config(Solver.NESTEROV, penalty).standardize(false).tolerance(1e-15)
                .maxIterations(50_000).build());
        // both at the float64 floor of the same strictly convex problem (cond of the active block ≲ 1e3): 1e-9
        assertClose(withIntercept(on), withIntercept(off), 1e-9, "standardize on vs off");
        assertTrue(kktViolation(tall.x, tall.y, on.coefficients(), on.intercept(), 0.3, 1, factors) <= 1e-9, "KKT with factors");
        assertTrue(on.coefficient(2) != 0, "the unpenalised coefficient is free");
        // coordinate descent on the Gram matrix: a factor-0 coordinate has threshold 0 and its own stopping test
        FittedModel cd = fit(tall.x, tall.y, config(Solver.CD, penalty).tolerance(1e-15).maxIterations(100_000).build());
        assertClose(withIntercept(cd), withIntercept(on), 1e-9, "cd vs nesterov with a zero factor");
    }

    @Test
    void everySolverMatchesScikitLearnToSixDigits() {
        Reference ref = Reference.load();
        for (Model model : ref.models) {
            Data d = ref.data.get(model.dataset);
            if (cheap() && model.dataset.equals("wide") && !model.kind.equals("l2")) {
                continue; // ~1,100 FISTA passes each: too slow on an emulated device
            }
            List<Solver> solvers = model.kind.equals("l2")
                    ? cheap() ? List.of(Solver.SVD, Solver.CG) : List.of(Solver.SVD, Solver.NORMAL, Solver.CG, Solver.NESTEROV)
                    : model.dataset.equals("wide") || cheap() ? List.of(Solver.NESTEROV) : List.of(Solver.NESTEROV, Solver.GD);
            for (Solver s : solvers) {
                FittedModel m = fit(d.x, d.y, config(s, model.penalty()).fitIntercept(model.intercept).tolerance(1e-15)
                        .maxIterations(s == Solver.GD ? 300_000 : 50_000).build());
                // scikit-learn ran to a gap of 1e-15·‖y‖² and we to our float64 floor: both within ~1e-9 of the optimum
                assertClose(withIntercept(m), model.answer(), 1e-6, model + " on " + s.cliName());
            }
        }
    }

    @Test
    void theDualityGapStopsTheFitAndTheObjectiveIsReported() {
        Data tall = Reference.load().data.get("tall");
        FittedModel m = fit(tall.x, tall.y, config(Solver.NESTEROV, Penalty.l1(0.05)).tolerance(1e-8).build());
        assertEquals(StopReason.DUALITY_GAP, m.stopReason());
        assertTrue(m.report().dualityGap() <= 1e-8);
        // the objective recorded is (1/(2m))‖r‖² + α‖θ‖₁ at the answer, computed here independently
        double ss = 0;
        double l1 = 0;
        for (int i = 0; i < tall.x.length; i++) {
            double r = tall.y[i] - m.intercept();
            for (int j = 0; j < tall.x[0].length; j++) {
                r -= tall.x[i][j] * m.coefficient(j);
            }
            ss += r * r;
        }
        for (double v : m.coefficients()) {
            l1 += Math.abs(v);
        }
        assertEquals(ss / (2 * tall.x.length) + 0.05 * l1, m.report().objective(), 1e-12);
    }

    @Test
    void stochasticSolversTakeProximalSteps() {
        Assumptions.assumeFalse(cheap(), "thousands of passes; skipped on an emulated device");
        Data tall = Reference.load().data.get("tall");
        Penalty penalty = Penalty.elasticNet(0.1, 0.5);
        FittedModel exact = fit(tall.x, tall.y, config(Solver.NESTEROV, penalty).tolerance(1e-15).build());
        // one mini-batch of every row with a fixed step is proximal gradient descent (rows in permuted order)
        FittedModel full = fit(tall.x, tall.y, config(Solver.MINIBATCH, penalty).batchSize(tall.x.length)
                .learningRate(exact.learningRate()).standardize(true).maxIterations(5000).tolerance(0).build());
        assertClose(withIntercept(full), withIntercept(exact), 1e-8, "minibatch of all rows");
        // true stochastic steps end in a noise ball ∝ √η: 1e-2 relative with η = 1e-3 (measured ~3e-3)
        FittedModel sgd = fit(tall.x, tall.y, config(Solver.SGD, penalty).learningRate(1e-3).standardize(true)
                .maxIterations(300).tolerance(0).build());
        assertClose(withIntercept(sgd), withIntercept(exact), 1e-2, "sgd");
        assertTrue(sgd.coefficient(4) == 0 || Math.abs(sgd.coefficient(4)) < 1e-2, "a coefficient zero in the answer stays near 0");
    }

    @Test
    void l1IsRefusedByCgNormalAndSvdAndAutoPicksAProximalSolver() {
        Data tall = Reference.load().data.get("tall");
        for (Solver s : new Solver[] {Solver.CG, Solver.NORMAL, Solver.SVD}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fit(tall.x, tall.y, config(s, Penalty.l1(0.1)).build()));
            assertTrue(e.getMessage().contains("gd or nesterov") && !e.getMessage().contains("\n"), e.getMessage());
        }
        FittedModel auto = fit(tall.x, tall.y, config(Solver.AUTO, Penalty.elasticNet(0.1, 0.5)).build());
        // a proximal solver, or cd (on the cpu backend, tall dense X with few columns: DenseL1Choice), its reason first
        assertTrue(auto.solver() == Solver.NESTEROV || auto.solver() == Solver.CD, auto.solver().toString());
        assertTrue(auto.report().solverChoice().startsWith(auto.solver().cliName() + ": "), auto.report().solverChoice());
        FittedModel ridge = fit(tall.x, tall.y, config(Solver.AUTO, Penalty.l2(0.5)).build()); // tall: the exact solve is normal's
        assertTrue(ridge.solver() == Solver.NORMAL || ridge.solver() == Solver.SVD || ridge.solver() == Solver.CG,
                ridge.solver().toString());
    }

    // ------------------------------------------------------------------ paths and cross-validation

    @Test
    void alphaMaxIsTheSmallestAlphaWithAZeroAnswerAndCrossValidationIsReproducible() {
        Data tall = Reference.load().data.get("tall");
        FitConfig.Builder b = config(Solver.NESTEROV, Penalty.elasticNet(1, 0.5)).tolerance(1e-12);
        double alphaMax;
        try (Dataset d = Dataset.of(tall.x, tall.y)) {
            alphaMax = dev.downhill.CrossValidation.alphaMax(d, b.build());
        }
        // computed here: max |(1/m)X_cᵀy_c|ⱼ / ρ
        int m = tall.x.length;
        int n = tall.x[0].length;
        double yMean = Arrays.stream(tall.y).average().orElseThrow();
        double expected = 0;
        for (int j = 0; j < n; j++) {
            double mean = 0;
            for (double[] row : tall.x) {
                mean += row[j] / m;
            }
            double c = 0;
            for (int i = 0; i < m; i++) {
                c += (tall.x[i][j] - mean) * (tall.y[i] - yMean) / m;
            }
            expected = Math.max(expected, Math.abs(c) / 0.5);
        }
        assertEquals(expected, alphaMax, 1e-12 * expected);
        // at α_max exactly the largest correlation sits on the threshold (rounding decides); 0.1 % above it, θ = 0
        FittedModel atMax = fit(tall.x, tall.y, b.penalty(Penalty.elasticNet(1.001 * alphaMax, 0.5)).build());
        assertTrue(Arrays.stream(atMax.coefficients()).allMatch(v -> v == 0), Arrays.toString(atMax.coefficients()));
        FittedModel below = fit(tall.x, tall.y, b.penalty(Penalty.elasticNet(0.95 * alphaMax, 0.5)).build());
        assertTrue(Arrays.stream(below.coefficients()).anyMatch(v -> v != 0), "below α_max something enters");

        Assumptions.assumeFalse(cheap(), "hundreds of fits; skipped on an emulated device");
        FitConfig cv = config(Solver.NESTEROV, Penalty.l1(1)).tolerance(1e-10).seed(3).build();
        try (Dataset d = Dataset.of(tall.x, tall.y)) {
            FittedModel a = dev.downhill.CrossValidation.fit(d, cv, 3, dev.downhill.CrossValidation.Rule.MIN, 20, 1e-3);
            FittedModel again = dev.downhill.CrossValidation.fit(d, cv, 3, dev.downhill.CrossValidation.Rule.ONE_SE, 20, 1e-3);
            dev.downhill.CrossValidationReport r = a.report().crossValidation();
            assertEquals(20, r.alphas().length);
            assertEquals(alphaMax * 0.5, r.alphas()[0], 1e-12 * alphaMax, "α_max of the lasso is ρ = 1's");
            assertEquals(1e-3 * r.alphas()[0], r.alphas()[19], 1e-15 * r.alphas()[0]);
            assertEquals(r.alphaMin(), r.chosenAlpha());
            assertEquals(r.chosenAlpha(), a.config().penalty().alpha(), "the model is the fit at the chosen α");
            assertTrue(r.alpha1se() >= r.alphaMin());
            // the same seed gives the same folds: the table is identical, only the rule differs
            assertTrue(Arrays.equals(r.meanMse(), again.report().crossValidation().meanMse()));
            assertEquals(r.alpha1se(), again.report().crossValidation().chosenAlpha());
            // the curve: at α_max the fit predicts the mean, so its validation MSE is about var(y), far above the best
            int best = java.util.stream.IntStream.range(0, 20).reduce((i, j) -> r.meanMse()[i] <= r.meanMse()[j] ? i : j).orElseThrow();
            assertEquals(r.alphaMin(), r.alphas()[best]);
            assertTrue(r.meanMse()[0] > 2 * r.meanMse()[best], Arrays.toString(r.meanMse()));
        }
    }

    @Test
    void coordinateDescentOnTheGramMatchesScikitLearnAndMeetsTheOptimalityConditions() {
        Reference ref = Reference.load();
        for (Model model : ref.models) {
            if (model.kind.equals("l2")) {
                continue;
            }
            Data d = ref.data.get(model.dataset);
            FittedModel m = fit(d.x, d.y, config(Solver.CD, model.penalty()).fitIntercept(model.intercept).tolerance(1e-15)
                    .maxIterations(1_000_000).build());
            assertEquals(Solver.CD, m.solver());
            // scikit-learn ran to a gap of 1e-15·‖y‖², we to the float64 fixed point of the same sweeps: 1e-6 as above
            assertClose(withIntercept(m), model.answer(), 1e-6, model + " on cd");
            assertTrue(m.stopReason() == StopReason.DUALITY_GAP || m.stopReason() == StopReason.NO_PROGRESS,
                    m.stopReason().toString());
            if (model.intercept) {
                double v = kktViolation(d.x, d.y, m.coefficients(), m.intercept(), model.alpha, model.ratio,
                        ones(d.x[0].length));
                assertTrue(v <= 1e-9, model + " on cd: KKT violation " + v + " after " + m.iterations() + " sweeps");
            }
            // the objective recorded (from the Gram matrix) is P at the answer, computed here from X
            double ss = 0;
            for (int i = 0; i < d.x.length; i++) {
                double r = d.y[i] - m.intercept();
                for (int j = 0; j < d.x[0].length; j++) {
                    r -= d.x[i][j] * m.coefficient(j);
                }
                ss += r * r;
            }
            double p = ss / (2 * d.x.length) + model.penalty().value(m.coefficients());
            // ‖R‖² from G cancels ~ε‖y_c‖² (‖y_c‖²/(2m) ≲ 50 here): 1e-12 relative
            assertEquals(p, m.report().objective(), 1e-12 * Math.max(1, p), model + " objective");
        }
        Data tall = ref.data.get("tall");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fit(tall.x, tall.y, config(Solver.CD, Penalty.l2(0.1)).build()));
        assertTrue(e.getMessage().startsWith("solver cd fits an l1 or elastic-net penalty"), e.getMessage());
    }

    @Test
    void coordinateDescentOnTheGramReportsTheObjectiveOfTheResidualsNearInterpolation() {
        // y = 3 + Xθ + 1e-6·noise and a tiny α: ‖R‖² ≈ 2e-10 while ‖y_c‖² ≈ 3e3, so G's ‖y_c‖² − 2cᵀθ + θᵀGθ (cancelling
        // ~ε·‖y_c‖² ≈ 1e-12, a relative 1e-2 of ‖R‖²) has few digits left; the residual pass's rows each lose ~n·ε·|y| ≈
        // 1e-14 of rᵢ ≈ 1e-6 (relative 1e-8, of random sign, so less in the sum): 1e-7 relative against BigDecimal
        TestData t = TestData.gaussian(300, 8, TestData.ramp(8), 3, 1e-6, 31);
        double alpha = 1e-14;
        FittedModel m = fit(t.x, t.y, config(Solver.CD, Penalty.l1(alpha)).tolerance(1e-15).maxIterations(10_000).build());
        java.math.BigDecimal ss = java.math.BigDecimal.ZERO;
        for (int i = 0; i < t.x.length; i++) {
            java.math.BigDecimal r = new java.math.BigDecimal(t.y[i]).subtract(new java.math.BigDecimal(m.intercept()));
            for (int j = 0; j < t.x[0].length; j++) {
                r = r.subtract(new java.math.BigDecimal(t.x[i][j]).multiply(new java.math.BigDecimal(m.coefficient(j))));
            }
            ss = ss.add(r.multiply(r));
        }
        double p = ss.doubleValue() / (2 * t.x.length) + Penalty.l1(alpha).value(m.coefficients());
        assertEquals(p, m.report().objective(), 1e-7 * p, "objective at R² ≈ 1");
        assertEquals(2 * p, m.finalLoss(), 2e-7 * p, "the loss history's last entry is 2·P at the answer");
    }

    @Test
    void crossValidationOnTheGramMatchesScikitLearnsLassoCvWithAndWithoutWeights() {
        Reference ref = Reference.load();
        assertEquals(2, ref.crossValidations.size());
        for (CvModel cv : ref.crossValidations) {
            Data d = ref.data.get(cv.dataset());
            FitConfig auto = config(Solver.AUTO, Penalty.l1(1)).tolerance(1e-15).maxIterations(1_000_000).seed(cv.seed()).build();
            FittedModel gram;
            try (Dataset data = cv.weights() == null ? Dataset.of(d.x, d.y) : Dataset.of(d.x, d.y, cv.weights())) {
                gram = dev.downhill.CrossValidation.fit(data, auto, cv.folds(), dev.downhill.CrossValidation.Rule.MIN,
                        cv.count(), cv.ratio());
            }
            dev.downhill.CrossValidationReport r = gram.report().crossValidation();
            assertEquals(Solver.CD, gram.solver(), cv + ": auto runs the path on the Gram matrix (n ≤ m)");
            assertTrue(gram.report().solverChoice().startsWith("cd: "), gram.report().solverChoice());
            // the same grid (α_max from the weighted X_cᵀWy_c, computed by the generator in NumPy)
            assertClose(r.alphas(), cv.alphas(), 1e-13, cv + " grid");
            // the same folds (our sampler recomputed in Python), each fold's validation MSE weighted by its rows' weights
            // as scikit-learn's np.average does: every fit at the float64 floor, so the table agrees to ~1e-9; 1e-7
            assertClose(r.meanMse(), cv.meanMse(), 1e-7, cv + " mean validation MSE");
            assertEquals(cv.alpha(), r.chosenAlpha(), 1e-13 * cv.alpha(), cv + " chosen α");
            assertClose(withIntercept(gram), cv.answer(), 1e-6, cv + " refit");
            if (cv.weights() == null) { // naming cd runs the same Gram path (one Gram matrix, not one per α)
                FittedModel named;
                try (Dataset data = Dataset.of(d.x, d.y)) {
                    named = dev.downhill.CrossValidation.fit(data, auto.toBuilder().solver(Solver.CD).build(), cv.folds(),
                            dev.downhill.CrossValidation.Rule.MIN, cv.count(), cv.ratio());
                }
                assertTrue(Arrays.equals(r.meanMse(), named.report().crossValidation().meanMse()), "cd named = cd chosen");
                assertTrue(named.report().solverChoice().startsWith("cd: as configured"), named.report().solverChoice());
            }
        }
    }

    @Test
    void aTrainingFoldsStatisticsBySubtractionEqualTheDirectGramPass() {
        Data tall = Reference.load().data.get("tall");
        int m = tall.x.length;
        int n = tall.x[0].length;
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = (i % 4) + 0.25 * (i % 3); // includes zero weights
        }
        boolean[] held = new boolean[m];
        for (int i = 0; i < m; i += 5) {
            held[i] = true;
        }
        double[][] xt = java.util.stream.IntStream.range(0, m).filter(i -> !held[i]).mapToObj(i -> tall.x[i]).toArray(double[][]::new);
        double[] yt = java.util.stream.IntStream.range(0, m).filter(i -> !held[i]).mapToDouble(i -> tall.y[i]).toArray();
        double[] wt = java.util.stream.IntStream.range(0, m).filter(i -> !held[i]).mapToDouble(i -> w[i]).toArray();
        double[][] xh = java.util.stream.IntStream.range(0, m).filter(i -> held[i]).mapToObj(i -> tall.x[i]).toArray(double[][]::new);
        double[] yh = java.util.stream.IntStream.range(0, m).filter(i -> held[i]).mapToDouble(i -> tall.y[i]).toArray();
        double[] wh = java.util.stream.IntStream.range(0, m).filter(i -> held[i]).mapToDouble(i -> w[i]).toArray();
        FitConfig c = config(Solver.CD, Penalty.l1(0.1)).build();
        for (boolean intercept : new boolean[] {true, false}) {
            dev.downhill.internal.GramCoordinateDescent.Statistics all;
            dev.downhill.internal.GramCoordinateDescent.Statistics direct;
            dev.downhill.internal.GramCoordinateDescent.Statistics byDifference;
            try (Dataset d = Dataset.of(tall.x, tall.y, w); Dataset t = Dataset.of(xt, yt, wt); Dataset h = Dataset.of(xh, yh, wh);
                 dev.downhill.spi.ResidentProblem pd = load(d, c); dev.downhill.spi.ResidentProblem pt = load(t, c);
                 dev.downhill.spi.ResidentProblem ph = load(h, c)) {
                all = dev.downhill.internal.GramCoordinateDescent.Statistics.of(pd, intercept);
                direct = dev.downhill.internal.GramCoordinateDescent.Statistics.of(pt, intercept);
                byDifference = all.without(dev.downhill.internal.GramCoordinateDescent.Statistics.of(ph, intercept));
            }
            // float64 sums over 60 rows, G's entries up to ~1e4: the subtraction costs a few ε·‖G‖; 1e-12 relative
            assertClose(byDifference.gram(), direct.gram(), 1e-12, "G, intercept " + intercept);
            assertClose(byDifference.moment(), direct.moment(), 1e-12, "c, intercept " + intercept);
            assertEquals(direct.targetSquares(), byDifference.targetSquares(), 1e-12 * direct.targetSquares(), "‖y_c‖²");
            assertEquals(direct.weightSum(), byDifference.weightSum(), 1e-13 * direct.weightSum(), "W");
            assertEquals(direct.targetMean(), byDifference.targetMean(), 1e-13 * Math.abs(direct.targetMean()) + 1e-15, "ȳ");
            if (intercept) {
                assertClose(byDifference.means(), direct.means(), 1e-13, "x̄");
            }
        }
    }

    @Test
    void aFoldWhoseHeldOutRowsAllWeighZeroIsRefusedNamingIt() {
        Data tall = Reference.load().data.get("tall");
        int m = tall.x.length;
        double[] w = new double[m];
        Arrays.fill(w, 1);
        w[17] = 0; // leave-one-out: the fold holding row 17 has no validation weight
        try (Dataset d = Dataset.of(tall.x, tall.y, w)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dev.downhill.CrossValidation.fit(d,
                    config(Solver.AUTO, Penalty.l1(1)).build(), m, dev.downhill.CrossValidation.Rule.MIN, 3, 0.1));
            assertTrue(e.getMessage().matches("cross-validation: every row held out in fold \\d+ of 60 has weight 0, .*")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void theGramPathEqualsTheXPath() {
        Assumptions.assumeFalse(cheap(), "a hundred FISTA fits; skipped on an emulated device");
        Data tall = Reference.load().data.get("tall");
        double[] alphas = dev.downhill.CrossValidation.alphaGrid(0.5, 12, 1e-3);
        FitConfig.Builder b = config(Solver.AUTO, Penalty.elasticNet(1, 0.7)).tolerance(1e-14).maxIterations(100_000);
        try (Dataset d = Dataset.of(tall.x, tall.y); dev.downhill.LoadedProblem problem = LinearRegression.load(d, b.build())) {
            List<FittedModel> gram = dev.downhill.CrossValidation.path(problem, b.build(), alphas);
            List<FittedModel> fista = dev.downhill.CrossValidation.path(problem, b.solver(Solver.NESTEROV).build(), alphas);
            for (int k = 0; k < alphas.length; k++) {
                assertEquals(Solver.CD, gram.get(k).solver());
                assertEquals(Solver.NESTEROV, fista.get(k).solver());
                // both at a relative gap ≤ 1e-14 of the same strongly convex problem (ρ < 1): 1e-6 relative
                assertClose(withIntercept(gram.get(k)), withIntercept(fista.get(k)), 1e-6, "α = " + alphas[k]);
                assertEquals(fista.get(k).report().objective(), gram.get(k).report().objective(),
                        1e-10 * fista.get(k).report().objective(), "objective at α = " + alphas[k]);
                assertTrue(kktViolation(tall.x, tall.y, gram.get(k).coefficients(), gram.get(k).intercept(), alphas[k], 0.7,
                        ones(tall.x[0].length)) <= 1e-9, "KKT at α = " + alphas[k]);
            }
        }
    }

    @Test
    void aPathWithoutAPenaltyIsRefusedBeforeAnyFitInsteadOfFittingRidge() {
        Data tall = Reference.load().data.get("tall");
        double[] alphas = dev.downhill.CrossValidation.alphaGrid(0.5, 3, 1e-2);
        java.util.concurrent.atomic.AtomicLong iterations = new java.util.concurrent.atomic.AtomicLong();
        FitConfig.Builder b = config(Solver.GD, Penalty.none()).maxIterations(200).listener((k, loss, norm) -> {
            iterations.incrementAndGet();
            return dev.downhill.IterationListener.Control.CONTINUE;
        });
        try (Dataset d = Dataset.of(tall.x, tall.y); dev.downhill.LoadedProblem problem = LinearRegression.load(d, b.build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dev.downhill.CrossValidation.path(problem, b.build(), alphas));
            assertEquals("a regularization path chooses a penalty's α: name the penalty (l2, l1 or elasticnet)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> dev.downhill.CrossValidation.fit(d, b.build(), 3, dev.downhill.CrossValidation.Rule.MIN, 3, 1e-2));
            assertEquals("cross-validation chooses a penalty's α: name the penalty (l2, l1 or elasticnet)", e.getMessage());
            assertEquals(0, iterations.get(), "refused before any fit");
            // with the penalty named, the path fits that kind at every α
            List<FittedModel> ridge = dev.downhill.CrossValidation.path(problem, b.penalty(Penalty.l2(1)).build(), alphas);
            for (int k = 0; k < alphas.length; k++) {
                assertEquals(Penalty.l2(alphas[k]), ridge.get(k).config().penalty());
            }
        }
    }

    // ------------------------------------------------------------------ the committed scikit-learn reference

    /** X and y of one data set of the reference file. */
    public record Data(double[][] x, double[] y) {
    }

    /** One scikit-learn fit of the reference file. */
    public record Model(String dataset, String kind, double alpha, double ratio, boolean intercept, double[] coef,
                        double b) {
        public Penalty penalty() {
            switch (kind) {
                case "l1": return Penalty.l1(alpha);
                case "l2": return Penalty.l2(alpha);
                default: return Penalty.elasticNet(alpha, ratio);
            }
        }

        public double[] answer() {
            double[] a = Arrays.copyOf(coef, coef.length + 1);
            a[coef.length] = b;
            return a;
        }

        @Override
        public String toString() {
            return dataset + " " + penalty() + (intercept ? "" : " without intercept");
        }
    }

    /**
     * One scikit-learn {@code LassoCV} of the reference file, run on our α grid and our folds (seed, K), with the
     * sample weights given (null: unweighted): its grid, mean validation MSE per α, chosen α and refit.
     */
    public record CvModel(String dataset, double[] weights, int seed, int folds, int count, double ratio, double[] alphas,
                          double[] meanMse, double alpha, double[] coef, double b) {
        public double[] answer() {
            double[] a = Arrays.copyOf(coef, coef.length + 1);
            a[coef.length] = b;
            return a;
        }

        @Override
        public String toString() {
            return "LassoCV on " + dataset + (weights != null ? " weighted" : "");
        }
    }

    /** {@code sklearn-reference.txt} (made by {@code make_sklearn_reference.py} beside it). */
    public static final class Reference {
        public final Map<String, Data> data = new LinkedHashMap<>();
        public final List<Model> models = new ArrayList<>();
        public final List<CvModel> crossValidations = new ArrayList<>();

        public static Reference load() {
            try (var in = PenaltyContract.class.getResourceAsStream("sklearn-reference.txt")) {
                return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public static Reference parse(List<String> lines) {
            Reference r = new Reference();
            Function<String, double[]> numbers = s -> Arrays.stream(s.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            for (int i = 0; i < lines.size(); i++) {
                String[] w = lines.get(i).split(" ");
                if (w[0].equals("dataset")) {
                    int m = Integer.parseInt(w[2]);
                    double[][] x = new double[m][];
                    for (int k = 0; k < m; k++) {
                        x[k] = numbers.apply(lines.get(++i));
                    }
                    r.data.put(w[1], new Data(x, numbers.apply(lines.get(++i))));
                } else if (w[0].equals("cv")) {
                    String wl = lines.get(++i).trim();
                    double[] weights = wl.equals("none") ? null : numbers.apply(wl);
                    double[] alphas = numbers.apply(lines.get(++i));
                    double[] mse = numbers.apply(lines.get(++i));
                    double chosen = Double.parseDouble(lines.get(++i).trim());
                    double[] coef = numbers.apply(lines.get(++i));
                    double b = Double.parseDouble(lines.get(++i).trim());
                    r.crossValidations.add(new CvModel(w[1], weights, Integer.parseInt(w[4]), Integer.parseInt(w[5]),
                            Integer.parseInt(w[6]), Double.parseDouble(w[7]), alphas, mse, chosen, coef, b));
                } else if (w[0].equals("model")) {
                    double[] coef = numbers.apply(lines.get(++i));
                    double b = Double.parseDouble(lines.get(++i).trim());
                    r.models.add(new Model(w[1], w[2], Double.parseDouble(w[3]), Double.parseDouble(w[4]),
                            Boolean.parseBoolean(w[5]), coef, b));
                }
            }
            return r;
        }
    }
}
