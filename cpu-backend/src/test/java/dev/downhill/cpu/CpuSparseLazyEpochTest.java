package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.FitConfig;
import dev.downhill.LearningRateSchedule;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.Solver;
import dev.downhill.SparseDataset;
import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.CheckedProblem;
import dev.downhill.internal.Checkpointer;
import dev.downhill.internal.IterativeResult;
import dev.downhill.internal.StochasticGradientSolver;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.testing.PerBatchReference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lazy sparse epoch (θ = a·v + c·S²∘x̄: a step costs the batch's stored entries) against the per-batch loop it
 * stands in for, on CSR X: the same steps in exact arithmetic, so θ agrees to float64 rounding accumulated over the
 * epochs (relative 1e-10 after 3 epochs of ~60 steps each; float32 X and θ: the per-batch loop rounds θ to float32 at
 * every vector operation and the lazy one only at the end, so 1e-4).
 */
class CpuSparseLazyEpochTest {
    static final int M = 181;
    static final int N = 40;

    /** Columns of {@link #wideData}. */
    static final int WIDE_N = 200;

    /**
     * M rows over {@link #WIDE_N} columns, row i with i mod 41 stored entries at random columns (every remainder mod 8,
     * rows long enough for the lazy epoch's eight chains to take several turns), values spanning four decades.
     */
    private static SparseDataset wideData(Precision p, boolean weighted) {
        SplittableRandom r = new SplittableRandom(6);
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[M + 1];
        double[] y = new double[M];
        double[] w = new double[M];
        for (int i = 0; i < M; i++) {
            java.util.TreeSet<Integer> row = new java.util.TreeSet<>();
            while (row.size() < i % 41) {
                row.add(r.nextInt(WIDE_N));
            }
            for (int j : row) {
                double v = r.nextGaussian() * 0.15 * Math.pow(10, -r.nextInt(4)) + (j % 4 == 0 ? 0.1 : 0); // ‖x_i‖² ≲ 2: stable steps
                cols.add(j);
                vals.add(v);
                y[i] += v * Math.sin(j);
            }
            y[i] += 0.3 * r.nextGaussian() + 2;
            w[i] = 0.5 + r.nextDouble();
            ptr[i + 1] = cols.size();
        }
        CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), WIDE_N, p);
        SparseDataset d = SparseDataset.of(x, y);
        return weighted ? d.withWeights(w) : d;
    }

    private static SparseDataset data(Precision p, boolean weighted) {
        SplittableRandom r = new SplittableRandom(5);
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[M + 1];
        double[] y = new double[M];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                if (r.nextDouble() < 0.15) {
                    double v = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 3 : 0);
                    cols.add(j);
                    vals.add(v);
                    y[i] += v * Math.sin(j);
                }
            }
            y[i] += 0.3 * r.nextGaussian() + 2;
            ptr[i + 1] = cols.size();
        }
        CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), N, p);
        SparseDataset d = SparseDataset.of(x, y);
        if (weighted) {
            double[] w = new double[M];
            for (int i = 0; i < M; i++) {
                w[i] = 0.5 + r.nextDouble();
            }
            d = d.withWeights(w);
        }
        return d;
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        int k = 0;
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {1, 7}) {
                for (boolean intercept : new boolean[] {true, false}) {
                    for (boolean standardize : new boolean[] {false, true}) {
                        k++;
                        list.add(Arguments.of(p, batch, intercept, standardize, k % 2 == 0 ? Penalty.none() : Penalty.l2(0.05),
                                k % 3 == 0 ? "invscaling:0.5" : "constant", k % 2 == 1, k % 4 == 0 ? 0.2 : 0.0));
                    }
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} B={1} intercept={2} std={3} {4} {5} weights={6} val={7}")
    @MethodSource("cases")
    void fitsAgreeWithThePerBatchLoop(Precision precision, int batch, boolean intercept, boolean standardize, Penalty penalty,
                                      String schedule, boolean weighted, double validation) {
        FitConfig config = threeEpochs(batch, penalty, schedule, validation, intercept, standardize);
        try (SparseDataset data = data(precision, weighted);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, precision, BackendOptions.defaults()))) {
            PerBatchReference.Result reference;
            try (CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true)) {
                reference = PerBatchReference.run(objective, config, objective.internalLearningRate(0.002), 3);
            }
            assertFitAgrees(reference.theta(), problem, config, precision);
        }
    }

    /** 3 epochs of sgd (B = 1) or minibatch at η = 0.002, tolerance 0 (all 3 run), seed 3. */
    private static FitConfig threeEpochs(int batch, Penalty penalty, String schedule, double validation, boolean intercept,
                                         boolean standardize) {
        return FitConfig.builder().solver(batch == 1 ? Solver.SGD : Solver.MINIBATCH).batchSize(batch)
                .learningRate(0.002).maxIterations(3).tolerance(0).seed(3).penalty(penalty)
                .schedule(LearningRateSchedule.parse(schedule)).validationFraction(validation).fitIntercept(intercept)
                .standardize(standardize).build();
    }

    /**
     * Fits {@code config} by the solver (whose epochs run lazily where they apply) on a fresh objective and checks θ
     * against the per-batch loop's {@code reference}: relative 1e-10 of max|θ| in float64, 1e-4 in float32 (see the
     * callers), θ having moved.
     */
    private static void assertFitAgrees(double[] reference, ResidentProblem problem, FitConfig config, Precision precision) {
        IterativeResult fitted;
        try (CentredObjective objective = new CentredObjective(problem, config.fitIntercept(), config.standardizeSetting(),
                config.penalty(), true)) {
            fitted = StochasticGradientSolver.fit(objective, config, Checkpointer.NONE);
        }
        double tolerance = precision == Precision.FLOAT64 ? 1e-10 : 1e-4;
        double scale = 0;
        for (double v : reference) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0.01, "the fit moved θ: " + scale);
        for (int j = 0; j < N; j++) {
            assertEquals(reference[j], fitted.coefficients()[j], tolerance * scale, "θ[" + j + "]");
        }
    }

    static Stream<Arguments> perColumnCases() {
        List<Arguments> list = new ArrayList<>();
        int k = 0;
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {1, 7}) {
                for (boolean intercept : new boolean[] {false, true}) {
                    for (boolean standardize : new boolean[] {true, false}) {
                        for (String schedule : new String[] {"constant", "invscaling:0.5"}) {
                            k++;
                            list.add(Arguments.of(p, batch, intercept, standardize, schedule, k % 2 == 1, k % 3 == 0 ? 0.2 : 0.0));
                        }
                    }
                }
            }
        }
        return list.stream();
    }

    /**
     * An l2 term whose λⱼ·S²ⱼ differ per column — the ridge's own standardization (S²ⱼ = 1/(σⱼ² + λⱼ/2)), or penalty
     * factors on unstandardized X — against the per-batch loop. Without an intercept the epoch runs lazily with a decay
     * per column ({@link SparseLazyEpoch#decaysPerColumn}; a power for the constant schedule, the truncated logarithm's
     * prefix sums for invscaling): θ agrees with the per-batch loop to float64 rounding grown over 3 epochs (relative
     * 1e-10, the uniform lazy path's standard; float32: the per-batch loop rounds θ to float32 at every vector operation,
     * the lazy one only at the end, so 1e-4). With an intercept it runs lazily with one scale per group of equal rates
     * ({@link SparseLazyEpoch#decaysByGroup}; the N columns here have at most N rates), to the same standard.
     */
    @ParameterizedTest(name = "{0} B={1} intercept={2} std={3} {4} weights={5} val={6}")
    @MethodSource("perColumnCases")
    void fitsWithADecayPerColumnAgreeWithThePerBatchLoop(Precision precision, int batch, boolean intercept, boolean standardize,
                                                         String schedule, boolean weighted, double validation) {
        double[] factors = new double[N];
        for (int j = 0; j < N; j++) {
            factors[j] = j % 7 == 3 ? 0 : 0.5 + (j % 4) * 0.5; // one unpenalised column in seven
        }
        Penalty penalty = standardize ? Penalty.l2(0.05) : Penalty.l2(0.05).withPenaltyFactors(factors);
        FitConfig config = threeEpochs(batch, penalty, schedule, validation, intercept, standardize);
        try (SparseDataset data = data(precision, weighted);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, precision, BackendOptions.defaults()))) {
            PerBatchReference.Result reference;
            try (CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true)) {
                reference = PerBatchReference.run(objective, config, objective.internalLearningRate(0.002), 3);
                LearningRateSchedule steps = config.schedule();
                StochasticEpoch plan = objective.epochBuilder(EpochRows.of(3, 0, M, M, 0), batch)
                        .steps(0, t -> steps.at(t, 0.002)).build();
                assertTrue(Double.isNaN(SparseLazyEpoch.uniformRidgeRate(plan)), "λ∘S² is not uniform");
                assertEquals(!intercept, SparseLazyEpoch.decaysPerColumn(plan), "a decay per column");
                assertEquals(intercept, SparseLazyEpoch.decaysByGroup(plan), "a decay per group of equal rates");
                assertTrue(SparseLazyEpoch.applies(plan), "lazy");
            }
            assertFitAgrees(reference.theta(), problem, config, precision);
        }
    }

    /**
     * The grouped lazy epoch's dense steps: a ridge strong against the columns' spreads (λ∘S² near 2) and a step η = 0.45
     * shrink the groups by more than three quarters, so every step folds θ and scales it densely — against the per-batch
     * loop, to the fits' 1e-10.
     */
    @ParameterizedTest(name = "B={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 7})
    void groupedEpochsWhoseStepsShrinkByMoreThanThreeQuartersAgreeWithThePerBatchLoop(int batch) {
        Penalty penalty = Penalty.l2(20);
        FitConfig config = FitConfig.builder().solver(batch == 1 ? Solver.SGD : Solver.MINIBATCH).batchSize(batch)
                .learningRate(0.45).maxIterations(3).tolerance(0).seed(3).penalty(penalty).fitIntercept(true).standardize(true)
                .build();
        try (SparseDataset data = data(Precision.FLOAT64, true);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, Precision.FLOAT64, BackendOptions.defaults()))) {
            PerBatchReference.Result reference;
            try (CentredObjective objective = new CentredObjective(problem, true, true, penalty, true)) {
                reference = PerBatchReference.run(objective, config, objective.internalLearningRate(0.45), 3);
                StochasticEpoch plan = objective.epochBuilder(EpochRows.of(3, 0, M, M, 0), batch).steps(0, t -> 0.45).build();
                assertTrue(SparseLazyEpoch.decaysByGroup(plan), "grouped");
                double[] lambda = plan.ridge().copyToHost();
                double[] s2 = plan.squaredScales().copyToHost();
                double most = 0;
                for (int j = 0; j < N; j++) {
                    most = Math.max(most, lambda[j] * s2[j]);
                }
                assertTrue(1 - 0.45 * most <= 0.25, "steps taken densely: largest λS² " + most);
            }
            assertFitAgrees(reference.theta(), problem, config, Precision.FLOAT64);
        }
    }

    /**
     * The standardized ridge of a sparse sgd/minibatch fit with an intercept rounds λⱼ·S²ⱼ to a quarter-octave grid
     * ({@link CentredObjective#groupsRidgeRates}): every S²ⱼ within 2^±⅛ of Jacobi's, the rates few (here at most one per
     * quarter-octave of their range, plus one), the epoch plan grouped (lazy); and a full-batch minibatch (B = m, 3,000
     * epochs, tolerance 0) under that scaling reaches the normal equations' penalised minimiser (only the preconditioning
     * changed), to 1e-8 of max|θ| — against an independent solver.
     */
    @Test
    void aSparseStochasticRidgeWithAnInterceptHasFewRatesRunsLazilyAndReachesTheMinimiser() {
        Penalty penalty = Penalty.l2(0.05);
        try (SparseDataset data = data(Precision.FLOAT64, true);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, Precision.FLOAT64, BackendOptions.defaults()))) {
            FitConfig sgd = FitConfig.builder().solver(Solver.SGD).penalty(penalty).build();
            assertTrue(CentredObjective.groupsRidgeRates(problem, sgd), "tall sparse, intercept, ridge, standardized by default");
            assertFalse(CentredObjective.groupsRidgeRates(problem, sgd.toBuilder().fitIntercept(false).build()), "no intercept");
            assertFalse(CentredObjective.groupsRidgeRates(problem, sgd.toBuilder().standardize(false).build()), "unscaled");
            assertFalse(CentredObjective.groupsRidgeRates(problem, sgd.toBuilder().solver(Solver.GD).build()), "full batch");
            try (CentredObjective exact = new CentredObjective(problem, true, true, penalty, true, null, false);
                 CentredObjective grid = new CentredObjective(problem, true, true, penalty, true, null, true)) {
                double[] e = exact.squaredScales();
                double[] g = grid.squaredScales();
                StochasticEpoch plan = grid.epochBuilder(EpochRows.of(3, 0, M, M, 0), 1).steps(0, t -> 0.01).build();
                double[] lambda = plan.ridge().copyToHost();
                java.util.Set<Double> rates = new java.util.HashSet<>();
                double low = Double.POSITIVE_INFINITY;
                double high = 0;
                for (int j = 0; j < N; j++) {
                    double ratio = g[j] / e[j];
                    assertTrue(ratio >= Math.pow(2, -0.125) * (1 - 1e-15) && ratio <= Math.pow(2, 0.125) * (1 + 1e-15), "S² " + j + ": " + ratio);
                    double rate = lambda[j] * g[j];
                    double quarters = 4 * Math.log(rate) / Math.log(2);
                    assertEquals(Math.rint(quarters), quarters, 1e-9, "λS² on the grid: " + rate);
                    rates.add(rate);
                    low = Math.min(low, rate);
                    high = Math.max(high, rate);
                }
                assertTrue(rates.size() <= 4 * Math.log(high / low) / Math.log(2) + 1.5, rates.size() + " rates in " + low + ".." + high);
                assertTrue(SparseLazyEpoch.decaysByGroup(plan) && SparseLazyEpoch.applies(plan), "lazy, one scale per group");
            }
        }
        try (SparseDataset data = data(Precision.FLOAT64, true)) {
            FitConfig full = FitConfig.builder().solver(Solver.MINIBATCH).batchSize(M).maxIterations(3000).tolerance(0)
                    .penalty(penalty).build();
            double[] fitted = dev.downhill.LinearRegression.fit(data, full).coefficients();
            double[] exact = dev.downhill.LinearRegression.fit(data, FitConfig.builder().solver(Solver.NORMAL).penalty(penalty).build())
                    .coefficients();
            double scale = 0;
            for (double v : exact) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertArrayEquals(exact, fitted, 1e-8 * scale);
        }
    }

    static Stream<Arguments> decayCases() {
        List<Arguments> list = new ArrayList<>();
        for (int batch : new int[] {1, 5, 40}) {
            for (boolean changing : new boolean[] {false, true}) {
                list.add(Arguments.of(batch, changing));
            }
        }
        return list.stream();
    }

    /**
     * The epoch operation with a decay per column (D, S², λ∘S² differing per column, weights, no intercept; a constant
     * step, or one that changes every step) on wide rows (columns met in several rows of a batch, long gaps between
     * touches): lazy = per-batch to rounding (θ, the last batch's gradient, Σwr²: 1e-12, tighter than the fits' 1e-10
     * for fewer steps), over two epochs; bulk-copied rows give the same bits; a changing step's prefix-sum table cut into
     * segments of 4 steps (every column brought up to date at each end) agrees to rounding too; and a plan it cannot run
     * lazily (an intercept; a step with ηλⱼS²ⱼ ≥ ¾, or above ¼ when it changes) is left to the per-batch loop.
     */
    @ParameterizedTest(name = "B={0} changing step={1}")
    @MethodSource("decayCases")
    void theEpochOperationDecaysPerColumnLazily(int batch, boolean changing) {
        final int n = WIDE_N;
        try (SparseDataset data = wideData(Precision.FLOAT64, true);
             ResidentProblem problem = new CpuBackend().loadSparse(data, Precision.FLOAT64, BackendOptions.defaults());
             BackendVector means = problem.allocateVector(n); BackendVector factors = problem.allocateVector(n);
             BackendVector squares = problem.allocateVector(n); BackendVector ridge = problem.allocateVector(n);
             BackendVector lazyTheta = problem.allocateVector(n); BackendVector lazyGradient = problem.allocateVector(n);
             BackendVector theta = problem.allocateVector(n); BackendVector gradient = problem.allocateVector(n);
             BackendVector copied = problem.allocateVector(n); BackendVector copiedGradient = problem.allocateVector(n)) {
            double[] d = new double[n];
            double[] s2 = new double[n];
            double[] lambda = new double[n];
            for (int j = 0; j < n; j++) {
                d[j] = j % 5 == 0 ? 0.5 : 1;
                s2[j] = 1.0 / (1 + 0.37 * (j % 3));
                lambda[j] = j % 11 == 0 ? 0 : 0.3 * (1 + j % 4); // λ∘S² between 0 and 1.2: ρ from 0.988 to 1
            }
            means.copyFromHost(problem.columnStatistics().means());
            factors.copyFromHost(d);
            squares.copyFromHost(s2);
            ridge.copyFromHost(lambda);
            java.util.function.LongToDoubleFunction rates = changing ? t -> 0.02 / (1 + 0.05 * t) : t -> 0.01;
            StochasticEpoch.Builder builder = StochasticEpoch.builder(EpochRows.of(9, 0, M, M - 20, 4), batch)
                    .steps(5, rates).target(0.5, 0).columnFactors(factors).squaredScales(squares).ridge(ridge);
            StochasticEpoch plan = builder.build();
            assertTrue(SparseLazyEpoch.decaysPerColumn(plan));
            assertTrue(SparseLazyEpoch.applies(plan));
            double[] start = new double[n];
            for (int j = 0; j < n; j++) {
                start[j] = Math.cos(j);
            }
            lazyTheta.copyFromHost(start);
            theta.copyFromHost(start);
            copied.copyFromHost(start);
            double[] segmented = start;
            for (int epoch = 0; epoch < 2; epoch++) {
                StochasticEpoch next = plan.next(epoch, 5 + epoch * plan.batches(), rates);
                StochasticEpoch.EpochSums lazy = problem.epoch(next, lazyTheta, lazyGradient);
                StochasticEpoch.EpochSums perBatch = StochasticEpoch.runPerBatch(problem, next, theta, gradient);
                StochasticEpoch.EpochSums viaCopies = SparseLazyEpoch.run(data.x(), data.x().values(), data.yPointer(),
                        data.weightsPointer(), Precision.FLOAT64, next, copied, copiedGradient, false);
                assertEquals(perBatch.steps(), lazy.steps());
                assertEquals(perBatch.sumOfSquares(), lazy.sumOfSquares(), 1e-12 * perBatch.sumOfSquares());
                assertArrayEquals(theta.copyToHost(), lazyTheta.copyToHost(), 1e-12, "θ after epoch " + epoch);
                assertArrayEquals(gradient.copyToHost(), lazyGradient.copyToHost(), 1e-12, "gradient, epoch " + epoch);
                assertEquals(lazy, viaCopies);
                assertArrayEquals(lazyTheta.copyToHost(), copied.copyToHost(), 0.0);
                assertArrayEquals(lazyGradient.copyToHost(), copiedGradient.copyToHost(), 0.0);
                try (BackendVector cut = problem.allocateVector(n); BackendVector cutGradient = problem.allocateVector(n)) {
                    cut.copyFromHost(segmented);
                    StochasticEpoch.EpochSums sums = SparseLazyEpoch.run(data.x(), data.x().values(), data.yPointer(),
                            data.weightsPointer(), Precision.FLOAT64, next, cut, cutGradient, true, 4 * 12);
                    segmented = cut.copyToHost();
                    assertEquals(perBatch.sumOfSquares(), sums.sumOfSquares(), 1e-12 * perBatch.sumOfSquares());
                    assertArrayEquals(theta.copyToHost(), segmented, 1e-12, "segmented θ after epoch " + epoch);
                    assertArrayEquals(gradient.copyToHost(), cutGradient.copyToHost(), 1e-12, "segmented gradient " + epoch);
                }
            }
            double[] moved = theta.copyToHost();
            double change = 0;
            for (int j = 0; j < n; j++) {
                change = Math.max(change, Math.abs(moved[j] - start[j]));
            }
            assertTrue(change > 0.01, "the epochs moved θ: " + change);
            assertFalse(SparseLazyEpoch.decaysPerColumn(builder.means(means).build()), "an intercept");
            assertTrue(SparseLazyEpoch.decaysByGroup(builder.means(means).build()), "an intercept: one scale per group of rates");
            builder = StochasticEpoch.builder(EpochRows.of(9, 0, M, M - 20, 4), batch).columnFactors(factors)
                    .squaredScales(squares).ridge(ridge); // max λⱼS²ⱼ = 1.2
            assertTrue(SparseLazyEpoch.applies(builder.steps(5, t -> 0.5).build()), "a constant ρⱼ ≥ 0.4");
            assertFalse(SparseLazyEpoch.applies(builder.steps(5, t -> 0.7).build()), "a constant ρⱼ ≤ ¼");
            assertTrue(SparseLazyEpoch.applies(builder.steps(0, t -> 0.2 / (1 + t)).build()), "a changing ηλⱼS²ⱼ ≤ 0.24");
            assertFalse(SparseLazyEpoch.applies(builder.steps(0, t -> 0.5 / (1 + t)).build()), "a changing ηλⱼS²ⱼ above ¼");
        }
    }

    /**
     * A column whose mean is 10⁸ of its spreads (x₀ = 10⁸ + N(0, 1), x₁ sparse N(0, 1)): the lazy epoch's residuals are
     * differences of sums ~10¹⁶ times their size there (sparse sgd diverged, minibatch "converged" with 500× the MSE),
     * so such a problem runs the per-batch loop, and the sparse fit is the dense fit of the same matrix, to rounding.
     */
    @Test
    void aColumnWhoseMeanDwarfsItsSpreadIsNotCentredLazily() {
        int m = 1000;
        SplittableRandom r = new SplittableRandom(5);
        double[][] dense = new double[m][2];
        double[] y = new double[m];
        long[] ptr = new long[m + 1];
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            dense[i][0] = 1e8 + r.nextGaussian();
            dense[i][1] = r.nextDouble() < 0.3 ? r.nextGaussian() : 0;
            for (int j = 0; j < 2; j++) {
                if (dense[i][j] != 0) {
                    cols.add(j);
                    vals.add(dense[i][j]);
                }
            }
            ptr[i + 1] = cols.size();
            y[i] = 2 * dense[i][0] - 3 * dense[i][1] + 1 + 0.01 * r.nextGaussian();
        }
        for (Solver solver : new Solver[] {Solver.SGD, Solver.MINIBATCH}) {
            CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                    vals.stream().mapToDouble(Double::doubleValue).toArray(), 2, Precision.FLOAT64); // the dataset owns it
            FitConfig config = FitConfig.builder().solver(solver).maxIterations(5).tolerance(0).seed(1).build();
            dev.downhill.FittedModel sparse;
            dev.downhill.FittedModel reference;
            try (SparseDataset data = SparseDataset.of(x, y)) {
                sparse = dev.downhill.LinearRegression.fit(data, config);
            }
            try (dev.downhill.Dataset data = dev.downhill.Dataset.of(dense, y)) {
                reference = dev.downhill.LinearRegression.fit(data, config);
            }
            for (int j = 0; j < 2; j++) {
                assertEquals(reference.coefficients()[j], sparse.coefficients()[j], 1e-6, solver + " θ[" + j + "]");
            }
            assertEquals(reference.coefficients()[1], -3, 0.01, solver + ": the dense fit is right");
        }
    }

    /** The epoch operation itself, with every ingredient (x̄, D, S², uniform λ∘S², weights): lazy = per-batch to rounding. */
    @Test
    void theEpochOperationRunsLazilyAndAgreesWithThePerBatchLoop() {
        try (SparseDataset data = data(Precision.FLOAT64, true);
             ResidentProblem problem = new CpuBackend().loadSparse(data, Precision.FLOAT64, BackendOptions.defaults());
             BackendVector means = problem.allocateVector(N); BackendVector factors = problem.allocateVector(N);
             BackendVector squares = problem.allocateVector(N); BackendVector ridge = problem.allocateVector(N);
             BackendVector lazyTheta = problem.allocateVector(N); BackendVector lazyGradient = problem.allocateVector(N);
             BackendVector theta = problem.allocateVector(N); BackendVector gradient = problem.allocateVector(N)) {
            double[] mean = problem.columnStatistics().means();
            double[] d = new double[N];
            double[] s2 = new double[N];
            double[] lambda = new double[N];
            for (int j = 0; j < N; j++) {
                d[j] = j % 5 == 0 ? 0.5 : 1;
                s2[j] = 1.0 / (1 + j % 3);
                lambda[j] = 0.01 / s2[j]; // λ∘S² uniform
            }
            means.copyFromHost(mean);
            factors.copyFromHost(d);
            squares.copyFromHost(s2);
            ridge.copyFromHost(lambda);
            StochasticEpoch plan = StochasticEpoch.builder(EpochRows.of(9, 0, M, M - 20, 4), 5).steps(0, t -> 0.01 / (1 + 0.01 * t))
                    .target(1, problem.columnStatistics().targetMean()).means(means).columnFactors(factors).squaredScales(squares)
                    .ridge(ridge).build();
            assertTrue(SparseLazyEpoch.applies(plan));
            double[] start = new double[N];
            for (int j = 0; j < N; j++) {
                start[j] = Math.cos(j);
            }
            lazyTheta.copyFromHost(start);
            theta.copyFromHost(start);
            StochasticEpoch.EpochSums lazy = problem.epoch(plan, lazyTheta, lazyGradient);
            StochasticEpoch.EpochSums perBatch = StochasticEpoch.runPerBatch(problem, plan, theta, gradient);
            assertEquals(perBatch.steps(), lazy.steps());
            assertEquals(perBatch.sumOfSquares(), lazy.sumOfSquares(), 1e-11 * perBatch.sumOfSquares());
            assertArrayEquals(theta.copyToHost(), lazyTheta.copyToHost(), 1e-11);
            assertArrayEquals(gradient.copyToHost(), lazyGradient.copyToHost(), 1e-11);
            for (Precision p : Precision.values()) { // rows read by bulk copies (arrays beyond one view) give the same bits
                try (SparseDataset other = data(p, true);
                     BackendVector a = problem.allocateVector(N); BackendVector b = problem.allocateVector(N);
                     BackendVector ga = problem.allocateVector(N); BackendVector gb = problem.allocateVector(N)) {
                    a.copyFromHost(start);
                    b.copyFromHost(start);
                    StochasticEpoch.EpochSums viaViews = SparseLazyEpoch.run(other.x(), other.x().values(), other.yPointer(),
                            other.weightsPointer(), p, plan, a, ga, true);
                    StochasticEpoch.EpochSums viaCopies = SparseLazyEpoch.run(other.x(), other.x().values(), other.yPointer(),
                            other.weightsPointer(), p, plan, b, gb, false);
                    assertEquals(viaViews, viaCopies);
                    assertArrayEquals(a.copyToHost(), b.copyToHost(), 0.0);
                    assertArrayEquals(ga.copyToHost(), gb.copyToHost(), 0.0);
                }
            }
            // no longer uniform, with an intercept: two rates, one scale per group (decaysByGroup) — lazy = per-batch to
            // rounding as above; with more distinct rates than it follows, the per-batch loop runs (same bits)
            lambda[3] *= 2;
            ridge.copyFromHost(lambda);
            assertTrue(SparseLazyEpoch.decaysByGroup(plan) && SparseLazyEpoch.applies(plan), "grouped");
            lazyTheta.copyFromHost(start);
            theta.copyFromHost(start);
            StochasticEpoch.EpochSums grouped = problem.epoch(plan, lazyTheta, lazyGradient);
            StochasticEpoch.EpochSums loop = StochasticEpoch.runPerBatch(problem, plan, theta, gradient);
            assertEquals(loop.steps(), grouped.steps());
            assertEquals(loop.sumOfSquares(), grouped.sumOfSquares(), 1e-11 * loop.sumOfSquares());
            assertArrayEquals(theta.copyToHost(), lazyTheta.copyToHost(), 1e-11);
            assertArrayEquals(gradient.copyToHost(), lazyGradient.copyToHost(), 1e-11);
            double[] many = new double[SparseLazyEpoch.MAX_RATE_GROUPS + 1];
            double[] ones = new double[many.length];
            for (int j = 0; j < many.length; j++) {
                many[j] = 0.01 * (1 + j);
                ones[j] = 1;
            }
            try (BackendVector manyRates = problem.allocateVector(many.length);
                 BackendVector unitScales = problem.allocateVector(many.length);
                 BackendVector wideMeans = problem.allocateVector(many.length)) {
                manyRates.copyFromHost(many);
                unitScales.copyFromHost(ones);
                wideMeans.copyFromHost(ones);
                StochasticEpoch tooMany = StochasticEpoch.builder(EpochRows.of(9, 0, M, M - 20, 4), 5).steps(0, t -> 0.01)
                        .target(1, 0).means(wideMeans).squaredScales(unitScales).ridge(manyRates).build();
                assertFalse(SparseLazyEpoch.decaysByGroup(tooMany), (SparseLazyEpoch.MAX_RATE_GROUPS + 1) + " rates");
            }
        }
    }

    static Stream<Arguments> nativeCases() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (int batch : new int[] {1, 5}) {
                for (int variant = 0; variant < 6; variant++) {
                    list.add(Arguments.of(p, batch, variant, false, CpuProblem.EPOCH_CHUNK));
                }
            }
            for (int variant : new int[] {0, 1, 4}) { // long rows; the native epoch in calls of 1, 2 and 3 batches
                list.add(Arguments.of(p, 1, variant, true, 1 + variant % 3));
                list.add(Arguments.of(p, 5, variant, true, CpuProblem.EPOCH_CHUNK));
                list.add(Arguments.of(p, 5, variant, true, 2 + variant % 2));
            }
        }
        return list.stream();
    }

    /**
     * The native lazy epoch ({@link CsrLazyEpoch}, what the cpu backend runs) against the Java loop it ports
     * ({@link SparseLazyEpoch#run}): θ, the last batch's gradient and Σwr², bit for bit. Variants: 0 every ingredient
     * (x̄, D, S², a uniform λ∘S², weights); 1 no intercept and no weights; 2 a λ∘S² so strong that every step is taken
     * densely (the fold path); 3, 4, 5 the same without D and S² — the compact column state of the native loop
     * ({@code PlainLazyColumn}), which must give the same bits.
     */
    @ParameterizedTest(name = "{0} B={1} variant={2} wide={3} chunk={4}")
    @MethodSource("nativeCases")
    void theNativeLazyEpochGivesTheJavaLoopsBits(Precision precision, int batch, int variant, boolean wide, int chunk) {
        org.junit.jupiter.api.Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        boolean weighted = variant % 3 != 1;
        boolean plain = variant >= 3; // no D, no S²
        final int n = wide ? WIDE_N : N;
        try (SparseDataset data = wide ? wideData(precision, weighted) : data(precision, weighted);
             ResidentProblem problem = new CpuBackend().loadSparse(data, precision, BackendOptions.defaults());
             BackendVector means = problem.allocateVector(n); BackendVector factors = problem.allocateVector(n);
             BackendVector squares = problem.allocateVector(n); BackendVector ridge = problem.allocateVector(n);
             BackendVector a = problem.allocateVector(n); BackendVector ga = problem.allocateVector(n);
             BackendVector b = problem.allocateVector(n); BackendVector gb = problem.allocateVector(n)) {
            double[] d = new double[n];
            double[] s2 = new double[n];
            double[] lambda = new double[n];
            for (int j = 0; j < n; j++) {
                d[j] = plain ? 1 : j % 5 == 0 ? 0.5 : 1;
                s2[j] = plain ? 1 : 1.0 / (1 << (j % 3)); // powers of two: λ∘S² stays uniform in float32 vectors too
                lambda[j] = (variant % 3 == 2 ? 90 : 0.01) / s2[j]; // λ∘S² uniform; 90·0.01 = 0.9: every step shrinks θ below ¼
            }
            means.copyFromHost(problem.columnStatistics().means());
            factors.copyFromHost(d);
            squares.copyFromHost(s2);
            ridge.copyFromHost(lambda);
            StochasticEpoch.Builder builder = StochasticEpoch.builder(EpochRows.of(9, 1, M, M - 20, 4), batch)
                    .steps(3, t -> 0.01 / (1 + 0.01 * t)).target(1, problem.columnStatistics().targetMean()).ridge(ridge);
            if (!plain) {
                builder.columnFactors(factors).squaredScales(squares);
            }
            if (variant % 3 != 1) {
                builder.means(means);
            }
            StochasticEpoch plan = builder.build();
            assertTrue(SparseLazyEpoch.applies(plan));
            double[] start = new double[n];
            for (int j = 0; j < n; j++) {
                start[j] = Math.cos(j);
            }
            a.copyFromHost(start);
            b.copyFromHost(start);
            try (CsrLazyEpoch lazy = new CsrLazyEpoch()) { // two epochs: the second reuses the first's scratch
                for (int epoch = 0; epoch < 2; epoch++) {
                    StochasticEpoch.EpochSums java = SparseLazyEpoch.run(data.x(), data.x().values(), data.yPointer(),
                            data.weightsPointer(), precision, plan, a, ga);
                    StochasticEpoch.EpochSums nativeSums = lazy.run(data.x(), data.x().values(), data.yPointer(),
                            data.weightsPointer(), precision, plan, b, gb, chunk);
                    assertEquals(java, nativeSums, "epoch " + epoch);
                    assertArrayEquals(a.copyToHost(), b.copyToHost(), 0.0, "θ after epoch " + epoch);
                    assertArrayEquals(ga.copyToHost(), gb.copyToHost(), 0.0, "the last batch's gradient, epoch " + epoch);
                    assertTrue(java.sumOfSquares() > 0);
                }
            }
        }
    }
}
