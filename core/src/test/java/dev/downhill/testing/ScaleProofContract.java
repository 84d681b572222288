package dev.downhill.testing;

import static dev.downhill.testing.Compare.withIntercept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.LinearRegression;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The gradient solvers on data far from 1 (issue 16, item 4): X and y scaled by 1e±150 in float64 and 1e±30 in float32,
 * together and in opposite directions. Each answer is checked against the exact least-squares answer of the same
 * scaled data (BigDecimal, {@link ExactLeastSquares}), or — for the stochastic and l1 fits, whose answer is not the
 * least-squares one — against the same fit of the unscaled data scaled back (θ·s_y/s_x, b·s_y). The solvers work
 * on X and y scaled internally by powers of two (exact), so the scaled fit follows the unscaled fit of data that differ
 * from the unscaled data only by the rounding of the decimal scale (u per entry): the tolerances are those of the
 * unscaled fits, set by the solver's tol and the precision. Small problems (64 × 3): a backend with slow passes
 * ({@link #cheap()}) skips the stochastic fits.
 */
public abstract class ScaleProofContract {
    private static final int M = 64;
    private static final int N = 3;

    protected abstract String backendName();

    /** True where each pass is expensive (an emulated device): the stochastic fits are skipped. */
    protected boolean cheap() {
        return false;
    }

    /** Unscaled data: columns with different means (centring matters), y = Xβ + 3 + noise. */
    private static double[][] x(double[] y) {
        SplittableRandom r = new SplittableRandom(16);
        double[][] x = new double[M][N];
        for (int i = 0; i < M; i++) {
            double s = 3;
            for (int j = 0; j < N; j++) {
                x[i][j] = r.nextGaussian() + j;
                s += new double[] {1.5, -2, 0.5}[j] * x[i][j];
            }
            y[i] = s + 0.1 * r.nextGaussian();
        }
        return x;
    }

    /** The scaled data as the precision holds it (float32: rounded to float), returned in float64. */
    private static double[][] scaledX(double[][] x, double sx, Precision p) {
        double[][] out = new double[M][N];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                out[i][j] = p == Precision.FLOAT32 ? (float) (x[i][j] * sx) : x[i][j] * sx;
            }
        }
        return out;
    }

    private static double[] scaledY(double[] y, double sy, Precision p) {
        double[] out = new double[M];
        for (int i = 0; i < M; i++) {
            out[i] = p == Precision.FLOAT32 ? (float) (y[i] * sy) : y[i] * sy;
        }
        return out;
    }

    private static Dataset dataset(double[][] x, double[] y, Precision p) {
        if (p == Precision.FLOAT64) {
            return Dataset.of(x, y);
        }
        float[][] xf = new float[M][N];
        float[] yf = new float[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                xf[i][j] = (float) x[i][j];
            }
            yf[i] = (float) y[i];
        }
        return Dataset.of(xf, yf);
    }

    private FittedModel fit(double[][] x, double[] y, Precision p, FitConfig.Builder config) {
        try (Dataset d = dataset(x, y, p)) {
            return LinearRegression.fit(d, config.backend(backendName()).precision(p).build());
        }
    }

    private static double[][] scales(Precision p) {
        double k = p == Precision.FLOAT64 ? 1e150 : 1e30;
        return new double[][] {{k, k}, {1 / k, 1 / k}, {k, 1 / k}, {1 / k, k}, {1, k}, {k, 1}};
    }

    /** [θ·s_y/s_x, b·s_y] of an unscaled fit. */
    private static double[] scaledBack(FittedModel m, double sx, double sy) {
        double[] t = withIntercept(m);
        for (int j = 0; j < N; j++) {
            t[j] = t[j] * sy / sx;
        }
        t[N] *= sy;
        return t;
    }

    /**
     * Full-batch solvers against the exact answer of the scaled data. Tolerances: float64, tol 1e-10 on ‖∇‖/‖∇₀‖ with
     * κ ≈ 10 (standardized) leaves ≲ 1e-8 in θ: 1e-7; float32, tol 1e-6 but a gradient floor of about u₃₂·κ·‖θ‖‖X‖²
     * (u₃₂ = 6e-8): the unscaled float32 fits land within 1e-4 of the exact answer, so 1e-3.
     */
    private void fullBatchMatchesExact(Precision p, Solver solver, Boolean standardize) {
        double[] y0 = new double[M];
        double[][] x0 = x(y0);
        double tolerance = p == Precision.FLOAT64 ? 1e-7 : 1e-3;
        for (double[] s : scales(p)) {
            double[][] x = scaledX(x0, s[0], p);
            double[] y = scaledY(y0, s[1], p);
            double[] exact = ExactLeastSquares.solve(x, y, true);
            String what = solver + " " + p + " standardize=" + standardize + " X·" + s[0] + " y·" + s[1];
            FittedModel m = fit(x, y, p, FitConfig.builder().solver(solver).standardize(standardize).maxIterations(20_000));
            assertTrue(m.stopReason() == StopReason.CONVERGED || m.stopReason() == StopReason.NO_PROGRESS,
                    what + ": " + m.stopReason());
            Compare.assertScaledClose(withIntercept(m), exact, tolerance, what);
            // the histories are in the user's units: the first loss is the MSE at θ = 0 (with b = ȳ), exactly computable
            double mean = 0;
            for (double v : y) {
                mean += v / M;
            }
            double mse = 0;
            for (double v : y) {
                mse += (v - mean) / s[1] * ((v - mean) / s[1]) / M;
            }
            assertEquals(mse, m.lossHistory()[0] / s[1] / s[1], 1e-6 * mse, what + ": first loss");
        }
    }

    @Test
    void gdMatchesTheExactAnswerFloat64() {
        fullBatchMatchesExact(Precision.FLOAT64, Solver.GD, true);
        fullBatchMatchesExact(Precision.FLOAT64, Solver.GD, false);
    }

    @Test
    void nesterovAndCgMatchTheExactAnswerFloat64() {
        fullBatchMatchesExact(Precision.FLOAT64, Solver.NESTEROV, null);
        fullBatchMatchesExact(Precision.FLOAT64, Solver.CG, true);
        fullBatchMatchesExact(Precision.FLOAT64, Solver.CG, false);
    }

    @Test
    void fullBatchSolversMatchTheExactAnswerFloat32() {
        fullBatchMatchesExact(Precision.FLOAT32, Solver.GD, true);
        fullBatchMatchesExact(Precision.FLOAT32, Solver.GD, false);
        fullBatchMatchesExact(Precision.FLOAT32, Solver.NESTEROV, null);
        fullBatchMatchesExact(Precision.FLOAT32, Solver.CG, null);
    }

    /**
     * auto (cg trial, or the exact solve) on the scaled data: the exact answer to 1e-7 (float64) / 1e-3 (float32).
     */
    @Test
    void autoMatchesTheExactAnswer() {
        for (Precision p : Precision.values()) {
            double[] y0 = new double[M];
            double[][] x0 = x(y0);
            for (double[] s : scales(p)) {
                double[][] x = scaledX(x0, s[0], p);
                double[] y = scaledY(y0, s[1], p);
                FittedModel m = fit(x, y, p, FitConfig.builder());
                Compare.assertScaledClose(withIntercept(m), ExactLeastSquares.solve(x, y, true), p == Precision.FLOAT64 ? 1e-7 : 1e-3,
                        "auto " + p + " X·" + s[0] + " y·" + s[1] + " (" + m.report().solverChoice() + ")");
            }
        }
    }

    /**
     * Fits whose answer is not the least-squares one — sgd and mini-batches (a fixed number of epochs), lasso (ISTA,
     * FISTA) and ridge (cg) with the penalty scaled so the scaled problem's answer is the unscaled one scaled back
     * (l1: α·s_x·s_y; l2: α·s_x²) — against the same fit of the unscaled data scaled back. The scaled run is the
     * unscaled run on data perturbed by the decimal scale's rounding (relative u per entry) plus power-of-two
     * scalings that add no rounding: 1e-9 in float64; in float32 the perturbation (6e-8) grows along the run to
     * about 1e-5 for sgd (measured 1e-6): 1e-4.
     */
    private void matchesUnscaledFit(Precision p, FitConfig.Builder config, Penalty penalty, boolean l1) {
        double[] y0 = new double[M];
        double[][] x0 = x(y0);
        FittedModel unscaled = fit(scaledX(x0, 1, p), scaledY(y0, 1, p), p, config.penalty(penalty));
        double tolerance = p == Precision.FLOAT64 ? 1e-9 : 1e-4;
        for (double[] s : scales(p)) {
            Penalty scaled = penalty.isActive() ? (l1 ? Penalty.l1(penalty.alpha() * s[0] * s[1])
                    : Penalty.l2(penalty.alpha() * s[0] * s[0])) : penalty;
            FittedModel m = fit(scaledX(x0, s[0], p), scaledY(y0, s[1], p), p, config.penalty(scaled));
            String what = m.solver() + " " + p + " " + penalty + " X·" + s[0] + " y·" + s[1];
            assertEquals(unscaled.iterations(), m.iterations(), 2, what + ": iterations");
            Compare.assertScaledClose(withIntercept(m), scaledBack(unscaled, s[0], s[1]), tolerance, what);
            if (penalty.isActive()) { // the reported objective scales with y²
                assertEquals(unscaled.report().objective(), m.report().objective() / s[1] / s[1],
                        1e-6 * unscaled.report().objective(), what + ": objective");
            }
        }
    }

    @Test
    void stochasticSolversMatchTheUnscaledFitScaledBack() {
        if (cheap()) {
            return;
        }
        for (Precision p : Precision.values()) {
            matchesUnscaledFit(p, FitConfig.builder().solver(Solver.SGD).maxIterations(5).tolerance(0), Penalty.none(), false);
            matchesUnscaledFit(p, FitConfig.builder().solver(Solver.MINIBATCH).batchSize(8).maxIterations(20).tolerance(0)
                    .standardize(false), Penalty.none(), false);
        }
    }

    @Test
    void lassoAndRidgeMatchTheUnscaledFitScaledBack() {
        for (Precision p : Precision.values()) {
            matchesUnscaledFit(p, FitConfig.builder().solver(Solver.NESTEROV), Penalty.l1(0.05), true);
            matchesUnscaledFit(p, FitConfig.builder().solver(Solver.GD).maxIterations(3000), Penalty.l1(0.05), true);
            matchesUnscaledFit(p, FitConfig.builder().solver(Solver.CG), Penalty.l2(0.5), false);
        }
    }

    /**
     * A fixed step without standardization means what it says at any scale: the iterates are exactly τ/d times the
     * unscaled ones (η' = η/d² inside), so gd with η/s_x² on X·s_x takes the unscaled fit's steps (same iteration
     * count, same answer scaled back: 1e-9 in float64, 1e-4 in float32 as in {@link #matchesUnscaledFit}) and reports
     * η/s_x² as its learning rate. A warm start (user units) starts where it says — the first loss is the loss at θ₀ —
     * and cg from it reaches the exact answer (tolerances as in {@link #fullBatchMatchesExact}).
     */
    @Test
    void fixedStepAndWarmStartAreInTheUsersUnits() {
        for (Precision p : Precision.values()) {
            double[] y0 = new double[M];
            double[][] x0 = x(y0);
            FitConfig.Builder gd = FitConfig.builder().solver(Solver.GD).standardize(false).maxIterations(5000);
            FittedModel unscaled = fit(scaledX(x0, 1, p), scaledY(y0, 1, p), p, gd.learningRate(0.05));
            for (double[] s : scales(p)) {
                String what = p + " X·" + s[0] + " y·" + s[1];
                double[][] x = scaledX(x0, s[0], p);
                double[] y = scaledY(y0, s[1], p);
                double eta = 0.05 / s[0] / s[0];
                FittedModel m = fit(x, y, p, gd.learningRate(eta));
                assertEquals(eta, m.learningRate(), 1e-15 * eta, what + ": learning rate");
                assertEquals(unscaled.iterations(), m.iterations(), 2, what + ": iterations");
                Compare.assertScaledClose(withIntercept(m), scaledBack(unscaled, s[0], s[1]), p == Precision.FLOAT64 ? 1e-9 : 1e-4, what);
                double[] exact = ExactLeastSquares.solve(x, y, true);
                double[] start = new double[N];
                for (int j = 0; j < N; j++) {
                    start[j] = exact[j] / 2;
                }
                FittedModel warm = fit(x, y, p, FitConfig.builder().solver(Solver.CG)
                        .initialCoefficients(dev.downhill.InitialCoefficients.given(start)));
                Compare.assertScaledClose(withIntercept(warm), exact, p == Precision.FLOAT64 ? 1e-7 : 1e-3, what + ": warm start");
                // the first loss is that at θ₀ (with b(θ₀) = ȳ − x̄ᵀθ₀), computed here in y's units / s_y
                double[] u = new double[M];
                double mean = 0;
                for (int i = 0; i < M; i++) {
                    for (int j = 0; j < N; j++) {
                        u[i] += x[i][j] * start[j] / s[1];
                    }
                    u[i] -= y[i] / s[1];
                    mean += u[i] / M;
                }
                double mse = 0;
                for (int i = 0; i < M; i++) {
                    mse += (u[i] - mean) * (u[i] - mean) / M;
                }
                // θ₀ is held in the working precision: relative 1e-10 in float64, 1e-5 in float32 (u₃₂·κ)
                assertEquals(mse, warm.lossHistory()[0] / s[1] / s[1], (p == Precision.FLOAT64 ? 1e-10 : 1e-5) * mse,
                        what + ": loss at θ₀");
            }
        }
    }

    /**
     * Sample weights (0.5 to 2) on scaled data: gd and cg against the exact weighted least-squares answer of the same
     * scaled data (tolerances as in {@link #fullBatchMatchesExact}).
     */
    @Test
    void weightedFitsMatchTheExactAnswer() {
        for (Precision p : Precision.values()) {
            double[] y0 = new double[M];
            double[][] x0 = x(y0);
            double[] w = new double[M];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < M; i++) {
                w[i] = 0.5 + 1.5 * r.nextDouble();
            }
            for (double[] s : scales(p)) {
                double[][] x = scaledX(x0, s[0], p);
                double[] y = scaledY(y0, s[1], p);
                double[] exact = ExactLeastSquares.solve(x, y, w, true);
                for (Solver solver : new Solver[] {Solver.GD, Solver.CG}) {
                    FittedModel m;
                    try (Dataset d = p == Precision.FLOAT64 ? Dataset.of(x, y, w) : Dataset.of(TestData.toFloat(x), TestData.toFloat(y), w)) {
                        m = LinearRegression.fit(d, FitConfig.builder().solver(solver).backend(backendName()).precision(p)
                                .maxIterations(20_000).build());
                    }
                    Compare.assertScaledClose(withIntercept(m), exact, p == Precision.FLOAT64 ? 1e-7 : 1e-3,
                            "weighted " + solver + " " + p + " X·" + s[0] + " y·" + s[1]);
                }
            }
        }
    }


    /**
     * float64 X beyond what the column statistics can measure (squares overflow at 1e155, vanish at 1e-200): one line
     * naming the cause; the exact solvers (auto) get it right. y at those magnitudes is scaled like any other.
     */
    @Test
    void float64BeyondTheMeasurableRangeIsRefusedWithOneLine() {
        double[] y0 = new double[M];
        double[][] x0 = x(y0);
        for (double k : new double[] {1e155, 1e-200}) {
            double[][] x = scaledX(x0, k, Precision.FLOAT64);
            ArithmeticException e = assertThrows(ArithmeticException.class,
                    () -> fit(x, y0, Precision.FLOAT64, FitConfig.builder().solver(Solver.CG)));
            assertTrue(e.getMessage().contains(k > 1 ? "too large" : "too small") && e.getMessage().contains("svd")
                    && !e.getMessage().contains("\n"), e.getMessage());
            FittedModel auto = fit(x, y0, Precision.FLOAT64, FitConfig.builder());
            assertNotEquals(Solver.CG, auto.solver());
            Compare.assertScaledClose(withIntercept(auto), ExactLeastSquares.solve(x, y0, true), 1e-9, "auto at " + k);
            double[] y = scaledY(y0, k, Precision.FLOAT64);
            FittedModel cg = fit(x0, y, Precision.FLOAT64, FitConfig.builder().solver(Solver.CG));
            Compare.assertScaledClose(withIntercept(cg), ExactLeastSquares.solve(x0, y, true), 1e-7, "cg with y at " + k);
        }
    }
}
