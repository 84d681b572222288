package dev.downhill.testing;

import static dev.downhill.testing.Compare.assertClose;
import static dev.downhill.testing.Compare.withIntercept;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.DivergenceException;
import dev.downhill.FitConfig;
import dev.downhill.FittedModel;
import dev.downhill.InitialCoefficients;
import dev.downhill.IterationListener;
import dev.downhill.LearningRate;
import dev.downhill.LearningRateSchedule;
import dev.downhill.LinearRegression;
import dev.downhill.LoadedProblem;
import dev.downhill.Precision;
import dev.downhill.SingularMatrixException;
import dev.downhill.Solver;
import dev.downhill.StopReason;
import dev.downhill.sampling.CounterBasedSampler;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.Backends;
import dev.downhill.spi.ColumnStatistics;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.ResidualSums;
import dev.downhill.spi.RowSlice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every backend must have, stated once (EJML-style). A backend module's test
 * extends this class and names its backend. Tolerances are float64 unless a test says otherwise;
 * each is justified where it is used.
 */
public abstract class BackendContract {

    /** The backend under test, as passed to {@link FitConfig.Builder#backend}. */
    protected abstract String backendName();

    protected FitConfig.Builder config(Solver solver) {
        return FitConfig.builder().solver(solver).backend(backendName());
    }

    /**
     * Loads {@code d} into the backend under test through the SPI ({@link Backends#load}), with the configuration's
     * precision and backend options: for tests that call the passes themselves.
     */
    protected ResidentProblem load(Dataset d, FitConfig config) {
        return Backends.load(config.backend(), d, config.precision(), config.backendOptions());
    }

    protected FittedModel fit(double[][] x, double[] y, FitConfig config) {
        try (Dataset d = Dataset.of(x, y)) {
            return LinearRegression.fit(d, config);
        }
    }

    // ------------------------------------------------------------------ the fused operations

    /**
     * y ≈ 1e12 + Xθ + 0.1·noise: the fused pass must form xᵢᵀθ + (b − τyᵢ), whose b − τyᵢ is exact here (Sterbenz),
     * not (xᵢᵀθ + b) − τyᵢ, which rounds every residual at ulp(ȳ) ≈ 1e-4 against residuals of 0.1: gd and cg stopped
     * "no progress" with θ 3e-6 off. Reference: svd on (X, y − 1e12), exact by Sterbenz, the same least-squares θ.
     * The default tolerance on this well-conditioned X leaves θ within ~1e-9 (as at offset 0).
     */
    @Test
    void aLargeOffsetOfYCostsTheGradientSolversNoDigits() {
        SplittableRandom r = new SplittableRandom(11);
        int m = 200;
        int n = 5;
        double[][] x = new double[m][n];
        double[] y = new double[m];
        double[] shifted = new double[m];
        for (int i = 0; i < m; i++) {
            double t = 0;
            for (int j = 0; j < n; j++) {
                x[i][j] = r.nextGaussian();
                t += (j + 1) * x[i][j];
            }
            y[i] = 1e12 + t + 0.1 * r.nextGaussian();
            shifted[i] = y[i] - 1e12;
        }
        FittedModel reference = fit(x, shifted, config(Solver.SVD).build());
        for (Solver solver : new Solver[] {Solver.GD, Solver.CG}) {
            FittedModel model = fit(x, y, config(solver).build());
            assertEquals(StopReason.CONVERGED, model.stopReason(), solver + " stopped at " + model.iterations());
            for (int j = 0; j < n; j++) {
                assertEquals(reference.coefficient(j), model.coefficient(j), 1e-8, solver + " θ" + j);
            }
        }
    }

    @Test
    void fusedGradientMatchesPlainLoopsForAllRowsAndSlices() {
        TestData t = TestData.gaussian(301, 7, TestData.ramp(7), 0.5, 0.1, 11);
        double[] theta = {0.3, -1, 2, 0.25, 0, -0.5, 1.5};
        double b = 0.7;
        long[] order = CounterBasedSampler.epochOrder(5, 2, 301);
        try (Dataset d = Dataset.of(t.x, t.y);
             ResidentProblem p = load(d, config(Solver.GD).build());
             BackendVector th = p.allocateVector(7);
             BackendVector g = p.allocateVector(7)) {
            th.copyFromHost(theta);
            for (RowSlice slice : new RowSlice[] {RowSlice.all(), RowSlice.of(order, 17, 80), RowSlice.of(order, 300, 301)}) {
                for (double tau : new double[] {1, 0}) {
                    double[] expected = new double[7];
                    double ss = 0;
                    double s = 0;
                    long k = slice.size(301);
                    for (long q = 0; q < k; q++) {
                        int i = (int) (slice.isAll() ? q : order[slice.from() + (int) q]);
                        double r = b - tau * t.y[i];
                        for (int j = 0; j < 7; j++) {
                            r += t.x[i][j] * theta[j];
                        }
                        ss += r * r;
                        s += r;
                        for (int j = 0; j < 7; j++) {
                            expected[j] += 2.0 / k * t.x[i][j] * r;
                        }
                    }
                    ResidualSums sums = p.gradient(th, b, tau, 2.0 / k, slice, g);
                    // float64 throughout: only summation order differs (≤ a few ulps of the sums of |terms|)
                    assertClose(g.copyToHost(), expected, 1e-12, "gradient");
                    assertEquals(ss, sums.sumOfSquares(), 1e-12 * ss);
                    assertEquals(s, sums.sum(), 1e-10 * Math.sqrt(ss * k));
                }
            }
            ColumnStatistics st = p.columnStatistics();
            double[] means = new double[7];
            double yMean = 0;
            for (int i = 0; i < 301; i++) {
                for (int j = 0; j < 7; j++) {
                    means[j] += t.x[i][j] / 301;
                }
                yMean += t.y[i] / 301;
            }
            assertClose(st.means(), means, 1e-12, "column means");
            assertEquals(yMean, st.targetMean(), 1e-12);
        }
    }

    @Test
    void predictionPassMatchesAPlainLoopAndRunsOnTheBackend() {
        TestData t = TestData.gaussian(1037, 9, TestData.ramp(9), 2, 0.3, 41);
        double[] theta = {0.3, -1, 2, 0.25, 0, -0.5, 1.5, 1e-3, -7};
        double b = 0.7;
        for (Precision precision : Precision.values()) {
            try (Dataset d = precision == Precision.FLOAT64 ? Dataset.of(t.x, t.y) : Dataset.of(t.xFloat(), t.yFloat());
                 ResidentProblem p = load(d, config(Solver.GD).threads(2).build());
                 org.bytedeco.javacpp.DoublePointer out = new org.bytedeco.javacpp.DoublePointer(1040)) {
                org.bytedeco.javacpp.Pointer.memset(out, 0, 1040 * 8);
                out.position(2);
                p.predict(theta, b, out);
                out.position(0);
                assertEquals(0, out.get(1), 0, "nothing written before the position");
                assertEquals(0, out.get(1039), 0, "nothing written after the last row");
                for (int i = 0; i < 1037; i++) {
                    double s = 0;
                    double mag = Math.abs(b);
                    for (int j = 0; j < 9; j++) {
                        s += d.x(i, j) * theta[j];
                        mag += Math.abs(d.x(i, j) * theta[j]);
                    }
                    // float64 products of the stored values (float32 X widened exactly): only the summation order differs
                    assertEquals(s + b, out.get(2 + i), 1e-14 * mag, precision + " row " + i);
                }
            }
            // the model's predict and score on a loaded problem go through the same pass
            try (Dataset d = precision == Precision.FLOAT64 ? Dataset.of(t.x, t.y) : Dataset.of(t.xFloat(), t.yFloat());
                 LoadedProblem p = LinearRegression.load(d, config(Solver.GD).build())) {
                assertEquals(backendName(), p.backendName());
                FittedModel m = LinearRegression.fit(p, config(Solver.SVD).build());
                double[] onBackend = m.predict(p);
                double[] onHost = m.predict(TestData.rowsOf(d));
                assertClose(onBackend, onHost, 1e-13, precision + " predictions");
                assertEquals(m.score(TestData.rowsOf(d), d.targets()).mse(), m.score(p).mse(), 1e-12 * m.score(p).mse());
                assertClose(m.predict(d), onBackend, 1e-13, "predict(Dataset)");
            }
        }
    }

    @Test
    void vectorOperations() {
        TestData t = TestData.gaussian(10, 3, TestData.ramp(3), 0, 0, 1);
        try (Dataset d = Dataset.of(t.x, t.y);
             ResidentProblem p = load(d, config(Solver.GD).build());
             BackendVector a = p.allocateVector(3);
             BackendVector c = p.allocateVector(3)) {
            assertArrayEquals(new double[3], a.copyToHost(), "allocated vectors start at zero");
            a.copyFromHost(new double[] {1, 2, 3});
            c.copyFromHost(new double[] {-1, 0.5, 4});
            assertEquals(-1 + 1 + 12, p.dot(a, c), 0);
            p.axpy(2, a, c);
            assertArrayEquals(new double[] {1, 4.5, 10}, c.copyToHost(), 0);
            p.scale(0.5, c);
            assertArrayEquals(new double[] {0.5, 2.25, 5}, c.copyToHost(), 0);
        }
    }

    // ------------------------------------------------------------------ solvers against references

    @Test
    void normalEquationsAndSvdAgreeWithTheBigDecimalReference() {
        TestData t = TestData.gaussian(200, 6, TestData.ramp(6), 3, 0.5, 2);
        double[] exact = ExactLeastSquares.solve(t.x, t.y, true);
        FittedModel normal = fit(t.x, t.y, config(Solver.NORMAL).build());
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).build());
        // well-conditioned (cond(X) ≈ 1.3): both float64 solvers are accurate to ~1e-15; 1e-10 per the issue
        assertClose(withIntercept(normal), withIntercept(svd), 1e-10, "normal vs svd");
        assertClose(withIntercept(svd), exact, 1e-10, "svd vs BigDecimal");
        assertEquals(StopReason.DIRECT_SOLUTION, svd.stopReason());
        assertEquals(6, svd.rank());
    }

    @Test
    void fullBatchGradientDescentReachesTheSvdSolution() {
        TestData t = TestData.gaussian(300, 8, TestData.ramp(8), -2, 0.3, 3);
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).build());
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).tolerance(0).maxIterations(3000).build());
        // linear convergence at rate ≈ 1 − 1/κ(H) with κ ≈ 2.5: 3000 steps reach the float64 floor; 1e-8 per the issue
        assertClose(withIntercept(gd), withIntercept(svd), 1e-8, "gd vs svd");
        assertEquals(StopReason.ITERATION_LIMIT, gd.stopReason());
        assertEquals(3000, gd.iterations());
        assertEquals(3001, gd.lossHistory().length);
    }

    @Test
    void stochasticSolversWithASmallStepReachTheSvdSolution() {
        TestData t = TestData.gaussian(400, 4, TestData.ramp(4), 1, 0.1, 4);
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).build());
        FittedModel mini = fit(t.x, t.y, config(Solver.MINIBATCH).batchSize(20).learningRate(0.01).maxIterations(300)
                .tolerance(0).seed(9).build());
        FittedModel sgd = fit(t.x, t.y, config(Solver.SGD).learningRate(1.25e-4).maxIterations(300).tolerance(0).seed(9).build());
        // constant-step SGD ends in a noise ball of radius ∝ √η·σ (σ = 0.1): 1e-3 relative per the issue
        assertClose(withIntercept(mini), withIntercept(svd), 1e-3, "minibatch vs svd");
        assertClose(withIntercept(sgd), withIntercept(svd), 1e-3, "sgd vs svd");
        assertEquals(300, mini.iterations());
    }

    @Test
    void geronExampleWithFixedStepFromRandomStartMatchesTheNormalEquations() {
        TestData t = TestData.geron(100, 42);
        FittedModel normal = fit(t.x, t.y, config(Solver.NORMAL).build());
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).learningRate(0.1).maxIterations(1000).tolerance(0)
                .initialCoefficients(InitialCoefficients.random(42)).build());
        assertClose(withIntercept(gd), withIntercept(normal), 1e-6, "Géron GD η=0.1, 1000 steps");
        assertEquals(4, normal.intercept(), 0.5, "the data were made with b = 4");
        assertEquals(3, normal.coefficient(0), 0.5, "the data were made with θ = 3");
        assertEquals(0.1, gd.learningRate(), 0);
    }

    @Test
    void textbookPerExampleSgdOnIntegerData() {
        // y = x1 + 2 x2 + x3 on 20 rows of integers 1..9, no intercept, α = 1e-4 for ½Σ-per-example updates → η = α/2
        SplittableRandom r = new SplittableRandom(7);
        double[][] x = new double[20][3];
        double[] y = new double[20];
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 3; j++) {
                x[i][j] = 1 + r.nextInt(9);
            }
            y[i] = x[i][0] + 2 * x[i][1] + x[i][2];
        }
        FittedModel sgd = fit(x, y, config(Solver.SGD).fitIntercept(false).learningRate(5e-5).maxIterations(1000)
                .tolerance(0).build());
        assertClose(sgd.coefficients(), new double[] {1, 2, 1}, 1e-3, "textbook SGD");
        assertEquals(0, sgd.intercept(), 0);
    }

    @Test
    void everySolverAgreesOnTwoFeaturesWithIntercept() {
        // y = 5 x1 + 2 x2 + 10 + N(0,1), x1 ~ N(5,1), x2 ~ N(2,1), 50 rows
        SplittableRandom r = new SplittableRandom(50);
        double[][] x = new double[50][2];
        double[] y = new double[50];
        for (int i = 0; i < 50; i++) {
            x[i][0] = 5 + r.nextGaussian();
            x[i][1] = 2 + r.nextGaussian();
            y[i] = 5 * x[i][0] + 2 * x[i][1] + 10 + r.nextGaussian();
        }
        double[] normal = withIntercept(fit(x, y, config(Solver.NORMAL).build()));
        assertClose(normal, ExactLeastSquares.solve(x, y, true), 1e-12, "normal vs BigDecimal");
        assertClose(withIntercept(fit(x, y, config(Solver.SVD).build())), normal, 1e-6, "svd");
        FittedModel gd = fit(x, y, config(Solver.GD).tolerance(1e-12).build());
        assertEquals(StopReason.CONVERGED, gd.stopReason());
        assertClose(withIntercept(gd), normal, 1e-6, "gd to convergence");
        // a mini-batch holding every row is exact gradient descent (in a permuted summation order): converges
        FittedModel fullBatches = fit(x, y, config(Solver.MINIBATCH).batchSize(50).learningRate(gd.learningRate())
                .maxIterations(2000).tolerance(0).build());
        assertClose(withIntercept(fullBatches), normal, 1e-6, "minibatch of all rows");
        // true stochastic steps cannot converge exactly with a constant step: 1e-3 (the stochastic bound above)
        FittedModel mini = fit(x, y, config(Solver.MINIBATCH).batchSize(10).learningRate(0.002).maxIterations(2000)
                .tolerance(0).build());
        FittedModel sgd = fit(x, y, config(Solver.SGD).learningRate(2e-4).maxIterations(2000).tolerance(0).build());
        assertClose(withIntercept(mini), normal, 1e-3, "minibatch of 10");
        assertClose(withIntercept(sgd), normal, 1e-3, "sgd");
    }

    @Test
    void wideProblemGradientDescentFromZeroReachesTheMinimumNormSolution() {
        TestData t = TestData.gaussian(30, 80, TestData.ramp(80), 0, 0.1, 6);
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).fitIntercept(false).build());
        assertEquals(30, svd.rank());
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).fitIntercept(false).tolerance(0).maxIterations(20000).build());
        // GD from 0 stays in the row space of X, so it converges to the minimum-norm solution
        assertClose(gd.coefficients(), svd.coefficients(), 1e-8, "wide GD vs minimum-norm SVD");
        assertThrows(SingularMatrixException.class, () -> fit(t.x, t.y, config(Solver.NORMAL).fitIntercept(false).build()));
    }

    @Test
    void automaticStepConvergesAndIsRecorded() {
        TestData t = TestData.gaussian(500, 10, TestData.ramp(10), 2, 0.2, 8);
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).build());
        assertEquals(StopReason.CONVERGED, gd.stopReason());
        assertTrue(gd.learningRate() > 0 && Double.isFinite(gd.learningRate()));
        double[] g = gd.gradientNormHistory();
        assertTrue(g[g.length - 1] <= 1e-6 * g[0]);
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).build());
        // ‖∇‖ ≤ 1e-6‖∇₀‖ with κ ≈ 1.3 bounds the coefficient error near 1e-6 relative
        assertClose(withIntercept(gd), withIntercept(svd), 1e-5, "auto-step GD");
        FittedModel sgd = fit(t.x, t.y, config(Solver.SGD).maxIterations(50).build());
        assertTrue(sgd.learningRate() > 0 && sgd.learningRate() < gd.learningRate());
        // a constant automatic step is stable and lands in a noise ball: training MSE within 10% of the optimum
        double best = svd.score(t.x, t.y).mse();
        double reached = sgd.score(t.x, t.y).mse();
        assertTrue(reached <= 1.1 * best, () -> "auto-step SGD MSE " + reached + " vs optimum " + best);
    }

    // ------------------------------------------------------------------ precision, determinism, reuse

    @Test
    void float32DirectSolversSolveTheFloat64ProblemOfTheRoundedData() {
        // A float32 problem is the float64 problem of its rounded values: the direct solvers work in float64,
        // so both must give the same answer to float64 accuracy (κ of these data ≈ 3: 1e-9 leaves 10^6 room).
        // The wide case also checks the column means: centring must remove the mean direction exactly enough
        // that the SVD's rank cutoff (max(m,n)·ε₆₄) drops it — means accumulated in float32 leave a singular
        // value near 1e-7·σ_max and a minimum-norm answer 1e-2 away.
        for (int[] shape : new int[][] {{200, 12}, {60, 150}}) {
            TestData t = TestData.gaussian(shape[0], shape[1], TestData.ramp(shape[1]), 1.5, 0.5, 61 + shape[1]);
            float[][] xf = t.xFloat();
            float[] yf = t.yFloat();
            double[][] rounded = new double[xf.length][];
            double[] roundedY = new double[yf.length];
            for (int i = 0; i < xf.length; i++) {
                rounded[i] = new double[xf[i].length];
                for (int j = 0; j < xf[i].length; j++) {
                    rounded[i][j] = xf[i][j];
                }
                roundedY[i] = yf[i];
            }
            for (Solver s : shape[0] > shape[1] ? new Solver[] {Solver.NORMAL, Solver.SVD} : new Solver[] {Solver.SVD}) {
                FittedModel f32;
                try (Dataset d = Dataset.of(xf, yf)) {
                    f32 = LinearRegression.fit(d, config(s).build());
                }
                FittedModel f64 = fit(rounded, roundedY, config(s).build());
                assertClose(withIntercept(f32), withIntercept(f64), 1e-9, s + " " + shape[0] + "×" + shape[1] + " float32 vs its float64 problem");
            }
        }
    }

    @Test
    void float32AgreesWithFloat64() {
        TestData t = TestData.gaussian(400, 5, TestData.ramp(5), 1.5, 0.2, 9);
        for (Solver s : new Solver[] {Solver.GD, Solver.NORMAL, Solver.SVD}) {
            FittedModel f64 = fit(t.x, t.y, config(s).tolerance(1e-5).build());
            FittedModel f32;
            try (Dataset d = Dataset.of(t.xFloat(), t.yFloat())) {
                f32 = LinearRegression.fit(d, config(s).tolerance(1e-5).build());
            }
            assertEquals(Precision.FLOAT32, f32.precision());
            // float32 data carry ε₃₂ ≈ 6e-8 relative rounding; with κ ≈ 1.3 the answers differ by ~1e-6: 1e-4 per the issue
            assertClose(withIntercept(f32), withIntercept(f64), 1e-4, s + " float32 vs float64");
        }
        FittedModel converted = fit(t.x, t.y, config(Solver.GD).precision(Precision.FLOAT32).build());
        assertEquals(Precision.FLOAT32, converted.precision());
    }

    @Test
    void sameSeedGivesBitIdenticalResults() {
        TestData t = TestData.gaussian(257, 6, TestData.ramp(6), 1, 0.3, 10);
        for (Solver s : new Solver[] {Solver.GD, Solver.SGD, Solver.MINIBATCH}) {
            FitConfig c = config(s).maxIterations(25).seed(123).initialCoefficients(InitialCoefficients.random(5)).build();
            FittedModel a = fit(t.x, t.y, c);
            FittedModel b = fit(t.x, t.y, c);
            assertArrayEquals(a.coefficients(), b.coefficients(), 0, s + " coefficients");
            assertEquals(a.intercept(), b.intercept(), 0);
            assertArrayEquals(a.lossHistory(), b.lossHistory(), 0);
        }
        FittedModel other = fit(t.x, t.y, config(Solver.SGD).maxIterations(25).seed(124).build());
        FittedModel base = fit(t.x, t.y, config(Solver.SGD).maxIterations(25).seed(123).build());
        assertTrue(!Arrays.equals(other.coefficients(), base.coefficients()), "another seed visits rows in another order");
    }

    @Test
    void threadCountsAgree() {
        TestData t = TestData.gaussian(1001, 12, TestData.ramp(12), 1, 0.3, 12);
        FittedModel one = fit(t.x, t.y, config(Solver.GD).threads(1).tolerance(0).maxIterations(200).build());
        FittedModel two = fit(t.x, t.y, config(Solver.GD).threads(2).tolerance(0).maxIterations(200).build());
        // only the order of float64 partial sums differs
        assertClose(withIntercept(two), withIntercept(one), 1e-12, "1 vs 2 threads");
    }

    @Test
    void residentProblemFitsManyTimesAndLeavesInputsUnchanged() {
        TestData t = TestData.gaussian(120, 4, TestData.ramp(4), 1, 0.1, 13);
        double[][] xCopy = Arrays.stream(t.x).map(double[]::clone).toArray(double[][]::new);
        double[] yCopy = t.y.clone();
        double[] start = {0.1, 0.2, 0.3, 0.4};
        try (Dataset d = Dataset.of(t.x, t.y); LoadedProblem p = LinearRegression.load(d, config(Solver.GD).build())) {
            FittedModel svd = LinearRegression.fit(p, config(Solver.SVD).build());
            FittedModel gd = LinearRegression.fit(p, config(Solver.GD).initialCoefficients(InitialCoefficients.given(start)).build());
            FittedModel again = LinearRegression.fit(p, config(Solver.GD).initialCoefficients(InitialCoefficients.given(start)).build());
            assertArrayEquals(gd.coefficients(), again.coefficients(), 0);
            assertClose(withIntercept(gd), withIntercept(svd), 1e-5, "resident GD vs SVD");
            assertEquals(backendName(), gd.backend());
            double[] before = new double[4];
            for (int j = 0; j < 4; j++) {
                before[j] = d.x(7, j);
            }
            assertArrayEquals(t.x[7], before, 0, "dataset memory unchanged");
        }
        assertArrayEquals(yCopy, t.y, 0);
        for (int i = 0; i < t.x.length; i++) {
            assertArrayEquals(xCopy[i], t.x[i], 0);
        }
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, start, 0, "warm start array unchanged");
    }

    @Test
    void wrappedDirectMemoryFitsWithoutCopy() {
        TestData t = TestData.gaussian(64, 3, TestData.ramp(3), 0.5, 0.1, 14);
        DoubleBuffer x = ByteBuffer.allocateDirect(64 * 3 * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        DoubleBuffer y = ByteBuffer.allocateDirect(64 * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        for (int i = 0; i < 64; i++) {
            x.put(t.x[i]);
            y.put(t.y[i]);
        }
        FittedModel fromWrap;
        try (Dataset d = Dataset.wrap(x, y, 64, 3)) {
            assertTrue(!d.ownsMemory());
            fromWrap = LinearRegression.fit(d, config(Solver.NORMAL).build());
        }
        assertClose(withIntercept(fromWrap), withIntercept(fit(t.x, t.y, config(Solver.NORMAL).build())), 1e-15, "wrapped");
    }

    // ------------------------------------------------------------------ stopping and failures

    @Test
    void listenerSeesEveryIterationAndCanStop() {
        TestData t = TestData.gaussian(100, 3, TestData.ramp(3), 0, 0.1, 15);
        long[] calls = {0};
        FittedModel m = fit(t.x, t.y, config(Solver.GD).listener((i, loss, g) -> {
            assertEquals(calls[0]++, i);
            return i == 5 ? IterationListener.Control.STOP : IterationListener.Control.CONTINUE;
        }).build());
        assertEquals(StopReason.STOPPED_BY_LISTENER, m.stopReason());
        assertEquals(5, m.iterations());
        assertEquals(6, calls[0]);
    }

    @Test
    void sgdStopsWhenTheEpochLossStopsImproving() {
        TestData t = TestData.gaussian(200, 3, TestData.ramp(3), 0, 1.0, 16);
        FittedModel m = fit(t.x, t.y, config(Solver.SGD).learningRate(0.01).tolerance(1e-3).patience(3).build());
        assertEquals(StopReason.CONVERGED, m.stopReason());
        assertTrue(m.iterations() < FitConfig.DEFAULT_SGD_EPOCHS);
    }

    @Test
    void divergenceIsAnExceptionNamingTheIterationAndAdvice() {
        TestData t = TestData.gaussian(100, 3, TestData.ramp(3), 0, 0.1, 17);
        DivergenceException e = assertThrows(DivergenceException.class,
                () -> fit(t.x, t.y, config(Solver.GD).learningRate(10).build()));
        assertTrue(e.getMessage().startsWith("gd diverged at iteration " + e.iteration()), e.getMessage());
        assertTrue(e.getMessage().contains("use a smaller learning rate: the automatic step size for these data is "), e.getMessage());
        assertTrue(e.iteration() > 0 && e.iteration() < 100, e.getMessage());
        // the advised step converges (it is the automatic one, given as a number)
        double advised = Double.parseDouble(e.getMessage().substring(e.getMessage().lastIndexOf(' ') + 1));
        FittedModel advisedFit = fit(t.x, t.y, config(Solver.GD).learningRate(advised).build());
        assertTrue(advisedFit.lossHistory()[advisedFit.lossHistory().length - 1] < advisedFit.lossHistory()[0], "η = " + advised);
        DivergenceException sgd = assertThrows(DivergenceException.class, () -> fit(t.x, t.y, config(Solver.SGD).learningRate(5).build()));
        assertTrue(sgd.getMessage().startsWith("sgd diverged at epoch "), sgd.getMessage());
    }

    /**
     * From 256 columns the normal equations first try a Gram matrix of float32 products (where the backend offers one)
     * and keep it only when refinement with it converges to full accuracy; otherwise the float64 pass answers. Either way
     * the answer is the float64 one: on well-conditioned data with large column means (the float32 route) and on nearly
     * collinear columns (κ(X) ≈ 1e5, beyond the float32 route), normal agrees with svd to 1e-10 — both are refined
     * with double-double residuals, so each is within a few κ·ε of the exact answer.
     */
    @Test
    void normalEquationsWithManyColumnsGiveTheFloat64Answer() {
        int m = 700;
        int n = 300;
        java.util.SplittableRandom random = new java.util.SplittableRandom(300);
        for (double collinearity : new double[] {0, 1e-5}) {
            double[][] x = new double[m][n];
            double[] y = new double[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    x[i][j] = 5 + j % 7 + random.nextGaussian();
                }
                if (collinearity > 0) {
                    x[i][n - 1] = x[i][0] + collinearity * random.nextGaussian();
                }
                for (int j = 0; j < n; j++) {
                    y[i] += x[i][j] * ((j % 5) - 2);
                }
                y[i] += 3 + 0.5 * random.nextGaussian();
            }
            FitConfig.Builder normal = config(Solver.NORMAL);
            double[] fromNormal = withIntercept(fit(x, y, normal.build()));
            double[] fromSvd = withIntercept(fit(x, y, config(Solver.SVD).build()));
            assertClose(fromNormal, fromSvd, 1e-10, "normal vs svd, collinearity " + collinearity);
        }
    }

    @Test
    void singularNormalEquationsPointToSvd() {
        TestData t = TestData.gaussian(50, 3, TestData.ramp(3), 1, 0.1, 18);
        double[][] x = new double[50][4];
        for (int i = 0; i < 50; i++) {
            System.arraycopy(t.x[i], 0, x[i], 0, 3);
            x[i][3] = 2 * t.x[i][0]; // a dependent column
        }
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> fit(x, t.y, config(Solver.NORMAL).build()));
        assertTrue(e.getMessage().endsWith("; use the svd solver, which returns the minimum-norm solution"), e.getMessage());
        assertFalse(e.getMessage().contains("--"), "the library names no command-line option: " + e.getMessage());
        assertEquals(Solver.SVD, e.suggestedSolver());
        FittedModel svd = fit(x, t.y, config(Solver.SVD).build());
        assertEquals(3, svd.rank());
        // minimum norm splits the dependent pair as θ₀ : θ₃ = 1 : 2
        assertEquals(2 * svd.coefficient(0), svd.coefficient(3), 1e-10);
        double[][] constant = new double[50][2];
        for (int i = 0; i < 50; i++) {
            constant[i][0] = t.x[i][0];
            constant[i][1] = 3;
        }
        // a constant column is dependent on the intercept: coefficient 0, the minimum-norm answer (svd's), not a refusal
        FittedModel normal = fit(constant, t.y, config(Solver.NORMAL).build());
        assertEquals(0.0, normal.coefficient(1));
        assertArrayEquals(new int[] {1}, normal.report().constantColumns());
        FittedModel minimumNorm = fit(constant, t.y, config(Solver.SVD).build());
        assertClose(withIntercept(normal), withIntercept(minimumNorm), 1e-12, "normal vs svd with a constant column");
    }

    // ------------------------------------------------------------------ the direct solvers' one policy

    /**
     * Certified accuracy: every coefficient and the intercept to ≥ 9 significant digits against the 60-digit
     * BigDecimal solution, on every certified kind of problem (scaled condition numbers up to ~4e9; the
     * extended-precision refinement takes float64's 16 digits as far as the data's own conditioning allows).
     */
    @Test
    void svdIsCertifiedToNineDigitsOnEveryCertifiedProblem() {
        StringBuilder report = new StringBuilder();
        boolean ok = true;
        for (CertifiedProblems.Problem p : CertifiedProblems.all()) {
            FittedModel m = fit(p.x(), p.y(), config(Solver.SVD).precision(Precision.FLOAT64).fitIntercept(p.intercept()).build());
            int digits = p.worstDigits(m.coefficients(), m.intercept());
            report.append(p.name()).append(": ").append(digits).append(" digits; ");
            ok &= digits >= 9;
        }
        assertTrue(ok, report.toString());
    }

    /**
     * The normal equations solve every problem whose scaled XᵀX core accepts to the same 9 digits, and refuse
     * the others with the estimate and a pointer to svd — the same decision and, within a factor 2, the same
     * estimate as core's plain-Java reference passes on the same data.
     */
    @Test
    void normalEquationsSolveOrRefuseCertifiedProblemsLikeTheReference() {
        StringBuilder report = new StringBuilder();
        boolean ok = true;
        for (CertifiedProblems.Problem p : CertifiedProblems.all()) {
            double reference;
            try (Dataset d = Dataset.of(p.x(), p.y())) {
                reference = referenceEstimate(new ReferenceProblem(d), p.intercept());
            }
            FitConfig c = config(Solver.NORMAL).precision(Precision.FLOAT64).fitIntercept(p.intercept()).build();
            if (p.wellPosed()) {
                assertTrue(reference <= FitConfig.NORMAL_EQUATIONS_MAX_CONDITION, p + ": reference estimate " + reference);
                FittedModel m = fit(p.x(), p.y(), c);
                int digits = p.worstDigits(m.coefficients(), m.intercept());
                report.append(p.name()).append(": ").append(digits).append(" digits; ");
                ok &= digits >= 9;
            } else {
                SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> fit(p.x(), p.y(), c), p.name());
                assertTrue(e.getMessage().contains("use the svd solver") && e.getMessage().contains("condition"), e.getMessage());
                assertSameEstimate(p.name(), e.conditionEstimate(), reference);
            }
        }
        assertTrue(ok, report.toString());
        // refused between the threshold and the rounding floor: two columns correlated to 1 − 5e-14
        SplittableRandom r = new SplittableRandom(29);
        double[][] x = new double[60][3];
        double[] y = new double[60];
        for (int i = 0; i < 60; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = x[i][0] + 3e-7 * r.nextGaussian();
            x[i][2] = r.nextGaussian();
            y[i] = x[i][0] + x[i][2] + 0.1 * r.nextGaussian();
        }
        double reference;
        try (Dataset d = Dataset.of(x, y)) {
            reference = referenceEstimate(new ReferenceProblem(d), true);
        }
        assertTrue(reference > FitConfig.NORMAL_EQUATIONS_MAX_CONDITION && reference < 1 / Math.ulp(1.0), "reference " + reference);
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> fit(x, y, config(Solver.NORMAL).build()));
        assertSameEstimate("two nearly equal columns", e.conditionEstimate(), reference);
    }

    /**
     * Within a factor 2 of the reference; beyond 1/ε the estimate of a float64 factorization is rounding
     * noise (or a breakdown, ∞), so there both must only lie beyond 1/ε.
     */
    private static void assertSameEstimate(String what, double estimate, double reference) {
        double floor = 1 / Math.ulp(1.0);
        if (reference >= floor) {
            assertTrue(estimate >= floor, what + ": estimate " + estimate + " vs reference " + reference + " (beyond 1/ε)");
        } else {
            double ratio = estimate / reference;
            assertTrue(ratio >= 0.5 && ratio <= 2, what + ": estimate " + estimate + " vs reference " + reference);
        }
    }

    /** The estimate core's policy gives on the reference passes (from the refusal when it refuses). */
    private static double referenceEstimate(ReferenceProblem reference, boolean centred) {
        try {
            return dev.downhill.internal.direct.DirectLeastSquares.normalEquations(reference, centred,
                    FitConfig.NORMAL_EQUATIONS_MAX_CONDITION).conditionEstimate();
        } catch (SingularMatrixException e) {
            return e.conditionEstimate();
        }
    }

    /**
     * The default solver (auto) picks per problem and records why: the exact answer on a tall problem (the normal
     * equations; the SVD when they refuse, as on a repeated column), conjugate
     * gradients when the direct solve is over its memory budget — converged, not stopped by the iteration limit,
     * and within 1e-6 (relative) of the centred least-squares answer.
     */
    @Test
    void automaticSolverChoosesPerProblemAndRecordsWhy() {
        TestData t = TestData.gaussian(400, 30, TestData.ramp(30), 1, 0.3, 41);
        FittedModel exact = fit(t.x, t.y, config(Solver.SVD).build());
        FittedModel direct = fit(t.x, t.y, FitConfig.builder().backend(backendName()).build());
        assertEquals(Solver.NORMAL, direct.solver()); // tall: the normal equations first
        assertTrue(direct.report().solverChoice().startsWith("normal: "), direct.report().solverChoice());
        assertArrayEquals(withIntercept(fit(t.x, t.y, config(Solver.NORMAL).build())), withIntercept(direct), 0,
                "auto → normal is the normal answer");
        // both refined in double-double: each within a few units of rounding of the exact answer (cond(X) ≈ 1.5)
        assertClose(withIntercept(direct), withIntercept(exact), 1e-12, "auto (normal) vs svd");
        double[][] dependent = new double[t.x.length][];
        for (int i = 0; i < t.x.length; i++) { // a column twice: the normal equations refuse, the SVD answers
            dependent[i] = java.util.Arrays.copyOf(t.x[i], 31);
            dependent[i][30] = 2 * t.x[i][3];
        }
        FittedModel refused = fit(dependent, t.y, FitConfig.builder().backend(backendName()).build());
        assertEquals(Solver.SVD, refused.solver(), refused.report().solverChoice());
        assertTrue(refused.report().solverChoice().contains("the normal equations refused"), refused.report().solverChoice());
        assertEquals(30, refused.rank());
        FittedModel iterative = fit(t.x, t.y, FitConfig.builder().backend(backendName()).directMemoryBudget(1000).build());
        assertEquals(Solver.CG, iterative.solver());
        assertTrue(iterative.report().solverChoice().contains("budget"), iterative.report().solverChoice());
        assertEquals(StopReason.CONVERGED, iterative.stopReason());
        // cg stops at ‖S∇‖ ≤ 1e-10·‖S∇₀‖ on well-conditioned data (κ ≈ 1.3): far inside 1e-6
        assertClose(withIntercept(iterative), withIntercept(exact), 1e-6, "auto → cg vs svd");
    }

    /** Rank-deficient and wide X: the same rank as the reference and the same minimum-norm answer. */
    @Test
    void svdDecidesTheRankLikeTheReference() {
        TestData t = TestData.gaussian(40, 4, TestData.ramp(4), 1, 0.1, 23);
        double[][] deficient = new double[40][6];
        for (int i = 0; i < 40; i++) {
            System.arraycopy(t.x[i], 0, deficient[i], 0, 4);
            deficient[i][4] = t.x[i][0] - 3 * t.x[i][2];   // dependent
            deficient[i][5] = 1e-3 * t.x[i][1];             // independent but small
        }
        TestData wide = TestData.gaussian(7, 12, TestData.ramp(12), 0.5, 0.1, 24);
        for (double[][] x : new double[][][] {deficient, wide.x}) {
            double[] y = x == deficient ? t.y : wide.y;
            dev.downhill.internal.direct.DirectSolution reference;
            try (Dataset d = Dataset.of(x, y)) {
                reference = dev.downhill.internal.direct.DirectLeastSquares.svd(new ReferenceProblem(d), true,
                        FitConfig.builder().build().rankCutoff(x.length, x[0].length));
            }
            FittedModel m = fit(x, y, config(Solver.SVD).precision(Precision.FLOAT64).build());
            assertEquals(reference.rank(), m.rank(), "rank");
            // both minimum-norm answers of the same float64 problem: agreement to rounding times κ of the kept part
            assertClose(m.coefficients(), reference.coefficients(), 1e-9, "minimum-norm θ vs the reference");
            assertEquals(reference.intercept(), m.intercept(), 1e-9 * (1 + Math.abs(reference.intercept())));
        }
    }

    /**
     * Columns near 1e-100 and 1e-200 (gen --condition 1e200, float64), one of them ±2⁻⁶⁶⁴ alternating (mean exactly 0):
     * the 1e-200 columns' squares underflow, so the deviations pass gives them a sum of squares of 0. svd scales every
     * column to unit norm (completing the scale from its QR factor) and keeps them all — it reported rank 1 of 3 — and
     * its answer is the 60-digit one; normal refuses, saying the mean-zero column's values are too small to square (it
     * said "all zero").
     */
    @Test
    void columnsWhoseSquaresUnderflowAreKeptBySvdAndNamedByTheNormalEquations() {
        SplittableRandom r = new SplittableRandom(43);
        int m = 200;
        double[][] x = new double[m][4];
        double[] y = new double[m];
        for (int i = 0; i < m; i++) {
            x[i][0] = r.nextGaussian();
            x[i][1] = Math.scalb(r.nextGaussian(), -332);
            x[i][2] = Math.scalb(i % 2 == 0 ? 1.0 : -1.0, -664);
            x[i][3] = Math.scalb(r.nextGaussian(), -664);
            y[i] = 0.5 * x[i][0] + Math.scalb(x[i][1], 332) - 2 * Math.scalb(x[i][2], 664) + Math.scalb(x[i][3], 664)
                    + 0.1 * r.nextGaussian();
        }
        int[] exponents = {0, 332, 664, 664}; // θⱼ·2^−eⱼ: the coefficients of the unit-scale problem (exact), all of order 1
        double[] exact = ExactLeastSquares.solve(x, y, true);
        FittedModel svd = fit(x, y, config(Solver.SVD).precision(Precision.FLOAT64).build());
        assertEquals(4, svd.rank(), "X_c·D is well conditioned");
        double[] got = withIntercept(svd);
        for (int j = 0; j < 4; j++) {
            got[j] = Math.scalb(got[j], -exponents[j]);
            exact[j] = Math.scalb(exact[j], -exponents[j]);
        }
        // κ(X_c·D) ≈ 1.3: the refined float64 answer is accurate to ~1e-15 in unit-scale coordinates; 1e-10 per the issue
        assertClose(got, exact, 1e-10, "svd vs BigDecimal, unit-scale coordinates");
        SingularMatrixException e = assertThrows(SingularMatrixException.class,
                () -> fit(x, y, config(Solver.NORMAL).precision(Precision.FLOAT64).build()));
        assertTrue(e.getMessage().contains("column 2's values are too small for the normal equations in float64: their root mean "
                + "square deviation is about 1.31e-200 (they handle down to 3.0e-154, as XᵀX squares X)"), e.getMessage());
        assertFalse(e.getMessage().contains("all zero"), e.getMessage());
    }

    @Test
    void badShapesAndValuesAreRejectedWithTheirLocation() {
        TestData t = TestData.gaussian(20, 3, TestData.ramp(3), 0, 0.1, 19);
        double[][] nan = Arrays.stream(t.x).map(double[]::clone).toArray(double[][]::new);
        nan[4][2] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(nan, t.y));
        assertTrue(e.getMessage().contains("row 4, column 2"), e.getMessage());
        double[] inf = t.y.clone();
        inf[9] = Double.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(t.x, inf));
        assertTrue(e.getMessage().contains("row 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(t.x, Arrays.copyOf(t.y, 19)));
        assertTrue(e.getMessage().contains("20 rows") && e.getMessage().contains("19"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[0][], new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(new double[3][0], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> config(Solver.GD).learningRate(0));
        assertThrows(IllegalArgumentException.class, () -> config(Solver.GD).learningRate(-0.1));
        assertThrows(IllegalArgumentException.class, () -> config(Solver.MINIBATCH).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> config(Solver.GD).maxIterations(0));
        e = assertThrows(IllegalArgumentException.class, () -> fit(t.x, t.y,
                config(Solver.GD).initialCoefficients(InitialCoefficients.given(new double[2])).build()));
        assertTrue(e.getMessage().contains("2 values") && e.getMessage().contains("3 columns"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fit(t.x, t.y, config(Solver.MINIBATCH).batchSize(21).build()));
        assertTrue(e.getMessage().contains("21"), e.getMessage());
    }

    // ------------------------------------------------------------------ review findings, kept as regressions

    @Test
    void automaticStepSurvivesNearOrthogonalDesignsWithOneLargeFeature() {
        // X = diag(d) with d₀ = √2.5, others 1 (n = m = 600): all but one Hessian eigenvalue equal, which can stall
        // power iteration near the second eigenvalue; the step must still converge for every seed
        int n = 600;
        double[][] x = new double[n][n];
        double[] y = new double[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            x[i][i] = i == 0 ? Math.sqrt(2.5) : 1;
            y[i] = r.nextGaussian();
        }
        for (long seed = 0; seed < 8; seed++) {
            FittedModel m = fit(x, y, config(Solver.GD).fitIntercept(false).seed(seed).tolerance(1e-10).build());
            assertEquals(StopReason.CONVERGED, m.stopReason(), "seed " + seed);
            assertEquals(y[0] / Math.sqrt(2.5), m.coefficient(0), 1e-8, "seed " + seed);
        }
    }

    @Test
    void moreThreadsThanRowsIsFine() {
        TestData t = TestData.gaussian(3, 2, TestData.ramp(2), 1, 0.1, 21);
        FittedModel m = fit(t.x, t.y, config(Solver.SVD).threads(8).build());
        assertEquals(2, m.features());
    }

    @Test
    void aProblemWhoseDatasetWasClosedThrowsInsteadOfReadingFreedMemory() {
        TestData t = TestData.gaussian(50, 3, TestData.ramp(3), 1, 0.1, 22);
        Dataset d = Dataset.of(t.x, t.y);
        try (LoadedProblem p = LinearRegression.load(d, config(Solver.GD).build())) {
            LinearRegression.fit(p, config(Solver.GD).maxIterations(3).build());
            d.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LinearRegression.fit(p, config(Solver.GD).maxIterations(3).build()));
            assertTrue(e.getMessage().contains("dataset"), e.getMessage());
        }
    }

    /**
     * A pass started by an interrupted caller runs whole (no worker is left reading memory the caller may free next) and
     * the flag is kept; a fit started with the flag set stops at its first boundary — iteration 0 — with
     * {@link dev.downhill.FitInterruptedException}, the flag still set, for every solver.
     */
    @Test
    void anInterruptedCallersPassesRunWholeAndItsFitsStopAtTheFirstBoundaryKeepingTheFlag() {
        TestData t = TestData.gaussian(4000, 20, TestData.ramp(20), 1, 0.1, 23);
        FittedModel expected = fit(t.x, t.y, config(Solver.GD).threads(2).maxIterations(20).tolerance(0).build());
        try (Dataset d = Dataset.of(t.x, t.y)) {
            double[] predictions = expected.predict(d);
            Thread.currentThread().interrupt();
            try {
                assertArrayEquals(predictions, expected.predict(d), 0, "a whole pass");
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag is kept");
                FitConfig.Builder[] configs = {config(Solver.GD), config(Solver.NESTEROV), config(Solver.CG), config(Solver.SGD),
                    config(Solver.MINIBATCH), config(Solver.NORMAL), config(Solver.SVD),
                    config(Solver.CD).penalty(dev.downhill.Penalty.l1(0.01)), config(Solver.GD).penalty(dev.downhill.Penalty.l1(0.01))};
                for (FitConfig.Builder b : configs) {
                    FitConfig c = b.threads(2).build();
                    dev.downhill.FitInterruptedException e = assertThrows(dev.downhill.FitInterruptedException.class,
                            () -> LinearRegression.fit(d, c), c.toString());
                    assertEquals(0, e.iteration(), c.toString());
                    assertTrue(e.threadInterrupted(), c.toString());
                    assertTrue(e.directory().isEmpty());
                    assertEquals("fit interrupted at iteration 0 (its thread was interrupted); no checkpoint written", e.getMessage());
                    assertTrue(Thread.currentThread().isInterrupted(), c + ": the interrupt flag is kept");
                }
            } finally {
                Thread.interrupted();
            }
        }
    }

    /**
     * Thread.interrupt() of a thread running a long fit (10⁸ iterations or epochs, tol 0) ends it within a few iterations
     * with {@link dev.downhill.FitInterruptedException}, the flag still set: full-batch, proximal and stochastic solvers,
     * with and without a checkpoint (which is saved at the interruption, where a resumed fit would start).
     */
    @Test
    void anInterruptOfTheFittingThreadEndsTheFitPromptlyKeepingTheFlag() throws Exception {
        TestData t = TestData.gaussian(3000, 12, TestData.ramp(12), 1, 0.1, 31);
        java.nio.file.Path folder = java.nio.file.Files.createTempDirectory("interrupt");
        FitConfig.Builder[] configs = {config(Solver.GD), config(Solver.NESTEROV), config(Solver.SGD), config(Solver.MINIBATCH),
            config(Solver.GD).penalty(dev.downhill.Penalty.l1(0.001)),
            config(Solver.GD).checkpoint(dev.downhill.Checkpoint.to(folder).every(java.time.Duration.ofHours(1)))};
        try (Dataset d = Dataset.of(t.x, t.y)) {
            for (FitConfig.Builder b : configs) {
                java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong(-1);
                long giveUp = System.nanoTime() + 60_000_000_000L; // without the check the fit would run for hours: end it
                FitConfig c = b.threads(2).maxIterations(100_000_000L).tolerance(0).listener((k, loss, norm) -> {
                    seen.set(k);
                    if (k == 3) {
                        running.countDown();
                    }
                    return System.nanoTime() > giveUp ? IterationListener.Control.STOP : IterationListener.Control.CONTINUE;
                }).build();
                FitThread fitting = FitThread.start(d, c, "interrupted-fit");
                assertTrue(running.await(60, java.util.concurrent.TimeUnit.SECONDS), c.toString());
                long interruptedAt = System.nanoTime();
                fitting.interrupt();
                boolean ended = fitting.join(90_000);
                double seconds = (System.nanoTime() - interruptedAt) / 1e9;
                assertTrue(ended, c.toString());
                assertTrue(fitting.thrown() instanceof dev.downhill.FitInterruptedException, c + ": " + fitting.thrown());
                dev.downhill.FitInterruptedException e = (dev.downhill.FitInterruptedException) fitting.thrown();
                assertTrue(e.threadInterrupted(), c.toString());
                assertTrue(fitting.flagKept(), c + ": the interrupt flag is kept");
                assertTrue(seconds < 10, c + ": ended " + seconds + " s after the interrupt");
                assertTrue(e.iteration() >= 3 && e.iteration() <= seen.get() + 1, c + ": stopped at " + e.iteration()
                        + ", the listener saw " + seen.get());
                if (c.checkpoint().isActive()) {
                    assertEquals(java.util.Optional.of(folder), e.directory(), "saved at the interruption");
                    assertEquals("gd at iteration " + e.iteration(), dev.downhill.Checkpoint.describe(folder));
                } else {
                    assertTrue(e.directory().isEmpty());
                }
            }
        }
    }

    @Test
    void float32ColumnMeansStayAccurateOnManyRowsWithALargeOffset() {
        int m = 200_000;
        float[][] x = new float[m][1];
        float[] y = new float[m];
        SplittableRandom r = new SplittableRandom(24);
        double exact = 0;
        for (int i = 0; i < m; i++) {
            x[i][0] = (float) (2000 + r.nextGaussian());
            y[i] = x[i][0];
            exact += x[i][0];
        }
        exact /= m;
        try (Dataset d = Dataset.of(x, y); ResidentProblem p = load(d, config(Solver.GD).build())) {
            // float32 partials over ≤ 512 rows, float64 across them: error ≈ 512·ε₃₂·2000/… ≪ 1e-6 relative
            assertEquals(exact, p.columnStatistics().means()[0], 1e-6 * exact);
            assertEquals(1.0, p.meanSquaredDeviation(true), 0.02, "centred R² is the variance (σ = 1), no cancellation");
        }
    }

    // ------------------------------------------------------------------ convergence without hand-tuning

    /** x ~ U(0, 2·10⁶) with columns x, x² (≈10¹²) and a 10⁻³-scale column: features spanning 1e-3 … 1e12. */
    private static TestData badlyScaled(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[rows][3];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double v = 2e6 * r.nextDouble();
            x[i][0] = v;
            x[i][1] = v * v;
            x[i][2] = 1e-3 * r.nextGaussian();
            y[i] = 5 + 3e-3 * v - 2e-9 * v * v + 400 * x[i][2] + 0.1 * r.nextGaussian();
        }
        return TestData.of(x, y);
    }

    @Test
    void badlyScaledFeaturesConvergeWithTheDefaultsToSixDigits() {
        TestData t = badlyScaled(400, 31);
        double[] exact = ExactLeastSquares.solve(t.x, t.y, true);
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).build()); // the defaults
        assertTrue(gd.report().standardized(), "standardized by default with the automatic step");
        assertEquals(StopReason.CONVERGED, gd.stopReason());
        // every coefficient to 6 correct significant digits
        for (int j = 0; j < 3; j++) {
            assertEquals(exact[j], gd.coefficient(j), 1e-6 * Math.abs(exact[j]), "coefficient " + j);
        }
        // b = ȳ − x̄ᵀθ cancels terms ≈ 600·|b| (x̄ ≈ 10⁶, 1.3·10¹²), so θ must be right to ~1e-9: the float64
        // default tolerance (‖S∇‖ ≤ 1e-10‖S∇₀‖) gets it there
        assertEquals(exact[3], gd.intercept(), 1e-6 * Math.abs(exact[3]), "intercept");
        FittedModel plain = fit(t.x, t.y, config(Solver.GD).standardize(false).maxIterations(200).build());
        assertTrue(Compare.relativeError(withIntercept(plain), exact) > 1e-3, "without standardization 200 steps get nowhere");
    }

    @Test
    void nesterovAndConjugateGradientsReachTheExactSolutionInFewIterations() {
        TestData t = badlyScaled(400, 32);
        double[] exact = ExactLeastSquares.solve(t.x, t.y, true);
        FittedModel gd = fit(t.x, t.y, config(Solver.GD).tolerance(1e-10).maxIterations(50000).build());
        FittedModel nesterov = fit(t.x, t.y, config(Solver.NESTEROV).tolerance(1e-10).maxIterations(50000).build());
        FittedModel cg = fit(t.x, t.y, config(Solver.CG).tolerance(1e-10).exactReference(true).build());
        for (FittedModel m : new FittedModel[] {gd, nesterov, cg}) {
            assertEquals(StopReason.CONVERGED, m.stopReason(), m.solver().cliName());
            // ‖S∇‖ ≤ 1e-10‖S∇₀‖: ∇₀ is dominated by the x, x² directions, so the small x₃ direction (10⁻⁶ of the
            // variance) is resolved to ≈ 1e-10·10³·κ ≈ 1e-6 relative; b amplifies θ errors ≈ 600×
            assertClose(m.coefficients(), java.util.Arrays.copyOf(exact, 3), 1e-6, m.solver().cliName() + " θ vs BigDecimal");
            assertEquals(exact[3], m.intercept(), 1e-4 * Math.abs(exact[3]), m.solver().cliName() + " b");
            assertTrue(m.finalRelativeGradient() <= 1e-10, m.solver().cliName());
        }
        assertTrue(nesterov.iterations() * 3 <= gd.iterations(), "nesterov " + nesterov.iterations() + " vs gd " + gd.iterations());
        assertTrue(cg.iterations() <= 20, "3 features: CG converges in a handful of iterations, took " + cg.iterations());
        assertTrue(Double.isNaN(gd.report().distanceToExact()), "not computed unless asked");
        // (the SVD answer itself is not a reference here: with the default cutoff max(m,n)·ε·σ_max on the
        // unscaled columns it truncates the 1e-3 column — column scaling for the direct solvers is still to come)
        TestData w = TestData.gaussian(300, 6, TestData.ramp(6), 1, 0.1, 34);
        FittedModel report = fit(w.x, w.y, config(Solver.CG).tolerance(1e-12).exactReference(true).build());
        assertTrue(report.report().distanceToExact() < 1e-10, "distance to the SVD answer " + report.report().distanceToExact());
    }

    /** 200 rows: x₀ ~ N(0,1), x₁ = x₀/2 + 0.01·N(0,1) (nearly collinear), x₂ ~ N(0,1); y = xᵀ(1,2,3) + 3 + 0.5·N(0,1). */
    private static TestData nearlyCollinear(long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[][] x = new double[200][3];
        double[] y = new double[200];
        for (int i = 0; i < 200; i++) {
            double a = r.nextGaussian();
            x[i] = new double[] {a, 0.5 * a + 0.01 * r.nextGaussian(), r.nextGaussian()};
            y[i] = x[i][0] + 2 * x[i][1] + 3 * x[i][2] + 3 + 0.5 * r.nextGaussian();
        }
        return TestData.of(x, y);
    }

    @Test
    void acceleratedSolversDoNotStopAtALuckyBestPoint() {
        // Nesterov's loss and gradient norm (at its extrapolated point) are not monotone: on nearly collinear columns
        // its best came from a lucky point it then moved away from while still converging, and the no-progress rule
        // (nothing better than that best for 100 iterations) stopped it 1e-3 off with the default tolerance. The
        // loss then stays well above the best, which the rule now reads as "still on its way". With the default
        // tolerance (‖∇‖ ≤ 1e-10·‖∇₀‖, κ(XᵀX) ≈ 1e5 here) the answer is good to ≈ 1e-10·κ ≈ 1e-5.
        for (long seed = 1; seed <= 6; seed++) {
            TestData t = nearlyCollinear(seed);
            double[] exact = ExactLeastSquares.solve(t.x, t.y, true);
            FittedModel m = fit(t.x, t.y, config(Solver.NESTEROV).maxIterations(20_000).build());
            String what = "seed " + seed + ": " + m.stopReason() + " after " + m.iterations() + " iterations";
            assertEquals(StopReason.CONVERGED, m.stopReason(), what);
            assertClose(withIntercept(m), exact, 1e-5, what);
        }
    }

    @Test
    void aWarmStartFarFromTheAnswerStopsAtAColdStartsAccuracy() {
        // The stopping rule of a warm start is relative to the cold start's ‖∇₀‖ (at θ = 0), not to its own: a start
        // of ±1e5 (a gradient ~1e5 times a cold start's) stopped at 1e5 times a cold start's error (cg 4e-5, gd 0.64).
        TestData t = TestData.gaussian(400, 8, TestData.ramp(8), 1, 0.3, 71);
        double[] exact = ExactLeastSquares.solve(t.x, t.y, true);
        double[] far = new double[8];
        for (int j = 0; j < 8; j++) {
            far[j] = j % 2 == 0 ? 1e5 : -1e5;
        }
        for (Solver solver : new Solver[] {Solver.CG, Solver.GD, Solver.NESTEROV}) {
            double tol = solver == Solver.GD ? 1e-8 : 1e-10;
            FittedModel cold = fit(t.x, t.y, config(solver).tolerance(tol).maxIterations(100_000).build());
            FittedModel warm = fit(t.x, t.y, config(solver).tolerance(tol).maxIterations(100_000)
                    .initialCoefficients(InitialCoefficients.given(far)).build());
            double coldError = Compare.relativeError(withIntercept(cold), exact);
            double warmError = Compare.relativeError(withIntercept(warm), exact);
            // ‖∇‖ ≤ tol·‖∇₀‖ on 8 columns of scales 1…8 (κ(XᵀX) ≈ 100): both within ≈ κ·tol of the answer
            String what = solver + ": warm start " + warmError + " vs cold " + coldError + " (" + warm.stopReason() + " after "
                    + warm.iterations() + ")";
            assertTrue(coldError <= 100 * tol, what);
            assertTrue(warmError <= 100 * tol, what);
        }
    }

    @Test
    void iterativeSolversReachNineDigitsOnTheCertifiedWellPosedProblems() {
        // issue 12 item 6: gd, nesterov and cg with --tol 1e-15 --iterations 500000 (float64). The answers
        // are limited by the rounding floor of the float64 gradient (≈ u·κ), not by the loss's (≈ √u): a
        // fit either meets the tolerance or stops for want of progress, never at the limit.
        for (CertifiedProblems.Problem p : CertifiedProblems.wellPosed()) {
            for (Solver solver : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG}) {
                FittedModel m = fit(p.x(), p.y(), config(solver).fitIntercept(p.intercept())
                        .tolerance(1e-15).maxIterations(500_000).build());
                String what = solver + " on the " + p.name() + ": " + m.stopReason() + " after " + m.iterations()
                        + " iterations, η " + m.learningRate();
                assertTrue(p.worstDigits(m) >= 9, what + ", " + p.worstDigits(m) + " correct digits");
                assertTrue(m.stopReason() == StopReason.CONVERGED || m.stopReason() == StopReason.NO_PROGRESS, what);
                assertTrue(m.iterations() < 20_000, what);
            }
        }
    }

    @Test
    void aToleranceBelowTheRoundingFloorStopsWithNoProgressAndKeepsTheAnswer() {
        // tol 1e-25 lies far below what the float64 gradient can resolve: each solver stops when neither the
        // gradient norm nor the loss (beyond its rounding error) has improved for max(100, k/10) iterations —
        // a few hundred here, where the iteration limit would have cost 500,000
        for (CertifiedProblems.Problem p : java.util.List.of(CertifiedProblems.norrisLike(),
                CertifiedProblems.noInterceptLineThroughLargeOffsets())) {
            for (Solver solver : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG}) {
                FittedModel m = fit(p.x(), p.y(), config(solver).fitIntercept(p.intercept()).tolerance(1e-25)
                        .maxIterations(500_000).build());
                String what = solver + " on the " + p.name() + ": " + m.stopReason() + " after " + m.iterations()
                        + " iterations, " + p.worstDigits(m) + " correct digits";
                assertEquals(StopReason.NO_PROGRESS, m.stopReason(), what);
                assertTrue(m.iterations() < 2_000, what);
                assertTrue(p.worstDigits(m) >= 9, what);
                if (solver != Solver.CG) {
                    assertEquals(fit(p.x(), p.y(), config(solver).fitIntercept(p.intercept()).maxIterations(1).build())
                            .learningRate(), m.learningRate(), 0, what + ": the automatic step was not halved at the rounding floor");
                }
            }
        }
        // tolerance(0) still runs to the limit
        CertifiedProblems.Problem p = CertifiedProblems.norrisLike();
        FittedModel all = fit(p.x(), p.y(), config(Solver.GD).tolerance(0).maxIterations(400).build());
        assertEquals(StopReason.ITERATION_LIMIT, all.stopReason());
        assertEquals(400, all.iterations());
    }

    @Test
    void cgStopsAtTheRoundingFloorWhicheverWayItsRecurredLossDrifted() {
        // cg's recurred loss ℓₖ₊₁ = ℓₖ − ½αrᵀz carries the rounding of ℓ₀ (7e4 here), not of ℓₖ (0.55): on an H200 it
        // drifted 8e-12 below the floor at k = 1, became the best loss, and every later window looked 'still moving' —
        // 500,000 iterations instead of ~100. Which way it drifts depends on the arithmetic (FMA or not), so many lines
        for (long seed = 1; seed <= 24; seed++) {
            CertifiedProblems.Problem p = CertifiedProblems.norrisLike(seed);
            FittedModel m = fit(p.x(), p.y(), config(Solver.CG).fitIntercept(true).tolerance(1e-25).maxIterations(5_000).build());
            String what = "cg on line " + seed + ": " + m.stopReason() + " after " + m.iterations() + " iterations";
            assertEquals(StopReason.NO_PROGRESS, m.stopReason(), what);
            assertTrue(m.iterations() < 1_000, what);
        }
    }

    @Test
    void aConstantColumnGetsCoefficientZeroAndIsReported() {
        TestData t = TestData.gaussian(200, 3, TestData.ramp(3), 1, 0.1, 33);
        double[][] x = new double[200][4];
        for (int i = 0; i < 200; i++) {
            System.arraycopy(t.x[i], 0, x[i], 0, 3);
            x[i][3] = 0.1; // constant: indistinguishable from the intercept
        }
        for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG, Solver.MINIBATCH}) {
            FittedModel m = fit(x, t.y, config(s).maxIterations(s.isStochastic() ? 200 : 10000)
                    .initialCoefficients(InitialCoefficients.random(3)).build());
            assertArrayEquals(new int[] {3}, m.report().constantColumns(), s.cliName());
            assertEquals(0, m.coefficient(3), 0, s.cliName());
        }
        FittedModel svd = fit(t.x, t.y, config(Solver.SVD).build());
        FittedModel cg = fit(x, t.y, config(Solver.CG).tolerance(1e-12).build());
        assertClose(withIntercept(fit(t.x, t.y, config(Solver.CG).tolerance(1e-12).build())), withIntercept(svd), 1e-9, "cg");
        assertEquals(svd.intercept(), cg.intercept(), 1e-9 * Math.abs(svd.intercept()));
    }

    // ------------------------------------------------------------------ schedules and early stopping

    @Test
    void aDecayingScheduleShrinksTheNoiseBallOfConstantStepSgd() {
        TestData t = TestData.gaussian(400, 4, TestData.ramp(4), 1, 1.0, 41);
        double[] exact = withIntercept(fit(t.x, t.y, config(Solver.SVD).build()));
        FittedModel constant = fit(t.x, t.y, config(Solver.SGD).learningRate(0.05).maxIterations(200).tolerance(0).build());
        FittedModel decaying = fit(t.x, t.y, config(Solver.SGD).learningRate(0.05).maxIterations(200).tolerance(0)
                .schedule(LearningRateSchedule.inverseTime(1, 20)).build());
        FittedModel scaling = fit(t.x, t.y, config(Solver.SGD).learningRate(0.05).maxIterations(200).tolerance(0)
                .schedule(LearningRateSchedule.inverseScaling(0.5)).build());
        double e0 = Compare.relativeError(withIntercept(constant), exact);
        double e1 = Compare.relativeError(withIntercept(decaying), exact);
        double e2 = Compare.relativeError(withIntercept(scaling), exact);
        // the SGD noise ball scales like √η·σ: η = 0.05 constant vs η ≈ 1.25e-5 at the end of the 1/t schedule
        assertTrue(e1 < e0 / 5, "1/t schedule " + e1 + " vs constant " + e0);
        assertTrue(e2 < e0, "1/√t schedule " + e2 + " vs constant " + e0);
        assertTrue(e1 < 1e-2, "1/t schedule " + e1);
    }

    /**
     * Under an inverse-time schedule the steps are t₀/(t + t₁): a fixed η does nothing, the default standardization
     * included (on for tall X, as with an automatic η). The fit with a fixed η is the fit with {@link LearningRate#auto()}
     * bit for bit — coefficients, intercept, iterations, histories — sgd and minibatch, with and without an intercept;
     * only the reported η₀ (a yardstick, not a step) is the one configured. Reference: the same fit with standardization
     * asked for explicitly, which the rate never decided.
     */
    @Test
    void aFixedRateUnderAnInverseTimeScheduleFitsAsTheAutomaticOne() {
        TestData t = TestData.gaussian(300, 4, TestData.ramp(4), 1, 0.5, 43);
        for (Solver s : new Solver[] {Solver.SGD, Solver.MINIBATCH}) {
            for (boolean intercept : new boolean[] {true, false}) {
                FitConfig auto = config(s).schedule(LearningRateSchedule.inverseTime(0.5, 50)).maxIterations(8).tolerance(0)
                        .fitIntercept(intercept).batchSize(s == Solver.MINIBATCH ? 16 : 1).seed(3).build();
                FittedModel a = fit(t.x, t.y, auto);
                FittedModel f = fit(t.x, t.y, auto.toBuilder().learningRate(0.001).build());
                FittedModel on = fit(t.x, t.y, auto.toBuilder().learningRate(0.001).standardize(true).build());
                String what = s.cliName() + (intercept ? "" : " without intercept");
                assertTrue(a.report().standardized() && f.report().standardized(), what);
                for (FittedModel other : new FittedModel[] {f, on}) {
                    assertArrayEquals(a.coefficients(), other.coefficients(), what);
                    assertEquals(a.intercept(), other.intercept(), 0, what);
                    assertEquals(a.iterations(), other.iterations(), what);
                    assertArrayEquals(a.lossHistory(), other.lossHistory(), what);
                    assertArrayEquals(a.gradientNormHistory(), other.gradientNormHistory(), what);
                }
                assertEquals(0.001, f.learningRate(), 0, what);
            }
        }
    }

    @Test
    void adaptiveScheduleAndEarlyStoppingEndTheFitEarly() {
        TestData t = TestData.gaussian(500, 3, TestData.ramp(3), 1, 0.5, 42);
        double[] exact = withIntercept(fit(t.x, t.y, config(Solver.SVD).build()));
        FittedModel adaptive = fit(t.x, t.y, config(Solver.MINIBATCH).batchSize(10).learningRate(0.05).tolerance(1e-3)
                .schedule(LearningRateSchedule.adaptive()).build());
        assertEquals(StopReason.CONVERGED, adaptive.stopReason());
        assertTrue(adaptive.iterations() < FitConfig.DEFAULT_SGD_EPOCHS);
        assertClose(withIntercept(adaptive), exact, 1e-2, "adaptive");
        FittedModel early = fit(t.x, t.y, config(Solver.MINIBATCH).batchSize(10).learningRate(0.05).tolerance(1e-3)
                .validationFraction(0.2).build());
        assertEquals(StopReason.CONVERGED, early.stopReason());
        assertTrue(early.iterations() < 100, "early stopping after " + early.iterations() + " epochs");
        // trained on 80% of the rows: within the sampling noise (σ/√400 ≈ 0.025) of the full-data answer
        assertClose(withIntercept(early), exact, 0.1, "early stopping");
        assertThrows(IllegalArgumentException.class, () -> config(Solver.SGD).validationFraction(1.0));
    }

    @Test
    void float32GradientDescentKeepsItsPromise() {
        // well-conditioned float32 data: ‖∇‖/‖∇₀‖ ≤ 1e-6 must be reachable (the float32 default tolerance)
        TestData t = TestData.gaussian(3000, 20, TestData.ramp(20), 2, 0.5, 51);
        for (Solver s : new Solver[] {Solver.GD, Solver.NESTEROV, Solver.CG}) {
            FittedModel m;
            try (Dataset d = Dataset.of(t.xFloat(), t.yFloat())) {
                m = LinearRegression.fit(d, config(s).build());
            }
            assertEquals(Precision.FLOAT32, m.precision());
            assertEquals(StopReason.CONVERGED, m.stopReason(), s.cliName());
            assertTrue(m.finalRelativeGradient() <= 1e-6, s.cliName() + " " + m.finalRelativeGradient());
            FittedModel f64 = fit(t.x, t.y, config(Solver.SVD).build());
            // float32 data and arithmetic: ε₃₂·κ ≈ 1e-7·1.3 per coefficient, plus the 1e-6 stopping rule
            assertClose(withIntercept(m), withIntercept(f64), 1e-5, s.cliName() + " float32 vs float64 SVD");
        }
    }

    // ------------------------------------------------------------------ sample weights (issue 13, items 4 and 5)

    /** Weights in {0, 1, 2, 3} (row 0 always 2, so none is all zero), from a seed. */
    private static double[] integerWeights(int m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = i == 0 ? 2 : r.nextInt(4);
        }
        return w;
    }

    /** Each row i repeated w[i] times (rows of weight 0 dropped). */
    private static TestData duplicated(TestData t, double[] w) {
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        java.util.List<Double> ys = new java.util.ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            for (int k = 0; k < (int) w[i]; k++) {
                rows.add(t.x[i]);
                ys.add(t.y[i]);
            }
        }
        return TestData.of(rows.toArray(new double[0][]), ys.stream().mapToDouble(Double::doubleValue).toArray());
    }

    protected FittedModel fitWeighted(double[][] x, double[] y, double[] w, FitConfig config) {
        try (Dataset d = Dataset.of(x, y, w)) {
            return LinearRegression.fit(d, config);
        }
    }

    @Test
    void weightedPassesMatchPlainLoops() {
        int m = 53;
        int n = 4;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 1.5, 0.3, 61);
        double[] w = new double[m];
        SplittableRandom random = new SplittableRandom(62);
        for (int i = 0; i < m; i++) {
            w[i] = i % 7 == 3 ? 0 : 0.25 + 2 * random.nextDouble();
        }
        double[] theta = {0.3, -1, 2, 0.25};
        double b = 0.7;
        long[] order = CounterBasedSampler.epochOrder(5, 2, m);
        try (Dataset d = Dataset.of(t.x, t.y, w);
             ResidentProblem p = load(d, config(Solver.GD).build());
             BackendVector th = p.allocateVector(n);
             BackendVector g = p.allocateVector(n)) {
            assertTrue(p.weighted());
            double total = 0;
            for (double v : w) {
                total += v;
            }
            assertEquals(total, p.weightSum(), 1e-14 * total);
            th.copyFromHost(theta);
            for (RowSlice slice : new RowSlice[] {RowSlice.all(), RowSlice.of(order, 5, 31)}) {
                double[] expected = new double[n];
                double ss = 0;
                double sum = 0;
                long k = slice.size(m);
                for (long q = 0; q < k; q++) {
                    int i = (int) (slice.isAll() ? q : order[slice.from() + (int) q]);
                    double r = b - t.y[i];
                    for (int j = 0; j < n; j++) {
                        r += t.x[i][j] * theta[j];
                    }
                    ss += w[i] * r * r;
                    sum += w[i] * r;
                    for (int j = 0; j < n; j++) {
                        expected[j] += 2.0 / k * w[i] * t.x[i][j] * r;
                    }
                }
                ResidualSums sums = p.gradient(th, b, 1, 2.0 / k, slice, g);
                assertClose(g.copyToHost(), expected, 1e-12, "weighted gradient");
                assertEquals(ss, sums.sumOfSquares(), 1e-12 * ss);
                assertEquals(sum, sums.sum(), 1e-10 * Math.sqrt(ss * k));
            }
            double[] means = new double[n];
            double yMean = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    means[j] += w[i] * t.x[i][j] / total;
                }
                yMean += w[i] * t.y[i] / total;
            }
            ColumnStatistics st = p.columnStatistics();
            assertClose(st.means(), means, 1e-12, "weighted column means");
            assertEquals(yMean, st.targetMean(), 1e-12 * Math.abs(yMean));
            double[] deviations = new double[n];
            double[][] gram = new double[n][n];
            double[] moment = new double[n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double dj = t.x[i][j] - means[j];
                    deviations[j] += w[i] * dj * dj / total;
                    for (int l = 0; l < n; l++) {
                        gram[j][l] += w[i] * dj * (t.x[i][l] - means[l]);
                    }
                    moment[j] += w[i] * dj * (t.y[i] - yMean);
                }
            }
            assertClose(p.columnMeanSquaredDeviations(true), deviations, 1e-12, "weighted mean squared deviations");
            dev.downhill.spi.CrossProducts cp = p.crossProducts(true);
            for (int j = 0; j < n; j++) {
                assertClose(Arrays.copyOfRange(cp.gram(), j * n, j * n + n), gram[j], 1e-12, "X_cᵀWX_c row " + j);
            }
            assertClose(cp.moment(), moment, 1e-12, "X_cᵀWy_c");
            // the QR factor of W^½[X_c·D | y_c]: RᵀR = [X_c D | y_c]ᵀ W [X_c D | y_c]
            double[] scales = {1, 0.5, 2, 1};
            dev.downhill.spi.QrReduction qr = p.qrReduction(true, scales);
            for (int a = 0; a <= n; a++) {
                double[] expectedRow = new double[n + 1];
                double[] actualRow = new double[n + 1];
                for (int c = 0; c <= n; c++) {
                    double v = 0;
                    for (int i = 0; i < m; i++) {
                        double va = a < n ? (t.x[i][a] - means[a]) * scales[a] : t.y[i] - yMean;
                        double vc = c < n ? (t.x[i][c] - means[c]) * scales[c] : t.y[i] - yMean;
                        v += w[i] * va * vc;
                    }
                    expectedRow[c] = v;
                    double u = 0;
                    for (int l = 0; l < qr.rows(); l++) {
                        u += qr.get(l, a) * qr.get(l, c);
                    }
                    actualRow[c] = u;
                }
                assertClose(actualRow, expectedRow, 1e-12, "RᵀR row " + a);
            }
            // the extended residual: X_cᵀW(y_c − X_cθ) and b = ȳ_w − x̄_wᵀθ
            dev.downhill.spi.ExtendedResidual er = p.extendedResidual(true);
            double[] xr = new double[n];
            for (int i = 0; i < m; i++) {
                double r = t.y[i] - yMean;
                for (int j = 0; j < n; j++) {
                    r -= (t.x[i][j] - means[j]) * theta[j];
                }
                for (int j = 0; j < n; j++) {
                    xr[j] += w[i] * (t.x[i][j] - means[j]) * r;
                }
            }
            assertClose(er.transposedResidual(theta), xr, 1e-12, "X_cᵀW r");
            double intercept = yMean;
            for (int j = 0; j < n; j++) {
                intercept -= means[j] * theta[j];
            }
            assertEquals(intercept, er.intercept(theta), 1e-12 * Math.abs(intercept));
        }
    }

    @Test
    void integerWeightsFitLikeDuplicatedRows() {
        int m = 30;
        int n = 3;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), -1, 0.4, 63);
        double[] w = integerWeights(m, 64);
        TestData dup = duplicated(t, w);
        double[] exact = ExactLeastSquares.solve(t.x, t.y, w, true);
        assertClose(exact, ExactLeastSquares.solve(dup.x, dup.y, true), 1e-14, "the references agree");
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG, Solver.GD, Solver.NESTEROV}) {
            // gd and nesterov on a well-conditioned problem (κ ≈ 2): a tolerance of 1e-13 on the gradient is ~1e-13
            // on θ; cg reaches it in n + 1 passes; the direct solvers are refined to full float64 accuracy
            FitConfig c = config(s).tolerance(1e-13).maxIterations(2000).build();
            FittedModel weighted = fitWeighted(t.x, t.y, w, c);
            FittedModel duplicate = fit(dup.x, dup.y, c);
            assertClose(withIntercept(weighted), withIntercept(duplicate), 1e-10, s.cliName() + ": weights vs duplicated rows");
            assertClose(withIntercept(weighted), exact, 1e-10, s.cliName() + ": weights vs BigDecimal");
            assertTrue(weighted.trainingWeighted());
            assertEquals(Arrays.stream(w).sum(), weighted.trainingWeightSum(), 0);
            if (s == Solver.GD) { // the loss reported is the weighted MSE, Σwr²/Σw — the duplicated rows' MSE
                assertEquals(duplicate.finalLoss(), weighted.finalLoss(), 1e-10 * duplicate.finalLoss());
            }
        }
    }

    @Test
    void zeroWeightsRemoveTheirRows() {
        int m = 24;
        int n = 3;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 2, 0.5, 65);
        double[] w = new double[m];
        java.util.List<double[]> keptX = new java.util.ArrayList<>();
        java.util.List<Double> keptY = new java.util.ArrayList<>();
        for (int i = 0; i < m; i++) {
            w[i] = i % 3 == 1 ? 0 : 1;
            if (w[i] > 0) {
                keptX.add(t.x[i]);
                keptY.add(t.y[i]);
            }
        }
        double[][] x = keptX.toArray(new double[0][]);
        double[] y = keptY.stream().mapToDouble(Double::doubleValue).toArray();
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG}) {
            FittedModel weighted = fitWeighted(t.x, t.y, w, config(s).build());
            FittedModel subset = fit(x, y, config(s).build());
            assertClose(withIntercept(weighted), withIntercept(subset), 1e-10, s.cliName() + ": zero weights vs rows removed");
        }
        // and the weighted score is the score of the remaining rows
        FittedModel model = fit(x, y, config(Solver.SVD).build());
        dev.downhill.Score full;
        try (Dataset d = Dataset.of(t.x, t.y, w)) {
            full = model.score(d);
        }
        dev.downhill.Score kept = model.score(x, y);
        assertEquals(kept.mse(), full.mse(), 1e-12 * kept.mse());
        assertEquals(kept.r2(), full.r2(), 1e-12);
    }

    @Test
    void weightedLeastSquaresMatchesTheBigDecimalClosedFormWithAndWithoutIntercept() {
        int m = 40;
        int n = 4;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 3, 1.0, 66);
        double[] w = new double[m];
        SplittableRandom r = new SplittableRandom(67);
        for (int i = 0; i < m; i++) {
            w[i] = Math.exp(2 * r.nextGaussian()); // weights spread over several orders of magnitude
        }
        for (boolean intercept : new boolean[] {true, false}) {
            double[] exact = ExactLeastSquares.solve(t.x, t.y, w, intercept);
            double[] plain = ExactLeastSquares.solve(t.x, t.y, intercept);
            assertTrue(Compare.relativeError(exact, plain) > 1e-3, "the weights matter here");
            for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG}) {
                FittedModel model = fitWeighted(t.x, t.y, w, config(s).fitIntercept(intercept).tolerance(1e-13).build());
                assertClose(withIntercept(model), exact, 1e-10, s.cliName() + (intercept ? "" : " without intercept"));
            }
        }
        // a full-batch mini-batch (B = m) takes the weighted gradient with normaliser m: it reaches the same answer
        double[] exact = ExactLeastSquares.solve(t.x, t.y, w, true);
        FittedModel mini = fitWeighted(t.x, t.y, w, config(Solver.MINIBATCH).batchSize(m).maxIterations(400).tolerance(0)
                .build());
        // deterministic (one batch per epoch, the whole data): linear convergence under the automatic step's margin;
        // 400 epochs reach ~1e-8 (the weights move θ by > 1e-3)
        assertClose(withIntercept(mini), exact, 1e-6, "minibatch B = m");
    }

    @Test
    void scoresOfHugeTargetsAreTheScoresOfTheScaledProblem() {
        // y times 2^510 (≈ 3e153): MSE·2^1020 ≈ 3e306 is a double but Σr² over 200 rows is not; R² is scale-free. The
        // score passes scale residuals by a power of two before squaring (they gave MSE ∞ and R² NaN): the scores of
        // the scaled problem are the unscaled ones, times 2^1020 for the MSE, to the rounding of the fits.
        TestData t = TestData.gaussian(200, 3, TestData.ramp(3), 3, 0.5, 72);
        double f = 0x1p510;
        double[] big = new double[t.y.length];
        double[] bigWeights = new double[t.y.length];
        for (int i = 0; i < big.length; i++) {
            big[i] = t.y[i] * f;
            bigWeights[i] = 1 + i % 3;
        }
        FittedModel small = fit(t.x, t.y, config(Solver.NORMAL).build());
        FittedModel large = fit(t.x, big, config(Solver.NORMAL).build());
        dev.downhill.Score expected = small.score(t.x, t.y);
        java.util.List<dev.downhill.Score> scores = new java.util.ArrayList<>();
        scores.add(large.score(t.x, big));
        try (Dataset d = Dataset.of(t.x, big)) {
            scores.add(large.score(d));
        }
        for (dev.downhill.Score got : scores) {
            assertEquals(expected.r2(), got.r2(), 1e-12, "R² of the scaled problem");
            assertEquals(expected.mse() * 0x1p1020, got.mse(), 1e-9 * expected.mse() * 0x1p1020, "MSE of the scaled problem");
        }
        FittedModel weightedSmall = fitWeighted(t.x, t.y, bigWeights, config(Solver.NORMAL).build());
        FittedModel weighted = fitWeighted(t.x, big, bigWeights, config(Solver.NORMAL).build());
        try (Dataset d = Dataset.of(t.x, big, bigWeights); Dataset e = Dataset.of(t.x, t.y, bigWeights)) {
            dev.downhill.Score got = weighted.score(d);
            dev.downhill.Score want = weightedSmall.score(e);
            assertEquals(want.r2(), got.r2(), 1e-12, "weighted R² of the scaled problem");
            assertEquals(want.mse() * 0x1p1020, got.mse(), 1e-9 * want.mse() * 0x1p1020, "weighted MSE of the scaled problem");
        }
    }

    @Test
    void weightedScoreIsTheWeightedRSquared() {
        TestData t = TestData.gaussian(50, 3, TestData.ramp(3), 1, 0.8, 68);
        double[] w = integerWeights(50, 69);
        TestData dup = duplicated(t, w);
        FittedModel model = fitWeighted(t.x, t.y, w, config(Solver.NORMAL).build());
        dev.downhill.Score weighted;
        try (Dataset d = Dataset.of(t.x, t.y, w)) {
            weighted = model.score(d);
        }
        dev.downhill.Score duplicate = model.score(dup.x, dup.y);
        assertEquals(duplicate.mse(), weighted.mse(), 1e-12 * duplicate.mse());
        assertEquals(duplicate.r2(), weighted.r2(), 1e-12);
        dev.downhill.Score unweighted = model.score(t.x, t.y);
        assertTrue(Math.abs(unweighted.r2() - weighted.r2()) > 1e-6, "the weights change R²");
    }

    @Test
    void unweightedProblemsReportRowsAsTheirWeightSum() {
        TestData t = TestData.gaussian(20, 2, TestData.ramp(2), 1, 0.1, 70);
        try (Dataset d = Dataset.of(t.x, t.y); ResidentProblem p = load(d, config(Solver.GD).build())) {
            assertTrue(!p.weighted());
            assertEquals(20.0, p.weightSum(), 0);
        }
        FittedModel model = fit(t.x, t.y, config(Solver.NORMAL).build());
        assertTrue(!model.trainingWeighted());
        assertTrue(Double.isNaN(model.trainingWeightSum()));
    }

    @Test
    void weightedFloat32PassesAndFitsAgreeWithFloat64() {
        int m = 45;
        int n = 3;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.5, 0.3, 71);
        double[] w = integerWeights(m, 72);
        float[][] xf = t.xFloat();
        float[] yf = t.yFloat();
        double[][] xr = new double[m][n]; // the float32 data, exactly, in float64
        double[] yr = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                xr[i][j] = xf[i][j];
            }
            yr[i] = yf[i];
        }
        long[] order = CounterBasedSampler.epochOrder(3, 1, m);
        double[] theta = {1, -0.5, 0.25};
        try (Dataset d = Dataset.of(xf, yf, w);
             ResidentProblem p = load(d, config(Solver.GD).build());
             BackendVector th = p.allocateVector(n);
             BackendVector g = p.allocateVector(n)) {
            assertEquals(Precision.FLOAT32, p.precision());
            th.copyFromHost(theta);
            for (RowSlice slice : new RowSlice[] {RowSlice.all(), RowSlice.of(order, 4, 20)}) {
                long k = slice.size(m);
                double[] expected = new double[n];
                double ss = 0;
                for (long q = 0; q < k; q++) {
                    int i = (int) (slice.isAll() ? q : order[slice.from() + (int) q]);
                    double r = 0.5 - yr[i];
                    for (int j = 0; j < n; j++) {
                        r += xr[i][j] * theta[j];
                    }
                    ss += w[i] * r * r;
                    for (int j = 0; j < n; j++) {
                        expected[j] += 2.0 / k * w[i] * xr[i][j] * r;
                    }
                }
                ResidualSums sums = p.gradient(th, 0.5, 1, 2.0 / k, slice, g);
                // float32 products of float32 residuals: a few ε₃₂ relative
                assertClose(g.copyToHost(), expected, 1e-5, "float32 weighted gradient");
                assertEquals(ss, sums.sumOfSquares(), 1e-6 * ss);
            }
        }
        double[] exact = ExactLeastSquares.solve(xr, yr, w, true);
        for (Solver s : new Solver[] {Solver.NORMAL, Solver.SVD, Solver.CG}) {
            FittedModel model;
            try (Dataset d = Dataset.of(xf, yf, w)) {
                model = LinearRegression.fit(d, config(s).build());
            }
            assertEquals(Precision.FLOAT32, model.precision());
            // the direct solvers solve the float64 problem of the rounded data; cg stops at float32's 1e-6 default
            assertClose(withIntercept(model), exact, s.isIterative() ? 1e-5 : 1e-10, s.cliName() + " float32 weighted");
        }
    }
}
