package dev.downhill.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Dataset;
import dev.downhill.Penalty;
import dev.downhill.Precision;
import dev.downhill.SparseDataset;
import dev.downhill.internal.CentredObjective;
import dev.downhill.internal.CheckedProblem;
import dev.downhill.io.CsrMatrix;
import dev.downhill.spi.BackendOptions;
import dev.downhill.spi.BackendVector;
import dev.downhill.spi.EpochRows;
import dev.downhill.spi.ResidentProblem;
import dev.downhill.spi.SparseLazyEpoch;
import dev.downhill.spi.StochasticEpoch;
import dev.downhill.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Averaged SGD in the native epochs ({@link StochasticEpoch#average()}): θ̄ (float64) after every step, with the
 * roundings of {@link StochasticEpoch#averageStep} — the native epoch (dense: the register loop of narrow rows, the single-row loop,
 * the general batch loop, batches split across threads; CSR) gives {@link StochasticEpoch#runPerBatch}'s θ, gradient and
 * θ̄ bit for bit, averaging from the first step or from one in the middle of an epoch; and θ̄ is the mean of the
 * iterates, checked against a float64 mean of θ taken after each of the steps (one-step epochs).
 */
class CpuAveragedEpochTest {
    static Stream<Arguments> dense() {
        List<Arguments> list = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (long from : new long[] {1, -1}) { // −1: from the middle of the second epoch
                list.add(Arguments.of(p, 1, 6, false, 2, from));   // narrow rows in registers (no column factors)
                list.add(Arguments.of(p, 1, 40, true, 2, from));   // the single-row loop (column factors)
                list.add(Arguments.of(p, 7, 6, true, 1, from));    // the general batch loop
                list.add(Arguments.of(p, 30, 6, true, 3, from));   // batches split across three threads
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} B={1} n={2} large column={3} threads={4} from step {5} (−1: mid-epoch 2)")
    @MethodSource("dense")
    void denseNativeEpochAveragesAsThePerBatchLoop(Precision precision, int batch, int n, boolean largeColumn, int threads,
                                                   long from) {
        Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        int m = 301;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.8, 0.4, 100 + n);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            w[i] = 0.5 + (i % 5) * 0.3;
            if (largeColumn) {
                t.x[i][2] *= 5e6; // D ≠ I with standardization
            }
        }
        long before = EpochKernels.epoch_split_values(8);
        long first = from > 0 ? from : middleOfSecondEpoch(m - 20, batch);
        try (Dataset data = Dataset.of(t.x, t.y, w);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, precision,
                     BackendOptions.builder().threads(threads).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.02, 0.5), true)) {
            if (threads > 1 && batch > 1) {
                assertTrue(EpochKernels.batch_chunks(batch, n, threads) > 1, "full batches are split");
            }
            assertAveragedEpochsEqual(problem, objective, EpochRows.of(5, 0, m, m - 20, 8), batch, first, n);
        } finally {
            EpochKernels.epoch_split_values(before);
        }
    }

    /**
     * An epoch of 40,000 one-row batches in three native calls (EPOCH_CHUNK = 16,384 batches a call at the lowest rows per
     * call): the averaging factors of each call start at its first batch's global step (averaging from the middle of the
     * second call).
     */
    @Test
    void averagingFactorsFollowTheGlobalStepAcrossNativeCalls() {
        Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        int m = 40_000;
        int n = 6;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.8, 0.4, 77);
        int previous = CpuProblem.epochRowsPerCall(1);
        try (Dataset data = Dataset.of(t.x, t.y);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().load(data, Precision.FLOAT32,
                     BackendOptions.builder().threads(2).build()));
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.l2(0.01), true)) {
            assertAveragedEpochsEqual(problem, objective, EpochRows.of(9, 0, m, m, 8), 1, 20_000, n);
        } finally {
            CpuProblem.epochRowsPerCall(previous);
        }
    }

    @ParameterizedTest(name = "{0} B={1} from step {2} (−1: mid-epoch 2)")
    @MethodSource("csr")
    void csrNativeEpochAveragesAsThePerBatchLoop(Precision precision, int batch, long from) {
        Assumptions.assumeTrue(EpochKernels.available(), "native epoch kernels");
        int m = 211;
        int n = 9;
        try (SparseDataset data = sparse(m, n, precision);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, precision, BackendOptions.defaults()));
             // an l1 term: the native CSR epoch (the lazy one takes no l1 term)
             CentredObjective objective = new CentredObjective(problem, true, true, Penalty.elasticNet(0.01, 0.5), true)) {
            assertTrue(!SparseLazyEpoch.applies(objective.epochBuilder(EpochRows.of(3, 0, m, m, 8), batch).steps(0, s -> 0.01)
                    .build()), "not lazy");
            assertAveragedEpochsEqual(problem, objective, EpochRows.of(3, 0, m, m, 8), batch,
                    from > 0 ? from : middleOfSecondEpoch(m, batch), n);
        }
    }

    static Stream<Arguments> csr() {
        return Stream.of(Arguments.of(Precision.FLOAT64, 1, 1L), Arguments.of(Precision.FLOAT32, 1, -1L),
                Arguments.of(Precision.FLOAT64, 8, -1L), Arguments.of(Precision.FLOAT32, 8, 1L));
    }

    /** The step (from 1) in the middle of the second epoch of {@code train} rows in batches of {@code batch}. */
    private static long middleOfSecondEpoch(long train, int batch) {
        long batches = (train + batch - 1) / batch;
        return batches + batches / 2 + 1;
    }

    static Stream<Arguments> lazy() {
        // penalty, intercept, standardize, B, rate (NaN: 0.8/λ₀, every step shrinking θ by more than three quarters), from
        return Stream.of(Arguments.of(Penalty.none(), true, false, 1, 0.01, 1L),
                Arguments.of(Penalty.none(), false, true, 7, 0.01, -1L),
                Arguments.of(Penalty.l2(0.05), true, false, 7, 0.01, 1L),        // uniform λ (unstandardized)
                Arguments.of(Penalty.l2(20), true, false, 1, Double.NaN, -1L),    // uniform, every step dense (folds)
                Arguments.of(Penalty.l2(0.05), true, true, 1, 0.01, -1L),         // grouped rates
                Arguments.of(Penalty.l2(20), true, true, 7, 0.45, 1L));           // grouped, dense steps
    }

    /**
     * Averaging in the lazy sparse epoch (uniform and grouped forms, their dense steps included): θ̄ kept as A·v − u + C·d
     * agrees with the per-batch loop's θ̄ after each of 3 epochs to float64 rounding grown over them (relative 1e-10 of
     * max|θ̄|, the lazy epoch's standard for θ), as does θ.
     */
    @ParameterizedTest(name = "{0} intercept={1} std={2} B={3} η={4} from {5} (−1: mid-epoch 2)")
    @MethodSource("lazy")
    void theLazySparseEpochAveragesAsThePerBatchLoop(Penalty penalty, boolean intercept, boolean standardize, int batch,
                                                     double eta, long from) {
        int m = 211;
        int n = 9;
        try (SparseDataset data = sparse(m, n, Precision.FLOAT64);
             ResidentProblem problem = CheckedProblem.of(new CpuBackend().loadSparse(data, Precision.FLOAT64,
                     BackendOptions.defaults()));
             CentredObjective objective = new CentredObjective(problem, intercept, standardize, penalty, true);
             BackendVector theta1 = problem.allocateVector(n); BackendVector g1 = problem.allocateVector(n);
             BackendVector theta2 = problem.allocateVector(n); BackendVector g2 = problem.allocateVector(n)) {
            double[] avg1 = new double[n];
            double[] avg2 = new double[n];
            EpochRows rows = EpochRows.of(3, 0, m, m, 8);
            long first = from > 0 ? from : middleOfSecondEpoch(m, batch);
            double rate = Double.isNaN(eta) ? 0.8 / objective.epochBuilder(rows, batch).steps(0, s -> 1).build().ridge()
                    .copyToHost()[0] : eta;
            LongToDoubleFunction steps = s -> rate;
            StochasticEpoch base1 = objective.epochBuilder(rows, batch).steps(0, steps).average(avg1, first).build();
            StochasticEpoch base2 = objective.epochBuilder(rows, batch).steps(0, steps).average(avg2, first).build();
            assertTrue(SparseLazyEpoch.applies(base1), "lazy");
            assertEquals(standardize && penalty.isActive(), SparseLazyEpoch.decaysByGroup(base1), "grouped");
            long taken = 0;
            for (int e = 0; e < 3; e++) {
                StochasticEpoch.EpochSums a = problem.epoch(base1.next(e, taken, steps), theta1, g1);
                StochasticEpoch.EpochSums b = StochasticEpoch.runPerBatch(problem, base2.next(e, taken, steps), theta2, g2);
                assertEquals(b.steps(), a.steps());
                assertClose(theta2.copyToHost(), theta1.copyToHost(), "θ after epoch " + e);
                assertClose(avg2.clone(), avg1.clone(), "θ̄ after epoch " + e);
                taken += a.steps();
            }
            assertNotEquals(theta1.copyToHost()[n - 1], avg1.clone()[n - 1], "θ̄ is not the last iterate");
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], 1e-10 * scale, what + "[" + j + "]"); // (0 before averaging begins)
        }
    }

    /**
     * θ̄ is the mean of the iterates: epochs of one step each (B = m), averaging from step 3, against the float64 mean
     * of θ read after each step — within a few ulps of float64 (the running mean's roundings), on a float32 problem too:
     * θ̄ is float64 whatever θ's precision (in float32 it would be ~1e-7 off here, and a long fit's updates would be lost).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Precision.class)
    void theAverageIsTheMeanOfTheIteratesFromItsFirstStep(Precision precision) {
        int m = 40;
        int n = 5;
        long from = 3;
        TestData t = TestData.gaussian(m, n, TestData.ramp(n), 0.5, 0.3, 9);
        try (Dataset data = Dataset.of(t.x, t.y);
             ResidentProblem problem = new CpuBackend().load(data, precision, BackendOptions.defaults());
             CentredObjective objective = new CentredObjective(problem, true, false, Penalty.none(), true);
             BackendVector theta = problem.allocateVector(n);
             BackendVector gradient = problem.allocateVector(n)) {
            double[] average = new double[n];
            StochasticEpoch base = objective.epochBuilder(EpochRows.of(3, 0, m, m, 8), m).steps(0, s -> 0.05)
                    .average(average, from).build();
            double[] sum = new double[n];
            int averaged = 0;
            for (int e = 0; e < 12; e++) {
                problem.epoch(base.next(e, e, s -> 0.05), theta, gradient);
                if (e + 1 >= from) {
                    double[] th = theta.copyToHost();
                    for (int j = 0; j < n; j++) {
                        sum[j] += th[j];
                    }
                    averaged++;
                }
            }
            double[] got = average.clone();
            for (int j = 0; j < n; j++) {
                double mean = sum[j] / averaged;
                assertEquals(mean, got[j], 8 * Math.ulp(Math.abs(mean)) + 1e-300, "θ̄_" + j);
            }
            assertNotEquals(theta.copyToHost()[0], got[0], "θ̄ differs from the last iterate");
        }
    }

    /**
     * Three epochs of one plan through the problem's epoch (its own θ, g, θ̄) and through the per-batch loop (another
     * θ, g, θ̄): equal bit for bit after each epoch.
     */
    private static void assertAveragedEpochsEqual(ResidentProblem problem, CentredObjective objective, EpochRows rows,
                                                  int batch, long from, int n) {
        LongToDoubleFunction rate = s -> 0.01 / Math.sqrt(s + 1.0);
        try (BackendVector theta1 = problem.allocateVector(n); BackendVector g1 = problem.allocateVector(n);
             BackendVector theta2 = problem.allocateVector(n); BackendVector g2 = problem.allocateVector(n)) {
            double[] avg1 = new double[n];
            double[] avg2 = new double[n];
            StochasticEpoch base1 = objective.epochBuilder(rows, batch).steps(0, rate).average(avg1, from).build();
            StochasticEpoch base2 = objective.epochBuilder(rows, batch).steps(0, rate).average(avg2, from).build();
            long steps = 0;
            for (int e = 0; e < 3; e++) {
                StochasticEpoch.EpochSums a = problem.epoch(base1.next(e, steps, rate), theta1, g1);
                StochasticEpoch.EpochSums b = StochasticEpoch.runPerBatch(problem, base2.next(e, steps, rate), theta2, g2);
                assertEquals(b.sumOfSquares(), a.sumOfSquares(), 0.0, "epoch " + e + "'s Σwr²");
                assertArrayEquals(theta2.copyToHost(), theta1.copyToHost(), "θ after epoch " + e);
                assertArrayEquals(g2.copyToHost(), g1.copyToHost(), "last gradient of epoch " + e);
                assertArrayEquals(avg2.clone(), avg1.clone(), "θ̄ after epoch " + e);
                steps += a.steps();
            }
            assertNotEquals(0.0, avg1.clone()[n - 1], "θ̄ moved");
            assertNotEquals(theta1.copyToHost()[n - 1], avg1.clone()[n - 1], "θ̄ is not the last iterate");
        }
    }

    /** m × n CSR rows at ~30 % density, offsets so that centring matters, y linear plus noise, weights 0.5 … 1.5. */
    private static SparseDataset sparse(int m, int n, Precision p) {
        SplittableRandom r = new SplittableRandom(5);
        List<Integer> cols = new ArrayList<>();
        List<Double> vals = new ArrayList<>();
        long[] ptr = new long[m + 1];
        double[] y = new double[m];
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (r.nextDouble() < 0.3) {
                    double v = r.nextGaussian() * (1 + j % 3) + (j % 4 == 0 ? 3 : 0);
                    cols.add(j);
                    vals.add(v);
                    y[i] += v * Math.sin(j + 1);
                }
            }
            y[i] += 0.3 * r.nextGaussian() + 2;
            ptr[i + 1] = cols.size();
            w[i] = 0.5 + r.nextDouble();
        }
        CsrMatrix x = CsrMatrix.of(ptr, cols.stream().mapToInt(Integer::intValue).toArray(),
                vals.stream().mapToDouble(Double::doubleValue).toArray(), n, p);
        return SparseDataset.of(x, y).withWeights(w);
    }
}
